package sdls

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
)

// TM frames have a fixed length, so protection keeps it: the clear frame
// leaves Overhead bytes free at the end of its data field (tm.Packer's
// Reserve), and ApplyTM turns
//
//	primary header | data ........... | (free) | OCF | FECF
//
// into
//
//	primary header | SPI | IV | encrypted data | MAC | OCF | FECF
//
// (355.0-B-2 section 4.1: the security header follows the primary
// header, the trailer precedes the OCF). The additional authenticated
// data are the primary and security headers under the SA's mask; the
// OCF and FECF are not protected, as the standard has them (the CLCW
// must be readable by a FOP that holds no keys).

// Overhead is the bytes the security header and trailer take in a frame.
func (sa *SA) Overhead() int { return 2 + sa.ivLen() + sa.macLen() }

// tmData returns where a TM frame's data field ends (before the OCF and
// FECF).
func tmDataEnd(frame []byte, fecfOn bool) (int, error) {
	if len(frame) < 8 {
		return 0, fmt.Errorf("sdls: a %d-byte TM frame", len(frame))
	}
	end := len(frame)
	if fecfOn {
		end -= 2
	}
	if frame[1]&1 == 1 { // the OCF flag
		end -= 4
	}
	return end, nil
}

// ApplyTM protects a clear TM frame whose data field ends in Overhead
// free bytes, keeping its length, with the next IV; with fecfOn the
// frame ends in an FECF, which is made again.
func (sa *SA) ApplyTM(frame []byte, fecfOn bool) ([]byte, error) {
	end, err := tmDataEnd(frame, fecfOn)
	if err != nil {
		return nil, err
	}
	ov := sa.Overhead()
	if end-6 <= ov {
		return nil, fmt.Errorf("sdls: a %d-byte data field has no room for %d bytes of security header and trailer", end-6, ov)
	}
	g, err := sa.aead()
	if err != nil {
		return nil, err
	}
	iv := sa.nextIV()
	out := make([]byte, 0, len(frame))
	out = append(out, frame[:6]...)
	out = binary.BigEndian.AppendUint16(out, sa.SPI)
	out = append(out, iv...)
	out = g.Seal(out, iv, frame[6:end-ov], sa.aad(out))
	out = append(out, frame[end:]...)
	if fecfOn {
		binary.BigEndian.PutUint16(out[len(out)-2:], fecf.CRC16(out[:len(out)-2]))
	}
	return out, nil
}

// ProcessTM checks and opens a protected TM frame (FECF, SPI, the IV
// against the anti-replay window, the MAC) and returns the clear frame
// of the same length: its data first, Overhead zero bytes after it, the
// OCF and a new FECF. A frame that fails is never taken, and the window
// does not move.
func (sa *SA) ProcessTM(frame []byte, fecfOn bool) ([]byte, error) {
	end, err := tmDataEnd(frame, fecfOn)
	if err != nil {
		return nil, err
	}
	sh := 6 + 2 + sa.ivLen()
	if end < sh+sa.macLen() {
		return nil, fmt.Errorf("sdls: a %d-byte TM frame is shorter than its headers and trailer", len(frame))
	}
	if fecfOn {
		if got, want := binary.BigEndian.Uint16(frame[len(frame)-2:]), fecf.CRC16(frame[:len(frame)-2]); got != want {
			return nil, fmt.Errorf("sdls: FECF %04X, the frame's CRC is %04X", got, want)
		}
	}
	if spi := binary.BigEndian.Uint16(frame[6:]); spi != sa.SPI {
		return nil, fmt.Errorf("%w %d (this SA is %d)", ErrSPI, spi, sa.SPI)
	}
	iv := frame[8:sh]
	v := new(big.Int).SetBytes(iv)
	if err := sa.fresh(v, iv); err != nil {
		return nil, err
	}
	g, err := sa.aead()
	if err != nil {
		return nil, err
	}
	data, err := g.Open(nil, iv, frame[sh:end], sa.aad(frame[:sh]))
	if err != nil {
		return nil, ErrMAC
	}
	sa.seen = v
	out := make([]byte, 0, len(frame))
	out = append(out, frame[:6]...)
	out = append(out, data...)
	out = append(out, make([]byte, sa.Overhead())...)
	out = append(out, frame[end:]...)
	if fecfOn {
		binary.BigEndian.PutUint16(out[len(out)-2:], fecf.CRC16(out[:len(out)-2]))
	}
	return out, nil
}

// TMHeader is a TM frame's SPI, for a receiver to pick the SA.
func TMHeader(frame []byte) (spi uint16, err error) {
	if len(frame) < 8 {
		return 0, fmt.Errorf("sdls: a %d-byte TM frame has no security header", len(frame))
	}
	return binary.BigEndian.Uint16(frame[6:]), nil
}

// fresh is the anti-replay check of an IV v against the last taken.
func (sa *SA) fresh(v *big.Int, iv []byte) error {
	if sa.seen == nil {
		return nil
	}
	d := new(big.Int).Sub(v, sa.seen)
	w := int64(sa.Window)
	if w <= 0 {
		w = 5
	}
	if d.Sign() <= 0 || d.Cmp(big.NewInt(w)) > 0 {
		return fmt.Errorf("%w: IV %X, the last taken %X", ErrReplay, bytes.Clone(iv), ivBytes(sa.seen, sa.ivLen()))
	}
	return nil
}
