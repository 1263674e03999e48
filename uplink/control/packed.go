package control

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ipgs/ipgs/scheduler/plan"
)

// A plan version travels with its contacts packed: a day of a network of
// 100 stations and 500 drones is 30,000 contacts, 3.5 MB as JSON, which
// every station decodes. Packed, each contact is its satellite, its
// station's index in a table of names, its start as milliseconds after
// the previous contact's start and its length in milliseconds (varints),
// and a flag byte: about 12 bytes.

type planWire struct {
	Version  int       `json:"version"`
	By       string    `json:"by"`
	Why      string    `json:"why"`
	Made     time.Time `json:"made"`
	Down     []string  `json:"down,omitempty"`
	Contacts []byte    `json:"contacts"` // packContacts
}

// MarshalJSON writes pm with its contacts packed.
func (pm PlanMsg) MarshalJSON() ([]byte, error) {
	return json.Marshal(planWire{pm.Version, pm.By, pm.Why, pm.Made, pm.Down, packContacts(pm.Contacts)})
}

// UnmarshalJSON reads a plan version, refusing packed contacts that do
// not decode (and saying where).
func (pm *PlanMsg) UnmarshalJSON(b []byte) error {
	var w planWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	cs, err := unpackContacts(w.Contacts)
	if err != nil {
		return fmt.Errorf("plan version %d: %w", w.Version, err)
	}
	*pm = PlanMsg{Version: w.Version, By: w.By, Why: w.Why, Made: w.Made, Down: w.Down, Contacts: cs}
	return nil
}

const flagPinned = 1

func packContacts(cs []plan.LockEntry) []byte {
	idx := map[string]int{}
	var names []string
	for _, c := range cs {
		if _, ok := idx[c.Station]; !ok {
			idx[c.Station] = len(names)
			names = append(names, c.Station)
		}
	}
	b := binary.AppendUvarint(nil, uint64(len(names)))
	for _, n := range names {
		b = binary.AppendUvarint(b, uint64(len(n)))
		b = append(b, n...)
	}
	b = binary.AppendUvarint(b, uint64(len(cs)))
	var prev int64
	for i, c := range cs {
		start := c.Start.UnixMilli()
		if i == 0 {
			b = binary.AppendVarint(b, start)
		} else {
			b = binary.AppendVarint(b, start-prev)
		}
		prev = start
		b = binary.AppendUvarint(b, uint64(max(c.Sat, 0)))
		b = binary.AppendUvarint(b, uint64(idx[c.Station]))
		b = binary.AppendUvarint(b, uint64(max(c.End.UnixMilli()-start, 0)))
		var f byte
		if c.Pinned {
			f |= flagPinned
		}
		b = append(b, f)
	}
	return b
}

// maxContacts bounds what a packed plan may claim to hold (a year of a
// network far larger than any here).
const maxContacts = 10_000_000

func unpackContacts(b []byte) ([]plan.LockEntry, error) {
	r := reader{b: b}
	nNames := r.uvarint("the number of stations")
	if r.err == nil && nNames > uint64(len(b)) {
		r.fail("the number of stations", fmt.Errorf("%d stations in %d bytes", nNames, len(b)))
	}
	var names []string
	for i := uint64(0); i < nNames && r.err == nil; i++ {
		what := fmt.Sprintf("station %d's name", i)
		n := r.uvarint(what)
		names = append(names, string(r.bytes(n, what)))
	}
	n := r.uvarint("the number of contacts")
	if r.err == nil && (n > maxContacts || n > uint64(len(b))) {
		r.fail("the number of contacts", fmt.Errorf("%d contacts in %d bytes", n, len(b)))
	}
	var out []plan.LockEntry
	if r.err == nil {
		out = make([]plan.LockEntry, 0, n)
	}
	var start int64
	for i := uint64(0); i < n && r.err == nil; i++ {
		what := fmt.Sprintf("contact %d", i)
		d := r.varint(what + "'s start")
		start += d
		sat := r.uvarint(what + "'s satellite")
		st := r.uvarint(what + "'s station")
		length := r.uvarint(what + "'s length")
		f := r.bytes(1, what+"'s flags")
		if r.err != nil {
			break
		}
		switch {
		case st >= uint64(len(names)):
			r.fail(what, fmt.Errorf("station %d of %d", st, len(names)))
		case sat > 1<<31:
			r.fail(what, fmt.Errorf("satellite %d", sat))
		case length > uint64(400*24*time.Hour/time.Millisecond):
			r.fail(what, fmt.Errorf("%d ms long", length))
		}
		if r.err != nil {
			break
		}
		s := time.UnixMilli(start).UTC()
		out = append(out, plan.LockEntry{Sat: int(sat), Station: names[st], Start: s, End: s.Add(time.Duration(length) * time.Millisecond), Pinned: f[0]&flagPinned != 0})
	}
	if r.err == nil && r.off != len(b) {
		r.fail("the end", fmt.Errorf("%d bytes after the last contact", len(b)-r.off))
	}
	return out, r.err
}

// reader reads varints, keeping the first error with where it was.
type reader struct {
	b   []byte
	off int
	err error
}

var errShort = errors.New("the data ends")

func (r *reader) fail(what string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("packed contacts, byte %d, %s: %w", r.off, what, err)
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail(what, errShort)
		return 0
	}
	r.off += n
	return v
}

func (r *reader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail(what, errShort)
		return 0
	}
	r.off += n
	return v
}

func (r *reader) bytes(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.off) {
		r.fail(what, errShort)
		return nil
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}
