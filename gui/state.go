package gui

import (
	"slices"
	"time"
)

// Sample is one value of a field at a time, for charts.
type Sample struct {
	At time.Time
	V  float64
}

// historyCap bounds each field's chart history.
const historyCap = 2000

// History returns a field's recent values, oldest first.
func (m *Model) History(sat int, packet, field string) []Sample {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.charts[valueKey(sat, packet, field)])
}

// SetBackfill sets where a chart's older values come from: the
// telemetry store, InfluxDB, or an attached station.
func (m *Model) SetBackfill(f func(sat int, packet, field string) ([]Sample, error)) {
	m.mu.Lock()
	m.backfill = f
	m.mu.Unlock()
}

// Backfill loads a field's older values from the backfill source, once
// per field, in the background; they go in ahead of what arrived live.
func (m *Model) Backfill(sat int, packet, field string) {
	k := valueKey(sat, packet, field)
	m.mu.Lock()
	f := m.backfill
	if f == nil || m.backfilled[k] {
		m.mu.Unlock()
		return
	}
	if m.backfilled == nil {
		m.backfilled = map[string]bool{}
	}
	m.backfilled[k] = true
	m.mu.Unlock()
	go func() {
		older, err := f(sat, packet, field)
		if err != nil || len(older) == 0 {
			return
		}
		slices.SortFunc(older, func(a, b Sample) int { return a.At.Compare(b.At) })
		m.mu.Lock()
		if m.charts == nil {
			m.charts = map[string][]Sample{}
		}
		h := m.charts[k]
		if len(h) > 0 {
			n, _ := slices.BinarySearchFunc(older, h[0].At, func(s Sample, t time.Time) int { return s.At.Compare(t) })
			older = older[:n] // only what is older than the live values
		}
		h = append(slices.Clone(older), h...)
		if len(h) > historyCap {
			h = h[len(h)-historyCap:]
		}
		m.charts[k] = h
		m.mu.Unlock()
		m.changed()
	}()
}

// record adds v to its field's history; m.mu is held.
func (m *Model) record(v Value) {
	if v.Text != "" || v.At.IsZero() {
		return
	}
	if m.charts == nil {
		m.charts = map[string][]Sample{}
	}
	k := valueKey(v.Sat, v.Packet, v.Field)
	h := m.charts[k]
	if n := len(h); n > 0 && !v.At.After(h[n-1].At) {
		return // a repeat or out of order: the chart runs forward
	}
	if len(h) == historyCap {
		h = append(h[:0], h[historyCap/2:]...) // keep the newer half
	}
	m.charts[k] = append(h, Sample{v.At, v.Value})
}

// RadioState is one station's radios at the model's time: the pass in
// progress or the next one, where the antenna should point and where it
// does, the frequencies with Doppler applied, and the link.
type RadioState struct {
	Station  string
	Sat      string
	InPass   bool
	AOS, LOS time.Time
	// Target is the predicted pointing (degrees); Actual the rotator's,
	// when one reports (HaveActual).
	TargetAz, TargetEl float64
	ActualAz, ActualEl float64
	HaveActual         bool
	RangeKm            float64
	RangeRate          float64 // km/s, positive receding
	DownHz, UpHz       float64 // nominal; 0: none
	DownTunedHz        float64 // Doppler applied
	UpTunedHz          float64
	TNC                string // link state: "connected", "down: …", or "in-process"
	FramesRx, Packets  int
}

// SetRadios replaces the stations' radio states.
func (m *Model) SetRadios(r []RadioState) {
	m.mu.Lock()
	m.radios = slices.Clone(r)
	m.mu.Unlock()
	m.changed()
}

// Radios returns the stations' radio states.
func (m *Model) Radios() []RadioState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.radios)
}

// Progress records a contact's running counts for the radio view.
func (m *Model) Progress(station string, frames, packets int) {
	m.mu.Lock()
	if m.progress == nil {
		m.progress = map[string][2]int{}
	}
	m.progress[station] = [2]int{frames, packets}
	m.mu.Unlock()
}

// ProgressOf is a station's latest contact counts (frames, packets).
func (m *Model) ProgressOf(station string) (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.progress[station]
	return p[0], p[1]
}

// BundleRow is one bundle at one node.
type BundleRow struct {
	Node   string // the station or drone holding it
	ID     string
	Src    string
	Dst    string
	Bytes  int
	State  string // queued, in flight, delivered, expired
	Route  string // the planned hops, or why there is none
	Expiry time.Time
}

// ProposalRow is one governance proposal and its tally so far.
type ProposalRow struct {
	ID      string
	Title   string
	Kind    string
	Closes  time.Time
	Yes, No int
	Abstain int    // ballots not (yet) cast
	Result  string // open, adopted, rejected, no quorum
}

// SetBundles replaces the bundles shown.
func (m *Model) SetBundles(b []BundleRow) {
	m.mu.Lock()
	m.bundles = slices.Clone(b)
	m.mu.Unlock()
	m.changed()
}

// Bundles returns the bundles shown.
func (m *Model) Bundles() []BundleRow {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.bundles)
}

// SetProposals replaces the proposals shown.
func (m *Model) SetProposals(p []ProposalRow) {
	m.mu.Lock()
	m.proposals = slices.Clone(p)
	m.mu.Unlock()
	m.changed()
}

// Proposals returns the proposals shown.
func (m *Model) Proposals() []ProposalRow {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.proposals)
}

// Interval is how often a field's values have been arriving: the median
// gap of its last few samples (0: too few to say).
func (m *Model) Interval(sat int, packet, field string) time.Duration {
	m.mu.Lock()
	h := m.charts[valueKey(sat, packet, field)]
	var gaps []time.Duration
	for i := len(h) - 1; i > 0 && len(gaps) < 5; i-- {
		if d := h[i].At.Sub(h[i-1].At); d > 0 {
			gaps = append(gaps, d)
		}
	}
	m.mu.Unlock()
	if len(gaps) < 2 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// Stale says whether v has not been updated for staleAfter its usual
// periods (at least a minute), at the model's time, and for how long.
func (m *Model) Stale(v Value) (time.Duration, bool) {
	age := m.Now().Sub(v.At)
	limit := max(staleAfter*m.Interval(v.Sat, v.Packet, v.Field), time.Minute)
	return age, age > limit
}

// staleAfter is how many missed periods make a value stale.
const staleAfter = 3
