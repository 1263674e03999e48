package bundle

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// BlockReplicate is the block processing control flag "block must be
// replicated in every fragment" (RFC 9171 4.2.4).
const BlockReplicate = 0x01

// ErrNoFragment is a bundle that says it must not be fragmented.
var ErrNoFragment = errors.New("the bundle must not be fragmented")

// Fragment splits a bundle (or a fragment) into fragments whose
// encodings are at most max bytes each, as RFC 9171 section 5.8 says:
// each is a bundle with the fragment flag, its payload's offset in the
// original application data unit and that unit's total length; the
// first carries every extension block, the others only those flagged to
// be replicated in every fragment. Security blocks (BIB, BCB) are
// carried whole, never split: their targets are checked and decrypted on
// the reassembled bundle only (RFC 9172), which is where ipgs applies
// them. A bundle that fits is returned as it is.
func Fragment(raw []byte, max int) ([][]byte, error) {
	if len(raw) <= max {
		return [][]byte{raw}, nil
	}
	b, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	if b.Primary.Flags&FlagNoFragment != 0 {
		return nil, fmt.Errorf("bundle %s: %w", b.Primary.ID(), ErrNoFragment)
	}
	payload := b.Payload()
	data := payload.Data
	base, total := uint64(0), uint64(len(data))
	if b.Primary.Flags&FlagFragment != 0 {
		base, total = b.Primary.FragOff, b.Primary.TotalADU
	}
	var out [][]byte
	for off, first := 0, true; off < len(data) || first; first = false {
		f := Bundle{Primary: b.Primary}
		f.Primary.Flags |= FlagFragment
		f.Primary.FragOff, f.Primary.TotalADU = base+uint64(off), total
		for _, k := range b.Blocks[:len(b.Blocks)-1] {
			if first || k.Flags&BlockReplicate != 0 {
				f.Blocks = append(f.Blocks, k)
			}
		}
		pb := *payload
		pb.Data = nil
		f.Blocks = append(f.Blocks, pb)
		empty, err := f.Encode()
		if err != nil {
			return nil, err
		}
		room := max - len(empty) - 8 // the payload's CBOR length grows by up to 8 bytes
		if room <= 0 {
			return nil, fmt.Errorf("bundle %s: fragments of %d bytes leave no room for payload after %d bytes of blocks", b.Primary.ID(), max, len(empty))
		}
		n := min(room, len(data)-off)
		f.Blocks[len(f.Blocks)-1].Data = data[off : off+n]
		enc, err := f.Encode()
		if err != nil {
			return nil, err
		}
		out = append(out, enc)
		off += n
	}
	return out, nil
}

// Reassemble rebuilds the bundle whose fragments are given (any order,
// overlapping or repeated as different nodes may have cut them), as RFC
// 9171 section 5.9 says: ok is false until they cover its whole
// application data unit. The bundle takes its primary and extension
// blocks from the fragment at offset 0.
func Reassemble(frags [][]byte) (raw []byte, ok bool, err error) {
	var fs []*Bundle
	for i, r := range frags {
		b, err := Decode(r)
		if err != nil {
			return nil, false, fmt.Errorf("fragment %d: %w", i, err)
		}
		p := &b.Primary
		if p.Flags&FlagFragment == 0 {
			return nil, false, fmt.Errorf("fragment %d: %s is not a fragment", i, p.ID())
		}
		if len(fs) > 0 {
			q := &fs[0].Primary
			if p.Source != q.Source || p.Created != q.Created || p.Seq != q.Seq || p.TotalADU != q.TotalADU {
				return nil, false, fmt.Errorf("fragment %d: %s is not of the bundle %s", i, p.ID(), q.ID())
			}
		}
		if end := p.FragOff + uint64(len(b.Payload().Data)); end > p.TotalADU || end < p.FragOff {
			return nil, false, fmt.Errorf("fragment %d: payload to byte %d of a %d-byte unit", i, end, p.TotalADU)
		}
		fs = append(fs, b)
	}
	if len(fs) == 0 {
		return nil, false, errors.New("no fragments")
	}
	slices.SortFunc(fs, func(a, b *Bundle) int { return cmp.Compare(a.Primary.FragOff, b.Primary.FragOff) })
	total := fs[0].Primary.TotalADU
	if fs[0].Primary.FragOff != 0 || total > MaxBundle {
		return nil, false, nil
	}
	adu := make([]byte, total)
	covered := uint64(0)
	for _, f := range fs {
		if f.Primary.FragOff > covered {
			return nil, false, nil // a gap
		}
		covered = max(covered, f.Primary.FragOff+uint64(copy(adu[f.Primary.FragOff:], f.Payload().Data)))
	}
	if covered < total {
		return nil, false, nil
	}
	whole := Bundle{Primary: fs[0].Primary}
	whole.Primary.Flags &^= FlagFragment
	whole.Primary.FragOff, whole.Primary.TotalADU = 0, 0
	whole.Blocks = slices.Clone(fs[0].Blocks)
	whole.Blocks[len(whole.Blocks)-1].Data = adu
	raw, err = whole.Encode()
	return raw, err == nil, err
}
