// Package status is a running station engine's status endpoint: what
// mission control needs to attach to a station it does not run (the
// plan, pass reports, the contact in progress, the latest telemetry
// values, alarms and problems), and the operator's actions on it
// (acknowledge an alarm, re-plan with pins, a field's history for a
// chart). It is HTTP with JSON bodies, served on loopback by default:
//
//	GET  /api/status                        Snapshot
//	POST /api/alarms/ack    {"id","who"}    acknowledge
//	POST /api/replan        {"pins":[...]}  re-plan, the new Snapshot's plan
//	GET  /api/history?sat=&packet=&field=&since=RFC3339   []Sample
package status

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/station"
)

// Snapshot is a station's state at one moment.
type Snapshot struct {
	Station string    `json:"station"`
	Now     time.Time `json:"now"` // the station's clock (virtual when accelerated)
	// Plan is the station's contacts, LeftOut the passes over it the plan
	// left out with the reason.
	Plan     []Pass            `json:"plan"`
	LeftOut  []Pass            `json:"left_out,omitempty"`
	Reports  []station.Report  `json:"reports,omitempty"` // the latest, oldest first
	Progress *station.Progress `json:"progress,omitempty"`
	Values   []Value           `json:"values,omitempty"`
	Alarms   []telemetry.Alarm `json:"alarms,omitempty"`
	Problems []string          `json:"problems,omitempty"`
	// Bundles are the bundles the station's agent holds, with their
	// routes (none without an agent).
	Bundles []dtn.Row `json:"bundles,omitempty"`
}

// Pass is a contact of the plan, or a pass left out (Reason set).
type Pass struct {
	Sat     int       `json:"sat"`
	Name    string    `json:"name"`
	Station string    `json:"station"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	MaxEl   float64   `json:"max_el"`
	Pinned  bool      `json:"pinned,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	// By is who pinned it (a re-plan request's pins).
	By string `json:"by,omitempty"`
}

// Value is the latest value of a telemetry field.
type Value struct {
	Sat      int       `json:"sat"`
	Packet   string    `json:"packet"`
	Field    string    `json:"field"`
	Value    float64   `json:"value"`
	Text     string    `json:"text,omitempty"`
	Units    string    `json:"units,omitempty"`
	Severity string    `json:"severity,omitempty"`
	At       time.Time `json:"at"`
	// the limits in force for the packet's mode
	Yellow *dict.Range `json:"yellow,omitempty"`
	Red    *dict.Range `json:"red,omitempty"`
}

// maxReports bounds the reports a snapshot carries.
const maxReports = 200

// Board collects a station's state as the engine runs; every method is
// safe from any goroutine.
type Board struct {
	Station string
	Clock   func() time.Time
	Alarms  func() []telemetry.Alarm // nil: none
	Bundles func() []dtn.Row         // nil: none

	mu       sync.Mutex
	plan     []Pass
	left     []Pass
	reports  []station.Report
	progress *station.Progress
	values   map[string]Value
	problems map[string]string
}

// SetPlan replaces the plan and the passes left out.
func (b *Board) SetPlan(plan, left []Pass) {
	b.mu.Lock()
	b.plan, b.left = slices.Clone(plan), slices.Clone(left)
	b.mu.Unlock()
}

// Report records a pass report; the contact is no longer in progress.
func (b *Board) Report(r station.Report) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reports = append(b.reports, r)
	if len(b.reports) > maxReports {
		b.reports = slices.Delete(b.reports, 0, len(b.reports)-maxReports)
	}
	b.progress = nil
	if r.RadioError != "" {
		b.setProblem("radio", "radio: "+r.RadioError)
	}
}

// Progress records the contact in progress.
func (b *Board) Progress(p station.Progress) {
	b.mu.Lock()
	b.progress = &p
	b.mu.Unlock()
}

// Value records a field's latest value.
func (b *Board) Value(v Value) {
	b.mu.Lock()
	if b.values == nil {
		b.values = map[string]Value{}
	}
	b.values[strconv.Itoa(v.Sat)+"/"+v.Packet+"/"+v.Field] = v
	b.mu.Unlock()
}

// Problem sets (or, with an empty text, clears) a problem by kind.
func (b *Board) Problem(kind, text string) {
	b.mu.Lock()
	b.setProblem(kind, text)
	b.mu.Unlock()
}

func (b *Board) setProblem(kind, text string) {
	if b.problems == nil {
		b.problems = map[string]string{}
	}
	if text == "" {
		delete(b.problems, kind)
	} else {
		b.problems[kind] = text
	}
}

// Snapshot returns the state now.
func (b *Board) Snapshot() Snapshot {
	b.mu.Lock()
	s := Snapshot{Station: b.Station, Plan: slices.Clone(b.plan), LeftOut: slices.Clone(b.left), Reports: slices.Clone(b.reports)}
	if b.progress != nil {
		p := *b.progress
		s.Progress = &p
	}
	for _, v := range b.values {
		s.Values = append(s.Values, v)
	}
	for _, p := range b.problems {
		s.Problems = append(s.Problems, p)
	}
	b.mu.Unlock()
	slices.SortFunc(s.Values, func(a, b Value) int {
		if a.Sat != b.Sat {
			return a.Sat - b.Sat
		}
		if a.Packet != b.Packet {
			return compare(a.Packet, b.Packet)
		}
		return compare(a.Field, b.Field)
	})
	slices.Sort(s.Problems)
	if b.Clock != nil {
		s.Now = b.Clock()
	}
	if b.Bundles != nil {
		s.Bundles = b.Bundles()
	}
	if b.Alarms != nil {
		s.Alarms = b.Alarms()
	}
	return s
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

// Summary is the little a station's heartbeat carries to mission control
// over the control plane: the contact in progress, the last pass, its
// problems and how many alarms are open (the full telemetry goes to the
// store).
type Summary struct {
	Progress   *station.Progress `json:"progress,omitempty"`
	LastPass   *station.Report   `json:"last_pass,omitempty"`
	Problems   []string          `json:"problems,omitempty"`
	AlarmsOpen int               `json:"alarms_open"`
	Values     int               `json:"values"` // fields with a value
}

// Summary returns the board's summary now.
func (b *Board) Summary() Summary {
	b.mu.Lock()
	var s Summary
	if b.progress != nil {
		p := *b.progress
		s.Progress = &p
	}
	if n := len(b.reports); n > 0 {
		r := b.reports[n-1]
		s.LastPass = &r
	}
	for _, p := range b.problems {
		s.Problems = append(s.Problems, p)
	}
	s.Values = len(b.values)
	b.mu.Unlock()
	slices.Sort(s.Problems)
	if b.Alarms != nil {
		s.AlarmsOpen = len(b.Alarms())
	}
	return s
}

// Values returns the latest value of every field.
func (b *Board) Values() []Value {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Value, 0, len(b.values))
	for _, v := range b.values {
		out = append(out, v)
	}
	return out
}
