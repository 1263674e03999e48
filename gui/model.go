// Package gui is the mission-control desktop app's views (Fyne). It does
// not import fyne.io/fyne/v2/app: the views are built on any fyne.App, so
// they are tested headless with fyne.io/fyne/v2/test; gui/desktop opens
// the real window.
package gui

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

// Pass is a scheduled contact as the views show it.
type Pass struct {
	Station string
	Sat     int
	Name    string
	Start   time.Time
	End     time.Time
	MaxEl   float64
	// Track is the predicted sky track (azimuth, elevation in degrees).
	Track [][2]float64
	// Report, once the pass is over.
	Packets   int
	Done      bool
	Handshake float64
	// Pinned: an operator pinned it, so a re-plan never moves it;
	// PinnedBy is who.
	Pinned   bool
	PinnedBy string
	// Reason a pass the plan left out is not scheduled (unscheduled
	// passes only).
	Reason string
}

// key names a pass: its station, satellite and start.
func (p Pass) key() string {
	return p.Station + "/" + strconv.Itoa(p.Sat) + "/" + p.Start.UTC().Round(time.Second).Format(time.RFC3339)
}

// Value is the latest value of a telemetry field.
type Value struct {
	Sat      int
	Packet   string
	Field    string
	Value    float64
	Text     string // states and strings
	Units    string
	Severity dict.Severity
	Limits   dict.Limits // in force for the packet's mode
	At       time.Time
}

// Model is what the views show. The engine side calls its setters from
// any goroutine; views register for changes with OnChange.
type Model struct {
	mu        sync.Mutex
	now       time.Time
	passes    []Pass
	values    map[string]Value // sat/packet/field
	alarms    []telemetry.Alarm
	announced map[string]time.Time // alarm id → when it was raised, once told
	onRaised  func([]telemetry.Alarm)
	dict      *command.Dictionary
	history   *command.History
	ack       func(id, who string) error
	listeners []func()
	// Errors visible at a glance: TLE staleness, radio and store errors.
	problems  []string
	charts    map[string][]Sample
	radios    []RadioState
	progress  map[string][2]int
	bundles   []BundleRow
	proposals []ProposalRow
	// the plan's left-out passes, the operator's pins and the re-plan
	unscheduled []Pass
	pins        map[string]Pass
	replan      func(pins []Pass) error
	replanning  bool
	replanErr   string
	// where a chart's older values come from, and the fields done
	backfill   func(sat int, packet, field string) ([]Sample, error)
	backfilled map[string]bool
	// who is at the console: acknowledgements, commands and procedure
	// runs record it
	operator string
	procs    procedures
	// the Radio tab's controls reach the stations through it
	radioControl RadioControl
	// the map
	sats     []SatMark
	stations []StationMark
	sun      LatLon
}

// NewModel makes an empty model.
func NewModel() *Model { return &Model{values: map[string]Value{}} }

// OnChange registers f to run after every change (from the changing
// goroutine; views hand their refresh to fyne.Do).
func (m *Model) OnChange(f func()) {
	m.mu.Lock()
	m.listeners = append(m.listeners, f)
	m.mu.Unlock()
}

func (m *Model) changed() {
	m.mu.Lock()
	ls := slices.Clone(m.listeners)
	m.mu.Unlock()
	for _, f := range ls {
		f()
	}
}

// SetOperator names the person at the console.
func (m *Model) SetOperator(name string) {
	m.mu.Lock()
	m.operator = name
	m.mu.Unlock()
	m.changed()
}

// Operator is the person at the console ("operator" when unnamed).
func (m *Model) Operator() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.operator == "" {
		return "operator"
	}
	return m.operator
}

// SetNow moves the model's clock (virtual time).
func (m *Model) SetNow(t time.Time) {
	m.mu.Lock()
	m.now = t
	m.mu.Unlock()
	m.changed()
}

