package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScheduleFormatsAndLock(t *testing.T) {
	tles := writeFile(t, "a.tle", tleText(t, "ISS", 25544, 15.4865, 2e-5)+tleText(t, "OTHER", 25545, 15.2, 2e-5))
	sts := writeFile(t, "s.csv", stationsCSV)
	base := []string{"schedule", "--tle", tles, "--stations", sts, "--start", "2025-03-01T00:00:00Z", "--duration", "1d"}
	out, errs, code := run(t, append(base, "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var plan struct {
		Objective float64 `json:"objective"`
		Contacts  []struct {
			Sat, Station, Start, End string
			Pinned                   bool `json:"pinned"`
		} `json:"contacts"`
		Unscheduled []struct{ Reason string } `json:"unscheduled"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if plan.Objective <= 0 || len(plan.Contacts) == 0 || plan.Contacts[0].Sat != "25544" && plan.Contacts[0].Sat != "25545" {
		t.Fatalf("plan: %+v", plan)
	}
	for _, f := range []struct{ format, want string }{
		{"csv", "sat,station,start_utc,end_utc,aos_utc,los_utc,weight,seconds,max_el_deg,pinned,reason"},
		{"ics", "BEGIN:VCALENDAR"},
		{"ion", "a contact 2025/03/01-"},
		{"hdtn", `"rateBitsPerSec": 9600`},
		{"table", "contacts, objective"},
	} {
		out, errs, code := run(t, append(base, "--format", f.format)...)
		if code != 0 || !strings.Contains(out, f.want) {
			t.Errorf("--format %s: exit %d, output lacks %q\n%s%s", f.format, code, f.want, out[:min(len(out), 400)], errs)
		}
	}
	// re-plan with the plan as lock: identical contacts
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	lock := filepath.Join(t.TempDir(), "plan.json")
	full, _, _ := run(t, append(base, "--format", "json")...)
	os.WriteFile(lock, []byte(full), 0o644)
	again, errs, code := run(t, append(base, "--format", "json", "--lock", lock)...)
	if code != 0 {
		t.Fatalf("--lock: exit %d: %s", code, errs)
	}
	var p2 struct {
		Contacts []struct{ Sat, Station, Start, End string } `json:"contacts"`
	}
	json.Unmarshal([]byte(again), &p2)
	if len(p2.Contacts) != len(plan.Contacts) {
		t.Fatalf("re-plan has %d contacts, the plan %d", len(p2.Contacts), len(plan.Contacts))
	}
	for i := range p2.Contacts {
		a, b := p2.Contacts[i], plan.Contacts[i]
		if a.Sat != b.Sat || a.Station != b.Station || a.Start != b.Start || a.End != b.End {
			t.Errorf("contact %d churned: %+v -> %+v", i, b, a)
		}
	}
	// bad priorities exit 2
	prio := writeFile(t, "p.csv", "sat,weight\n25544,-3\n")
	_, errs, code = run(t, append(base, "--priorities", prio)...)
	if code != 2 || !strings.Contains(errs, "p.csv:2: weight \"-3\"") {
		t.Errorf("negative weight: exit %d, %q", code, errs)
	}
	// unknown satellite in priorities: a warning, still a plan
	prio = writeFile(t, "p.csv", "sat,weight\n99999,3\n")
	_, errs, code = run(t, append(base, "--priorities", prio)...)
	if code != 0 || !strings.Contains(errs, "priorities name satellite 99999") {
		t.Errorf("unknown satellite: exit %d, %q", code, errs)
	}
}
