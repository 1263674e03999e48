package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/iontest"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// TestIONInterop exchanges bundles between ipgs station run and NASA's
// ION (4.1.3, built beside the project: IPGS_PEER_ION names its install
// prefix; docs/dtn.md says how), ION being node 900, a DTN peer of
// Tromso's, over each convergence layer they share:
//   - tcpclv3 (issue 22): TCPCL version 3, the version ION speaks; each end
//     dials the other, and ipgs tells ION's contact header from a version
//     4 one on its one listener;
//   - ltp (issue 23): LTP on UDP, ION's ltpcli/ltpclo against Tromso's LTP
//     engine (the mission file's ltp address).
//
// Each time:
//   - ipgs's contact plan export (ipgs schedule --format ion: contacts and
//     ranges) loads into ION's ionadmin unchanged, every contact of it;
//   - a bundle from ION (bpsource) reaches Tromso's inbox;
//   - a bundle dropped in Tromso's outbox for ipn:900.1 reaches ION's
//     bpsink once, and ION's status reports of its reception and delivery
//     come back to ipgs bundle list.
func TestIONInterop(t *testing.T) {
	iontest.Prefix(t)
	for _, protocol := range []string{"tcpclv3", "ltp"} {
		t.Run(protocol, func(t *testing.T) { ionInterop(t, protocol) })
	}
}

func ionInterop(t *testing.T, protocol string) {
	dir := t.TempDir()
	base := freePorts(t, 2)
	ipgsPort, ionPort := base, base+1
	cl := fmt.Sprintf(`## begin bpadmin
1
a scheme ipn 'ipnfw' 'ipnadminep'
a endpoint ipn:900.1 q
a protocol tcp 1400 100
a induct tcp 127.0.0.1:%d tcpcli
a outduct tcp 127.0.0.1:%d tcpclo
s
## end bpadmin
## begin ipnadmin
a plan 1 tcp/127.0.0.1:%d
## end ipnadmin
`, ionPort, ipgsPort, ipgsPort)
	station := fmt.Sprintf(`    tcpcl: "127.0.0.1:%d"
    dtn_peers:
      - {node: "ipn:900.0", protocol: tcpclv3, address: "127.0.0.1:%d", tls: optional}
`, ipgsPort, ionPort)
	up := "ground session with ipn:900.0"
	if protocol == "ltp" {
		cl = iontest.LTPSpan(ipgsPort, ionPort, 4000, 1) + iontest.BPOverLTP
		station = fmt.Sprintf(`    ltp: "127.0.0.1:%d"
    dtn_peers:
      - {node: "ipn:900.0", protocol: ltp, address: "127.0.0.1:%d"}
`, ipgsPort, ionPort)
		up = "LTP engine 1 on"
	}
	ion := iontest.Start(t, iontest.Node900(1000000)+cl)

	// ipgs's contact plan, as ipgs schedule exports it for ION
	mf := relayMission(t, dir)
	plan, errs, code := run(t, "schedule", "--stations", mf, "--format", "ion", "--start", time.Now().Add(2*time.Minute).UTC().Format(time.RFC3339), "--duration", "6h")
	if code != 0 {
		t.Fatalf("ipgs schedule: exit %d: %s", code, errs)
	}
	os.WriteFile(filepath.Join(ion.Dir, "plan.ionrc"), []byte(plan), 0o644)
	before := strings.Count(ion.Cmd("l contact\n", "ionadmin"), "From ")
	ion.Cmd("", "ionadmin", "plan.ionrc")
	after := strings.Count(ion.Cmd("l contact\n", "ionadmin"), "From ")
	want := strings.Count(plan, "\na contact ")
	t.Logf("ipgs's plan: %d contacts, %d ranges; ION lists %d contacts after loading it, %d before", want, strings.Count(plan, "\na range "), after, before)
	if want == 0 || after-before != want {
		t.Errorf("ION took %d of the plan's %d contacts", after-before, want)
	}

	b, _ := os.ReadFile(mf)
	m := strings.Replace(string(b), "    dtn_node: \"ipn:1.0\"\n", "    dtn_node: \"ipn:1.0\"\n"+station, 1)
	os.WriteFile(mf, []byte(m), 0o644)
	data := filepath.Join(dir, "data")
	st := startProc(t, dir, "Tromso", "station", "run", "--config", mf, "--data", data, "--station", "Tromso",
		"--tnc", "127.0.0.1:1", "--rig", "none", "--rotator", "none", "--duration", "5m")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- Tromso:\n%s", st.output())
		}
	})
	iontest.Poll(t, 60*time.Second, "Tromso's link with ION ("+protocol+")", func() bool {
		return strings.Contains(st.output(), up)
	})

	// ION → ipgs
	ion.Cmd("", "bpsource", "ipn:1.1", "directive from ION")
	var in []byte
	iontest.Poll(t, 30*time.Second, "Tromso to deliver ION's bundle", func() bool {
		files, _ := filepath.Glob(filepath.Join(inboxDir(data, "Tromso"), "*"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				in = b
				return true
			}
		}
		return false
	})
	ib, err := bundle.Decode(in)
	if err != nil || string(ib.Payload().Data) != "directive from ION" {
		t.Fatalf("Tromso's inbox: %v, %q", err, in)
	}
	t.Logf("Tromso delivered %s from ION: %q", ib.Primary.ID(), ib.Payload().Data)

	// ipgs → ION, asking for status reports
	sink := ion.Command("bpsink", "ipn:900.1")
	sinkFile, err := os.Create(filepath.Join(ion.Dir, "bpsink.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer sinkFile.Close()
	sink.Stdout, sink.Stderr = sinkFile, sinkFile
	if err := sink.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sink.Process.Kill(); sink.Wait() }()
	time.Sleep(time.Second)
	now := time.Now()
	out := &bundle.Bundle{
		Primary: bundle.Primary{Flags: bundle.FlagReportReception | bundle.FlagReportDelivery, CRCType: bundle.CRC32C, Dest: bundle.IPN(900, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 0),
			Created: bundle.DTNTime(now), Seq: 1, Lifetime: uint64(time.Hour.Milliseconds())},
		Blocks: []bundle.Block{bundle.HopCountBlock(2, 16, 0), {Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("ballot from Tromso to ION")}},
	}
	raw, err := out.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dtn.WriteFile(outboxDir(data, "Tromso"), raw); err != nil {
		t.Fatal(err)
	}
	var list string
	iontest.Poll(t, 30*time.Second, "ION's status reports in ipgs bundle list", func() bool {
		list, _, _ = run(t, "bundle", "list", "--config", mf, "--data", data, "--station", "Tromso")
		return strings.Contains(list, "delivered by ipn:900.0")
	})
	time.Sleep(2 * time.Second) // a second copy would show now
	sunk, _ := os.ReadFile(sinkFile.Name())
	t.Logf("bpsink:\n%s\nipgs bundle list:\n%s", sunk, list)
	if n := strings.Count(string(sunk), "'ballot from Tromso to ION'"); n != 1 {
		t.Errorf("ION delivered the bundle %d times", n)
	}
}
