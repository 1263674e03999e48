// Package cbor is the subset of CBOR (RFC 8949) that Bundle Protocol v7
// and BPSec use: unsigned and negative integers, byte and text strings,
// arrays (definite, and the indefinite-length array that encloses a
// bundle), maps, booleans and null. The decoder is strict and bounded:
// every error names the byte offset and what was wrong, lengths are
// checked against what is left before anything is allocated, and nesting
// is limited.
package cbor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Major types.
const (
	Uint   = 0
	Neg    = 1
	Bytes  = 2
	Text   = 3
	Array  = 4
	Map    = 5
	Tag    = 6
	Simple = 7
)

// Break ends an indefinite-length item.
const Break = 0xff

// AppendHead appends the head of an item of major type m with argument v,
// in the shortest form (as BPv7 requires).
func AppendHead(b []byte, m byte, v uint64) []byte {
	m <<= 5
	switch {
	case v < 24:
		return append(b, m|byte(v))
	case v <= 0xff:
		return append(b, m|24, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), v)
}

// AppendUint appends an unsigned integer.
func AppendUint(b []byte, v uint64) []byte { return AppendHead(b, Uint, v) }

// AppendInt appends a signed integer.
func AppendInt(b []byte, v int64) []byte {
	if v < 0 {
		return AppendHead(b, Neg, uint64(-1-v))
	}
	return AppendHead(b, Uint, uint64(v))
}

// AppendBytes appends a byte string.
func AppendBytes(b, s []byte) []byte { return append(AppendHead(b, Bytes, uint64(len(s))), s...) }

// AppendText appends a text string.
func AppendText(b []byte, s string) []byte { return append(AppendHead(b, Text, uint64(len(s))), s...) }

// AppendArray appends the head of an array of n items.
func AppendArray(b []byte, n int) []byte { return AppendHead(b, Array, uint64(n)) }

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xf5)
	}
	return append(b, 0xf4)
}

// Error is a decoding error at an offset.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("cbor: byte %d: %s", e.Offset, e.Msg) }

// ErrTruncated is wrapped by errors where the input ended early.
var ErrTruncated = errors.New("input ends early")

// Decoder reads items from a byte slice.
type Decoder struct {
	b    []byte
	off  int
	base int // added to offsets in errors (a decoder over part of a bundle)
}

// NewDecoder reads b; base is b's offset in a larger input, for errors.
func NewDecoder(b []byte, base int) *Decoder { return &Decoder{b: b, base: base} }

// Offset is the position of the next item (in the larger input).
func (d *Decoder) Offset() int { return d.base + d.off }

// Rest returns what has not been read.
func (d *Decoder) Rest() []byte { return d.b[d.off:] }

// Done reports whether everything was read.
func (d *Decoder) Done() bool { return d.off == len(d.b) }

func (d *Decoder) errf(at int, format string, a ...any) error {
	return &Error{Offset: d.base + at, Msg: fmt.Sprintf(format, a...)}
}

// Peek returns the next byte (0, false at the end).
func (d *Decoder) Peek() (byte, bool) {
	if d.off >= len(d.b) {
		return 0, false
	}
	return d.b[d.off], true
}

// Head reads an item's head: its major type and argument. Indefinite
// lengths (additional information 31) come back with indef set.
func (d *Decoder) Head() (m byte, arg uint64, indef bool, err error) {
	at := d.off
	if d.off >= len(d.b) {
		return 0, 0, false, fmt.Errorf("%w", &Error{d.base + at, "input ends where an item should start"})
	}
	ib := d.b[d.off]
	d.off++
	m, ai := ib>>5, ib&0x1f
	need := 0
	switch {
	case ai < 24:
		return m, uint64(ai), false, nil
	case ai == 24:
		need = 1
	case ai == 25:
		need = 2
	case ai == 26:
		need = 4
	case ai == 27:
		need = 8
	case ai == 31:
		if m == Uint || m == Neg || m == Tag {
			return 0, 0, false, d.errf(at, "major type %d cannot have an indefinite length", m)
		}
		return m, 0, true, nil
	default:
		return 0, 0, false, d.errf(at, "reserved additional information %d", ai)
	}
	if len(d.b)-d.off < need {
		return 0, 0, false, errors.Join(d.errf(at, "head needs %d more bytes, %d left", need, len(d.b)-d.off), ErrTruncated)
	}
	var v uint64
	for _, c := range d.b[d.off : d.off+need] {
		v = v<<8 | uint64(c)
	}
	d.off += need
	return m, v, false, nil
}

// Uint reads an unsigned integer.
func (d *Decoder) Uint() (uint64, error) {
	at := d.off
	m, v, _, err := d.Head()
	if err != nil {
		return 0, err
	}
	if m != Uint {
		return 0, d.errf(at, "want an unsigned integer, found major type %d", m)
	}
	return v, nil
}

