package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/hamlib/hamlibtest"
	"github.com/ipgs/ipgs/sdr/radio"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// TestStationRadioByHand runs ipgs station run as a process with Hamlib's
// dummy rig and rotator, and takes its radios in hand with ipgs station
// radio through the status endpoint: the rotator is pointed where the
// operator says, and a satellite's downlink offset is kept in the
// station's radio-offsets.json for its next passes. Without the token
// the request is refused.
func TestStationRadioByHand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a station process")
	}
	t.Parallel()
	rigAddr := hamlibtest.Daemon(t, "rigctld")
	rotAddr := hamlibtest.Daemon(t, "rotctld")
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	base := freePorts(t, 2)
	addr := fmt.Sprintf("127.0.0.1:%d", base+1)
	common := []string{"--config", mf, "--data", data}
	st := startProc(t, dir, "Tromso", append([]string{"station", "run", "--station", "Tromso", "--tnc", fmt.Sprintf("127.0.0.1:%d", base),
		"--rig", rigAddr, "--rotator", rotAddr, "--duration", "1h", "--status", addr, "--secure=false"}, common...)...)
	logOnFailure(t, st)
	poll(t, 30*time.Second, "the status endpoint", func() bool {
		b, err := os.ReadFile(filepath.Join(data, "keys", "status.token"))
		if err != nil {
			return false
		}
		_, err = (&status.Client{Addr: addr, Token: strings.TrimSpace(string(b))}).Snapshot(context.Background())
		return err == nil
	})
	radioCmd := func(args ...string) (string, string, int) {
		return run(t, append(append([]string{"station", "radio"}, args...), append([]string{"--status", addr, "--operator", "ana"}, common...)...)...)
	}
	if out, errs, code := radioCmd("point", "40", "20"); code != 0 {
		t.Fatalf("point: exit %d\n%s%s", code, out, errs)
	}
	rot := hamlib.DialRotator(rotAddr, 0)
	defer rot.Close()
	// Hamlib's dummy rotator slews there in real time: a loaded machine
	// (the CI run beside other work) took more than 30 s once
	poll(t, 90*time.Second, "the rotator at 40/20", func() bool {
		az, el, err := rot.Position(context.Background())
		return err == nil && math.Abs(az-40) < 1 && math.Abs(el-20) < 1
	})
	if out, errs, code := radioCmd("offset", "DRONE-01", "700"); code != 0 {
		t.Fatalf("offset: exit %d\n%s%s", code, out, errs)
	}
	kept, err := radio.LoadOffsets(filepath.Join(data, "stations", "Tromso", "radio-offsets.json"))
	if err != nil || kept[90001] != 700 {
		t.Fatalf("kept offsets %v (%v), want 90001: 700", kept, err)
	}
	if _, errs, code := radioCmd("point", "40", "999"); code != 2 || !strings.Contains(errs, "el") {
		t.Errorf("elevation 999: exit %d, %q", code, errs)
	}
	// the bundles the station holds are in its snapshot (the attached
	// window's Bundles tab)
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
			Created: uint64(time.Since(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: 1, Lifetime: uint64((24 * time.Hour).Milliseconds())},
		Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("to Wallops")}},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dtn.WriteFile(outboxDir(data, "Tromso"), raw); err != nil {
		t.Fatal(err)
	}
	tok, _ := os.ReadFile(filepath.Join(data, "keys", "status.token"))
	poll(t, 30*time.Second, "the bundle in the station's snapshot", func() bool {
		s, err := (&status.Client{Addr: addr, Token: strings.TrimSpace(string(tok))}).Snapshot(context.Background())
		if err != nil {
			return false
		}
		for _, r := range s.Bundles {
			if r.ID == b.Primary.ID() && r.Route != "" {
				t.Logf("bundle row: %+v", r)
				return true
			}
		}
		return false
	})
	os.WriteFile(filepath.Join(dir, "wrong.token"), []byte(strings.Repeat("0", 40)+"\n"), 0o600)
	if _, errs, code := run(t, append([]string{"station", "radio", "park", "--status", addr, "--token-file", filepath.Join(dir, "wrong.token")}, common...)...); code == 0 || !strings.Contains(errs, "401") {
		t.Errorf("park with a wrong token: exit %d, %q", code, errs)
	}
}
