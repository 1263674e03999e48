package recording

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/uplink/ax25"
)

func testFrames(n int) [][]byte {
	var frames [][]byte
	for i := range n {
		b, _ := (&ax25.Frame{Dst: ax25.MustAddress("CQ"), Src: ax25.MustAddress("DRONE1"),
			Info: []byte(fmt.Sprintf("frame %d", i))}).Encode(false)
		frames = append(frames, b)
	}
	return frames
}

// capture is IQ of frames at baud with the carrier offset Hz from the
// centre, and noise.
func capture(frames [][]byte, rate float64, baud int, offset float64) []complex64 {
	tx := iq.Transmitter{Rate: rate, Baud: baud, Amplitude: 0.5}
	tx.SetShift(offset)
	var x []complex64
	for _, f := range frames {
		x = tx.Silence(x, int(rate/20))
		x = tx.Frame(x, f)
	}
	x = tx.Silence(x, int(rate/20))
	dsp.NewNoise(7, 0.02).AddComplex(x)
	return x
}

func decodeFile(t *testing.T, o Options) (int, string, string) {
	t.Helper()
	var out, log bytes.Buffer
	o.Out, o.Log = &out, &log
	if o.Baud == 0 {
		o.Baud = 1200
	}
	n, err := Decode(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: %v\n%s", o.File, err, log.String())
	}
	return n, out.String(), log.String()
}

// stereoWAV writes IQ as a 16-bit stereo WAV, with an SDR#-style auxi
// chunk giving centre when centre is not zero.
func stereoWAV(t *testing.T, path string, rate int, x []complex64, centre uint32) {
	var b bytes.Buffer
	le := binary.LittleEndian
	data := len(x) * 4
	var aux []byte
	if centre != 0 {
		aux = make([]byte, 8+164)
		copy(aux, "auxi")
		le.PutUint32(aux[4:], 164)
		le.PutUint32(aux[8+32:], centre)
	}
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(4+24+len(aux)+8+data))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, []uint32{16})
	binary.Write(&b, le, []uint16{1, 2})
	binary.Write(&b, le, []uint32{uint32(rate), uint32(rate * 4)})
	binary.Write(&b, le, []uint16{4, 16})
	b.Write(aux)
	b.WriteString("data")
	binary.Write(&b, le, uint32(data))
	for _, v := range x {
		binary.Write(&b, le, []int16{int16(real(v) * 32767), int16(imag(v) * 32767)})
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIQInWAV: IQ stored as a stereo WAV, as SDR#, HDSDR and SDR++
// record it, 25 kHz off centre. Told by an auxi chunk or SDR++'s name,
// or by --iq; otherwise read as audio, with a note saying why nothing
// decoded.
func TestIQInWAV(t *testing.T) {
	dir := t.TempDir()
	frames := testFrames(4)
	x := capture(frames, 192000, 1200, 25000)
	plain := filepath.Join(dir, "plain.wav")
	stereoWAV(t, plain, 192000, x, 0)
	n, _, log := decodeFile(t, Options{Input: Input{File: plain}})
	if n != 0 || !strings.Contains(log, "if it is IQ, give --iq") {
		t.Errorf("a stereo IQ WAV read as audio: %d frames; %s", n, log)
	}
	n, out, log := decodeFile(t, Options{Input: Input{File: plain, IQ: true}})
	if n != 4 || !strings.Contains(out, "DRONE1>CQ:frame 3") || !strings.Contains(log, "carrier search") {
		t.Errorf("--iq: %d frames\n%s%s", n, out, log)
	}
	auxi := filepath.Join(dir, "SDRSharp_20261204_101500Z_145825000Hz_IQ.wav")
	stereoWAV(t, auxi, 192000, x, 145825000)
	src, err := Open(Input{File: auxi})
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	if src.IQ == nil || src.Centre != 145825000 {
		t.Errorf("auxi chunk: IQ %v, centre %v", src.IQ != nil, src.Centre)
	}
	if n, _, log := decodeFile(t, Options{Input: Input{File: auxi}}); n != 4 {
		t.Errorf("auxi chunk: %d frames; %s", n, log)
	}
	sdrpp := filepath.Join(dir, "baseband_145825000Hz_10-15-00_04-12-2026.wav")
	stereoWAV(t, sdrpp, 192000, x, 0)
	if n, _, log := decodeFile(t, Options{Input: Input{File: sdrpp}}); n != 4 || !strings.Contains(log, "IQ in two channels (the file says so)") {
		t.Errorf("SDR++ name: %d frames; %s", n, log)
	}
}

// appendType writes IQ as a SigMF datatype, for the test.
func appendType(dst []byte, x []complex64, dt string) []byte {
	for _, v := range x {
		for _, f := range []float32{real(v), imag(v)} {
			switch dt {
			case "ci8":
				dst = append(dst, byte(int8(math.Round(float64(f)*127))))
			case "ci16_be":
				dst = binary.BigEndian.AppendUint16(dst, uint16(int16(math.Round(float64(f)*32767))))
			case "cf64_le":
				dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(float64(f)))
			case "cu16_le":
				dst = binary.LittleEndian.AppendUint16(dst, uint16(math.Round(float64(f)*32767.5+32767.5)))
			}
		}
	}
	return dst
}

// TestSigMFDatatypesOffCentre: recordings in HackRF's ci8, cf64_le and
// ci16_be with the carrier 25 kHz off centre decode with no --offset
// given, as a .sigmf-meta, a .sigmf-data, and a .sigmf archive.
func TestSigMFDatatypesOffCentre(t *testing.T) {
	dir := t.TempDir()
	frames := testFrames(3)
	for _, c := range []struct {
		dt   string
		baud int
	}{{"ci8", 1200}, {"cf64_le", 9600}, {"ci16_be", 1200}, {"cu16_le", 4800}} {
		rate := 250000.0
		x := capture(frames, rate, c.baud, -25000)
		meta := filepath.Join(dir, c.dt+sigmf.Ext)
		m := &sigmf.Meta{Global: sigmf.Global{Datatype: c.dt, SampleRate: rate, Version: sigmf.Spec},
			Captures: []sigmf.Capture{{Frequency: 437.5e6, Datetime: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)}}}
		if err := sigmf.WriteMeta(meta, m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sigmf.DataPath(meta), appendType(nil, x, c.dt), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{meta, sigmf.DataPath(meta)} {
			n, _, log := decodeFile(t, Options{Input: Input{File: p}, Baud: c.baud})
			if n != 3 || !strings.Contains(log, "Hz from the centre") {
				t.Errorf("%s at %d baud: %d frames\n%s", filepath.Base(p), c.baud, n, log)
			}
			if !strings.Contains(log, "at -25") && !strings.Contains(log, "at -24") {
				t.Errorf("%s: search did not land near -25 kHz: %s", filepath.Base(p), log)
			}
		}
	}
}
