package wav

import (
	"bytes"
	"testing"

	"github.com/ipgs/ipgs/sdr/audio"
)

func TestRoundTrip(t *testing.T) {
	in := []float32{0, 0.5, -0.5, 0.999, -1, 0.25}
	var b bytes.Buffer
	if err := Write(&b, 44100, in); err != nil {
		t.Fatal(err)
	}
	s, err := audio.NewStream(&b, "x.wav")
	if err != nil {
		t.Fatal(err)
	}
	if s.Rate != 44100 || s.Channels != 1 || s.Format != "WAV, 16-bit PCM" || s.Frames != int64(len(in)) {
		t.Fatalf("got %+v", s)
	}
	got := make([]float32, 10)
	n, _ := s.Read(got)
	if n != len(in) {
		t.Fatalf("%d samples, want %d", n, len(in))
	}
	for i := range in {
		if d := got[i] - in[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("sample %d: %v, want %v", i, got[i], in[i])
		}
	}
}
