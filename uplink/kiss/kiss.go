// Package kiss implements the KISS TNC framing protocol (K9NG/KA9Q):
// frames delimited by FEND, with FEND and FESC escaped inside, and a
// leading type byte carrying the TNC port and command.
package kiss

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// Special bytes.
const (
	FEND  = 0xC0
	FESC  = 0xDB
	TFEND = 0xDC
	TFESC = 0xDD
)

// Commands (low nibble of the type byte).
const (
	CmdData        = 0x0
	CmdTXDelay     = 0x1
	CmdPersistence = 0x2
	CmdSlotTime    = 0x3
	CmdTXTail      = 0x4
	CmdFullDuplex  = 0x5
	CmdSetHardware = 0x6
	CmdReturn      = 0xF // with port 0xF: 0xFF, leave KISS mode
)

// MaxFrame is the default largest frame the decoder accepts.
const MaxFrame = 4096

// Frame is one KISS frame.
type Frame struct {
	Port uint8 // 0-15
	Cmd  uint8 // CmdData, CmdTXDelay, ...
	Data []byte
}

// Encode appends the KISS encoding of f to dst.
func Encode(dst []byte, f Frame) []byte {
	dst = append(dst, FEND, f.Port<<4|f.Cmd&0x0F)
	for _, b := range f.Data {
		switch b {
		case FEND:
			dst = append(dst, FESC, TFEND)
		case FESC:
			dst = append(dst, FESC, TFESC)
		default:
			dst = append(dst, b)
		}
	}
	return append(dst, FEND)
}

// Errors a Decoder returns inside *Error.
var (
	ErrTooLong   = errors.New("frame longer than the limit")
	ErrBadEscape = errors.New("FESC not followed by TFEND or TFESC")
)

// Error is a bad frame in a stream; the decoder has skipped to the next
// FEND and may be used again.
type Error struct {
	Offset int64 // stream offset of the frame's opening FEND
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("kiss: frame at byte %d: %v", e.Offset, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Decoder reads frames from a byte stream.
type Decoder struct {
	r      *bufio.Reader
	max    int
	off    int64 // bytes consumed
	buf    []byte
	inside bool // a FEND has been seen, so a frame may be open
}

// NewDecoder reads frames of at most max bytes (0: MaxFrame) from r.
func NewDecoder(r io.Reader, max int) *Decoder {
	if max <= 0 {
		max = MaxFrame
	}
	return &Decoder{r: bufio.NewReaderSize(r, 4096), max: max}
}

// Next returns the next non-empty frame. A malformed frame is reported as
// an *Error and skipped; the next call continues with the frame after it.
// Read errors (io.EOF included) are returned as they are; a partial frame
// is kept for the next call when the error is temporary.
func (d *Decoder) Next() (Frame, error) {
	for {
		start := d.off - int64(len(d.buf))
		b, err := d.r.ReadByte()
		if err != nil {
			return Frame{}, err
		}
		d.off++
		if b == FEND {
			if d.inside && len(d.buf) > 0 {
				f, ferr := unescape(d.buf, d.max)
				d.buf = d.buf[:0]
				if ferr != nil {
					return Frame{}, &Error{Offset: start - 1, Err: ferr}
				}
				return f, nil
			}
			d.inside = true
			d.buf = d.buf[:0]
			continue
		}
		if !d.inside {
			continue // noise before the first FEND
		}
		if len(d.buf) >= 2*d.max+2 {
			// far too long: drop it and resynchronise on the next FEND
			d.buf = d.buf[:0]
			d.inside = false
			if err := d.skipToFEND(); err != nil {
				return Frame{}, err
			}
			d.inside = true
			return Frame{}, &Error{Offset: start, Err: ErrTooLong}
		}
		d.buf = append(d.buf, b)
	}
}

func (d *Decoder) skipToFEND() error {
	for {
		b, err := d.r.ReadByte()
		if err != nil {
			return err
		}
		d.off++
		if b == FEND {
			return nil
		}
	}
}

// unescape decodes the bytes between two FENDs.
func unescape(raw []byte, max int) (Frame, error) {
	f := Frame{Port: raw[0] >> 4, Cmd: raw[0] & 0x0F}
	data := make([]byte, 0, len(raw)-1)
	for i := 1; i < len(raw); i++ {
		b := raw[i]
		if b == FESC {
			i++
			if i >= len(raw) {
				return Frame{}, ErrBadEscape
			}
			switch raw[i] {
			case TFEND:
				b = FEND
			case TFESC:
				b = FESC
			default:
				return Frame{}, ErrBadEscape
			}
		}
		data = append(data, b)
	}
	if len(data) > max {
		return Frame{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLong, len(data), max)
	}
	f.Data = data
	return f, nil
}

// Writer writes KISS frames to w.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one frame with a single Write.
func (w *Writer) WriteFrame(f Frame) error {
	w.buf = Encode(w.buf[:0], f)
	_, err := w.w.Write(w.buf)
	return err
}

// Data writes a data frame on port.
func (w *Writer) Data(port uint8, data []byte) error {
	return w.WriteFrame(Frame{Port: port, Cmd: CmdData, Data: data})
}

// ReadData reads frames from r until it fails, calling fn with the data of
// every data frame; malformed frames are skipped (a TNC or a peer may send
// garbage, which never ends a link). It returns the read error (io.EOF at
// the end), or nil when fn returns false.
func ReadData(r io.Reader, max int, fn func(port uint8, data []byte) bool) error {
	dec := NewDecoder(r, max)
	for {
		f, err := dec.Next()
		var ke *Error
		if errors.As(err, &ke) {
			continue
		}
		if err != nil {
			return err
		}
		if f.Cmd == CmdData && !fn(f.Port, f.Data) {
			return nil
		}
	}
}

// Params are a TNC port's channel-access parameters (KISS commands 1-5).
type Params struct {
	TXDelay     time.Duration // transmitter keyup delay
	Persistence uint8         // p-persistence: p = (Persistence+1)/256
	SlotTime    time.Duration
	TXTail      time.Duration
	FullDuplex  bool
}

// tens converts d to KISS's 10 ms units.
func tens(what string, d time.Duration) (byte, error) {
	n := (d + 5*time.Millisecond) / (10 * time.Millisecond)
	if d < 0 || n > 255 {
		return 0, fmt.Errorf("kiss: %s %v is outside 0-2.55 s", what, d)
	}
	return byte(n), nil
}

// Configure sends p to port, one command frame per parameter.
func (w *Writer) Configure(port uint8, p Params) error {
	if port > 15 {
		return fmt.Errorf("kiss: port %d is outside 0-15", port)
	}
	txd, err := tens("TX delay", p.TXDelay)
	if err != nil {
		return err
	}
	slot, err := tens("slot time", p.SlotTime)
	if err != nil {
		return err
	}
	tail, err := tens("TX tail", p.TXTail)
	if err != nil {
		return err
	}
	var fd byte
	if p.FullDuplex {
		fd = 1
	}
	for _, c := range []struct {
		cmd uint8
		v   byte
	}{{CmdTXDelay, txd}, {CmdPersistence, p.Persistence}, {CmdSlotTime, slot}, {CmdTXTail, tail}, {CmdFullDuplex, fd}} {
		if err := w.WriteFrame(Frame{Port: port, Cmd: c.cmd, Data: []byte{c.v}}); err != nil {
			return err
		}
	}
	return nil
}
