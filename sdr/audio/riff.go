package audio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Sony Wave64's GUIDs: the file's, and the suffix its chunk GUIDs share
// after their four-letter name.
var (
	w64RIFF   = [16]byte{'r', 'i', 'f', 'f', 0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00}
	w64Suffix = []byte{0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A}
)

// WAV format tags read here.
const (
	tagPCM        = 1
	tagMSADPCM    = 2
	tagFloat      = 3
	tagALaw       = 6
	tagULaw       = 7
	tagIMAADPCM   = 0x11
	tagGSM        = 0x31
	tagMP3        = 0x55
	tagExtensible = 0xFFFE
)

// reader counts the bytes read, for messages.
type reader struct {
	r   io.Reader
	off int64
}

func (r *reader) full(b []byte, what string) error {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	if err != nil {
		return &Error{Offset: r.off, Msg: fmt.Sprintf("%s cut short (%v)", what, err)}
	}
	return nil
}

func (r *reader) skip(n int64, what string) error {
	k, err := io.CopyN(io.Discard, r.r, n)
	r.off += k
	if err != nil {
		return &Error{Offset: r.off, Msg: fmt.Sprintf("%s of %d bytes cut short", what, n)}
	}
	return nil
}

// readRIFF reads a WAV file: RIFF, RF64 (and EBU BW64) or Sony Wave64.
func readRIFF(in io.Reader) (*Stream, error) {
	r := &reader{r: in}
	var hdr [12]byte
	if err := r.full(hdr[:], "RIFF header"); err != nil {
		return nil, err
	}
	w64 := string(hdr[:4]) == "riff"
	kind := "WAV"
	if w64 {
		kind = "Wave64"
		if err := r.skip(28, "Wave64 header"); err != nil {
			return nil, err
		}
	} else if string(hdr[:4]) != "RIFF" {
		kind = string(hdr[:4])
	}
	var ds64 int64 = -1 // RF64's real data size
	var f *wavFmt
	s := &Stream{Frames: -1}
	for {
		at := r.off
		var id string
		var size int64
		if w64 {
			var ch [24]byte
			if err := r.full(ch[:], "chunk header"); err != nil {
				return nil, noData(f, at)
			}
			id = string(ch[:4])
			if !bytes.Equal(ch[4:16], w64Suffix) {
				id = fmt.Sprintf("%x", ch[:16])
			}
			size = int64(binary.LittleEndian.Uint64(ch[16:])) - 24
			if size < 0 {
				return nil, &Error{Offset: at + 16, Msg: fmt.Sprintf("chunk %s of %d bytes, less than its header", id, size+24)}
			}
		} else {
			var ch [8]byte
			if err := r.full(ch[:], "chunk header"); err != nil {
				return nil, noData(f, at)
			}
			id = string(ch[:4])
			size = int64(binary.LittleEndian.Uint32(ch[4:]))
		}
		pad := size % 2
		if w64 {
			pad = (8 - size%8) % 8
		}
		switch id {
		case "fmt ":
			if size < 16 || size > 4096 {
				return nil, &Error{Offset: at, Msg: fmt.Sprintf("fmt chunk of %d bytes (16 to 4096 expected)", size)}
			}
			b := make([]byte, size+pad)
			if err := r.full(b, "fmt chunk"); err != nil {
				return nil, err
			}
			f = parseFmt(b[:size])
			if w64 {
				f.base = at + 24
			} else {
				f.base = at + 8
			}
		case "ds64":
			b := make([]byte, size+pad)
			if err := r.full(b, "ds64 chunk"); err != nil {
				return nil, err
			}
			if size >= 16 {
				ds64 = int64(binary.LittleEndian.Uint64(b[8:]))
			}
		case "auxi":
			// SDR#, HDSDR and SDRuno: two SYSTEMTIMEs, then the tuned
			// frequency. Its presence says the channels are I and Q.
			b := make([]byte, size+pad)
			if err := r.full(b, "auxi chunk"); err != nil {
				return nil, err
			}
			s.IQ = true
			if size >= 36 {
				s.Centre = float64(binary.LittleEndian.Uint32(b[32:]))
			}
		case "data":
			if f == nil {
				return nil, &Error{Offset: at, Msg: "data chunk before the fmt chunk"}
			}
			if kind == "RF64" || kind == "BW64" {
				size = ds64
			}
			if !w64 && (size == 0xFFFFFFFF || size == 0) {
				size = -1 // written while streaming: read to the end
			}
			c, err := f.codec()
			if err != nil {
				return nil, err
			}
			s.Rate, s.Channels = f.rate, f.channels
			s.Format = kind + ", " + c.name
			if size >= 0 {
				s.Frames = size / int64(c.block) * int64(c.frames)
			}
			s.src = newBlocks(r.r, c, f.channels, size, r.off)
			return s, nil
		default:
			if err := r.skip(size+pad, fmt.Sprintf("chunk %q", id)); err != nil {
				return nil, err
			}
		}
	}
}

