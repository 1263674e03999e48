package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 0.999, -1, 0.25}
	var b bytes.Buffer
	if err := Write(&b, 44100, in); err != nil {
		t.Fatal(err)
	}
	a, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != 44100 || a.Channels != 1 || a.Bits != 16 || len(a.Samples) != len(in) {
		t.Fatalf("got %+v", a)
	}
	for i := range in {
		if d := a.Samples[i] - in[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("sample %d: %v, want %v", i, a.Samples[i], in[i])
		}
	}
}

func TestErrors(t *testing.T) {
	var good bytes.Buffer
	Write(&good, 8000, []float32{0.1, 0.2})
	g := good.Bytes()
	bad := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(g)) }
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "byte 0: RIFF header cut short"},
		{"not riff", bad(func(b []byte) []byte { copy(b, "RIFX"); return b }), "not a RIFF WAVE"},
		{"adpcm", bad(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[20:], 2); return b }), "byte 20: format 2"},
		{"bits", bad(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[34:], 12); return b }), "byte 34: 12-bit"},
		{"no data", g[:36], "byte 36: no data chunk"},
	} {
		_, err := Read(bytes.NewReader(c.file))
		var we *Error
		if !errors.As(err, &we) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an *Error with %q", c.name, err, c.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, 44100, []float32{0.1, -0.2, 0.3})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data))
		if err == nil && (a.Rate < 1 || a.Channels < 1) {
			t.Fatalf("accepted %+v", a)
		}
	})
}
