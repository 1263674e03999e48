package modem

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ipgs/ipgs/sdr/hdlc"
	"github.com/ipgs/ipgs/uplink/ax25"
)

// testFrames are n distinct UI frames, as gen_packets would send.
func testFrames(t testing.TB, n int) [][]byte {
	var out [][]byte
	for i := range n {
		f := ax25.Frame{Dst: ax25.MustAddress("APRS"), Src: ax25.MustAddress(fmt.Sprintf("N%dCALL", i%10)),
			Path: []ax25.Address{ax25.MustAddress("WIDE1-1")},
			Info: []byte(fmt.Sprintf("!4237.14N/07120.83W# frame %03d of the modem test", i))}
		b, err := f.Encode(false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// afskAudio modulates frames with gaps between them.
func afskAudio(frames [][]byte, rate float64) []float32 {
	e := hdlc.Encoder{}
	m := AFSKModulator{Rate: rate, Amplitude: 0.5}
	var audio []float32
	for _, f := range frames {
		bits := e.Flags(nil, 30)
		bits = e.Frame(bits, f)
		bits = e.Flags(bits, 3)
		audio = append(audio, make([]float32, int(rate/10))...)
		audio = m.Modulate(audio, bits)
	}
	return append(audio, make([]float32, int(rate/10))...)
}

func TestAFSKClean(t *testing.T) {
	for _, rate := range []float64{44100, 48000, 22050, 9600} {
		frames := testFrames(t, 20)
		audio := afskAudio(frames, rate)
		var got [][]byte
		d := NewAFSK(rate, Options{Emit: func(f Frame) { got = append(got, f.Data) }})
		for i := 0; i < len(audio); i += 1000 {
			d.Process(audio[i:min(i+1000, len(audio))])
		}
		if len(got) != len(frames) {
			t.Fatalf("%v Hz: decoded %d of %d", rate, len(got), len(frames))
		}
		for i := range got {
			if !bytes.Equal(got[i], frames[i]) {
				t.Fatalf("%v Hz: frame %d differs", rate, i)
			}
		}
	}
}

func TestG3RUHClean(t *testing.T) {
	type tc struct{ rate, baud float64 }
	var cases []tc
	for _, rate := range []float64{44100, 48000, 96000, 24000} {
		cases = append(cases, tc{rate, 9600})
	}
	cases = append(cases, tc{48000, 2400}, tc{48000, 4800}, tc{22050, 4800}, tc{96000, 19200}, tc{48000, 19200})
	for _, c := range cases {
		rate := c.rate
		frames := testFrames(t, 20)
		e := hdlc.Encoder{Coding: hdlc.Scrambled}
		m := G3RUHModulator{Rate: rate, Baud: c.baud, Amplitude: 0.5}
		var audio []float32
		for _, f := range frames {
			bits := e.Flags(nil, 40)
			bits = e.Frame(bits, f)
			bits = e.Flags(bits, 3)
			audio = m.Modulate(audio, bits)
		}
		audio = append(audio, make([]float32, 1000)...)
		var got [][]byte
		d := NewG3RUH(rate, c.baud, Options{Emit: func(f Frame) { got = append(got, f.Data) }})
		for i := 0; i < len(audio); i += 1000 {
			d.Process(audio[i:min(i+1000, len(audio))])
		}
		if len(got) != len(frames) {
			t.Fatalf("%v Hz, %v baud: decoded %d of %d", rate, c.baud, len(got), len(frames))
		}
		for i := range got {
			if !bytes.Equal(got[i], frames[i]) {
				t.Fatalf("%v Hz: frame %d differs", rate, i)
			}
		}
	}
}
