# ipgs: `make demo` runs the main job, `make test` runs every test.
# Both install what they need first (make deps), idempotently.

SHELL      := /bin/bash
GO         ?= go
SHARED     ?= ../shared
BIN        := $(CURDIR)/bin
DATA       := $(CURDIR)/data
PY         := /usr/bin/python3
FUZZTIME   ?= 5s
export GOFLAGS := -buildvcs=false

# Debian packages the tests, the demo and the references use.
APT_PKGS := python3-skyfield python3-sgp4 glpk-utils libhamlib-utils tmux socat direwolf rtl-433 iproute2 \
            libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev pkg-config \
            xvfb xauth imagemagick stress-ng tesseract-ocr xdotool libfec-dev gr-satellites gnuradio \
            sox libsox-fmt-all
# node and npm are checked as commands: some machines carry them outside Debian's packages
APT_CMDS := node:nodejs npm:npm

.PHONY: bench-gui all build demo test deps deps-apt deps-go deps-npm deps-influxd bench-ingest bench-modem \
        vet unit fuzz bench bench-passes bench-schedule bench-goodput bench-cgr bench-scale bench-ltp bench-control testdata-passes nogui clean

all: build

build:
	$(GO) build -o $(BIN)/ipgs ./cmd/ipgs

## deps: install whatever is missing (apt packages, Go modules, npm references, influxd)
deps: deps-apt deps-go deps-npm deps-influxd

deps-apt:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	for pc in $(APT_CMDS); do command -v $${pc%%:*} >/dev/null || missing="$$missing $${pc#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	else echo "deps: Debian packages present"; fi

deps-go:
	@echo "deps: Go modules (go mod download)"; $(GO) mod download

deps-npm:
	@if [ -d refs/satjs/node_modules/satellite.js ]; then echo "deps: satellite.js present in refs/satjs"; \
	else echo "deps: installing satellite.js into refs/satjs (npm)"; \
	  (cd refs/satjs && npm install --no-audit --no-fund --loglevel=error); fi

# influxd 1.8.3 built from source into ./bin (about 2 minutes the first time).
deps-influxd:
	@if [ -x $(BIN)/influxd ]; then echo "deps: influxd present in bin/"; \
	else echo "deps: building influxd v1.8.3 into bin/ (about 2 min)"; \
	  GOBIN=$(BIN) $(GO) install github.com/influxdata/influxdb/cmd/influxd@v1.8.3; fi

## demo: fly the example constellation for 12 h on an accelerated clock:
## emulator and three stations over KISS/TCP, live lines, then the accounting
demo: deps build
	@echo "== the next 12 h of passes of the example constellation =="
	$(BIN)/ipgs passes --stations examples/mission.yaml --duration 12h | head -20
	@echo "   ..."
	@echo
	@mkdir -p $(DATA)
	set -o pipefail; $(BIN)/ipgs demo --config examples/mission.yaml --duration 24h --speed 4000 --influxd $(BIN)/influxd | tee $(DATA)/demo.log
	@echo
	@# which drones pass over the stations depends on the time of day: read back the one with the most packets on the ground
	@sat=$$(awk '$$1 ~ /^9[0-9]+$$/ && NF == 7 && $$4 > m { m = $$4; s = $$1 } END { print s }' $(DATA)/demo.log); \
	echo "== telemetry read back from the local store: $$sat's battery, last 5 values =="; \
	echo "$(BIN)/ipgs tm query $$sat battery --since 24h --last 5 --local"; \
	$(BIN)/ipgs tm query $$sat battery --config examples/mission.yaml --since 24h --last 5 --local --data $$(ls -d $(DATA)/demo-* | tail -1)
	$(BIN)/ipgs tm alarms --config examples/mission.yaml --data $$(ls -d $(DATA)/demo-* | tail -1)

## test: vet, every unit and integration test, then each fuzz target briefly
test: deps vet unit nogui fuzz

# go vet and staticcheck (pinned; built into ./bin from the Go module proxy once)
STATICCHECK := v0.8.2
vet:
	$(GO) vet ./...
	@[ -x $(BIN)/staticcheck ] && $(BIN)/staticcheck -version | grep -q '$(STATICCHECK:v%=%)' || \
	  { echo "deps: building staticcheck $(STATICCHECK) into bin/"; GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK); }
	$(BIN)/staticcheck ./...

