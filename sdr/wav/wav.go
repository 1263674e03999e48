// Package wav writes 16-bit PCM WAV audio, the files direwolf's atest
// reads. Package audio reads WAV and every other recording format.
package wav

import (
	"encoding/binary"
	"io"
	"math"
)

// Write writes samples (-1..1, clipped) as 16-bit mono PCM at rate.
func Write(w io.Writer, rate int, samples []float32) error {
	n := len(samples) * 2
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	buf := make([]byte, 0, 64*1024)
	for _, v := range samples {
		s := math.Round(float64(v) * 32767)
		s = math.Max(-32768, math.Min(32767, s))
		buf = binary.LittleEndian.AppendUint16(buf, uint16(int16(s)))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
