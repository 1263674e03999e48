package telemetry

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/telemetry/dict"
)

// Alarm is a limit violation or stale telemetry, raised when it starts and
// cleared when the value is back within limits (or packets flow again).
// An operator acknowledges it; an alarm is over when it is both cleared
// and acknowledged.
type Alarm struct {
	ID       string    `json:"id"` // sat/packet/field, or sat/stale
	Sat      int       `json:"sat"`
	Station  string    `json:"station,omitempty"`
	Packet   string    `json:"packet,omitempty"`
	Field    string    `json:"field,omitempty"`
	Severity string    `json:"severity"` // yellow, red, stale
	Value    float64   `json:"value"`
	Units    string    `json:"units,omitempty"`
	Limit    []float64 `json:"limit,omitempty"` // the range that was left
	Mode     string    `json:"mode,omitempty"`
	Text     string    `json:"text,omitempty"` // a station alarm's reason
	Raised   time.Time `json:"raised"`
	Cleared  time.Time `json:"cleared,omitzero"`
	Acked    time.Time `json:"acked,omitzero"`
	AckedBy  string    `json:"acked_by,omitempty"`
}

// Reading is the alarm's value as an operator reads it: the value and
// units, or a station alarm's reason.
func (a *Alarm) Reading() string {
	if a.Text != "" {
		return a.Text
	}
	return strings.TrimSpace(fmt.Sprintf("%.6g %s", a.Value, a.Units))
}

// Event is one change of an alarm, as logged.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  string    `json:"kind"` // raised, changed, cleared, acked
	Alarm Alarm     `json:"alarm"`
}

// Monitor evaluates limits as values arrive and keeps the alarms, logging
// every event to a JSON-lines file.
type Monitor struct {
	// StaleAfter is how long a satellite may be silent during a contact
	// before a stale-telemetry alarm (default 60 s).
	StaleAfter time.Duration
	// OnEvent, if set, sees every event (the store turns them into points).
	OnEvent func(Event)

	mu       sync.Mutex
	alarms   map[string]*Alarm
	contacts map[int]contactWatch
	log      *os.File
	w        *bufio.Writer
}

type contactWatch struct {
	last    time.Time // when the packet count last changed
	packets int
	station string
}

