package audio

import (
	"encoding/binary"
	"fmt"
)

// IMA ADPCM's step sizes and index changes (the IMA's 1992
// recommendation, as WAV's format 0x11 uses it).
var imaSteps = [89]int32{
	7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45,
	50, 55, 60, 66, 73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230,
	253, 279, 307, 337, 371, 408, 449, 494, 544, 598, 658, 724, 796, 876, 963,
	1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272, 2499, 2749, 3024, 3327,
	3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493, 10442, 11487,
	12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
}

var imaIndex = [16]int32{-1, -1, -1, -1, 2, 4, 6, 8, -1, -1, -1, -1, 2, 4, 6, 8}

type imaState struct{ pred, index int32 }

func (s *imaState) next(nib byte) float32 {
	step := imaSteps[s.index]
	diff := step >> 3
	if nib&1 != 0 {
		diff += step >> 2
	}
	if nib&2 != 0 {
		diff += step >> 1
	}
	if nib&4 != 0 {
		diff += step
	}
	if nib&8 != 0 {
		diff = -diff
	}
	s.pred = min(32767, max(-32768, s.pred+diff))
	s.index = min(88, max(0, s.index+imaIndex[nib&15]))
	return float32(s.pred) / 32768
}

// imaADPCM is WAV's IMA (DVI) ADPCM: blocks of align bytes, each channel
// starting with a 4-byte header (first sample, step index), then 4-byte
// words of eight 4-bit codes per channel in turn.
func imaADPCM(channels, align, perBlock int) (codec, error) {
	if align < 4*channels+4*channels || align%(4*channels) != 0 {
		return codec{}, fmt.Errorf("IMA ADPCM block of %d bytes for %d channels", align, channels)
	}
	want := (align-4*channels)*8/(4*channels) + 1
	if perBlock == 0 {
		perBlock = want
	}
	if perBlock != want {
		return codec{}, fmt.Errorf("IMA ADPCM: %d samples a block, %d-byte blocks hold %d", perBlock, align, want)
	}
	return codec{name: "IMA ADPCM", block: align, frames: perBlock, decode: func(dst []float32, src []byte) {
		st := make([]imaState, channels)
		for c := range channels {
			h := src[4*c:]
			st[c] = imaState{int32(int16(binary.LittleEndian.Uint16(h))), min(88, int32(h[2]))}
			dst[c] = float32(st[c].pred) / 32768
		}
		data := src[4*channels:]
		for w := 0; w*4 < len(data); w++ { // word w belongs to channel w%channels
			c := w % channels
			base := (w/channels)*8 + 1
			for j := range 8 {
				b := data[4*w+j/2]
				nib := b & 15
				if j%2 == 1 {
					nib = b >> 4
				}
				dst[(base+j)*channels+c] = st[c].next(nib)
			}
		}
	}}, nil
}

// msCoefs are Microsoft ADPCM's seven standard predictor pairs.
var msCoefs = [][2]int32{{256, 0}, {512, -256}, {0, 0}, {192, 64}, {240, 0}, {460, -208}, {392, -232}}

var msAdapt = [16]int32{230, 230, 230, 230, 307, 409, 512, 614, 768, 614, 512, 409, 307, 230, 230, 230}

// msADPCM is WAV's Microsoft ADPCM (format 2): each block starts with a
// predictor index, a step, and two whole samples per channel; then 4-bit
// codes, the high nibble first, channels in turn.
func msADPCM(channels, align, perBlock int, coefs [][2]int32) (codec, error) {
	if align < 7*channels {
		return codec{}, fmt.Errorf("MS ADPCM block of %d bytes for %d channels", align, channels)
	}
	want := (align-7*channels)*2/channels + 2
	if perBlock == 0 {
		perBlock = want
	}
	if perBlock > want || perBlock < 2 {
		return codec{}, fmt.Errorf("MS ADPCM: %d samples a block, %d-byte blocks hold %d", perBlock, align, want)
	}
	if len(coefs) == 0 {
		coefs = msCoefs
	}
	return codec{name: "MS ADPCM", block: align, frames: perBlock, decode: func(dst []float32, src []byte) {
		type state struct{ c1, c2, delta, s1, s2 int32 }
		st := make([]state, channels)
		for c := range channels {
			p := min(int(src[c]), len(coefs)-1)
			o := channels + 2*c
			st[c] = state{coefs[p][0], coefs[p][1],
				int32(int16(binary.LittleEndian.Uint16(src[o:]))),
				int32(int16(binary.LittleEndian.Uint16(src[o+2*channels:]))),
				int32(int16(binary.LittleEndian.Uint16(src[o+4*channels:])))}
			dst[c] = float32(st[c].s2) / 32768
			dst[channels+c] = float32(st[c].s1) / 32768
		}
		data := src[7*channels:]
		for i := 0; i < (perBlock-2)*channels; i++ {
			nib := int32(data[i/2] >> 4)
			if i%2 == 1 {
				nib = int32(data[i/2] & 15)
			}
			c := i % channels
			s := &st[c]
			signed := nib
			if signed >= 8 {
				signed -= 16
			}
			pred := (s.s1*s.c1 + s.s2*s.c2) >> 8
			v := min(32767, max(-32768, pred+signed*s.delta))
			s.s2, s.s1 = s.s1, v
			s.delta = max(16, (msAdapt[nib]*s.delta)>>8)
			dst[2*channels+i] = float32(v) / 32768
		}
	}}, nil
}
