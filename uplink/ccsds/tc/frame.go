package tc

import (
	"encoding/binary"
	"fmt"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
)

// MaxData is the most a TC frame's data field holds (1024-byte frames,
// the header and FECF out).
const MaxData = 1024 - 5 - 2

// Frame is a TC transfer frame.
type Frame struct {
	Bypass  bool   // type B: expedited (BD), not checked by FARM-1's window
	Control bool   // a control command (Unlock, Set V(R)) for FARM-1
	SCID    uint16 // 10 bits
	VCID    uint8  // 6 bits
	Seq     uint8  // N(S), the frame sequence number (type-A frames)
	Data    []byte
}

// Control commands (232.0-B section 4.1.3.3).
var (
	Unlock = []byte{0x00}
)

// SetVR is the control command that sets FARM-1's V(R).
func SetVR(vr uint8) []byte { return []byte{0x82, 0x00, vr} }

// Encode appends the frame, with an FECF.
func (f *Frame) Encode(dst []byte) ([]byte, error) {
	if len(f.Data) == 0 || len(f.Data) > MaxData {
		return dst, fmt.Errorf("tc: %d data bytes (1 to %d)", len(f.Data), MaxData)
	}
	start := len(dst)
	var h uint16 = uint16(f.SCID & 0x3ff)
	if f.Bypass {
		h |= 1 << 13
	}
	if f.Control {
		h |= 1 << 12
	}
	length := 5 + len(f.Data) + 2
	dst = binary.BigEndian.AppendUint16(dst, h)
	dst = binary.BigEndian.AppendUint16(dst, uint16(f.VCID&0x3f)<<10|uint16(length-1))
	dst = append(dst, f.Seq)
	dst = append(dst, f.Data...)
	return binary.BigEndian.AppendUint16(dst, fecf.CRC16(dst[start:])), nil
}

// Error is a frame that did not decode: what was wrong, and where.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("tc: byte %d: %s", e.Offset, e.Msg) }

// Decode reads a frame (with its FECF) from the start of b and returns
// it and the bytes after it (a CLTU's fill); the data field aliases b.
func Decode(b []byte) (*Frame, []byte, error) {
	if len(b) < 8 {
		return nil, nil, &Error{0, fmt.Sprintf("%d bytes: a frame has 8 at least", len(b))}
	}
	h := binary.BigEndian.Uint16(b)
	if v := h >> 14; v != 0 {
		return nil, nil, &Error{0, fmt.Sprintf("transfer frame version %d (TC is 0)", v)}
	}
	n := int(binary.BigEndian.Uint16(b[2:])&0x3ff) + 1
	if n < 8 || n > len(b) {
		return nil, nil, &Error{2, fmt.Sprintf("frame length %d with %d bytes at hand", n, len(b))}
	}
	if got, want := binary.BigEndian.Uint16(b[n-2:]), fecf.CRC16(b[:n-2]); got != want {
		return nil, nil, &Error{n - 2, fmt.Sprintf("FECF %04X, the frame's CRC is %04X", got, want)}
	}
	f := &Frame{Bypass: h>>13&1 == 1, Control: h>>12&1 == 1, SCID: h & 0x3ff, VCID: uint8(binary.BigEndian.Uint16(b[2:]) >> 10), Seq: b[4], Data: b[5 : n-2]}
	return f, b[n:], nil
}
