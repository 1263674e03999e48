package proc

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Latest keeps the newest value of every field of every satellite, as
// telemetry arrives on the ground; its Get is an Env.Latest.
type Latest struct {
	mu sync.Mutex
	v  map[string]Value // "sat/packet.field"
}

// Record notes a value measured at at (onboard time); an older value
// arriving late (a pass's backlog) does not replace a newer one.
func (l *Latest) Record(sat int, packet, field string, v float64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.v == nil {
		l.v = map[string]Value{}
	}
	k := strconv.Itoa(sat) + "/" + packet + "." + field
	if old, ok := l.v[k]; ok && at.Before(old.At) {
		return
	}
	l.v[k] = Value{Value: v, At: at}
}

// Get returns sat's newest value of field: "packet.field", or a bare
// field name (the newest of any packet's field of that name).
func (l *Latest) Get(sat int, field string) (Value, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prefix := strconv.Itoa(sat) + "/"
	if strings.Contains(field, ".") {
		v, ok := l.v[prefix+field]
		return v, ok
	}
	var best Value
	found := false
	for k, v := range l.v {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, "."+field) && (!found || v.At.After(best.At)) {
			best, found = v, true
		}
	}
	return best, found
}
