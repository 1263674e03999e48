package plan

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/scheduler/deepspace"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
)

// ParsePriorities reads a CSV of sat,weight (NORAD number, positive
// number; a header line is optional). Errors name the line.
func ParsePriorities(r io.Reader, source string) (map[int]float64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	out := map[int]float64{}
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, mission.BadInput(fmt.Errorf("%s: %v", source, err))
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 2 {
			return nil, mission.BadInput(fmt.Errorf("%s:%d: want sat,weight", source, line))
		}
		sat, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil {
			if first && strings.EqualFold(strings.TrimSpace(rec[0]), "sat") {
				first = false
				continue // header
			}
			return nil, mission.BadInput(fmt.Errorf("%s:%d: sat %q is not a NORAD number", source, line, rec[0]))
		}
		first = false
		w, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil || !(w > 0) || w > 1e6 {
			return nil, mission.BadInput(fmt.Errorf("%s:%d: weight %q of satellite %d must be a positive number", source, line, rec[1], sat))
		}
		if _, dup := out[sat]; dup {
			return nil, mission.BadInput(fmt.Errorf("%s:%d: satellite %d is listed twice", source, line, sat))
		}
		out[sat] = w
	}
	return out, nil
}

// LockEntry is a contact of a previous plan.
type LockEntry struct {
	Sat        int
	Station    string
	Start, End time.Time
	Pinned     bool
}

// ReadLock reads a previous plan written by `ipgs schedule --format json`
// (contacts may carry "pinned": true).
func ReadLock(r io.Reader, source string) ([]LockEntry, error) {
	var jp JSONPlan
	dec := json.NewDecoder(io.LimitReader(r, 256<<20))
	if err := dec.Decode(&jp); err != nil {
		return nil, mission.BadInput(fmt.Errorf("%s: not a plan in ipgs JSON: %v", source, err))
	}
	var out []LockEntry
	for i, c := range jp.Contacts {
		sat, err := strconv.Atoi(c.Sat)
		if err != nil {
			return nil, mission.BadInput(fmt.Errorf("%s: contacts[%d].sat %q is not a NORAD number", source, i, c.Sat))
		}
		start, err1 := time.Parse(time.RFC3339Nano, c.Start)
		end, err2 := time.Parse(time.RFC3339Nano, c.End)
		if err1 != nil || err2 != nil || !end.After(start) {
			return nil, mission.BadInput(fmt.Errorf("%s: contacts[%d]: start %q / end %q are not an RFC 3339 interval", source, i, c.Start, c.End))
		}
		out = append(out, LockEntry{Sat: sat, Station: c.Station, Start: start, End: end, Pinned: c.Pinned})
	}
	return out, nil
}

// resolveLocks matches a previous plan's contacts to this problem's
// candidates. Contacts that ended before the start are history; those in
// progress are kept exactly; pinned ones too; the others are kept if
// their pass still exists. Locks that match nothing are reported.
func (p *Problem) resolveLocks(entries []LockEntry) ([]Lock, []string) {
	var locks []Lock
	var notes []string
	satIdx := map[int]int{}
	for i, s := range p.Sats {
		satIdx[s.NORAD] = i
	}
	stIdx := map[string]int{}
	for i, s := range p.Stations {
		stIdx[s.Name] = i
	}
	for _, e := range entries {
		a, b := p.Seconds(e.Start), p.Seconds(e.End)
		if b <= 0 {
			continue // in the past
		}
		sat, ok1 := satIdx[e.Sat]
		st, ok2 := stIdx[e.Station]
		if !ok1 || !ok2 {
			notes = append(notes, fmt.Sprintf("previous contact %d@%s %s: satellite or station no longer in the mission", e.Sat, e.Station, e.Start.Format(time.RFC3339)))
			continue
		}
		best, overlap := -1, 0.0
		for i := range p.Candidates {
			c := &p.Candidates[i]
			if c.Sat == sat && c.Station == st {
				if o := min(b, c.LOS) - max(a, c.AOS); o > overlap {
					best, overlap = i, o
				}
			}
		}
		if best < 0 {
			notes = append(notes, fmt.Sprintf("previous contact %d@%s %s no longer has a pass (new elements or station window)", e.Sat, e.Station, e.Start.Format(time.RFC3339)))
			continue
		}
		// a contact is never longer than its pass (a lock file or a pin
		// may say otherwise)
		// (one under way keeps its start, before this window's)
		c := &p.Candidates[best]
		if a >= 0 {
			a = max(a, c.AOS)
		}
		b = min(b, c.LOS)
		locks = append(locks, Lock{Cand: best, Start: a, End: b, Pinned: e.Pinned, Started: a < 0})
	}
	return locks, notes
}

// Options are the inputs of `ipgs schedule`.
type Options struct {
	Elements    []*tle.Elements
	Mission     *mission.Mission  // optional: rotators, windows, weights, nodes, demands
	Stations    []mission.Station // from a CSV or the mission
	Priorities  map[int]float64   // NORAD → weight; overrides the mission
	Lock        []LockEntry
	Start       time.Time
	Duration    time.Duration
	MinContactS float64
	MaxPerSat   int
	SlewDegS    float64 // for stations without a rotator in the mission
	SettleS     float64
	Format      string // table, json, csv, ics, ion, hdtn
	Location    *time.Location
	Explain     bool
	ICSDir      string
	Deadline    time.Duration
	Out, Log    io.Writer
}

