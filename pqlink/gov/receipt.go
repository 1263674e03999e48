package gov

import (
	"crypto/rand"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// KindReceipt is a station's signed word of when it first held governance
// items. Authors choose every time they sign; a receipt is evidence of
// existence that they cannot forge, so proposals are judged and ballots
// are timed by their receipts, not by the times their authors claim.
const KindReceipt = "receipt"

// Receipt says that Station first held the listed items at the listed
// times. It is sealed in a governance envelope signed by the station's
// key (one the trust store grants to that station).
type Receipt struct {
	Station string
	Items   []Receipted
}

// Receipted is one item of a receipt: a governance envelope's id (ID) and
// when the station first held it.
type Receipted struct {
	ID string
	At time.Time
}

// maxReceipted bounds a receipt's items.
const maxReceipted = 1024

// Encode returns the receipt's body: [station, [[id, ms], ...]].
func (r *Receipt) Encode() []byte {
	b := cbor.AppendArray(nil, 2)
	b = cbor.AppendText(b, r.Station)
	b = cbor.AppendArray(b, len(r.Items))
	for _, it := range r.Items {
		b = cbor.AppendArray(b, 2)
		b = cbor.AppendText(b, it.ID)
		b = cbor.AppendUint(b, ms(it.At))
	}
	return b
}

// DecodeReceipt reads a receipt body.
func DecodeReceipt(data []byte) (*Receipt, error) {
	d := cbor.NewDecoder(data, 0)
	if n, err := d.ArrayLen(); err != nil || n != 2 {
		return nil, bad(d, err, "a receipt is a 2-item array")
	}
	r := &Receipt{}
	var err error
	if r.Station, err = d.Text(); err != nil {
		return nil, err
	}
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 1 || n > maxReceipted {
		return nil, bad(d, nil, fmt.Sprintf("%d items in a receipt (1 to %d)", n, maxReceipted))
	}
	for range n {
		if m, err := d.ArrayLen(); err != nil || m != 2 {
			return nil, bad(d, err, "a receipted item is a 2-item array")
		}
		id, err := d.Text()
		if err != nil {
			return nil, err
		}
		if len(id) != 32 {
			return nil, bad(d, nil, fmt.Sprintf("item id %q is not 32 hex digits", id))
		}
		at, err := d.Uint()
		if err != nil {
			return nil, err
		}
		r.Items = append(r.Items, Receipted{ID: id, At: fromMS(at)})
	}
	if !d.Done() {
		return nil, bad(d, nil, "bytes after the receipt")
	}
	return r, nil
}

// Witness makes a station's receipts: the first time the station holds a
// proposal or a ballot (one its operator posted, or one delivered to it),
// Observe returns receipt bundles for every station's governance endpoint,
// this station's own included, so its ledger holds its receipt too.
type Witness struct {
	Station string
	Key     *keys.Private // the station's signing key
	Src     bundle.EID    // the station's governance endpoint
	Dsts    []bundle.EID  // every station's, this one's included
	// Life is how long a receipt is valid (0: 30 days).
	Life time.Duration

	mu   sync.Mutex
	seen map[string]bool
}

// Observe returns receipts for the governance items in raws that this
// witness had not yet receipted (nil when there are none). Bundles that
// are not proposals or ballots are not receipted: receipts themselves,
// directives (a drone judges those when they arrive) and anything that
// does not decode.
func (w *Witness) Observe(raws [][]byte, now time.Time) ([][]byte, error) {
	var items []Receipted
	w.mu.Lock()
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	for _, raw := range raws {
		b, err := bundle.Decode(raw)
		if err != nil || b.Payload() == nil {
			continue
		}
		e, err := bpsec.DecodeEnvelope(b.Payload().Data)
		if err != nil || (e.Kind != KindProposal && e.Kind != KindVote) {
			continue
		}
		id := ID(e)
		if w.seen[id] {
			continue
		}
		w.seen[id] = true
		items = append(items, Receipted{ID: id, At: now})
	}
	w.mu.Unlock()
	if len(items) == 0 {
		return nil, nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	life := w.Life
	if life <= 0 {
		life = 30 * 24 * time.Hour
	}
	var out [][]byte
	for len(items) > 0 {
		k := min(len(items), maxReceipted)
		r := &Receipt{Station: w.Station, Items: items[:k]}
		items = items[k:]
		nonce := make([]byte, 16)
		rand.Read(nonce)
		e := &bpsec.Envelope{Kind: KindReceipt, Seq: uint64(now.UnixMilli()), Nonce: nonce, Expires: now.Add(life), Body: r.Encode()}
		raws, err := Seal(e, w.Key, w.Src, w.Dsts, nil, now)
		if err != nil {
			return out, err
		}
		out = append(out, raws...)
	}
	return out, nil
}

// evidence is what the ledger's receipts say of one item: the earliest
// time each station says it held it.
type evidence map[string]time.Time

// Evidence is what a tally used to time an item: the stations whose
// receipts made the quorum, and the time by which all of them held it.
type Evidence struct {
	At       time.Time
	Stations []string
}

// String renders evidence for people.
func (v Evidence) String() string {
	if v.At.IsZero() {
		return "no receipt"
	}
	return fmt.Sprintf("held by %v at %s", v.Stations, v.At.UTC().Format(time.RFC3339))
}

// at is the time by which quorum distinct stations had the item, and
// which stations those are (false: fewer have receipted it).
func (ev evidence) at(quorum int) (Evidence, bool) {
	quorum = max(quorum, 1)
	if len(ev) < quorum {
		return Evidence{}, false
	}
	type st struct {
		name string
		at   time.Time
	}
	var all []st
	for n, t := range ev {
		all = append(all, st{n, t})
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].at.Equal(all[j].at) {
			return all[i].at.Before(all[j].at)
		}
		return all[i].name < all[j].name
	})
	v := Evidence{At: all[quorum-1].at}
	for _, s := range all[:quorum] {
		v.Stations = append(v.Stations, s.name)
	}
	return v, true
}
