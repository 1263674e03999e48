package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/station"
)

// readAll is every message of a stream (under filter), decoded.
func readStream[T any](c *control.Client, stream string) ([]T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.JetStream().Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	last := info.State.LastSeq
	var out []T
	if last == 0 {
		return out, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	for {
		m, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			return nil, fmt.Errorf("%s: %d messages read of %d: %w", stream, len(out), last, err)
		}
		var v T
		if err := json.Unmarshal(m.Data(), &v); err != nil {
			return nil, fmt.Errorf("%s: %v", m.Subject(), err)
		}
		out = append(out, v)
		if meta, err := m.Metadata(); err == nil && meta.Sequence.Stream >= last {
			return out, nil
		}
	}
}

// mustRead is readStream that fails the test on an error that lasts a
// minute (a cluster that lost a server elects new leaders meanwhile).
func mustRead[T any](t *testing.T, c *control.Client, stream string) []T {
	t.Helper()
	var err error
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(time.Second) {
		var out []T
		if out, err = readStream[T](c, stream); err == nil {
			return out
		}
	}
	t.Fatal(err)
	return nil
}

// TestControlPlaneCluster is issue 25's must-show: the emulator, three
// station processes and the control service on a three-server NATS
// cluster (JetStream replicas 3) on loopback. An operator queues a
// command for every drone at the start and again after the kills; in
// the middle of one of Perth's contacts, Perth is killed with SIGKILL
// and one NATS server shut down. Every command is executed, each
// uplinked by one station (one Perth held when it died may go again
// from another once its claim ran out: the drone runs an id once);
// Perth's contacts go to the others while it is silent and it has its
// own again once it is back; every pass report and every stage each
// station recorded is in the control plane's streams.
func TestControlPlaneCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five processes and a NATS cluster for about two minutes")
	}
	t.Parallel() // a process test on the wall clock: alongside the others like it
	dir := t.TempDir()
	mf := relayMission(t, dir)
	// Wallops moved to Kalgoorlie, 550 km from Perth: it shares Perth's
	// sky, so that Perth's passes have somewhere to go (the example's
	// stations are too far apart to share a pass)
	b, _ := os.ReadFile(mf)
	moved := strings.Replace(string(b), "lat: 37.9402\n    lon: -75.4664", "lat: -30.7489\n    lon: 121.4660", 1)
	if moved == string(b) {
		t.Fatal("Wallops not found in the example mission")
	}
	os.WriteFile(mf, []byte(moved), 0o644)
	data := filepath.Join(dir, "data")
	if out, errs, code := run(t, "control", "init", "--config", mf, "--data", data, "--operator", "alice", "--viewer", "vic"); code != 0 {
		t.Fatalf("control init: %s %s", out, errs)
	}
	ro, err := control.LoadRoster(filepath.Join(data, "control", "roster.json"))
	if err != nil {
		t.Fatal(err)
	}
	servers, err := control.StartCluster(3, ro.Users, func(int) string { return filepath.Join(t.TempDir(), "js") })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range servers {
			s.Shutdown()
		}
	})
	var urls []string
	for _, s := range servers {
		urls = append(urls, s.URL())
	}
	nats := strings.Join(urls, ",")

	const speed = 120
	start := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	const span = 4 * time.Hour
	anchor := time.Now().Add(8 * time.Second).Truncate(time.Second)
	wall := func(v time.Time) time.Time { return anchor.Add(v.Sub(start) / speed) }
	// how long to wait for something due by virtual time v: at least a
	// minute of the wall clock (a loaded machine; a cluster electing new
	// leaders after a lost server)
	until := func(v time.Time) time.Duration { return max(time.Until(wall(v)), time.Minute) }
	common := []string{"--config", mf, "--data", data, "--start", start.Format(time.RFC3339), "--speed", fmt.Sprint(speed),
		"--wall-start", anchor.Format(time.RFC3339), "--duration", span.String()}
	base := freePorts(t, 3)
	emu := startProc(t, dir, "sim", append([]string{"sim", "--base-port", fmt.Sprint(base)}, common...)...)
	ctl := startProc(t, dir, "control", append([]string{"control", "serve", "--servers", nats, "--replicas", "3", "--silence", "5m"}, common...)...)
	names := []string{"Tromso", "Wallops", "Perth"}
	stationArgs := func(name string, port int) []string {
		return append([]string{"station", "run", "--station", name, "--tnc", fmt.Sprintf("127.0.0.1:%d", port), "--rig", "none", "--rotator", "none",
			"--control", nats}, common...)
	}
	sts := map[string]*proc{}
	for i, name := range names {
		sts[name] = startProc(t, dir, name, stationArgs(name, base+i)...)
	}
	logOnFailure(t, emu, ctl, sts["Tromso"], sts["Wallops"], sts["Perth"])

	alice, err := ground.ConnectControl(nats, filepath.Join(data, "control"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	vic, err := ground.ConnectControl(nats, filepath.Join(data, "control"), "vic")
	if err != nil {
		t.Fatal(err)
	}
	defer vic.Close()
	var v1 control.PlanMsg
	poll(t, 60*time.Second, "plan version 1 on the control plane", func() bool {
		ps, _ := readStream[control.PlanMsg](vic, control.StreamPlan)
		if len(ps) == 0 {
			return false
		}
		v1 = ps[0]
		return true
	})
	sats := map[int]bool{}
	for _, c := range v1.Contacts {
		sats[c.Sat] = true
	}
	ctx := context.Background()
	var ids []uint32
	queueAll := func(round string) {
		for sat := range sats {
			if sat == 90007 {
				continue // the second bus: its LOG is another opcode
			}
			var q control.Queued
			rec := command.Record{Sat: sat, Name: "LOG", Opcode: 260, Args: []string{"text=" + round}, Payload: append([]byte{byte(len(round))}, round...)}
			if err := alice.Ask(ctx, control.VerbQueue, control.Request{Command: &rec}, &q); err != nil {
				t.Fatalf("queue for %d: %v", sat, err)
			}
			ids = append(ids, q.ID)
		}
	}
	queueAll("first")
	// the viewer: refused
	if err := vic.Ask(ctx, control.VerbQueue, control.Request{Command: &command.Record{Sat: 90001, Name: "PING", Opcode: 1}}, nil); err == nil {
		t.Fatal("the viewer queued a command")
	}

	// kill Perth in the middle of a contact half an hour or more in, and
	// one NATS server with it
	var at time.Time
	for _, c := range v1.Contacts {
		if c.Station == "Perth" && c.Start.After(start.Add(30*time.Minute)) {
			at = c.Start.Add(c.End.Sub(c.Start) / 2)
			break
		}
	}
	if at.IsZero() {
		t.Fatal("Perth has no contact after the first half hour")
	}
	sleepUntil(wall(at))
	sts["Perth"].kill9()
	servers[0].Shutdown()
	t.Logf("Perth and NATS server 0 killed at %s (virtual)", at.Format("15:04:05"))
	queueAll("second")

	// silent for 5 minutes: its contacts go to the others
	var down control.PlanMsg
	poll(t, until(at.Add(30*time.Minute)), "a plan without Perth", func() bool {
		ps, _ := readStream[control.PlanMsg](vic, control.StreamPlan)
		for _, p := range ps {
			if slices.Contains(p.Down, "Perth") {
				down = p
				return true
			}
		}
		return false
	})
	prev := map[string]bool{}
	for _, c := range v1.Contacts {
		prev[fmt.Sprint(c.Sat, c.Station, c.Start.Unix())] = true
	}
	gained := 0
	for _, c := range down.Contacts {
		if c.Station == "Perth" && c.End.After(at.Add(11*time.Minute)) {
			t.Fatalf("plan %d without Perth gives it %v", down.Version, c.Start)
		}
		if !prev[fmt.Sprint(c.Sat, c.Station, c.Start.Unix())] {
			gained++
		}
	}
	t.Logf("plan version %d (%s): %d contacts, %d of them new for Tromso and Wallops", down.Version, down.Why, len(down.Contacts), gained)
	if gained == 0 {
		t.Errorf("plan %d without Perth gives the others nothing new", down.Version)
	}

	// Perth back an hour after the kill: it has contacts again
	sleepUntil(wall(at.Add(time.Hour)))
	sts["Perth"].start()
	var back control.PlanMsg
	poll(t, until(at.Add(90*time.Minute)), "a plan with Perth back", func() bool {
		ps, _ := readStream[control.PlanMsg](vic, control.StreamPlan)
		if len(ps) == 0 {
			return false
		}
		back = ps[len(ps)-1]
		return back.Version > down.Version && !slices.Contains(back.Down, "Perth")
	})
	mine := 0
	for _, c := range back.Contacts {
		if c.Station == "Perth" {
			mine++
		}
	}
	if mine == 0 {
		t.Fatalf("plan %d after Perth came back gives it nothing", back.Version)
	}

	// to the end of the day, and the stations' last words
	sleepUntil(wall(start.Add(span)).Add(5 * time.Second))

	// every command executed; uplinked by one station
	plans := mustRead[control.PlanMsg](t, vic, control.StreamPlan)
	hist, err := command.OpenHistory(filepath.Join(data, "stations", "Tromso", "commands.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := hist.Commands()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[uint32]*command.Command{}
	for _, c := range cmds {
		byID[c.ID] = c
	}
	// the sessions each satellite had (a pass too low for the link has
	// none: nothing goes up in it)
	var sessions []station.Report
	for _, name := range names {
		b, _ := os.ReadFile(filepath.Join(data, "stations", name, "passes.jsonl"))
		for line := range strings.Lines(string(b)) {
			var r station.Report
			if json.Unmarshal([]byte(line), &r) == nil && r.Session {
				sessions = append(sessions, r)
			}
		}
	}
	again, waiting := 0, 0
	for _, id := range ids {
		c := byID[id]
		if c == nil {
			t.Fatalf("command %d is not in Tromso's history", id)
		}
		had := slices.ContainsFunc(sessions, func(r station.Report) bool { return r.Sat == c.Sat && r.Start.After(c.Time) })
		if !had {
			waiting++ // no session with its satellite since it was queued
			continue
		}
		if c.State() != command.Executed {
			t.Errorf("command %d for %d: %s, not executed", id, c.Sat, c.State())
		}
		// uplinked by one station; by a second only once the first one's
		// contact (and with it its claim) had ended with no receipt from
		// the satellite yet (the drone runs an id once, and says so)
		var sends []command.Record
		var receipt time.Time
		for _, s := range c.Stages {
			switch {
			case s.Stage == command.Sent && !slices.ContainsFunc(sends, func(x command.Record) bool { return x.Station == s.Station }):
				sends = append(sends, s)
			case (s.Stage == command.Received || s.Stage == command.Executed) && receipt.IsZero():
				receipt = s.Time
			}
		}
		for i, s := range sends[min(1, len(sends)):] {
			first := sends[i]
			end := contactEnd(plans, first.Station, c.Sat, first.Time)
			if end.IsZero() || !s.Time.After(end) || (!receipt.IsZero() && receipt.Before(s.Time)) {
				t.Errorf("command %d uplinked by %s at %s and again by %s at %s (the first contact ends %s, the receipt %s)", id,
					first.Station, first.Time.Format("15:04:05"), s.Station, s.Time.Format("15:04:05"), end.Format("15:04:05"), receipt.Format("15:04:05"))
			}
			again++
		}
	}
	t.Logf("%d commands executed, %d uplinked again after the first station's contact ended without a receipt; %d wait for a session with their satellite", len(ids)-waiting, again, waiting)
	if waiting > len(ids)/2 {
		t.Errorf("%d of %d commands had no session to go up in", waiting, len(ids))
	}

	// every pass report and every stage in the streams, once
	reports := mustRead[station.Report](t, vic, control.StreamReports)
	stages := mustRead[command.Record](t, vic, control.StreamStages)
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(data, "stations", name, "passes.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		local := strings.Count(string(b), "\n")
		inStream := map[string]bool{}
		for _, r := range reports {
			if r.Station == name {
				inStream[fmt.Sprint(r.Sat, r.Start.UnixNano())] = true
			}
		}
		if len(inStream) != local {
			t.Errorf("%s: %d pass reports in passes.jsonl, %d in the stream", name, local, len(inStream))
		}
		h, _ := command.OpenHistory(filepath.Join(data, "stations", name, "commands.jsonl"))
		all, _ := h.Commands()
		own, got := 0, 0
		for _, c := range all {
			for _, s := range c.Stages {
				if s.Station == name && s.Stage != command.Queued {
					own++
					if slices.ContainsFunc(stages, func(x command.Record) bool {
						return x.ID == s.ID && x.Stage == s.Stage && x.Station == name && x.Time.Equal(s.Time)
					}) {
						got++
					}
				}
			}
		}
		if got != own {
			t.Errorf("%s: %d stages recorded, %d in the stream", name, own, got)
		}
		t.Logf("%s: %d pass reports, %d stages, all in the streams", name, local, own)
	}
	if !strings.Contains(ctl.output(), "no heartbeat from Perth") {
		t.Error("the control service never said Perth went silent")
	}
}

// contactEnd is the end of station's contact with sat at t in any of the
// plan versions (zero: none).
func contactEnd(plans []control.PlanMsg, station string, sat int, t time.Time) time.Time {
	for _, p := range plans {
		for _, c := range p.Contacts {
			if c.Station == station && c.Sat == sat && !t.Before(c.Start) && !t.After(c.End) {
				return c.End
			}
		}
	}
	return time.Time{}
}
