package audio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/internal/shared"
	"github.com/ipgs/ipgs/sdr/modem"
)

// readAll reads a whole stream, for tests.
func readAll(t testing.TB, s *Stream) []float32 {
	t.Helper()
	var all []float32
	buf := make([]float32, 999*s.Channels) // an odd size: blocks never line up
	for {
		n, err := s.Read(buf)
		all = append(all, buf[:n]...)
		if err == io.EOF {
			return all
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// decode counts the AX.25 frames in channel ch of a file.
func decode(t testing.TB, path string, baud, ch int) []string {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := NewChannel(s, ch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	d, err := modem.New(baud, float64(s.Rate), modem.Options{Emit: func(f modem.Frame) { got = append(got, fmt.Sprintf("%x", f.Data)) }})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 4096)
	for {
		n, err := c.Read(buf)
		d.Process(buf[:n])
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func sox(t testing.TB, args ...string) {
	t.Helper()
	if b, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %s: %v: %s", strings.Join(args, " "), err, b)
	}
}

// TestAgainstSox writes real recordings in each format with sox, then
// checks two things: every sample this package reads equals what sox
// reads back from the same file (sox's decoders are independent of
// ours), and the frames decoded are the frames of the original WAV.
func TestAgainstSox(t *testing.T) {
	shared.Need(t, "sox")
	rec := filepath.Join(shared.Dir(t), "data", "recordings")
	dir := t.TempDir()
	type format struct {
		name  string
		args  []string // sox's output options
		ext   string
		tol   float64 // largest difference from sox's reading
		lossy bool    // frames may differ from the original's
	}
	formats := []format{
		{"WAV 24-bit", []string{"-b", "24"}, "wav", 1e-6, false},
		{"WAV 32-bit", []string{"-b", "32"}, "wav", 1e-6, false},
		{"WAV u8", []string{"-b", "8", "-e", "unsigned"}, "wav", 1e-6, true},
		{"WAV float32", []string{"-e", "floating-point", "-b", "32"}, "wav", 1e-6, false},
		{"WAV float64", []string{"-e", "floating-point", "-b", "64"}, "wav", 1e-6, false},
		{"WAV µ-law", []string{"-e", "u-law"}, "wav", 1e-6, true},
		{"WAV A-law", []string{"-e", "a-law"}, "wav", 1e-6, true},
		{"WAV IMA ADPCM", []string{"-e", "ima-adpcm"}, "wav", 1e-6, true},
		{"WAV MS ADPCM", []string{"-e", "ms-adpcm"}, "wav", 1e-6, true},
		{"WAV stereo", []string{"-c", "2"}, "wav", 1e-6, false},
		{"Wave64", []string{"-b", "16"}, "w64", 1e-6, false},
		{"AIFF", []string{"-b", "16"}, "aiff", 1e-6, false},
		{"AIFF-C float", []string{"-t", "aifc", "-e", "floating-point", "-b", "32"}, "aifc", 1e-6, false},
		{".au 16-bit", []string{"-b", "16"}, "au", 1e-6, false},
		{".au µ-law", []string{"-e", "u-law"}, "au", 1e-6, true},
		{"FLAC 16-bit", nil, "flac", 1e-6, false},
		{"FLAC 24-bit", []string{"-b", "24"}, "flac", 1e-6, false},
		{"Ogg Vorbis", []string{"-C", "6"}, "ogg", 2e-3, true},
		{"MP3", []string{"-C", "192"}, "mp3", -1, true},
	}
	for _, src := range []struct {
		file string
		baud int
	}{{"satrec/swiatowid-ax25.wav", 1200}, {"satrec/us01.wav", 9600}, {"satrec/quetzal1.wav", 4800}} {
		orig := filepath.Join(rec, src.file)
		want := decode(t, orig, src.baud, 0)
		if len(want) == 0 {
			t.Fatalf("%s: no frames from the original", src.file)
		}
		for i, f := range formats {
			out := filepath.Join(dir, fmt.Sprintf("%d.%s", i, f.ext))
			args := append([]string{orig}, f.args...)
			if f.ext == "aifc" {
				sox(t, append(args, out)...)
			} else {
				sox(t, append(args, out)...)
			}
			if f.tol >= 0 {
				ref := filepath.Join(dir, fmt.Sprintf("%d-ref.f32", i))
				sox(t, out, "-t", "f32", "-e", "floating-point", "-b", "32", "--endian", "little", ref)
				raw, err := os.ReadFile(ref)
				if err != nil {
					t.Fatal(err)
				}
				s, err := Open(out)
				if err != nil {
					t.Fatalf("%s: %v", f.name, err)
				}
				ours := readAll(t, s)
				s.Close()
				if len(ours) != len(raw)/4 {
					t.Errorf("%s %s: %d samples, sox %d", src.file, f.name, len(ours), len(raw)/4)
				}
				worst := 0.0
				for k := range min(len(ours), len(raw)/4) {
					v := math.Float32frombits(uint32(raw[4*k]) | uint32(raw[4*k+1])<<8 | uint32(raw[4*k+2])<<16 | uint32(raw[4*k+3])<<24)
					worst = math.Max(worst, math.Abs(float64(ours[k]-v)))
				}
				if worst > f.tol {
					t.Errorf("%s %s (%s): samples differ from sox's by up to %g", src.file, f.name, s.Format, worst)
				}
			}
			got := decode(t, out, src.baud, 0)
			switch {
			case !f.lossy && strings.Join(got, " ") != strings.Join(want, " "):
				t.Errorf("%s %s: frames %v, the WAV's %v", src.file, f.name, got, want)
			case f.lossy && len(got) < len(want):
				t.Logf("%s %s (lossy): %d of the WAV's %d frames", src.file, f.name, len(got), len(want))
			}
		}
	}
}

// TestRightChannel: a stereo file with the signal in its right channel
// decodes from channel 1 and from the mean, not from the left.
func TestRightChannel(t *testing.T) {
	shared.Need(t, "sox")
	orig := filepath.Join(shared.Dir(t), "data", "recordings", "satrec", "swiatowid-ax25.wav")
	out := filepath.Join(t.TempDir(), "right.wav")
	sox(t, orig, "-c", "2", out, "remix", "0", "1")
	want := decode(t, orig, 1200, 0)
	if got := decode(t, out, 1200, 0); len(got) != 0 {
		t.Errorf("left channel (silent): %d frames", len(got))
	}
	if got := decode(t, out, 1200, 1); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("right channel: %v, want %v", got, want)
	}
	if got := decode(t, out, 1200, -1); len(got) != len(want) {
		t.Errorf("mean of channels: %d frames, want %d", len(got), len(want))
	}
}

// TestRefusals: what is not read says which file, which byte and why.
func TestRefusals(t *testing.T) {
	riff := func(tag, ch, bits, align int, extra ...byte) []byte {
		var b bytes.Buffer
		b.WriteString("RIFF\x00\x00\x00\x00WAVEfmt ")
		fmtc := []byte{byte(16 + len(extra)), 0, 0, 0, byte(tag), byte(tag >> 8), byte(ch), 0, 0x80, 0xBB, 0, 0, 0, 0, 0, 0, byte(align), 0, byte(bits), 0}
		b.Write(fmtc)
		b.Write(extra)
		b.WriteString("data\x04\x00\x00\x00\x00\x00\x00\x00")
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"gsm.wav", riff(0x31, 1, 0, 65), "x.gsm.wav: byte 20: format 0x31 (GSM 6.10) is not decoded"},
		{"odd.wav", riff(0x99, 1, 16, 2), "byte 20: format tag 0x99 is not one read"},
		{"bits.wav", riff(1, 1, 12, 2), "byte 20: 12-bit integer samples"},
		{"align.wav", riff(1, 2, 16, 2), "byte 32: block align 2 for 2 channels of 16 bits (4 expected)"},
		{"text.txt", []byte("hello, world"), `not a recording this reads (starts "hell")`},
		{"cut.wav", []byte("RIFF\x00\x00\x00\x00WAVEfm"), "byte 12: no fmt chunk"},
		{"opus.ogg", append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13"), "OpusHead\x01\x01\x00\x00"...), "Ogg Opus is not decoded"},
		{"empty.wav", nil, "byte 0: file ends before a format could be told"},
	} {
		_, err := NewStream(bytes.NewReader(c.data), "x."+c.name)
		var e *Error
		if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "x."+c.name+": byte ") {
			t.Errorf("%s: %v, want an *Error with %q", c.name, err, c.want)
		}
	}
}

// FuzzStream: no input makes a reader panic or loop for ever.
func FuzzStream(f *testing.F) {
	var w bytes.Buffer
	w.WriteString("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00\x02\x00\x10\x00data\x08\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08")
	f.Add(w.Bytes())
	f.Add([]byte(".snd\x00\x00\x00\x18\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\xac\x44\x00\x00\x00\x01\x01\x02\x03"))
	f.Add([]byte("FORM\x00\x00\x00\x30AIFFCOMM\x00\x00\x00\x12\x00\x01\x00\x00\x00\x02\x00\x10\x40\x0e\xac\x44\x00\x00\x00\x00\x00\x00SSND\x00\x00\x00\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04"))
	f.Add([]byte("fLaC\x00\x00\x00\x22"))
	f.Add([]byte("OggS\x00\x02"))
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := NewStream(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		buf := make([]float32, 64*s.Channels)
		for i := 0; i < 1<<16; i++ {
			_, err := s.Read(buf)
			if err != nil {
				return
			}
		}
		t.Fatalf("%s: no end after 65536 reads of %d bytes", s.Format, len(b))
	})
}