// Run builds, solves, validates and writes a contact plan.
func Run(ctx context.Context, o Options) (*Plan, error) {
	if o.Duration <= 0 {
		return nil, mission.BadInput(errors.New("the window must be longer than zero"))
	}
	switch o.Format {
	case "", "table", "json", "csv", "ics", "ion", "hdtn":
	default:
		return nil, mission.BadInput(fmt.Errorf("unknown format %q (want table, json, csv, ics, ion or hdtn)", o.Format))
	}
	cfgSat := map[int]*mission.SatelliteConfig{}
	cfgSt := map[string]*mission.StationConfig{}
	if o.Mission != nil {
		for i := range o.Mission.Satellites {
			cfgSat[o.Mission.Satellites[i].NORAD] = &o.Mission.Satellites[i]
		}
		for i := range o.Mission.Stations {
			cfgSt[o.Mission.Stations[i].Name] = &o.Mission.Stations[i]
		}
	}
	known := map[int]bool{}
	for _, e := range o.Elements {
		known[e.CatalogNumber] = true
	}
	for sat := range o.Priorities {
		if !known[sat] {
			fmt.Fprintf(o.Log, "ipgs: warning: priorities name satellite %d, which has no element set\n", sat)
		}
	}
	var sats []Satellite
	var props []*sgp4.Propagator
	for i, e := range o.Elements {
		pr, err := sgp4.New(e)
		if err != nil {
			fmt.Fprintf(o.Log, "ipgs: satellite %s: %v\n", e.Label(), err)
			continue
		}
		s := Satellite{NORAD: e.CatalogNumber, Name: e.Name, Weight: 1, BitRate: 9600, Node: e.CatalogNumber}
		if c := cfgSat[e.CatalogNumber]; c != nil {
			s.Weight, s.BitRate = c.Weight(), c.LinkRate()
			s.DemandContacts, s.DemandSeconds = c.Demand.ContactsPerDay, c.Demand.SecondsPerDay
			if n, err := mission.IPNNode(c.DTNNode); err == nil {
				s.Node = n
			}
		}
		if w, ok := o.Priorities[e.CatalogNumber]; ok {
			s.Weight = w
		}
		_ = i
		sats = append(sats, s)
		props = append(props, pr)
	}
	var stations []Station
	for i, m := range o.Stations {
		st := Station{Station: m, SlewDegS: o.SlewDegS, SettleS: o.SettleS, Node: i + 1}
		if c := cfgSt[m.Name]; c != nil {
			if c.Rotator.SlewDegS > 0 {
				st.SlewDegS = c.Rotator.SlewDegS
			}
			if c.Rotator.SettleS > 0 {
				st.SettleS = c.Rotator.SettleS
			}
			for _, w := range c.Available {
				st.Available = append(st.Available, Window{w.From, w.To, w.Reason})
			}
			for _, w := range c.Unavailable {
				st.Unavailable = append(st.Unavailable, Window{w.From, w.To, w.Reason})
			}
			if n, err := mission.IPNNode(c.DTNNode); err == nil {
				st.Node = n
			}
			for norad, sc := range cfgSat {
				if why := c.Capabilities.Serves(sc); why != "" {
					if st.Cannot == nil {
						st.Cannot = map[int]string{}
					}
					st.Cannot[norad] = why
				}
				if why := c.Capabilities.ReceiveOnly(sc); why != "" {
					if st.ReceiveOnly == nil {
						st.ReceiveOnly = map[int]string{}
					}
					st.ReceiveOnly[norad] = why
				}
			}
		}
		stations = append(stations, st)
	}
	p, errs, err := Build(ctx, o.Start, o.Duration, stations, sats, props, o.MinContactS, o.MaxPerSat)
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		fmt.Fprintln(o.Log, "ipgs:", e)
	}
	locks, notes := p.resolveLocks(o.Lock)
	for _, n := range notes {
		fmt.Fprintln(o.Log, "ipgs: note:", n)
	}
	pl := Solve(p, SolveOptions{Locks: locks, Deadline: o.Deadline})
	if o.Mission != nil && len(o.Mission.Relays) > 0 {
		if pl.Relays, err = deepspace.Contacts(o.Mission, o.Start, o.Start.Add(o.Duration)); err != nil {
			return pl, err
		}
	}
	if verr := Validate(p, pl.Contacts); len(verr) > 0 {
		for _, e := range verr[:min(len(verr), 10)] {
			fmt.Fprintln(o.Log, "ipgs: invalid plan:", e)
		}
		return pl, fmt.Errorf("the plan violates %d constraints: not written (this is a bug)", len(verr))
	}
	switch o.Format {
	case "", "table":
		err = pl.WriteTable(o.Out, o.Location, o.Explain)
	case "json":
		err = pl.WriteJSON(o.Out)
	case "csv":
		err = pl.WriteCSV(o.Out)
	case "ics":
		err = pl.WriteICS(o.Out, o.ICSDir)
	case "ion":
		err = pl.WriteION(o.Out)
	case "hdtn":
		err = pl.WriteHDTN(o.Out)
	}
	return pl, err
}

// NetworkOptions are the options every part of a mission plans the
// network with (ipgs station run on each station, the emulator, the
// in-process day): one contact per satellite at a time, the mission's
// minimum contact and the default rotator, so that separate processes
// given the same start and span plan the same contacts.
func NetworkOptions(m *mission.Mission, els []*tle.Elements, start time.Time, dur time.Duration, log io.Writer) Options {
	return Options{Elements: els, Mission: m, Stations: m.PassStations(), Start: start, Duration: dur,
		MinContactS: m.Scheduling.MinContactS, MaxPerSat: 1, SlewDegS: mission.DefaultSlewDegS, SettleS: mission.DefaultSettleS,
		Format: "json", Out: io.Discard, Log: log}
}
