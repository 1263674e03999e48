package sim

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// TestDayBundles sends bundles from each station to the others through
// the constellation (no terrestrial links): each is delivered once and
// whole, by the end of the route the sending station predicted (contact
// volumes count the frames the link budget lets through). Each arrives
// as RFC 9171 section 5.4 has forwarding nodes send it: its previous node
// block names the drone that brought it down, its hop count is the
// forwards it took, and its bundle age has grown by the hours it waited
// onboard.
func TestDayBundles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dayBundles(t, 6*time.Hour, nil, func(from, to string) bool { return true })
	})
}

// TestDayGroundAndSpace adds a TCPCL ground link (TLS 1.3 on loopback)
// between Tromso and Wallops: their bundles to each other take it, and
// Perth's still go through the constellation.
func TestDayGroundAndSpace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dayBundles(t, 3*time.Hour, [][2]string{{"Tromso", "Wallops"}}, func(from, to string) bool { return from != "Perth" || to == "Tromso" })
	})
}

func dayBundles(t *testing.T, dur time.Duration, terrestrial [][2]string, send func(from, to string) bool) {
	m, els := exampleMission(t)
	for _, p := range terrestrial {
		for i := range m.Stations {
			if m.Stations[i].Name == p[1] {
				m.Stations[i].TCPCL = "127.0.0.1:0"
			}
		}
	}
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	type sent struct {
		from, to string
		payload  []byte
		at       time.Time // submitted
		latest   time.Time
		entry    uint64
		marginal string // a contact of the route expected to pass under 75% of frames
	}
	var mu sync.Mutex
	want := map[string]*sent{}
	got := map[string]time.Time{}
	dups, spaceChecked := 0, 0
	var clk clock.Clock
	var nodes0 map[string]*dtn.Node
	dir := t.TempDir()
	res, err := RunDay(context.Background(), DayOptions{
		Mission: m, Elements: els, Start: start, Duration: dur, Speed: 600, InMemory: true, DataDir: dir, Seed: 7, Out: testWriter{t},
		Bundles: &DayBundles{
			Terrestrial: terrestrial,
			Ready: func(nodes map[string]*dtn.Node, emu *Emulator, c clock.Clock) error {
				clk, nodes0 = c, nodes
				now := c.Now()
				seq := uint64(0)
				// in the order of the stations' names: a map's order would
				// give the bundles other sequence numbers and sizes each run
				names := slices.Sorted(maps.Keys(nodes))
				for _, from := range names {
					n := nodes[from]
					for _, to := range names {
						dst := nodes[to]
						if from == to || !send(from, to) {
							continue
						}
						seq++
						size := 3000 + 500*int(seq)
						b := &bundle.Bundle{
							Primary: bundle.Primary{Flags: bundle.FlagReportForwarding | bundle.FlagReportDelivery | bundle.FlagStatusTime,
								CRCType: bundle.CRC32C, Dest: bundle.IPN(dst.Num, 1), Source: bundle.IPN(n.Num, 1), ReportTo: bundle.IPN(n.Num, 0),
								Created: uint64(now.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: seq, Lifetime: uint64((24 * time.Hour).Milliseconds())},
							Blocks: []bundle.Block{bundle.HopCountBlock(2, 30, 0), bundle.AgeBlock(3, 0),
								{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte(fmt.Sprintf("%s to %s %0*d", from, to, size, 0))}},
						}
						raw, err := b.Encode()
						if err != nil {
							return err
						}
						e, err := n.Submit(raw, now)
						if err != nil {
							return err
						}
						rt, err := n.Route(e.ID, now)
						if err != nil || rt == nil {
							return fmt.Errorf("%s: no route from %s to %s: %v\n%s", e.ID, from, to, err, must(n.Explain(e.ID, now)))
						}
						t.Logf("%s → %s: %s\n%s", from, to, e.ID, must(n.Explain(e.ID, now)))
						w := &sent{from, to, b.Payload().Data, now, rt.Latest, rt.Entry, ""}
						for _, h := range rt.Hops {
							c := n.Router().Contacts[h.Contact]
							var q float64
							if i := strings.Index(c.Note, "("); i >= 0 {
								fmt.Sscanf(c.Note[i+1:], "%g%%", &q)
								if q < 75 {
									w.marginal = c.Note
								}
							}
						}
						want[e.ID] = w
					}
				}
				return nil
			},
			Deliver: func(st string, raw []byte, e bstore.Entry) error {
				mu.Lock()
				defer mu.Unlock()
				w := want[e.ID]
				b, err := bundle.Decode(raw)
				if w == nil || w.to != st || err != nil || !bytes.Equal(b.Payload().Data, w.payload) {
					t.Errorf("%s delivered at %s: not what was sent (%v)", e.ID, st, err)
					return nil
				}
				// RFC 9171 5.4, as each forwarding node applied it
				prev, _ := b.PreviousNode()
				_, hops, _ := b.Hops()
				age, _ := b.Age()
				latency := clk.Now().Sub(w.at)
				src := nodes0[w.from].Num
				ground := false
				for _, p := range terrestrial {
					ground = ground || p == [2]string{w.from, w.to} || p == [2]string{w.to, w.from}
				}
				switch {
				case ground && (prev != bundle.IPN(src, 0) || hops != 1):
					t.Errorf("%s over the ground link: previous node %v, %d hops; want the source and 1", e.ID, prev, hops)
				case !ground && (prev == bundle.IPN(src, 0) || hops < 2):
					t.Errorf("%s through the constellation: previous node %v, %d hops; want the last forwarder and 2 or more", e.ID, prev, hops)
				case time.Duration(age)*time.Millisecond > latency || !ground && time.Duration(age)*time.Millisecond < latency/2:
					t.Errorf("%s: bundle age %v after %v on the way: the time held is not what the age says", e.ID, time.Duration(age)*time.Millisecond, latency)
				}
				if !ground && !isStation(nodes0, prev) {
					spaceChecked++ // brought down by a drone
					if spaceChecked <= 3 {
						t.Logf("%s (%s → %s): previous node %v, %d hops, age %v after %v", e.ID, w.from, w.to, prev, hops, time.Duration(age)*time.Millisecond, latency.Round(time.Second))
					}
				}
				if _, ok := got[e.ID]; ok {
					dups++
				}
				got[e.ID] = clk.Now()
				return nil
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	segs, bundles := 0, 0
	for _, r := range res.Reports {
		segs += r.BundleSegsRx + r.BundleSegsTx
		bundles += r.BundlesRx + r.BundlesTx
	}
	t.Logf("%d passes: %d bundle segments and %d bundles across the space link", len(res.Reports), segs, bundles)
	if dups > 0 {
		t.Errorf("%d bundles delivered twice", dups)
	}
	if spaceChecked == 0 {
		t.Error("no bundle came down from a drone")
	}
	// status reports (RFC 9171 6.1), each bundle having asked for those of
	// forwarding and delivery, to its source station's admin endpoint:
	// the source's own "forwarded" comes at once; "delivered" comes back
	// the way bundles go, so the early ones only
	reports := map[string][]bstore.Report{}
	for name, n := range nodes0 {
		s, err := bstore.Open(filepath.Join(dir, "bundles", name+".db"), bstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range s.Reports() {
			reports[r.Subject] = append(reports[r.Subject], r)
			if !strings.HasPrefix(r.Subject, fmt.Sprintf("ipn:%d.1/", n.Num)) {
				t.Errorf("%s holds a report about %s, not one of its bundles", name, r.Subject)
			}
		}
		s.Close()
	}
	delivered := 0
	for id, w := range want {
		fwd := false
		for _, r := range reports[id] {
			switch {
			case r.Status == "forwarded" && r.By == bundle.IPN(nodes0[w.from].Num, 0).String():
				fwd = true
			case r.Status == "delivered" && r.By == bundle.IPN(nodes0[w.to].Num, 0).String():
				delivered++
				if at, ok := got[id]; ok && r.At.Sub(at).Abs() > time.Minute {
					t.Errorf("%s: delivered at %s, its report says %s", id, at.Format(time.TimeOnly), r.At.Format(time.TimeOnly))
				}
			case r.Status == "delivered":
				t.Errorf("%s: a delivery report by %s, not %s", id, r.By, w.to)
			}
		}
		if !fwd {
			t.Errorf("%s: %s did not report forwarding it (reports %+v)", id, w.from, reports[id])
		}
	}
	t.Logf("status reports: %d of %d bundles' deliveries reported back to their sources in the run", delivered, len(got))
	if delivered == 0 && len(got) > 0 {
		t.Error("no delivery report came back")
	}
	onTime := 0
	defer func() {
		t.Logf("%d of %d bundles delivered, %d by the predicted time", len(got), len(want), onTime)

	}()
	for id, w := range want {
		at, ok := got[id]
		if !ok {
			// not lost: still held somewhere
			where := held(t, dir, id)
			if where == "" {
				t.Errorf("%s (%s → %s) lost: not delivered and held nowhere", id, w.from, w.to)
			} else {
				t.Errorf("%s (%s → %s) not delivered: still held at %s", id, w.from, w.to, where)
			}
			continue
		}
		t.Logf("%s → %s via node %d: delivered %s, predicted by %s", w.from, w.to, w.entry, at.Format("15:04:05"), w.latest.Format("15:04:05"))
		for _, p := range terrestrial {
			if (p == [2]string{w.from, w.to} || p == [2]string{w.to, w.from}) && at.Sub(start) > 5*time.Minute {
				t.Errorf("%s → %s has a ground link but took until %s", w.from, w.to, at.Format(time.RFC3339))
			}
		}
		if at.After(w.latest) && w.marginal != "" {
			// the prediction assumes the contact carries the bundle; on a
			// marginal one (frames lost at random, most at low elevation)
			// it may not, and the next route delivers: late, not lost
			t.Logf("%s (%s → %s) delivered at %s, after the route's predicted %s: its %s was marginal", id, w.from, w.to, at.Format(time.RFC3339), w.latest.Format(time.RFC3339), w.marginal)
		} else if at.After(w.latest) {
			t.Errorf("%s (%s → %s) delivered at %s, after the route's predicted %s", id, w.from, w.to, at.Format(time.RFC3339), w.latest.Format(time.RFC3339))
		} else {
			onTime++
		}
	}
}

// isStation says whether eid is one of the stations' nodes.
func isStation(nodes map[string]*dtn.Node, eid bundle.EID) bool {
	for _, n := range nodes {
		if eid == bundle.IPN(n.Num, 0) {
			return true
		}
	}
	return false
}

func must(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// held says which stores under dir/bundles hold bundle id.
func held(t *testing.T, dir, id string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "bundles", "*.db"))
	more, _ := filepath.Glob(filepath.Join(dir, "bundles", "drones", "*.db"))
	var at []string
	for _, f := range append(files, more...) {
		s, err := bstore.Open(f, bstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok, _ := s.Get(id); ok {
			at = append(at, filepath.Base(f))
		}
		s.Close()
	}
	return strings.Join(at, ", ")
}

// TestBigBundleFragments (issue 22, RFC 9171 5.8 and 5.9): a 1 MB bundle
// from Tromso for Wallops, when no pass carries more than a few hundred
// kilobytes, is cut into fragments that cross the constellation on their
// own routes, and is delivered at Wallops whole and once.
func TestBigBundleFragments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		payload := make([]byte, 1<<20)
		for i := range payload {
			payload[i] = byte(i * 31 >> 3)
		}
		var mu sync.Mutex
		var id string
		delivered := 0
		var nodes map[string]*dtn.Node
		dir := t.TempDir()
		_, err := RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 36 * time.Hour, Speed: 600, InMemory: true, DataDir: dir, Seed: 7, Out: testWriter{t},
			Bundles: &DayBundles{
				Ready: func(ns map[string]*dtn.Node, emu *Emulator, c clock.Clock) error {
					nodes = ns
					now := c.Now()
					src, dst := ns["Tromso"], ns["Wallops"]
					b := &bundle.Bundle{
						Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(dst.Num, 1), Source: bundle.IPN(src.Num, 1), ReportTo: bundle.IPN(src.Num, 0),
							Created: bundle.DTNTime(now), Seq: 1, Lifetime: uint64((48 * time.Hour).Milliseconds())},
						Blocks: []bundle.Block{bundle.HopCountBlock(2, 30, 0), {Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: payload}},
					}
					raw, err := b.Encode()
					if err != nil {
						return err
					}
					e, err := src.Submit(raw, now)
					id = e.ID
					if err != nil {
						return err
					}
					if rt, _ := src.Route(e.ID, now); rt != nil {
						return fmt.Errorf("a 1 MB bundle has a route whole: the test shows nothing")
					}
					return nil
				},
				Deliver: func(st string, raw []byte, e bstore.Entry) error {
					mu.Lock()
					defer mu.Unlock()
					b, err := bundle.Decode(raw)
					if err != nil || st != "Wallops" || e.ID != id || !bytes.Equal(b.Payload().Data, payload) || b.Primary.Flags&bundle.FlagFragment != 0 {
						t.Errorf("delivered at %s: %s, %v: not the bundle sent, whole", st, e.ID, err)
					}
					delivered++
					return nil
				},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		fragmented, reassembled := 0, 0
		for _, n := range nodes {
			s := n.Stats()
			fragmented += s.Fragmented
			reassembled += s.Reassembled
		}
		t.Logf("%s: delivered %d times; cut into fragments at %d node(s), reassembled %d time(s)", id, delivered, fragmented, reassembled)
		if delivered != 1 || fragmented == 0 || reassembled != 1 {
			t.Errorf("want it cut, reassembled once at Wallops and delivered once")
		}
		// late fragments (cut again on a slower route) are not left at
		// Wallops waiting for a bundle it has
		ws, err := bstore.Open(filepath.Join(dir, "bundles", "Wallops.db"), bstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		l, err := ws.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l {
			if e.Fragment && e.Whole == id {
				t.Errorf("Wallops still holds fragment %s", e.ID)
			}
		}
	})
}
