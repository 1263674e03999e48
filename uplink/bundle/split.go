package bundle

import (
	"fmt"

	"github.com/ipgs/ipgs/uplink/cbor"
)

// Split cuts a run of encoded bundles, one after another, into the bundles
// (each aliasing b): what an LTP block carries when the sender aggregated
// several (ION does). Each is only delimited here, not checked: Decode
// does that. An error names the bundle and byte that did not delimit.
func Split(b []byte) ([][]byte, error) {
	var out [][]byte
	d := cbor.NewDecoder(b, 0)
	for !d.Done() {
		at := d.Offset()
		if c, _ := d.Peek(); c != 0x9f {
			return out, fmt.Errorf("bundle %d at byte %d: starts with %#x, not an indefinite-length array", len(out)+1, at, c)
		}
		raw, err := d.Skip()
		if err != nil {
			return out, fmt.Errorf("bundle %d at byte %d: %w", len(out)+1, at, err)
		}
		out = append(out, raw)
	}
	return out, nil
}
