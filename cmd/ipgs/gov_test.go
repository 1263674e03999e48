package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestGovCommands walks the governance commands at one station without
// a running agent: what they sign lands in the outbox (for the agent)
// and the station's ledger, and tally verifies the ledger from scratch.
// A key not on the roll, a choice that is no option and a vote outside
// the window are refused with exit status 2; a ballot file whose
// signature was tampered with is listed as refused and never counted.
func TestGovCommands(t *testing.T) {
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	cm := []string{"--config", mf, "--data", data}
	if _, errs, code := run(t, append([]string{"keys", "init", "--out", mf + ".new"}, cm...)...); code != 0 || !strings.Contains(errs, "UNSEALED") {
		// (issue: keys init without a passphrase wrote every private key
		// unsealed without saying so)
		t.Fatalf("keys init without a passphrase: exit %d, %q; want 0 and a warning that the keys are unsealed", code, errs)
	}
	os.Rename(mf+".new", mf)
	ids := map[string]string{}
	for _, who := range []string{"alice", "bob", "mallory"} {
		out, errs, code := run(t, append([]string{"keys", "gen", "--kind", "sig", "--owner", who}, cm...)...)
		if code != 0 {
			t.Fatalf("keys gen: %s", errs)
		}
		ids[who] = strings.Fields(out)[0]
	}
	out, _, _ := run(t, append([]string{"keys", "list"}, cm...)...)
	council := regexp.MustCompile(`(?m)^([0-9a-f]{32})\s+ml-dsa-65\s+council`).FindStringSubmatch(out)
	if council == nil {
		t.Fatalf("no council key in:\n%s", out)
	}
	// the station's clock (--start) and the time signed (--now) agree,
	// except where an attack says otherwise
	at := func(when string) []string {
		return append([]string{"--now", when, "--start", when, "--station", "Tromso"}, cm...)
	}
	out, errs, code := run(t, append([]string{"gov", "propose", "--key", council[1], "--title", "Heater to 25 C", "--option", "yes", "--option", "no",
		"--voter", ids["alice"], "--voter", ids["bob"], "--opens", "2026-11-22T00:00:00Z", "--closes", "10h"}, at("2026-11-22T00:00:00Z")...)...)
	if code != 0 {
		t.Fatalf("propose: exit %d: %s", code, errs)
	}
	prop := regexp.MustCompile(`proposal ([0-9a-f]{32})`).FindStringSubmatch(out)[1]
	if n, _ := filepath.Glob(filepath.Join(outboxDir(data, "Tromso"), "*.bundle")); len(n) != 4 {
		t.Fatalf("%d bundles in the outbox, want the proposal and Tromso's receipt for each other station", len(n))
	}
	if n, _ := filepath.Glob(filepath.Join(inboxDir(data, "Tromso"), "*.bundle")); len(n) != 2 {
		t.Fatalf("%d bundles in the ledger, want the proposal and Tromso's receipt", len(n))
	}
	if _, errs, code := run(t, append([]string{"gov", "vote", prop[:8], "yes", "--key", ids["alice"]}, at("2026-11-22T01:00:00Z")...)...); code != 0 {
		t.Fatalf("vote: %s", errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append([]string{"gov", "vote", prop, "yes", "--key", ids["mallory"]}, at("2026-11-22T01:00:00Z")...), "is not on the roll"},
		{append([]string{"gov", "vote", prop, "maybe", "--key", ids["bob"]}, at("2026-11-22T01:00:00Z")...), `"maybe" is not an option`},
		{append([]string{"gov", "vote", prop, "no", "--key", ids["bob"]}, at("2026-11-22T11:00:00Z")...), "voting on " + prop + " is open from"},
	} {
		if _, errs, code := run(t, c.args...); code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args[1:4], code, errs, c.want)
		}
	}
	if _, errs, code := run(t, append([]string{"gov", "vote", prop, "2", "--key", ids["bob"]}, at("2026-11-22T02:00:00Z")...)...); code != 0 {
		t.Fatalf("vote by number: %s", errs)
	}
	// (issue: a ballot sent after the close but dated before it, with
	// gov vote --now, replaced the voter's first) the station's receipt
	// is dated by its clock, after the close: the ballot does not count
	late := append([]string{"gov", "vote", prop, "no", "--key", ids["alice"]}, at("2026-11-22T09:59:00Z")...)
	late[len(late)-len(cm)-3] = "2026-11-22T11:00:00Z" // --start: the station's clock
	if _, errs, code := run(t, late...); code != 0 {
		t.Fatalf("late vote: %s", errs)
	}
	out, errs, code = run(t, append([]string{"gov", "tally", prop}, at("2026-11-22T12:00:00Z")...)...)
	if code != 0 || !strings.Contains(out, "yes                  1") || !strings.Contains(out, "no                   1") || !strings.Contains(out, "2 ballots counted") ||
		!strings.Contains(out, "not before the close") || !strings.Contains(out, "evidence: stations' signed receipts") {
		t.Fatalf("tally: exit %d %s\n%s", code, errs, out)
	}
	out, _, code = run(t, append([]string{"gov", "show", prop}, at("2026-11-22T12:00:00Z")...)...)
	if code != 0 || !strings.Contains(out, "counted: alice") || !strings.Contains(out, "counted: bob") {
		t.Fatalf("show:\n%s", out)
	}
	// a forged copy of bob's ballot (a byte of its signature flipped)
	// beside the real one changes nothing, and is listed as refused
	files, _ := filepath.Glob(filepath.Join(inboxDir(data, "Tromso"), "*.bundle"))
	newest, newestT := "", int64(0)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.ModTime().UnixNano() > newestT {
			newest, newestT = f, st.ModTime().UnixNano()
		}
	}
	b, _ := os.ReadFile(newest)
	b[len(b)-100] ^= 1
	os.WriteFile(filepath.Join(inboxDir(data, "Tromso"), "forged.bundle"), b, 0o644)
	out, _, _ = run(t, append([]string{"gov", "tally", prop}, at("2026-11-22T12:00:00Z")...)...)
	if !strings.Contains(out, "no                   1") || !strings.Contains(out, "2 ballots counted") {
		t.Fatalf("tally with a forged copy:\n%s", out)
	}
	out, _, _ = run(t, append([]string{"gov", "show"}, at("2026-11-22T12:00:00Z")...)...)
	if !strings.Contains(out, "1 bundles refused") || !strings.Contains(out, "refused ") {
		t.Fatalf("show lists no refusal:\n%s", out)
	}
	out, errs, code = run(t, append([]string{"gov", "directive", prop, "--sat", "DRONE-01", "--key", council[1], "LOG", "heater 25C"}, at("2026-11-22T12:00:00Z")...)...)
	if code != 0 || !strings.Contains(out, "→ ipn:101.7") {
		t.Fatalf("directive: exit %d %s\n%s", code, errs, out)
	}
}

