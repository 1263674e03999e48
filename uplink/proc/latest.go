package proc

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Latest keeps the recent values of every field of every satellite, as
// telemetry arrives on the ground (live, or a pass's backlog measured
// earlier); its Get is an Env.Latest and its After an Env.After.
type Latest struct {
	mu sync.Mutex
	v  map[string][]Value // "sat/packet.field" → values by measurement time
}

// keep is how many values of a field are kept.
const keep = 2000

// Record notes a value measured at at (onboard time).
func (l *Latest) Record(sat int, packet, field string, v float64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.v == nil {
		l.v = map[string][]Value{}
	}
	k := strconv.Itoa(sat) + "/" + packet + "." + field
	vs := l.v[k]
	i, found := slices.BinarySearchFunc(vs, at, func(x Value, t time.Time) int { return x.At.Compare(t) })
	if found {
		vs[i].Value = v
		return
	}
	vs = slices.Insert(vs, i, Value{Value: v, At: at})
	if len(vs) > keep {
		vs = vs[len(vs)-keep:]
	}
	l.v[k] = vs
}

// keys are the fields named field of sat: "packet.field" exactly, or a
// bare name in any packet.
func (l *Latest) keys(sat int, field string) []string {
	prefix := strconv.Itoa(sat) + "/"
	if strings.Contains(field, ".") {
		return []string{prefix + field}
	}
	var out []string
	for k := range l.v {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, "."+field) {
			out = append(out, k)
		}
	}
	return out
}

// Get returns sat's newest value of field (by measurement time).
func (l *Latest) Get(sat int, field string) (Value, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var best Value
	found := false
	for _, k := range l.keys(sat, field) {
		if vs := l.v[k]; len(vs) > 0 && (!found || vs[len(vs)-1].At.After(best.At)) {
			best, found = vs[len(vs)-1], true
		}
	}
	return best, found
}

// After returns sat's values of field measured after t, oldest first.
func (l *Latest) After(sat int, field string, t time.Time) []Value {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Value
	for _, k := range l.keys(sat, field) {
		for _, v := range l.v[k] {
			if v.At.After(t) {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b Value) int { return a.At.Compare(b.At) })
	return out
}
