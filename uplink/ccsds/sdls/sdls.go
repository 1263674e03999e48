// Package sdls is the CCSDS Space Data Link Security protocol's frame
// format (CCSDS 355.0-B-2) for TC and TM frames: the security header (SPI, the
// initialisation vector, an optional sequence number) after the frame's
// primary header (and segment header), the data field encrypted and
// authenticated with AES-256-GCM, the MAC in the security trailer, the
// additional authenticated data chosen by the security association's
// authentication bit mask, and the standard's anti-replay check on the
// IV. Security associations are keyed here by whoever holds the key
// (pre-shared, or the post-quantum handshake of pqlink/sdls).
package sdls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
)

// SA is a security association for one virtual channel.
type SA struct {
	SPI uint16
	Key []byte // AES-256: 32 bytes
	// IVLen is the IV's length in the security header (shivf, 12);
	// MACLen the MAC's in the trailer (stmacf, 16).
	IVLen, MACLen int
	// AuthMask is ANDed with the frame's headers (primary, segment and
	// security header) to make the additional authenticated data; nil
	// authenticates them whole. (An all-zero mask authenticates only
	// their length: what NASA CryptoLib's default SAs do.)
	AuthMask []byte
	// Window is the anti-replay window: a received IV is taken if it is
	// above the last one taken and at most Window above it (0: 5).
	Window uint64
	// SegmentHeader says the channel's frames carry a segment header
	// (one byte after the primary header).
	SegmentHeader bool

	sent, seen *big.Int // the last IV sent, and taken
}

func (sa *SA) ivLen() int  { return cmpOr(sa.IVLen, 12) }
func (sa *SA) macLen() int { return cmpOr(sa.MACLen, 16) }

func cmpOr(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

func (sa *SA) aead() (cipher.AEAD, error) {
	if len(sa.Key) != 32 {
		return nil, fmt.Errorf("sdls: SA %d: a %d-byte key (AES-256 wants 32)", sa.SPI, len(sa.Key))
	}
	b, err := aes.NewCipher(sa.Key)
	if err != nil {
		return nil, err
	}
	switch {
	case sa.ivLen() == 12:
		return cipher.NewGCMWithTagSize(b, sa.macLen())
	case sa.macLen() == 16:
		return cipher.NewGCMWithNonceSize(b, sa.ivLen())
	}
	return nil, fmt.Errorf("sdls: SA %d: an IV of %d bytes with a MAC of %d (12-byte IVs, or 16-byte MACs)", sa.SPI, sa.ivLen(), sa.macLen())
}

func (sa *SA) aad(hdr []byte) []byte {
	out := bytes.Clone(hdr)
	if sa.AuthMask != nil {
		for i := range out {
			var m byte
			if i < len(sa.AuthMask) {
				m = sa.AuthMask[i]
			}
			out[i] &= m
		}
	}
	return out
}

func ivBytes(v *big.Int, n int) []byte {
	b := v.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return append(make([]byte, n-len(b)), b...)
}

// ApplyTC protects a clear TC frame (primary header, segment header if
// the channel has them, data, FECF): it inserts the security header with
// the next IV, encrypts the data, appends the MAC, and fixes the frame
// length and the FECF.
func (sa *SA) ApplyTC(frame []byte) ([]byte, error) {
	hl := 5
	if sa.SegmentHeader {
		hl++
	}
	if len(frame) < hl+1+2 {
		return nil, fmt.Errorf("sdls: a %d-byte TC frame", len(frame))
	}
	if got, want := binary.BigEndian.Uint16(frame[len(frame)-2:]), fecf.CRC16(frame[:len(frame)-2]); got != want {
		return nil, fmt.Errorf("sdls: the clear frame's FECF %04X is not its CRC %04X", got, want)
	}
	g, err := sa.aead()
	if err != nil {
		return nil, err
	}
	iv := sa.nextIV()
	data := frame[hl : len(frame)-2]
	out := bytes.Clone(frame[:hl])
	out = binary.BigEndian.AppendUint16(out, sa.SPI)
	out = append(out, iv...)
	n := len(out) + len(data) + sa.macLen() + 2
	if n > 1024 {
		return nil, fmt.Errorf("sdls: the protected frame would be %d bytes (1024 at most)", n)
	}
	binary.BigEndian.PutUint16(out[2:], binary.BigEndian.Uint16(out[2:])&0xfc00|uint16(n-1))
	out = g.Seal(out, iv, data, sa.aad(out))
	return binary.BigEndian.AppendUint16(out, fecf.CRC16(out)), nil
}

// Errors of processing.
var (
	ErrSPI    = errors.New("sdls: unknown SPI")
	ErrReplay = errors.New("sdls: IV outside the anti-replay window")
	ErrMAC    = errors.New("sdls: MAC check failed")
)

// ProcessTC checks and opens a protected TC frame: FECF, SPI, the IV
// against the anti-replay window, then the MAC; it returns the frame's
// clear data. A frame that fails is never taken, and the window does not
// move.
func (sa *SA) ProcessTC(frame []byte) ([]byte, error) {
	hl := 5
	if sa.SegmentHeader {
		hl++
	}
	sh := hl + 2 + sa.ivLen()
	if len(frame) < sh+sa.macLen()+2 {
		return nil, fmt.Errorf("sdls: a %d-byte frame is shorter than its headers and trailer", len(frame))
	}
	if n := int(binary.BigEndian.Uint16(frame[2:])&0x3ff) + 1; n != len(frame) {
		return nil, fmt.Errorf("sdls: frame length %d, %d bytes given", n, len(frame))
	}
	if got, want := binary.BigEndian.Uint16(frame[len(frame)-2:]), fecf.CRC16(frame[:len(frame)-2]); got != want {
		return nil, fmt.Errorf("sdls: FECF %04X, the frame's CRC is %04X", got, want)
	}
	if spi := binary.BigEndian.Uint16(frame[hl:]); spi != sa.SPI {
		return nil, fmt.Errorf("%w %d (this SA is %d)", ErrSPI, spi, sa.SPI)
	}
	iv := frame[hl+2 : sh]
	v := new(big.Int).SetBytes(iv)
	if err := sa.fresh(v, iv); err != nil {
		return nil, err
	}
	g, err := sa.aead()
	if err != nil {
		return nil, err
	}
	data, err := g.Open(nil, iv, frame[sh:len(frame)-2], sa.aad(frame[:sh]))
	if err != nil {
		return nil, ErrMAC
	}
	sa.seen = v
	return data, nil
}

// Header is a TC frame's security header as read, for a receiver to pick
// the SA by SPI.
func Header(frame []byte, segmentHeader bool) (spi uint16, err error) {
	hl := 5
	if segmentHeader {
		hl++
	}
	if len(frame) < hl+2 {
		return 0, fmt.Errorf("sdls: a %d-byte frame has no security header", len(frame))
	}
	return binary.BigEndian.Uint16(frame[hl:]), nil
}

// nextIV counts the SA's IV up (from 0) and returns it as sent.
func (sa *SA) nextIV() []byte {
	if sa.sent == nil {
		sa.sent = new(big.Int)
	} else {
		sa.sent.Add(sa.sent, big.NewInt(1))
	}
	return ivBytes(sa.sent, sa.ivLen())
}
