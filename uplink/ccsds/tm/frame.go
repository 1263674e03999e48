package tm

import (
	"encoding/binary"
	"fmt"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
)

// First header pointer values with a meaning of their own.
const (
	FHPNone = 0x7ff // no packet starts in this frame's data field
	FHPIdle = 0x7fe // the data field is idle data only
)

// Frame is a TM transfer frame.
type Frame struct {
	SCID    uint16 // spacecraft id, 10 bits
	VCID    uint8  // virtual channel, 3 bits
	MCCount uint8  // master channel frame count
	VCCount uint8  // virtual channel frame count
	FHP     uint16 // first header pointer (11 bits)
	// OCF, when set, is the operational control field (a CLCW).
	OCF  *uint32
	Data []byte
}

// Layout is a mission's fixed frame format (managed parameters): the
// frame length and whether frames end in an FECF.
type Layout struct {
	Length int  // the whole frame, bytes (FECF included)
	FECF   bool // a CRC-16 ends every frame
}

// DataLen is the data field's length of a frame with or without an OCF.
func (l Layout) DataLen(ocf bool) int {
	n := l.Length - 6
	if ocf {
		n -= 4
	}
	if l.FECF {
		n -= 2
	}
	return n
}

// Encode appends the frame, its data padded with zeros to the layout's
// data field (a longer data field is an error).
func (l Layout) Encode(dst []byte, f *Frame) ([]byte, error) {
	n := l.DataLen(f.OCF != nil)
	if n <= 0 || len(f.Data) > n {
		return dst, fmt.Errorf("tm: %d data bytes for a %d-byte data field", len(f.Data), n)
	}
	start := len(dst)
	ocf := uint16(0)
	if f.OCF != nil {
		ocf = 1
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(f.SCID&0x3ff)<<4|uint16(f.VCID&7)<<1|ocf)
	dst = append(dst, f.MCCount, f.VCCount)
	// status: no secondary header, packets (sync flag 0), order 0,
	// segment length id 11
	dst = binary.BigEndian.AppendUint16(dst, 3<<11|f.FHP&0x7ff)
	dst = append(dst, f.Data...)
	dst = append(dst, make([]byte, n-len(f.Data))...)
	if f.OCF != nil {
		dst = binary.BigEndian.AppendUint32(dst, *f.OCF)
	}
	if l.FECF {
		dst = binary.BigEndian.AppendUint16(dst, fecf.CRC16(dst[start:]))
	}
	return dst, nil
}

// Error is a frame that did not decode: what was wrong, and where.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("tm: byte %d: %s", e.Offset, e.Msg) }

// Decode reads a frame of the layout; the data field aliases b.
func (l Layout) Decode(b []byte) (*Frame, error) {
	if len(b) != l.Length {
		return nil, &Error{0, fmt.Sprintf("a %d-byte frame, the layout's are %d", len(b), l.Length)}
	}
	if l.Length < 8 {
		return nil, &Error{0, "a layout shorter than the primary header"}
	}
	if l.FECF {
		got, want := binary.BigEndian.Uint16(b[len(b)-2:]), fecf.CRC16(b[:len(b)-2])
		if got != want {
			return nil, &Error{len(b) - 2, fmt.Sprintf("FECF %04X, the frame's CRC is %04X", got, want)}
		}
	}
	h := binary.BigEndian.Uint16(b)
	if v := h >> 14; v != 0 {
		return nil, &Error{0, fmt.Sprintf("transfer frame version %d (TM is 0)", v)}
	}
	f := &Frame{SCID: h >> 4 & 0x3ff, VCID: uint8(h >> 1 & 7), MCCount: b[2], VCCount: b[3]}
	st := binary.BigEndian.Uint16(b[4:])
	if st>>15 != 0 {
		return nil, &Error{4, "a secondary header (not supported)"}
	}
	if st>>14&1 != 0 {
		return nil, &Error{4, "synchronous data (the synch flag), not packets"}
	}
	f.FHP = st & 0x7ff
	n := l.DataLen(h&1 == 1)
	if n <= 0 {
		return nil, &Error{0, "no room for a data field"}
	}
	f.Data = b[6 : 6+n]
	if h&1 == 1 {
		w := binary.BigEndian.Uint32(b[6+n:])
		f.OCF = &w
	}
	if f.FHP != FHPNone && f.FHP != FHPIdle && int(f.FHP) >= n {
		return nil, &Error{4, fmt.Sprintf("first header pointer %d beyond the %d-byte data field", f.FHP, n)}
	}
	return f, nil
}
