package recording

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/hdlc"
	"github.com/ipgs/ipgs/sdr/modem"
)

// longWAV streams a WAV file of minutes of 44.1 kHz 16-bit stereo
// without holding it: noise, and an AFSK frame every 20 seconds in the
// left channel. It is made as it is read.
type longWAV struct {
	hdr    []byte
	frames int64 // stereo frames left
	pos    int64 // frames given
	burst  []float32
	noise  *dsp.Noise
	buf    []float32
	pend   []byte
	sent   int // AFSK frames placed
}

const longRate = 44100

func newLongWAV(minutes int) *longWAV {
	frames := int64(minutes) * 60 * longRate
	var h bytes.Buffer
	le := binary.LittleEndian
	h.WriteString("RIFF")
	binary.Write(&h, le, uint32(36+frames*4))
	h.WriteString("WAVEfmt ")
	binary.Write(&h, le, []uint32{16})
	binary.Write(&h, le, []uint16{1, 2})
	binary.Write(&h, le, []uint32{longRate, longRate * 4})
	binary.Write(&h, le, []uint16{4, 16})
	h.WriteString("data")
	binary.Write(&h, le, uint32(frames*4))
	f := testFrames(1)[0]
	var e hdlc.Encoder
	bits := e.Flags(nil, 30)
	bits = e.Frame(bits, f)
	bits = e.Flags(bits, 3)
	m := modem.AFSKModulator{Rate: longRate, Amplitude: 0.4}
	return &longWAV{hdr: h.Bytes(), frames: frames, burst: m.Modulate(nil, bits), noise: dsp.NewNoise(3, 0.02)}
}

func (w *longWAV) Read(p []byte) (int, error) {
	if len(w.hdr) > 0 {
		n := copy(p, w.hdr)
		w.hdr = w.hdr[n:]
		return n, nil
	}
	if len(w.pend) == 0 {
		if w.pos >= w.frames {
			return 0, io.EOF
		}
		k := min(int64(4096), w.frames-w.pos)
		w.buf = w.buf[:0]
		for i := range k {
			at := (w.pos + i) % (20 * longRate)
			v := float32(0)
			if at < int64(len(w.burst)) {
				v = w.burst[at]
				if at == 0 {
					w.sent++
				}
			}
			w.buf = append(w.buf, v, 0)
		}
		w.noise.Add(w.buf)
		w.pend = make([]byte, 0, 4*k)
		for _, v := range w.buf {
			w.pend = binary.LittleEndian.AppendUint16(w.pend, uint16(int16(v*32767)))
		}
		w.pos += k
	}
	n := copy(p, w.pend)
	w.pend = w.pend[n:]
	return n, nil
}

// TestDecodeHelper is the child process of the memory measurements:
// it decodes the WAV on its standard input, as ipgs modem decode - does.
func TestDecodeHelper(t *testing.T) {
	if os.Getenv("IPGS_DECODE_HELPER") == "" {
		t.Skip("runs as a child of TestLongRecordingMemory")
	}
	n, err := Decode(context.Background(), Options{Input: Input{File: "-"}, Baud: 1200, Out: io.Discard, Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "helper: %d frames\n", n)
}

// decodeInChild streams minutes of stereo audio into a child process
// that decodes it, and returns the frames it found, the frames sent, and
// the child's peak resident memory in bytes.
func decodeInChild(t testing.TB, minutes int) (got, sent int, rss int64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDecodeHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "IPGS_DECODE_HELPER=1")
	w := newLongWAV(minutes)
	cmd.Stdin = w
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	i := strings.Index(out.String(), "helper: ")
	if i < 0 {
		t.Fatalf("no count: %s", out.String())
	}
	got, _ = strconv.Atoi(strings.Fields(out.String()[i+8:])[0])
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return got, w.sent, ru.Maxrss * 1024
}

// TestLongRecordingMemory: ten minutes of 44.1 kHz stereo (106 MB of
// WAV) decode in a process whose peak resident memory stays under
// 64 MB, every frame found. Memory is measured, not time: this holds on
// a loaded machine.
func TestLongRecordingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes ten minutes of audio")
	}
	got, sent, rss := decodeInChild(t, 10)
	t.Logf("10 minutes, 44.1 kHz stereo: %d of %d frames, peak RSS %.1f MB", got, sent, float64(rss)/1e6)
	if got != sent || rss > 64<<20 {
		t.Errorf("%d of %d frames, peak RSS %d bytes (64 MiB allowed)", got, sent, rss)
	}
}

// BenchmarkFortyMinutes prints the peak resident memory of decoding a
// 40-minute 44.1 kHz stereo recording (423 MB of WAV) streamed in.
func BenchmarkFortyMinutes(b *testing.B) {
	for range b.N {
		got, sent, rss := decodeInChild(b, 40)
		b.ReportMetric(float64(rss)/1e6, "peakRSS-MB")
		b.ReportMetric(float64(got)/float64(sent), "frames-found")
	}
}
