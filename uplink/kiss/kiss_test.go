package kiss

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRoundTripWithEscapes(t *testing.T) {
	data := []byte{0x01, FEND, 0x02, FESC, FEND, FESC, 0x03}
	enc := Encode(nil, Frame{Port: 3, Cmd: CmdData, Data: data})
	want := []byte{FEND, 0x30, 0x01, FESC, TFEND, 0x02, FESC, TFESC, FESC, TFEND, FESC, TFESC, 0x03, FEND}
	if !bytes.Equal(enc, want) {
		t.Fatalf("encoded % x, want % x", enc, want)
	}
	d := NewDecoder(bytes.NewReader(append([]byte{0x55, FEND, FEND}, enc...)), 0)
	f, err := d.Next()
	if err != nil || f.Port != 3 || !bytes.Equal(f.Data, data) {
		t.Fatalf("got %+v %v", f, err)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestBadFramesAreSkipped(t *testing.T) {
	var s []byte
	s = append(s, FEND, 0x00, 'a', FESC, 'x', FEND) // bad escape
	s = Encode(s, Frame{Data: make([]byte, 100)})   // too long for max 50
	s = Encode(s, Frame{Data: []byte("ok")})
	d := NewDecoder(bytes.NewReader(s), 50)
	var e *Error
	if _, err := d.Next(); !errors.As(err, &e) || !errors.Is(err, ErrBadEscape) || e.Offset != 0 {
		t.Fatalf("bad escape: %v", err)
	}
	if _, err := d.Next(); !errors.Is(err, ErrTooLong) {
		t.Fatalf("too long: %v", err)
	}
	if f, err := d.Next(); err != nil || string(f.Data) != "ok" {
		t.Fatalf("after the bad frames: %+v %v", f, err)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(Encode(nil, Frame{Port: 1, Data: []byte{FEND, FESC, 1, 2}}))
	f.Add([]byte{FEND, FESC, FEND, 0, FESC, TFEND, FEND})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(bytes.NewReader(b), 64)
		for range 10000 {
			fr, err := d.Next()
			if err == io.EOF {
				return
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if err == nil {
				if len(fr.Data) > 64 {
					t.Fatalf("frame of %d bytes over the limit", len(fr.Data))
				}
				// a decoded frame re-encodes to something that decodes the same
				again, err := NewDecoder(bytes.NewReader(Encode(nil, fr)), 64).Next()
				if err != nil || !bytes.Equal(again.Data, fr.Data) || again.Port != fr.Port || again.Cmd != fr.Cmd {
					t.Fatalf("round trip: %+v -> %+v %v", fr, again, err)
				}
			}
		}
		t.Fatal("decoder did not reach the end of its input")
	})
}
