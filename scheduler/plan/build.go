package plan

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/scheduler/passes"
)

// Build predicts the passes of every satellite over every station and
// turns them into candidates: each pass cut by its station's availability
// (Available windows, if any, minus Unavailable ones). props[i] flies
// sats[i]. Satellites that decay in the window keep their earlier passes;
// their errors are returned.
func Build(ctx context.Context, start time.Time, dur time.Duration, stations []Station, sats []Satellite, props []*sgp4.Propagator, minContactS float64, maxPerSat int) (*Problem, []error, error) {
	p := &Problem{Start: start.UTC(), Duration: dur, Stations: stations, Sats: sats, MinContactS: minContactS, MaxStationsPerSat: maxPerSat}
	if len(props) != len(sats) {
		return nil, nil, fmt.Errorf("plan: %d propagators for %d satellites", len(props), len(sats))
	}
	for i := range p.Sats {
		p.Sats[i].prop = props[i]
		if !(p.Sats[i].Weight > 0) {
			p.Sats[i].Weight = 1
		}
	}
	ms := make([]mission.Station, len(stations))
	for i := range p.Stations {
		p.Stations[i].topo = geo.NewTopocentric(p.Stations[i].Location)
		ms[i] = p.Stations[i].Station
	}
	var errs []error
	err := passes.Stream(ctx, props, ms, start, dur, 0, func(r passes.SatResult) error {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("satellite %d: passes end early: %w", sats[r.Index].NORAD, r.Err))
		}
		for _, ps := range r.Passes {
			p.addPass(&ps)
		}
		return nil
	})
	if err != nil {
		return nil, errs, err
	}
	return p, errs, nil
}

// addPass cuts a pass by its station's availability into candidates.
func (p *Problem) addPass(ps *passes.Pass) {
	st := &p.Stations[ps.Station]
	aos, los := p.Seconds(ps.AOS), p.Seconds(ps.LOS)
	if why := st.Cannot[p.Sats[ps.SatIndex].NORAD]; why != "" {
		p.Dropped = append(p.Dropped, Dropped{Sat: ps.SatIndex, Station: ps.Station, AOS: aos, LOS: los, Reason: why})
		return
	}
	parts := []span{{aos, los}}
	var cut []string
	if len(st.Available) > 0 {
		var in []span
		for _, w := range st.Available {
			a, b := p.Seconds(w.From), p.Seconds(w.To)
			for _, x := range parts {
				if lo, hi := max(a, x.a), min(b, x.b); hi > lo {
					in = append(in, span{lo, hi})
				}
			}
		}
		sort.Slice(in, func(i, j int) bool { return in[i].a < in[j].a })
		if total(in) < los-aos {
			cut = append(cut, "outside the station's available windows")
		}
		parts = in
	}
	for _, w := range st.Unavailable {
		a, b := p.Seconds(w.From), p.Seconds(w.To)
		var out []span
		for _, x := range parts {
			if b <= x.a || a >= x.b {
				out = append(out, x)
				continue
			}
			if a > x.a {
				out = append(out, span{x.a, a})
			}
			if b < x.b {
				out = append(out, span{b, x.b})
			}
			reason := w.Reason
			if reason == "" {
				reason = "unavailable"
			}
			cut = append(cut, fmt.Sprintf("station %s %s-%s", reason, w.From.UTC().Format("01-02T15:04"), w.To.UTC().Format("15:04")))
		}
		parts = out
	}
	why := ""
	if len(cut) > 0 {
		why = "cut by " + joinUnique(cut)
	}
	if len(parts) == 0 {
		p.Dropped = append(p.Dropped, Dropped{Sat: ps.SatIndex, Station: ps.Station, AOS: aos, LOS: los, Reason: "no usable time: " + why})
		return
	}
	for _, x := range parts {
		p.Candidates = append(p.Candidates, Candidate{
			ID: len(p.Candidates), Sat: ps.SatIndex, Station: ps.Station,
			AOS: aos, LOS: los, TCA: p.Seconds(ps.TCA), MaxElDeg: ps.MaxElDeg,
			Start: x.a, End: x.b, Cut: why,
		})
	}
}

func total(s []span) float64 {
	t := 0.0
	for _, x := range s {
		t += x.b - x.a
	}
	return t
}

func joinUnique(ss []string) string {
	seen := map[string]bool{}
	out := ""
	for _, s := range ss {
		if !seen[s] {
			if out != "" {
				out += ", "
			}
			out += s
			seen[s] = true
		}
	}
	return out
}