// Int reads a signed integer.
func (d *Decoder) Int() (int64, error) {
	at := d.off
	m, v, _, err := d.Head()
	if err != nil {
		return 0, err
	}
	switch {
	case m == Uint && v <= 1<<63-1:
		return int64(v), nil
	case m == Neg && v <= 1<<63-1:
		return -1 - int64(v), nil
	}
	return 0, d.errf(at, "want an integer within int64, found major type %d value %d", m, v)
}

// Bytes reads a definite-length byte string (it aliases the input).
func (d *Decoder) Bytes() ([]byte, error) { return d.str(Bytes) }

// Text reads a definite-length UTF-8 text string.
func (d *Decoder) Text() (string, error) {
	at := d.off
	b, err := d.str(Text)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", d.errf(at, "text string is not UTF-8")
	}
	return string(b), nil
}

func (d *Decoder) str(want byte) ([]byte, error) {
	at := d.off
	m, n, indef, err := d.Head()
	if err != nil {
		return nil, err
	}
	if m != want {
		return nil, d.errf(at, "want %s, found major type %d", map[byte]string{Bytes: "a byte string", Text: "a text string"}[want], m)
	}
	if indef {
		return nil, d.errf(at, "indefinite-length strings are not accepted here")
	}
	if n > uint64(len(d.b)-d.off) {
		return nil, errors.Join(d.errf(at, "string of %d bytes, %d left", n, len(d.b)-d.off), ErrTruncated)
	}
	s := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return s, nil
}

// ArrayLen reads an array head; -1 means indefinite length.
func (d *Decoder) ArrayLen() (int, error) {
	at := d.off
	m, n, indef, err := d.Head()
	if err != nil {
		return 0, err
	}
	if m != Array {
		return 0, d.errf(at, "want an array, found major type %d", m)
	}
	if indef {
		return -1, nil
	}
	// every item takes at least a byte: a longer array cannot fit
	if n > uint64(len(d.b)-d.off) {
		return 0, errors.Join(d.errf(at, "array of %d items, %d bytes left", n, len(d.b)-d.off), ErrTruncated)
	}
	return int(n), nil
}

// Bool reads true or false.
func (d *Decoder) Bool() (bool, error) {
	if d.off < len(d.b) {
		switch d.b[d.off] {
		case 0xf4:
			d.off++
			return false, nil
		case 0xf5:
			d.off++
			return true, nil
		}
	}
	return false, d.errf(d.off, "want true or false")
}

// MaxDepth bounds nesting in Skip.
const MaxDepth = 32

// Skip reads past one item of any type and returns its bytes.
func (d *Decoder) Skip() ([]byte, error) {
	start := d.off
	if err := d.skip(0); err != nil {
		return nil, err
	}
	return d.b[start:d.off], nil
}

func (d *Decoder) skip(depth int) error {
	at := d.off
	if depth > MaxDepth {
		return d.errf(at, "nested deeper than %d", MaxDepth)
	}
	m, n, indef, err := d.Head()
	if err != nil {
		return err
	}
	switch m {
	case Uint, Neg, Simple:
		if m == Simple && indef {
			return d.errf(at, "unexpected break")
		}
		return nil
	case Bytes, Text:
		if indef {
			for {
				if b, ok := d.Peek(); ok && b == Break {
					d.off++
					return nil
				}
				if _, err := d.str(m); err != nil {
					return err
				}
			}
		}
		if n > uint64(len(d.b)-d.off) {
			return errors.Join(d.errf(at, "string of %d bytes, %d left", n, len(d.b)-d.off), ErrTruncated)
		}
		d.off += int(n)
		return nil
	case Array, Map:
		per := 1
		if m == Map {
			per = 2
		}
		if indef {
			for {
				b, ok := d.Peek()
				if !ok {
					return errors.Join(d.errf(d.off, "indefinite item never ends"), ErrTruncated)
				}
				if b == Break {
					d.off++
					return nil
				}
				for i := 0; i < per; i++ {
					if err := d.skip(depth + 1); err != nil {
						return err
					}
				}
			}
		}
		if n > uint64(len(d.b)-d.off) {
			return errors.Join(d.errf(at, "%d items, %d bytes left", n, len(d.b)-d.off), ErrTruncated)
		}
		for i := uint64(0); i < n*uint64(per); i++ {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	case Tag:
		return d.skip(depth + 1)
	}
	return d.errf(at, "unknown major type %d", m)
}

// Skip0 reads past one byte (a break the caller has peeked).
func (d *Decoder) Skip0() { d.off++ }
