package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// proc is an ipgs process a test runs: this test binary as ipgs.
type proc struct {
	t    *testing.T
	name string
	args []string
	cmd  *exec.Cmd
	log  string
}

// logOnFailure shows the end of each process's output when t fails.
func logOnFailure(t *testing.T, procs ...*proc) {
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range procs {
				out := p.output()
				t.Logf("--- %s (last 4 kB):\n%s", p.name, out[max(0, len(out)-4096):])
			}
		}
	})
}

func startProc(t *testing.T, dir, name string, args ...string) *proc {
	p := &proc{t: t, name: name, args: args, log: filepath.Join(dir, name+".log")}
	p.start()
	t.Cleanup(func() { p.kill9() })
	return p
}

func (p *proc) start() {
	self, err := os.Executable()
	if err != nil {
		p.t.Fatal(err)
	}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(self, p.args...)
	p.cmd.Env = append(os.Environ(), "IPGS_AS_MAIN=1")
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	f.Close()
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *proc) kill9() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// freePorts finds n consecutive free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) int {
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		ok := true
		for i := 1; i < n && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free ports")
	return 0
}

// relayMission copies the example mission into dir without its InfluxDB
// section.
func relayMission(t *testing.T, dir string) string {
	for _, f := range []string{"drones.tle", "commands.yaml", "telemetry.yaml", "bus-b.xtce.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	b, err := os.ReadFile("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`(?s)\ntelemetry:\n.*?\n\n`).ReplaceAllString(string(b), "\n")
	p := filepath.Join(dir, "mission.yaml")
	os.WriteFile(p, []byte(s), 0o644)
	return p
}

type hop struct {
	from, to   uint64
	start, end time.Time
}

var hopLine = regexp.MustCompile(`\d+\. node (\d+) → node (\d+) on .*contact (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)–(\d\d:\d\d:\d\d)`)

func parseHops(t *testing.T, explain string) []hop {
	var hs []hop
	for _, m := range hopLine.FindAllStringSubmatch(explain, -1) {
		var h hop
		fmt.Sscan(m[1], &h.from)
		fmt.Sscan(m[2], &h.to)
		h.start, _ = time.Parse("2006-01-02 15:04:05", m[3]+" "+m[4])
		h.end, _ = time.Parse("2006-01-02 15:04:05", m[3]+" "+m[5])
		if h.end.Before(h.start) {
			h.end = h.end.Add(24 * time.Hour)
		}
		hs = append(hs, h)
	}
	return hs
}

