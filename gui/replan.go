package gui

import (
	"errors"
	"slices"
)

// SetUnscheduled replaces the passes the plan left out, each with its
// reason.
func (m *Model) SetUnscheduled(ps []Pass) {
	m.mu.Lock()
	m.unscheduled = slices.Clone(ps)
	slices.SortFunc(m.unscheduled, func(a, b Pass) int { return a.Start.Compare(b.Start) })
	m.mu.Unlock()
	m.changed()
}

// Unscheduled returns the passes the plan left out, in time order.
func (m *Model) Unscheduled() []Pass {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.unscheduled)
}

// SetReplanner makes re-planning possible: f plans again with the pins
// and, once the new plan is in force, hands it to SetPasses. The pins of
// the plan in force are the contacts SetPasses marked Pinned.
func (m *Model) SetReplanner(f func(pins []Pass) error) {
	m.mu.Lock()
	m.replan = f
	m.mu.Unlock()
	m.changed()
}

// CanReplan reports whether a re-planner is set.
func (m *Model) CanReplan() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.replan != nil
}

// Pinned reports whether p is pinned for the next re-plan.
func (m *Model) Pinned(p Pass) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.initPins()
	_, ok := m.pins[p.key()]
	return ok
}

// initPins takes the pins of the plan in force the first time they are
// needed after a new plan.
func (m *Model) initPins() {
	if m.pins != nil {
		return
	}
	m.pins = map[string]Pass{}
	for _, p := range m.passes {
		if p.Pinned {
			m.pins[p.key()] = p
		}
	}
}

// TogglePin pins p for the next re-plan, or unpins it.
func (m *Model) TogglePin(p Pass) {
	m.mu.Lock()
	m.initPins()
	if _, ok := m.pins[p.key()]; ok {
		delete(m.pins, p.key())
	} else {
		p.PinnedBy = m.operator
		if p.PinnedBy == "" {
			p.PinnedBy = "operator"
		}
		m.pins[p.key()] = p
	}
	m.mu.Unlock()
	m.changed()
}

// PinsPending reports whether the pins differ from the plan in force.
func (m *Model) PinsPending() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pins == nil {
		return false
	}
	n := 0
	for _, p := range m.passes {
		if p.Pinned {
			n++
			if _, ok := m.pins[p.key()]; !ok {
				return true
			}
		}
	}
	return n != len(m.pins)
}

// ReplanState is whether a re-plan runs and how the last one failed.
func (m *Model) ReplanState() (running bool, lastErr string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.replanning, m.replanErr
}

// errNoReplanner is Replan without SetReplanner.
var errNoReplanner = errors.New("re-planning needs the engine: this window shows a plan it cannot change")

// Replan plans again with the pins (in its own goroutine: a plan takes a
// second or two); the result arrives through SetPasses, a failure in
// ReplanState.
func (m *Model) Replan() error {
	m.mu.Lock()
	f := m.replan
	if f == nil {
		m.mu.Unlock()
		return errNoReplanner
	}
	if m.replanning {
		m.mu.Unlock()
		return nil
	}
	m.initPins()
	var pins []Pass
	for _, p := range m.pins {
		pins = append(pins, p)
	}
	slices.SortFunc(pins, func(a, b Pass) int { return a.Start.Compare(b.Start) })
	m.replanning, m.replanErr = true, ""
	m.mu.Unlock()
	m.changed()
	go func() {
		err := f(pins)
		m.mu.Lock()
		m.replanning = false
		if err != nil {
			m.replanErr = err.Error()
		}
		m.mu.Unlock()
		m.changed()
	}()
	return nil
}