func noData(f *wavFmt, at int64) error {
	if f == nil {
		return &Error{Offset: at, Msg: "no fmt chunk before the end of the file"}
	}
	return &Error{Offset: at, Msg: "no data chunk before the end of the file"}
}

// wavFmt is a WAV fmt chunk.
type wavFmt struct {
	tag, channels, rate, align, bits int
	perBlock                         int        // ADPCM: samples a block
	coefs                            [][2]int32 // MS ADPCM
	base                             int64      // the chunk's first byte, for messages
}

func parseFmt(b []byte) *wavFmt {
	le := binary.LittleEndian
	f := &wavFmt{
		tag:      int(le.Uint16(b[0:])),
		channels: int(le.Uint16(b[2:])),
		rate:     int(le.Uint32(b[4:])),
		align:    int(le.Uint16(b[12:])),
		bits:     int(le.Uint16(b[14:])),
	}
	if f.tag == tagExtensible && len(b) >= 40 {
		f.tag = int(le.Uint16(b[24:])) // the sub-format GUID's first two bytes
	}
	switch f.tag {
	case tagIMAADPCM:
		if len(b) >= 20 {
			f.perBlock = int(le.Uint16(b[18:]))
		}
	case tagMSADPCM:
		if len(b) >= 22 {
			f.perBlock = int(le.Uint16(b[18:]))
			n := int(le.Uint16(b[20:]))
			for i := 0; i < n && 22+4*i+4 <= len(b); i++ {
				f.coefs = append(f.coefs, [2]int32{int32(int16(le.Uint16(b[22+4*i:]))), int32(int16(le.Uint16(b[24+4*i:])))})
			}
		}
	}
	return f
}

// codec checks the format and gives its codec; errors point into the
// fmt chunk.
func (f *wavFmt) codec() (codec, error) {
	at := func(field int64, msg string, a ...any) error {
		return &Error{Offset: f.base + field, Msg: fmt.Sprintf(msg, a...)}
	}
	switch {
	case f.channels < 1 || f.channels > 16:
		return codec{}, at(2, "%d channels (1 to 16 expected)", f.channels)
	case f.rate < 1 || f.rate > 100_000_000:
		return codec{}, at(4, "sample rate %d (1 to 100 MHz expected)", f.rate)
	case f.align < 1:
		return codec{}, at(12, "block align %d", f.align)
	}
	var c codec
	var err error
	switch f.tag {
	case tagPCM, tagFloat:
		c, err = pcm(f.bits, f.channels, f.tag == tagFloat, false, true)
		if err == nil && c.block != f.align {
			return c, at(12, "block align %d for %d channels of %d bits (%d expected)", f.align, f.channels, f.bits, c.block)
		}
	case tagULaw, tagALaw:
		c = g711(f.channels, f.tag == tagALaw)
		if f.align != f.channels {
			return c, at(12, "block align %d for %d channels of G.711 (%d expected)", f.align, f.channels, f.channels)
		}
	case tagIMAADPCM:
		c, err = imaADPCM(f.channels, f.align, f.perBlock)
	case tagMSADPCM:
		c, err = msADPCM(f.channels, f.align, f.perBlock, f.coefs)
	case tagGSM:
		err = fmt.Errorf("format 0x31 (GSM 6.10) is not decoded: no maintained Go decoder exists and its losses garble fast data anyway; convert it (sox in.wav -e signed-integer out.wav)")
	case tagMP3:
		err = fmt.Errorf("format 0x55 (MP3 inside WAV) is not decoded; convert it (sox in.wav -e signed-integer out.wav)")
	default:
		err = fmt.Errorf("format tag %#x is not one read (PCM 1, MS ADPCM 2, float 3, A-law 6, µ-law 7, IMA ADPCM 0x11)", f.tag)
	}
	if err != nil {
		return c, at(0, "%v", err)
	}
	return c, nil
}