// TestRelayKill9 runs the emulator and two stations as separate
// processes and relays a 30 kB bundle from Tromso to Wallops through a
// drone. Tromso is killed with SIGKILL in the middle of the uplink and
// the emulator in the middle of the downlink; each is started again.
// The bundle must arrive whole, once, and the transfers must resume
// from what was acknowledged (the stores show part of it acknowledged at
// each kill).
func TestRelayKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three processes for about a minute")
	}
	t.Parallel() // a process test on the wall clock: alongside the others like it
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	const speed = 30
	start := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	anchor := time.Now().Add(6 * time.Second).Truncate(time.Second)
	wall := func(v time.Time) time.Time { return anchor.Add(v.Sub(start) / speed) }
	common := []string{"--config", mf, "--data", data, "--start", start.Format(time.RFC3339), "--speed", fmt.Sprint(speed),
		"--wall-start", anchor.Format(time.RFC3339), "--duration", "3h"}
	base := freePorts(t, 3)
	simArgs := append([]string{"sim", "--base-port", fmt.Sprint(base)}, common...)
	emu := startProc(t, dir, "sim", simArgs...)
	stationArgs := func(name string, port int) []string {
		return append([]string{"station", "run", "--station", name, "--tnc", fmt.Sprintf("127.0.0.1:%d", port), "--rig", "none", "--rotator", "none"}, common...)
	}
	tromso := startProc(t, dir, "Tromso", stationArgs("Tromso", base)...)
	wallops := startProc(t, dir, "Wallops", stationArgs("Wallops", base+1)...)
	logOnFailure(t, emu, tromso, wallops)

	// the bundle, posted in Tromso's outbox
	payload := make([]byte, 30_000)
	rand.Read(payload)
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
			Created: uint64(start.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: 1, Lifetime: uint64((24 * time.Hour).Milliseconds())},
		Blocks: []bundle.Block{bundle.HopCountBlock(2, 8, 0), bundle.AgeBlock(3, 0), {Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: payload}},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	id := b.Primary.ID()
	key := bstore.KeyOf(id)
	if _, err := dtn.WriteFile(outboxDir(data, "Tromso"), raw); err != nil {
		t.Fatal(err)
	}
	var hops []hop
	poll(t, 60*time.Second, "Tromso to take the bundle and route it", func() bool {
		s, err := dtn.AskAdmin(adminSocket(data, "Tromso"), "route "+id)
		if err != nil || !strings.Contains(s, "route: via node") {
			return false
		}
		t.Logf("Tromso routes it:\n%s", s)
		hops = parseHops(t, s)
		return true
	})
	if len(hops) != 2 || hops[0].from != 1 || hops[1].to != 2 {
		t.Fatalf("route %+v: want Tromso → drone → Wallops", hops)
	}
	drone := hops[0].to
	norad := 90000 + int(drone-100)

	// kill -9 Tromso 20 s into the uplink pass (its link window: with
	// full TC frames the uplink carries a kilobyte a second)
	sleepUntil(wall(hops[0].start.Add(20 * time.Second)))
	tromso.kill9()
	st, err := bstore.Open(bundleStorePath(data, "Tromso"), bstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := st.Get(id); !ok {
		st.Close()
		t.Fatalf("the bundle is not in Tromso's store after the kill")
	}
	acked := st.TxAcked(key, drone).Bytes()
	st.Close()
	t.Logf("Tromso killed at %s (virtual): drone %d had acknowledged %d of %d bytes", hops[0].start.Add(20*time.Second).Format("15:04:05"), drone, acked, len(raw))
	if acked == 0 || acked >= int64(len(raw)) {
		t.Fatalf("the kill did not fall inside the uplink (%d of %d bytes acknowledged)", acked, len(raw))
	}
	tromso.start()

	// kill -9 the emulator 40 s into the downlink pass
	sleepUntil(wall(hops[1].start.Add(40 * time.Second)))
	emu.kill9()
	ds, err := bstore.Open(filepath.Join(data, "bundles", "drones", fmt.Sprintf("%d.db", norad)), bstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, held, _ := ds.Get(id)
	down := ds.TxAcked(key, 2).Bytes()
	ds.Close()
	t.Logf("emulator killed at %s (virtual): the drone holds the bundle: %v; Wallops had acknowledged %d of %d bytes", hops[1].start.Add(40*time.Second).Format("15:04:05"), held, down, len(raw))
	if !held || down == 0 || down >= int64(len(raw)) {
		t.Fatalf("the kill did not fall inside the downlink (held %v, %d of %d bytes acknowledged)", held, down, len(raw))
	}
	emu.start()

	inbox := filepath.Join(inboxDir(data, "Wallops"), dtn.FileName(id))
	poll(t, time.Until(wall(hops[1].end.Add(3*time.Hour)))+10*time.Second, "Wallops to deliver the bundle", func() bool {
		_, err := os.Stat(inbox)
		return err == nil
	})
	got, err := os.ReadFile(inbox)
	if err != nil {
		t.Fatal(err)
	}
	// the bundle sent, as its forwarders sent it on (RFC 9171 5.4): the
	// same primary block and payload, the previous node the drone
	sent, _ := bundle.Decode(raw)
	dl, err := bundle.Decode(got)
	if err != nil || dl.Primary != sent.Primary || !bytes.Equal(dl.Payload().Data, sent.Payload().Data) {
		t.Fatalf("delivered %d bytes, not the bundle sent (%v)", len(got), err)
	}
	prev, _ := dl.PreviousNode()
	_, count, _ := dl.Hops()
	age, _ := dl.Age()
	onboard := hops[1].start.Sub(hops[0].end) // at least: it went up in the first pass, down in the second
	t.Logf("delivered with previous node %v, %d hops, age %v (onboard from the end of the uplink pass to the start of the downlink pass: %v)",
		prev, count, time.Duration(age)*time.Millisecond, onboard)
	if prev != bundle.IPN(uint64(drone), 0) || count != 2 || time.Duration(age)*time.Millisecond < onboard {
		t.Errorf("want the drone's ipn:%d.0, 2 hops (Tromso, the drone), and an age of at least %v", drone, onboard)
	}
	time.Sleep(2 * time.Second) // a second delivery would show now
	if n := strings.Count(wallops.output(), "bundle "+id+" from"); n != 1 {
		t.Errorf("Wallops delivered it %d times", n)
	}
	t.Logf("delivered whole, once")
}

func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

func poll(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