// Now is the model's time.
func (m *Model) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// SetPasses replaces the plan's passes.
func (m *Model) SetPasses(ps []Pass) {
	m.mu.Lock()
	same := len(ps) == len(m.passes)
	for i := 0; same && i < len(ps); i++ {
		same = slices.ContainsFunc(m.passes, func(p Pass) bool { return p.key() == ps[i].key() && p.Pinned == ps[i].Pinned })
	}
	m.passes = slices.Clone(ps)
	slices.SortFunc(m.passes, func(a, b Pass) int { return a.Start.Compare(b.Start) })
	if !same {
		m.pins = nil // a new plan: its pins are the ones in force
	}
	m.mu.Unlock()
	m.changed()
}

// PassDone records a pass report.
func (m *Model) PassDone(station string, sat int, start time.Time, packets int, handshake float64) {
	m.mu.Lock()
	for i := range m.passes {
		p := &m.passes[i]
		if p.Station == station && p.Sat == sat && p.Start.Equal(start) {
			p.Done, p.Packets, p.Handshake = true, packets, handshake
		}
	}
	m.mu.Unlock()
	m.changed()
}

// Passes returns the passes in time order.
func (m *Model) Passes() []Pass {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.passes)
}

// SetValue records the latest value of a field.
func (m *Model) SetValue(v Value) {
	m.mu.Lock()
	m.values[valueKey(v.Sat, v.Packet, v.Field)] = v
	m.record(v)
	m.mu.Unlock()
	m.changed()
}

// Value returns the latest value of one field (false: none yet).
func (m *Model) Value(sat int, packet, field string) (Value, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[valueKey(sat, packet, field)]
	return v, ok
}

func valueKey(sat int, packet, field string) string {
	return strconv.Itoa(sat) + "/" + packet + "/" + field
}

// Values returns the latest values ordered by satellite, packet, field.
func (m *Model) Values() []Value {
	m.mu.Lock()
	out := make([]Value, 0, len(m.values))
	for _, v := range m.values {
		out = append(out, v)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Value) int {
		if a.Sat != b.Sat {
			return a.Sat - b.Sat
		}
		if a.Packet != b.Packet {
			return compare(a.Packet, b.Packet)
		}
		return compare(a.Field, b.Field)
	})
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SetAlarms replaces the open alarms; ack acknowledges one. Alarms
// raised since the last call (or raised again at a new time) go to the
// OnRaised hook: the sound and the desktop notification.
func (m *Model) SetAlarms(a []telemetry.Alarm, ack func(id, who string) error) {
	m.mu.Lock()
	var raised []telemetry.Alarm
	if m.announced == nil {
		m.announced = map[string]time.Time{}
	}
	for _, x := range a {
		if x.Acked.IsZero() && x.Cleared.IsZero() && !m.announced[x.ID].Equal(x.Raised) {
			m.announced[x.ID] = x.Raised
			raised = append(raised, x)
		}
	}
	m.alarms = slices.Clone(a)
	if ack != nil {
		m.ack = ack
	}
	hook := m.onRaised
	m.mu.Unlock()
	if hook != nil && len(raised) > 0 {
		hook(raised)
	}
	m.changed()
}

// OnRaised sets what is done when alarms are raised (a sound, a
// desktop notification).
func (m *Model) OnRaised(f func([]telemetry.Alarm)) {
	m.mu.Lock()
	m.onRaised = f
	m.mu.Unlock()
}

// Alarms returns the open alarms.
func (m *Model) Alarms() []telemetry.Alarm {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.alarms)
}

// Ack acknowledges alarm id.
func (m *Model) Ack(id, who string) error {
	m.mu.Lock()
	ack := m.ack
	m.mu.Unlock()
	if ack == nil {
		return nil
	}
	err := ack(id, who)
	m.changed()
	return err
}

// SetCommanding gives the command dictionary and history.
func (m *Model) SetCommanding(d *command.Dictionary, h *command.History) {
	m.mu.Lock()
	m.dict, m.history = d, h
	m.mu.Unlock()
	m.changed()
}

// Commanding returns the dictionary and history (nil when absent).
func (m *Model) Commanding() (*command.Dictionary, *command.History) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dict, m.history
}

// SetProblems replaces what needs the operator's attention.
func (m *Model) SetProblems(p []string) {
	m.mu.Lock()
	m.problems = slices.Clone(p)
	m.mu.Unlock()
	m.changed()
}

// Problems returns what needs attention.
func (m *Model) Problems() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.problems)
}
