package kiss

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
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

func TestConfigure(t *testing.T) {
	var b bytes.Buffer
	err := NewWriter(&b).Configure(3, Params{TXDelay: 300 * time.Millisecond, Persistence: 63, SlotTime: 100 * time.Millisecond, TXTail: 10 * time.Millisecond, FullDuplex: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{FEND, 0x31, 30, FEND, FEND, 0x32, 63, FEND, FEND, 0x33, 10, FEND, FEND, 0x34, 1, FEND, FEND, 0x35, 1, FEND}
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("% x\nwant % x", b.Bytes(), want)
	}
	if err := NewWriter(&b).Configure(0, Params{TXDelay: 3 * time.Second}); err == nil || !strings.Contains(err.Error(), "TX delay") {
		t.Fatalf("3 s TX delay: %v", err)
	}
	if err := NewWriter(&b).Configure(16, Params{}); err == nil {
		t.Fatal("port 16 accepted")
	}
}