# The emulator's whole-day tests run on a simulated clock (testing/synctest):
# a loaded machine makes them slower, never different.
unit:
	$(GO) test -count=1 ./...

fuzz:
	@FUZZTIME=$(FUZZTIME) tools/fuzz.sh

## bench: pass prediction against satellite.js, schedules against GLPK,
## telemetry ingest against InfluxDB's own ceiling, each measured in the same run,
## and bundle goodput over the emulator against the link's payload rate
bench: deps build bench-passes bench-schedule bench-ingest bench-goodput bench-cgr bench-scale bench-ltp bench-control bench-modem bench-gui

bench-gui:
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench 'Frame|Orbits' -benchtime 10x ./gui

bench-modem:
	$(BIN)/ipgs bench modem
	$(GO) test -run '^$$' -bench . -benchtime 2x ./sdr/modem ./sdr/iq
	$(GO) test -run '^$$' -bench FortyMinutes -benchtime 1x ./sdr/recording

bench-cgr:
	$(GO) test -run '^$$' -bench LargeNetwork -benchtime 5x ./uplink/cgr

bench-scale:
	@# on tmpfs when there is one: the stores' fsyncs are the disk's speed, not ipgs's
	IPGS_SCALE=50,10 TMPDIR=$$(test -d /dev/shm && echo /dev/shm || echo /tmp) $(GO) test -count=1 -run TestConstellationDay -v -timeout 30m ./sim | grep -E 'scale_test|ok|FAIL'
	IPGS_SCALE=500,30 TMPDIR=$$(test -d /dev/shm && echo /dev/shm || echo /tmp) $(GO) test -count=1 -run TestConstellationDay -v -timeout 60m ./sim | grep -E 'scale_test|ok|FAIL'

bench-control:
	$(GO) test -run '^$$' -bench NetworkDay -benchtime 1x -v ./uplink/control | grep -E 'scale_test|ok|FAIL'

bench-ltp:
	$(GO) test -run '^$$' -bench Goodput -benchtime 1x -v ./uplink/ltp | grep -E 'goodput|ok|FAIL'

bench-goodput:
	$(GO) test -run '^$$' -bench BundleGoodput -benchtime 1x ./sim

bench-ingest:
	$(BIN)/ipgs bench ingest

bench-schedule:
	$(BIN)/ipgs bench schedule --shared $(SHARED)

bench-passes:
	@mkdir -p $(DATA)/bench
	@cp $(SHARED)/tools/satjs_passes.mjs refs/satjs/passes.mjs
	$(BIN)/ipgs bench passes --satjs refs/satjs/passes.mjs --shared $(SHARED)

## testdata-passes: regenerate the skyfield reference passes (about 3 min)
testdata-passes:
	cd scheduler/passes/testdata && \
	$(PY) $(CURDIR)/$(SHARED)/tools/ref_passes.py --tle $(CURDIR)/$(SHARED)/data/orbit/tles_100.txt \
	  --stations $(CURDIR)/$(SHARED)/data/orbit/stations_10.csv --start 2025-03-01T00:00:00Z --duration 7d \
	  --min-el 10 --extra --jobs 2 -o ref_tles100_st10_7d.csv && gzip -9 -n -f ref_tles100_st10_7d.csv && \
	$(PY) $(CURDIR)/$(SHARED)/tools/ref_passes.py --tle $(CURDIR)/$(SHARED)/data/orbit/tles_real_sample_2020-04.txt \
	  --stations $(CURDIR)/$(SHARED)/data/orbit/stations_10.csv --start 2020-04-12T00:00:00Z --duration 7d \
	  --min-el 10 --extra --jobs 2 -o ref_real12_st10_7d.csv

## nogui: the headless station build
nogui:
	CGO_ENABLED=0 $(GO) build -tags nogui -o $(BIN)/ipgs-nogui ./cmd/ipgs

clean:
	rm -rf $(BIN)/ipgs $(BIN)/ipgs-nogui $(DATA)/bench
