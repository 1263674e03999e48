package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
)

// BenchmarkNetworkDay is issue 25's scale: 100 stations and 500 drones
// on the embedded server for a simulated day (a day in a minute of the
// wall clock): every station a link with a heartbeat every 30 s and a
// pass report at the end of each of its contacts; a planner re-plans the
// network six times. It prints how long each re-plan took to plan and
// then to reach all 100 stations (goal: under a second), against the
// same plan's bytes fanned out by core NATS to 100 subscribers (no
// JetStream, no decoding) in the same run, and checks that every pass
// report is in the stream. make bench-control.
func BenchmarkNetworkDay(b *testing.B) {
	const nSt, nSat = 100, 500
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	els := example.Walker(nSat, start)
	sts := example.Stations(b, nSt)
	for i := range sts {
		sts[i].Name = fmt.Sprintf("S%03d", i+1)
	}
	o := plan.Options{Elements: els, Stations: sts, Start: start, Duration: 24 * time.Hour, MinContactS: 120, MaxPerSat: 1,
		SlewDegS: mission.DefaultSlewDegS, SettleS: mission.DefaultSettleS, Format: "json", Out: io.Discard, Log: io.Discard}
	t0 := time.Now()
	pl, err := plan.Run(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("the day's plan: %d contacts of %d drones at %d stations, planned in %v", len(pl.Contacts), nSat, nSt, time.Since(t0).Round(time.Millisecond))
	replan := Replanner(o)
	users := map[string]Role{"mc": Control, "pat": Planner}
	for _, s := range sts {
		users[s.Name] = Station
	}
	for range b.N {
		n := newNet(b, 1, users)
		const speed = 1440 // a day in a minute
		clk := clock.NewScaled(start, speed)
		svc := NewService(ServiceConfig{Client: n.connect("mc"), Roster: n.roster, Clock: clk, Plan: pl, Replan: replan})
		var mu sync.Mutex
		published := map[int]time.Time{}
		received := map[int][]time.Time{}
		svc.OnPlan(func(pm PlanMsg) { mu.Lock(); published[pm.Version] = time.Now(); mu.Unlock() })
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { svc.Run(ctx) })
		links := map[string]*StationLink{}
		for _, s := range sts {
			hist, err := command.OpenHistory(filepath.Join(b.TempDir(), "commands.jsonl"))
			if err != nil {
				b.Fatal(err)
			}
			hist.NoSync = true
			l := NewStationLink(StationConfig{Client: n.connect(s.Name), History: hist, Clock: clk, Heartbeat: 30 * time.Second,
				OnPlan: func(pm PlanMsg) {
					mu.Lock()
					received[pm.Version] = append(received[pm.Version], time.Now())
					mu.Unlock()
				}})
			links[s.Name] = l
			wg.Go(func() { l.Run(ctx) })
		}
		eventually(b, "plan version 1 at every station", func() bool { mu.Lock(); defer mu.Unlock(); return len(received[1]) == nSt })

		// the day: a pass report at the end of every contact, in time
		// order; six re-plans by the planner
		type rep struct {
			Station string
			Sat     int
			Start   time.Time
			End     time.Time
		}
		var reps []rep
		for _, c := range pl.Locks() {
			reps = append(reps, rep{c.Station, c.Sat, c.Start, c.End})
		}
		slices.SortFunc(reps, func(a, b rep) int { return a.End.Compare(b.End) })
		pat := n.connect("pat")
		var replanned []time.Duration
		day0 := time.Now()
		next := start.Add(3 * time.Hour)
		for _, r := range reps {
			if r.End.After(next) && next.Before(start.Add(20*time.Hour)) {
				t := time.Now()
				if err := pat.Ask(ctx, VerbReplan, Request{Reason: "the benchmark's"}, nil); err != nil {
					b.Fatal(err)
				}
				replanned = append(replanned, time.Since(t))
				next = next.Add(3 * time.Hour)
			}
			clock.Until(ctx, clk, r.End)
			links[r.Station].Report(fmt.Sprintf("%d-%d", r.Sat, r.Start.UnixNano()), r)
		}
		clock.Until(ctx, clk, start.Add(24*time.Hour))
		for _, l := range links {
			eventually(b, "every report published", func() bool { return l.Pending() == 0 })
		}
		dayWall := time.Since(day0)
		// every report in the stream
		st, err := n.connect("pat").js.Stream(ctx, StreamReports)
		if err != nil {
			b.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if int(info.State.Msgs) != len(reps) {
			b.Fatalf("%d pass reports in the stream, %d made", info.State.Msgs, len(reps))
		}
		hb, _ := n.connect("pat").js.Stream(ctx, StreamStatus)
		hbInfo, _ := hb.Info(ctx)

		// how long each version took to reach all stations
		mu.Lock()
		var spread []time.Duration
		for v := 2; v <= len(replanned)+1; v++ {
			if len(received[v]) != nSt {
				b.Fatalf("plan version %d reached %d of %d stations", v, len(received[v]), nSt)
			}
			spread = append(spread, max(0, slices.MaxFunc(received[v], time.Time.Compare).Sub(published[v])))
		}
		mu.Unlock()
		// the reference: the newest plan's bytes fanned out by core NATS
		pm := PlanMsg{Version: 99, Contacts: pl.Locks()}
		raw, _ := json.Marshal(pm)
		fan := coreFanOut(b, n, sts, raw)
		slices.Sort(spread)
		med := spread[len(spread)/2]
		b.Logf("a day of %d stations and %d drones in %v wall: %d pass reports, all in the stream; %d heartbeats, the newest of each of %d stations kept",
			nSt, nSat, dayWall.Round(time.Millisecond), len(reps), hbInfo.State.LastSeq, hbInfo.State.Msgs)
		b.Logf("plan versions of %d contacts (%d kB): re-planned in %v; reached all %d stations in median %v, worst %v (goal: under 1 s); core NATS fan-out of the same bytes %v: %.1fx",
			len(pm.Contacts), len(raw)/1000, replanned, nSt, med.Round(time.Millisecond), spread[len(spread)-1].Round(time.Millisecond), fan.Round(time.Millisecond), float64(med)/float64(fan))
		b.ReportMetric(med.Seconds(), "s/plan-to-all")
		b.ReportMetric(float64(med)/float64(fan), "x-core-fanout")
		cancel()
		wg.Wait()
	}
}

// coreFanOut times one message of raw's bytes reaching 100 plain
// subscribers (each its own connection), median of five.
func coreFanOut(b *testing.B, n *testNet, sts []mission.Station, raw []byte) time.Duration {
	var subs []*nats.Subscription
	got := make(chan time.Time, len(sts))
	for _, s := range sts {
		c := n.connect(s.Name)
		sub, err := c.nc.Subscribe("ipgs.bench", func(*nats.Msg) { got <- time.Now() })
		if err != nil {
			b.Fatal(err)
		}
		c.nc.Flush()
		subs = append(subs, sub)
	}
	defer func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	}()
	pub := n.connect("mc")
	var ds []time.Duration
	for range 5 {
		t := time.Now()
		pub.nc.Publish("ipgs.bench", raw)
		var last time.Time
		for range sts {
			last = <-got
		}
		ds = append(ds, last.Sub(t))
	}
	slices.Sort(ds)
	return ds[2]
}
