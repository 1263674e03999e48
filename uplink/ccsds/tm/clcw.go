package tm

import "fmt"

// CLCW is the communications link control word (232.0-B section 4.2):
// what the spacecraft's FARM-1 reports of a TC virtual channel, carried
// in the operational control field of TM frames.
type CLCW struct {
	Status      uint8 // 3 bits, mission-defined
	COP         uint8 // COP in effect: 1 = COP-1
	VCID        uint8 // the TC virtual channel (6 bits)
	NoRF        bool
	NoBitLock   bool
	Lockout     bool
	Wait        bool
	Retransmit  bool
	FARMB       uint8 // FARM-B counter, 2 bits
	ReportValue uint8 // N(R): the next expected frame sequence number
}

// Word encodes the CLCW as the 32-bit OCF.
func (c CLCW) Word() uint32 {
	w := uint32(0)<<31 | uint32(0)<<29 | uint32(c.Status&7)<<26 | uint32(c.COP&3)<<24 | uint32(c.VCID&0x3f)<<18
	for i, f := range []bool{c.NoRF, c.NoBitLock, c.Lockout, c.Wait, c.Retransmit} {
		if f {
			w |= 1 << (15 - i)
		}
	}
	return w | uint32(c.FARMB&3)<<9 | uint32(c.ReportValue)
}

// DecodeCLCW reads an OCF as a CLCW; an OCF of the other type (its first
// bit set: a mission's own report) or another CLCW version is an error.
func DecodeCLCW(w uint32) (CLCW, error) {
	if w>>31 != 0 {
		return CLCW{}, fmt.Errorf("clcw: the OCF %08X is not a CLCW (type 1)", w)
	}
	if v := w >> 29 & 3; v != 0 {
		return CLCW{}, fmt.Errorf("clcw: version %d (want 0)", v)
	}
	return CLCW{
		Status: uint8(w >> 26 & 7), COP: uint8(w >> 24 & 3), VCID: uint8(w >> 18 & 0x3f),
		NoRF: w>>15&1 == 1, NoBitLock: w>>14&1 == 1, Lockout: w>>13&1 == 1, Wait: w>>12&1 == 1, Retransmit: w>>11&1 == 1,
		FARMB: uint8(w >> 9 & 3), ReportValue: uint8(w),
	}, nil
}
