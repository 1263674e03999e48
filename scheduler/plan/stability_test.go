package plan

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// roundTrip writes a plan as JSON and reads it back as a lock.
func roundTrip(t *testing.T, pl *Plan, pin func(i int) bool) []LockEntry {
	t.Helper()
	jp := pl.JSON()
	for i := range jp.Contacts {
		if pin != nil && pin(i) {
			jp.Contacts[i].Pinned = true
		}
	}
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(jp)
	locks, err := ReadLock(&b, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	return locks
}

type key struct {
	sat        int
	st         string
	start, end string
}

func keys(pl *Plan) map[key]bool {
	p := pl.Problem
	out := map[key]bool{}
	for _, c := range pl.Contacts {
		cd := &p.Candidates[c.Cand]
		out[key{p.Sats[cd.Sat].NORAD, p.Stations[cd.Station].Name, p.ts(c.Start), p.ts(c.End)}] = true
	}
	return out
}

func TestReplanKeepsWhatStillFits(t *testing.T) {
	p1 := instance(t, 30, 5, 24*time.Hour, nil)
	pl1 := Solve(p1, SolveOptions{})
	mustValid(t, pl1)
	prev := roundTrip(t, pl1, nil)

	// the same inputs: nothing moves
	p2 := instance(t, 30, 5, 24*time.Hour, nil)
	locks, notes := p2.resolveLocks(prev)
	if len(notes) > 0 {
		t.Fatalf("notes: %v", notes)
	}
	pl2 := Solve(p2, SolveOptions{Locks: locks})
	mustValid(t, pl2)
	k1, k2 := keys(pl1), keys(pl2)
	for k := range k1 {
		if !k2[k] {
			t.Errorf("contact %v moved or vanished on an identical re-plan", k)
		}
	}

	// a station outage: contacts away from it stay exactly
	outFrom := p1.Start.Add(6 * time.Hour)
	outTo := p1.Start.Add(10 * time.Hour)
	p3 := instance(t, 30, 5, 24*time.Hour, func(sts *[]Station, _ *[]Satellite) {
		(*sts)[3].Unavailable = []Window{{outFrom, outTo, "feed repair"}}
	})
	locks, _ = p3.resolveLocks(prev)
	pl3 := Solve(p3, SolveOptions{Locks: locks})
	mustValid(t, pl3)
	k3 := keys(pl3)
	kept, moved := 0, 0
	for _, c := range pl1.Contacts {
		cd := &p1.Candidates[c.Cand]
		k := key{p1.Sats[cd.Sat].NORAD, p1.Stations[cd.Station].Name, p1.ts(c.Start), p1.ts(c.End)}
		inOutage := cd.Station == 3 && p1.Time(c.End).After(outFrom) && p1.Time(c.Start).Before(outTo)
		switch {
		case inOutage && k3[k]:
			t.Errorf("contact %v kept inside the outage", k)
		case !inOutage && !k3[k]:
			moved++
		case !inOutage:
			kept++
		}
	}
	if moved > 0 {
		t.Errorf("%d contacts away from the outage moved (%d kept)", moved, kept)
	}
	for _, u := range pl3.Unscheduled {
		if u.Stn == 3 && strings.Contains(u.Reason, "feed repair") {
			goto explained
		}
	}
	t.Errorf("no unscheduled pass names the outage")
explained:

	// a changed priority: kept contacts stay
	p4 := instance(t, 30, 5, 24*time.Hour, func(_ *[]Station, sats *[]Satellite) {
		(*sats)[3].Weight = 50
	})
	locks, _ = p4.resolveLocks(prev)
	pl4 := Solve(p4, SolveOptions{Locks: locks})
	mustValid(t, pl4)
	k4 := keys(pl4)
	for k := range k1 {
		if !k4[k] {
			t.Errorf("contact %v churned after a priority change", k)
		}
	}
}

func TestPinnedAndStartedNeverMove(t *testing.T) {
	p1 := instance(t, 30, 5, 24*time.Hour, nil)
	pl1 := Solve(p1, SolveOptions{})
	// pin the first contact; re-plan from the middle of the tenth
	prev := roundTrip(t, pl1, func(i int) bool { return i == 0 })
	mid := pl1.Contacts[10]
	restart := p1.Time((mid.Start + mid.End) / 2).Truncate(time.Second)
	var p2 *Problem
	{
		p2 = instance(t, 30, 5, 24*time.Hour, nil)
	}
	locks, _ := p2.resolveLocks(prev)
	// the started contact: shift the problem start into it
	p2b := instance(t, 30, 5, 24*time.Hour, nil)
	_ = p2b
	pl2 := Solve(p2, SolveOptions{Locks: locks})
	mustValid(t, pl2)
	c0 := pl1.Contacts[0]
	found := false
	for _, c := range pl2.Contacts {
		if c.Pinned && math.Abs(c.Start-c0.Start) < 0.001 && math.Abs(c.End-c0.End) < 0.001 {
			found = true
		}
	}
	if !found {
		t.Errorf("pinned contact moved")
	}

	// re-plan starting mid-contact: that contact is kept as it was
	pr := instance(t, 30, 5, 24*time.Hour, nil)
	shift := restart.Sub(pr.Start)
	pr3 := instanceAt(t, 30, 5, restart, 24*time.Hour-shift)
	locks, _ = pr3.resolveLocks(prev)
	pl3 := Solve(pr3, SolveOptions{Locks: locks})
	mustValid(t, pl3)
	want := key{p1.Sats[p1.Candidates[mid.Cand].Sat].NORAD, p1.Stations[p1.Candidates[mid.Cand].Station].Name, p1.ts(mid.Start), p1.ts(mid.End)}
	got := false
	for _, c := range pl3.Contacts {
		cd := &pr3.Candidates[c.Cand]
		k := key{pr3.Sats[cd.Sat].NORAD, pr3.Stations[cd.Station].Name, pr3.ts(c.Start), pr3.ts(c.End)}
		if k == want && c.Started {
			got = true
		}
	}
	if !got {
		t.Errorf("contact in progress at the re-plan start (%v) was moved", want)
	}
}

func TestDemandsMetFirst(t *testing.T) {
	p := instance(t, 40, 3, 24*time.Hour, func(_ *[]Station, sats *[]Satellite) {
		(*sats)[0].Weight = 0.01 // would lose every conflict
		(*sats)[0].DemandContacts = 3
	})
	pl := Solve(p, SolveOptions{})
	mustValid(t, pl)
	n := 0
	for _, c := range pl.Contacts {
		if p.Candidates[c.Cand].Sat == 0 {
			n++
		}
	}
	if n < 3 {
		t.Errorf("satellite with a demand of 3 contacts/day got %d", n)
	}
}

func TestICSFoldedAndBalanced(t *testing.T) {
	p := instance(t, 10, 3, 12*time.Hour, nil)
	pl := Solve(p, SolveOptions{})
	var b bytes.Buffer
	if err := pl.WriteICS(&b, ""); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Count(s, "BEGIN:VCALENDAR") != 3 || strings.Count(s, "BEGIN:VEVENT") != len(pl.Contacts) ||
		strings.Count(s, "END:VEVENT") != len(pl.Contacts) {
		t.Errorf("calendars %d, events %d for %d contacts", strings.Count(s, "BEGIN:VCALENDAR"), strings.Count(s, "BEGIN:VEVENT"), len(pl.Contacts))
	}
	for _, line := range strings.Split(s, "\r\n") {
		if len(line) > 75 {
			t.Fatalf("line longer than 75 octets: %q", line)
		}
	}
}

func TestPrioritiesErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"sat,weight\n70000,2\n70001,-1\n", "p.csv:3: weight \"-1\" of satellite 70001 must be a positive number"},
		{"70000,x\n", "p.csv:1: weight \"x\""},
		{"abc,1\n", "p.csv:1: sat \"abc\" is not a NORAD number"},
		{"70000,1\n70000,2\n", "p.csv:2: satellite 70000 is listed twice"},
	} {
		_, err := ParsePriorities(strings.NewReader(c.in), "p.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
	m, err := ParsePriorities(strings.NewReader("sat,weight\n70000,2.5\n"), "p.csv")
	if err != nil || m[70000] != 2.5 {
		t.Errorf("got %v %v", m, err)
	}
}

func FuzzPriorities(f *testing.F) {
	f.Add("sat,weight\n70000,2\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParsePriorities(strings.NewReader(s), "fuzz.csv")
		for _, w := range m {
			if err == nil && !(w > 0) {
				t.Fatalf("accepted weight %v", w)
			}
		}
	})
}

func FuzzLock(f *testing.F) {
	f.Add(`{"objective":1,"contacts":[{"sat":"70000","station":"A","start":"2025-03-01T00:00:00Z","end":"2025-03-01T00:05:00Z","pinned":true}],"unscheduled":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		locks, err := ReadLock(strings.NewReader(s), "fuzz.json")
		for _, l := range locks {
			if err == nil && !l.End.After(l.Start) {
				t.Fatalf("accepted an empty interval")
			}
		}
	})
}
