package bundle

import (
	"errors"
	"fmt"

	"github.com/ipgs/ipgs/uplink/cbor"
)

// ErrHopLimit is a bundle whose hop count has passed its hop limit: it is
// deleted for the reason "hop limit exceeded" (RFC 9171 4.4.3).
var ErrHopLimit = errors.New("hop limit exceeded")

// HopCount reads a hop count block's data: [hop limit, hop count].
func (k *Block) HopCount() (limit, count uint64, err error) {
	if k.Type != TypeHopCount {
		return 0, 0, fmt.Errorf("bundle: block %d is not a hop count block", k.Number)
	}
	d := cbor.NewDecoder(k.Data, 0)
	n, err := d.ArrayLen()
	if err == nil && n != 2 {
		err = fmt.Errorf("%d items", n)
	}
	if err == nil {
		limit, err = d.Uint()
	}
	if err == nil {
		count, err = d.Uint()
	}
	if err == nil && !d.Done() {
		err = errors.New("bytes after it")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("bundle: block %d: the hop count is not [limit, count]: %v", k.Number, err)
	}
	return limit, count, nil
}

// HopCountBlock returns a hop count block numbered n.
func HopCountBlock(n, limit, count uint64) Block {
	d := cbor.AppendArray(nil, 2)
	d = cbor.AppendUint(d, limit)
	d = cbor.AppendUint(d, count)
	return Block{Type: TypeHopCount, Number: n, CRCType: CRC32C, Data: d}
}

// PreviousNode is the node the previous node block names (false: the
// bundle has none).
func (b *Bundle) PreviousNode() (EID, bool) {
	for i := range b.Blocks {
		if b.Blocks[i].Type == TypePreviousNode {
			e, err := DecodeEID(cbor.NewDecoder(b.Blocks[i].Data, 0))
			return e, err == nil
		}
	}
	return EID{}, false
}

// Hops is the bundle's hop limit and count (false: no hop count block).
func (b *Bundle) Hops() (limit, count uint64, ok bool) {
	for i := range b.Blocks {
		if b.Blocks[i].Type == TypeHopCount {
			l, c, err := b.Blocks[i].HopCount()
			return l, c, err == nil
		}
	}
	return 0, 0, false
}

// Forward makes the bundle this node sends on, as RFC 9171 section 5.4
// says a forwarding node must: the previous node block names this node
// (replaced, or added before the payload); the bundle age block, if there
// is one, grows by the milliseconds the bundle was held here; the hop
// count, if there is one, grows by one, and a bundle whose count then
// passes its limit is not sent (ErrHopLimit). The other blocks go on
// unchanged.
func Forward(raw []byte, node EID, heldMs uint64) ([]byte, error) {
	b, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	prev := node.Append(nil)
	found := false
	var top uint64
	for i := range b.Blocks {
		k := &b.Blocks[i]
		top = max(top, k.Number)
		switch k.Type {
		case TypePreviousNode:
			k.Data, found = prev, true
		case TypeBundleAge:
			age, err := k.Age()
			if err != nil {
				return nil, err
			}
			k.Data = cbor.AppendUint(nil, age+heldMs)
		case TypeHopCount:
			limit, count, err := k.HopCount()
			if err != nil {
				return nil, err
			}
			if count+1 > limit {
				return nil, fmt.Errorf("bundle %s: %w (hop %d of a limit of %d)", b.Primary.ID(), ErrHopLimit, count+1, limit)
			}
			k.Data = cbor.AppendArray(nil, 2)
			k.Data = cbor.AppendUint(k.Data, limit)
			k.Data = cbor.AppendUint(k.Data, count+1)
		}
	}
	if !found {
		pn := Block{Type: TypePreviousNode, Number: top + 1, CRCType: CRC32C, Data: prev}
		// before the payload, which stays last
		b.Blocks = append(b.Blocks[:len(b.Blocks)-1], pn, b.Blocks[len(b.Blocks)-1])
	}
	return b.Encode()
}