// TestSecureByDefault (issue: --secure was off by default even when the
// mission had a trust store): with a trust store, station run signs the
// link and governance receipts unless told --secure=false, and then it
// warns.
func TestSecureByDefault(t *testing.T) {
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	cm := []string{"--config", mf, "--data", data}
	if _, errs, code := run(t, append([]string{"keys", "init", "--out", mf + ".new"}, cm...)...); code != 0 {
		t.Fatalf("keys init: %s", errs)
	}
	os.Rename(mf+".new", mf)
	now := time.Now().UTC().Format(time.RFC3339)
	station := append([]string{"station", "run", "--station", "Tromso", "--tnc", "127.0.0.1:1", "--rig", "none", "--rotator", "none",
		"--duration", "1m", "--speed", "1000", "--start", now, "--wall-start", now, "--status", ""}, cm...)
	out, errs, code := run(t, station...)
	if code != 0 || !strings.Contains(out, "link security: signing with") || !strings.Contains(out, "governance: this station receipts") {
		t.Fatalf("station run with a trust store: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = run(t, append(station, "--secure=false")...)
	if code != 0 || strings.Contains(out, "link security") || !strings.Contains(errs, "--secure=false: the space link runs unprotected") {
		t.Fatalf("station run --secure=false: exit %d\n%s\n%s", code, out, errs)
	}
}
