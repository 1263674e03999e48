package audio

import (
	"errors"
	"fmt"
	"io"
)

// blocks reads a file's sample data a block at a time through a codec,
// up to limit bytes (-1: to the end of the file). A block cut short by
// the end of the file keeps the frames it holds: a recording cut off is
// read as far as it goes.
type blocks struct {
	r        io.Reader
	c        codec
	channels int
	limit    int64 // bytes left; -1: unknown
	off      int64 // the file's byte at r
	raw      []byte
	out      []float32 // decoded
	pending  []float32 // the part of out not yet given
	err      error     // what ends the data, once pending is given
}

func newBlocks(r io.Reader, c codec, channels int, size, off int64) *blocks {
	return &blocks{r: r, c: c, channels: channels, limit: size, off: off}
}

func (b *blocks) read(dst []float32) (int, error) {
	n := 0
	for n < len(dst) {
		if len(b.pending) > 0 {
			k := copy(dst[n:], b.pending)
			b.pending = b.pending[k:]
			n += k
			continue
		}
		if b.err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, b.err
		}
		b.fill()
	}
	return n, nil
}

// fill decodes the next blocks, about 64 KB of them.
func (b *blocks) fill() {
	per := b.c.frames * b.channels
	want := int64(max(1, (64<<10)/b.c.block) * b.c.block)
	if b.limit >= 0 {
		want = min(want, b.limit)
	}
	if want == 0 {
		b.err = io.EOF
		return
	}
	if int64(cap(b.raw)) < want {
		b.raw = make([]byte, want)
	}
	raw := b.raw[:want]
	got, err := io.ReadFull(b.r, raw)
	b.off += int64(got)
	if b.limit >= 0 {
		b.limit -= int64(got)
	}
	whole := got / b.c.block
	b.out = b.out[:0]
	if need := (whole + 1) * per; cap(b.out) < need {
		b.out = make([]float32, 0, need)
	}
	b.out = b.out[:whole*per]
	for i := range whole {
		b.c.decode(b.out[i*per:(i+1)*per], raw[i*b.c.block:(i+1)*b.c.block])
	}
	if rest := got - whole*b.c.block; rest > 0 && b.c.frames > 1 {
		// A compressed block cut short (WAV ADPCM's last block often
		// is): decode what there is.
		blk := make([]byte, b.c.block)
		copy(blk, raw[whole*b.c.block:got])
		tmp := make([]float32, per)
		b.c.decode(tmp, blk)
		b.out = append(b.out, tmp[:b.c.frames*rest/b.c.block*b.channels]...)
	}
	b.pending = b.out
	switch {
	case err == nil:
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.err = io.EOF
	default:
		b.err = &Error{Offset: b.off, Msg: fmt.Sprintf("reading samples: %v", err)}
	}
}