// OpenMonitor opens (creating) the alarm log at path and restores the
// alarms that are not over. path "" keeps no log.
func OpenMonitor(path string) (*Monitor, error) {
	m := &Monitor{alarms: map[string]*Alarm{}, contacts: map[int]contactWatch{}}
	if path == "" {
		return m, nil
	}
	alarms, err := ReadAlarms(path)
	if err != nil {
		return nil, err
	}
	for _, a := range alarms {
		m.alarms[a.ID] = &a
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	m.log, m.w = f, bufio.NewWriter(f)
	return m, nil
}

// ReadAlarms replays an alarm log and returns the alarms that are not over
// (active, or cleared but not acknowledged), oldest first.
func ReadAlarms(path string) ([]Alarm, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	state := map[string]Alarm{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			if len(sc.Bytes()) > 0 && !sc.Scan() {
				break // a line torn by a crash at the very end
			}
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		state[e.Alarm.ID] = e.Alarm
		if a := e.Alarm; !a.Cleared.IsZero() && !a.Acked.IsZero() {
			delete(state, a.ID)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []Alarm
	for _, a := range state {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Alarm) int { return a.Raised.Compare(b.Raised) })
	return out, nil
}

// emit records an event. Called with mu held.
func (m *Monitor) emit(kind string, a *Alarm, t time.Time) {
	e := Event{Time: t, Kind: kind, Alarm: *a}
	if m.w != nil {
		b, _ := json.Marshal(e)
		m.w.Write(append(b, '\n'))
	}
	if m.OnEvent != nil {
		m.OnEvent(e)
	}
	if !a.Cleared.IsZero() && !a.Acked.IsZero() {
		delete(m.alarms, a.ID)
	}
}

// Check evaluates a decoded packet's values against their limits.
func (m *Monitor) Check(p *Packet, d *dict.Decoded) {
	if d.Packet == nil {
		return
	}
	t := p.Onboard
	if t.IsZero() {
		t = p.Ground
	}
	mode := d.ModeState()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range d.Values {
		v := &d.Values[i]
		f := v.Field
		if !v.OK || (f.Limits.Red == nil && f.Limits.Yellow == nil && f.ByMode == nil) {
			continue
		}
		sev, lim := f.Check(v.Num, mode)
		id := strconv.Itoa(p.Sat) + "/" + d.Packet.Name + "/" + f.Name
		a := m.alarms[id]
		switch {
		case sev != dict.Nominal && (a == nil || !a.Cleared.IsZero()):
			a = &Alarm{ID: id, Sat: p.Sat, Station: p.Station, Packet: d.Packet.Name, Field: f.Name, Severity: sev.String(),
				Value: v.Num, Units: f.Units, Limit: []float64{lim.Lo, lim.Hi}, Mode: mode, Raised: t}
			m.alarms[id] = a
			m.emit("raised", a, t)
		case sev != dict.Nominal && a.Severity != sev.String():
			a.Severity, a.Value, a.Limit, a.Mode = sev.String(), v.Num, []float64{lim.Lo, lim.Hi}, mode
			a.Acked, a.AckedBy = time.Time{}, "" // a worse (or better) state needs a new look
			m.emit("changed", a, t)
		case sev == dict.Nominal && a != nil && a.Cleared.IsZero():
			a.Cleared, a.Value = t, v.Num
			m.emit("cleared", a, t)
		}
	}
}

func staleID(sat int) string { return strconv.Itoa(sat) + "/stale" }

// Progress reports a contact's progress: packets received from sat so
// far in the contact, at now. When the count stands still for StaleAfter,
// a stale-telemetry alarm is raised; it clears when packets flow again.
func (m *Monitor) Progress(sat int, station string, now time.Time, packets int) {
	stale := m.StaleAfter
	if stale <= 0 {
		stale = time.Minute
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.contacts[sat]
	id := staleID(sat)
	a := m.alarms[id]
	if !ok || packets != w.packets {
		m.contacts[sat] = contactWatch{last: now, packets: packets, station: station}
		if ok && a != nil && a.Cleared.IsZero() {
			a.Cleared = now
			m.emit("cleared", a, now)
		}
		return
	}
	// packets that never started are a link problem (the pass report
	// shows it); stale means they flowed and stopped
	if packets == 0 || now.Sub(w.last) < stale || (a != nil && a.Cleared.IsZero()) {
		return
	}
	a = &Alarm{ID: id, Sat: sat, Station: station, Severity: "stale", Value: now.Sub(w.last).Seconds(), Units: "s", Raised: now}
	m.alarms[id] = a
	m.emit("raised", a, now)
}

// Station raises the station alarm kind at station (severity red or
// yellow) with the reason text, or clears it when text is "": a problem
// of the station itself (it cannot store telemetry, it heard nothing in a
// pass), not of a satellite's values. Its ID is station/STATION/KIND.
func (m *Monitor) Station(station, kind, severity, text string, now time.Time) {
	id := "station/" + station + "/" + kind
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alarms[id]
	if text == "" {
		if a != nil && a.Cleared.IsZero() {
			a.Cleared = now
			m.emit("cleared", a, now)
		}
		return
	}
	if a != nil && a.Cleared.IsZero() {
		if a.Text != text {
			a.Text = text
			m.emit("changed", a, now)
		}
		return
	}
	a = &Alarm{ID: id, Station: station, Field: kind, Severity: severity, Text: text, Raised: now}
	m.alarms[id] = a
	m.emit("raised", a, now)
}

// ContactEnded stops watching sat for stale telemetry.
func (m *Monitor) ContactEnded(sat int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.contacts, sat)
}

// ErrNoAlarm is returned by Ack for an unknown alarm.
var ErrNoAlarm = errors.New("no such alarm")

// Ack acknowledges an alarm.
func (m *Monitor) Ack(id, who string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alarms[id]
	if a == nil {
		return fmt.Errorf("%w: %q", ErrNoAlarm, id)
	}
	a.Acked, a.AckedBy = now, who
	m.emit("acked", a, now)
	return nil
}

// Alarms returns the alarms that are not over, oldest first.
func (m *Monitor) Alarms() []Alarm {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Alarm
	for _, a := range m.alarms {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Alarm) int { return a.Raised.Compare(b.Raised) })
	return out
}

// Sync makes the logged events durable.
func (m *Monitor) Sync() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.w == nil {
		return nil
	}
	if err := m.w.Flush(); err != nil {
		return err
	}
	return m.log.Sync()
}

// Close syncs and closes the log.
func (m *Monitor) Close() error {
	err := m.Sync()
	if m.log != nil {
		m.log.Close()
	}
	return err
}
