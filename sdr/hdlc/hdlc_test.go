package hdlc

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/ipgs/ipgs/uplink/ax25"
)

func testFrames(t testing.TB, n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var out [][]byte
	for i := range n {
		info := make([]byte, 1+r.IntN(200))
		for j := range info {
			info[j] = byte(r.UintN(256)) // every byte value, so runs of ones need stuffing
		}
		f := ax25.Frame{Dst: ax25.MustAddress("CQ"), Src: ax25.MustAddress("N0CALL-1"), Info: info}
		if i%3 == 0 {
			f.Path = []ax25.Address{ax25.MustAddress("WIDE2-2")}
		}
		b, err := f.Encode(false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []Coding{NRZI, Scrambled} {
		t.Run(c.String(), func(t *testing.T) {
			frames := testFrames(t, 50, 7)
			e := Encoder{Coding: c}
			bits := e.Flags(nil, 20) // the scrambler needs 17 bits to synchronise
			for _, f := range frames {
				bits = e.Frame(bits, f)
				bits = e.Flags(bits, 1+len(f)%3)
			}
			var got [][]byte
			d := Decoder{Coding: c, Emit: func(f Frame) { got = append(got, bytes.Clone(f.Data)) }}
			for _, b := range bits {
				d.Bit(b, 1)
			}
			if len(got) != len(frames) {
				t.Fatalf("decoded %d frames of %d", len(got), len(frames))
			}
			for i := range got {
				if !bytes.Equal(got[i], frames[i]) {
					t.Fatalf("frame %d differs", i)
				}
			}
		})
	}
}

// TestRepair flips one or two channel bits inside each frame and marks
// them least sure: without repair the frame is lost, with it the frame
// comes back whole.
func TestRepair(t *testing.T) {
	for _, c := range []Coding{NRZI, Scrambled} {
		for flips := 1; flips <= 2; flips++ {
			t.Run(c.String(), func(t *testing.T) {
				frames := testFrames(t, 20, 9)
				e := Encoder{Coding: c}
				bits := e.Flags(nil, 20)
				var soft []float32
				r := rand.New(rand.NewPCG(3, 4))
				for _, f := range frames {
					start := len(bits)
					bits = e.Frame(bits, f)
					for len(soft) < len(bits) {
						soft = append(soft, 0.5+r.Float32())
					}
					for range flips {
						i := start + 20 + r.IntN(len(bits)-start-40)
						bits[i] ^= 1
						soft[i] = 0.01
					}
					bits = e.Flags(bits, 2)
				}
				for len(soft) < len(bits) {
					soft = append(soft, 1)
				}
				sent := map[string]bool{}
				for _, f := range frames {
					sent[string(f)] = true
				}
				for repair := range 3 {
					n, fixed := 0, 0
					d := Decoder{Coding: c, Repair: repair, Plausible: ax25.Plausible, Emit: func(f Frame) {
						if !sent[string(f.Data)] {
							t.Fatalf("repair %d: a frame that was not sent (%d flipped): %x", repair, f.Repaired, f.Data)
						}
						n++
						fixed += f.Repaired
					}}
					for i, b := range bits {
						d.Bit(b, soft[i])
					}
					// A flip next to a run of five ones can make a flag or
					// an abort inside the frame, which no flip undoes; a
					// flip of a stuffed bit can leave the check intact.
					// Allow two frames of twenty a flip.
					if repair >= flips && n < len(frames)-2*flips || repair < flips && n > 2 {
						t.Errorf("%d flips, repair %d: decoded %d frames of %d", flips, repair, n, len(frames))
					}
					if repair >= flips && fixed < flips*(len(frames)-2*flips) {
						t.Errorf("%d flips, repair %d: %d bits repaired", flips, repair, fixed)
					}
				}
			})
		}
	}
}

// TestNoise feeds random bits: nothing that comes out may have a
// bad FCS or an out-of-range length.
func TestNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := Decoder{Coding: Scrambled, Repair: 2, Emit: func(f Frame) {
		if len(f.Data) < MinFrame-2 || len(f.Data) > MaxFrame-2 {
			t.Fatalf("frame of %d bytes", len(f.Data))
		}
	}}
	for range 2_000_000 {
		d.Bit(uint8(r.UintN(2)), r.Float32())
	}
}

func FuzzDecoder(f *testing.F) {
	e := Encoder{}
	bits := e.Flags(nil, 3)
	bits = e.Frame(bits, testFrames(f, 1, 1)[0])
	bits = e.Flags(bits, 2)
	packed := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		packed[i/8] |= b << (i % 8)
	}
	f.Add(packed, uint8(0))
	f.Add([]byte{0xFF, 0xFF, 0x7E, 0x00}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		d := Decoder{Coding: Coding(mode & 1), Repair: int(mode>>1) % 3, Emit: func(f Frame) {
			if len(f.Data) < MinFrame-2 || len(f.Data) > MaxFrame-2 {
				t.Fatalf("frame of %d bytes", len(f.Data))
			}
		}}
		for i := range len(data) * 8 {
			d.Bit(data[i/8]>>(i%8), float32(i%7))
		}
	})
}

// TestAirBitsAgainstEncoder: the airtime the station and the emulator
// book for a frame (ax25.AirBits) is what this encoder puts on the air.
func TestAirBitsAgainstEncoder(t *testing.T) {
	for i, f := range testFrames(t, 200, 7) {
		var e Encoder
		if got, want := len(e.Frame(nil, f)), ax25.AirBits(f, false)-8*ax25.Gap; got != want {
			t.Fatalf("frame %d: %d bits encoded, AirBits books %d", i, got, want)
		}
	}
}
