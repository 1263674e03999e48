// Package cop1 is the Communications Operation Procedure-1 (CCSDS
// 232.1-B): FARM-1, which a spacecraft runs to accept telecommand frames
// exactly once and in order, and FOP-1, which a ground station runs to
// send them, numbered, and to send again what the spacecraft's CLCW says
// did not arrive.
package cop1

import (
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
)

// FARM is FARM-1 for one virtual channel.
type FARM struct {
	VCID uint8
	// Window is FARM-1's sliding window width W (2 to 254, even; 0: 10):
	// a frame up to W/2 ahead is a gap (retransmit), up to W/2 behind a
	// copy, anything farther locks the channel out.
	Window uint8
	// Full, if set, says the spacecraft cannot take another frame now
	// (its buffer is full): the frame is refused and Wait raised.
	Full func() bool

	vr         uint8
	lockout    bool
	wait       bool
	retransmit bool
	farmB      uint8
}

// Verdict is what FARM-1 did with a frame.
type Verdict int

const (
	Accepted  Verdict = iota // delivered to the spacecraft, in order
	Discarded                // not delivered (a copy, a gap, lockout, wait)
	Control                  // a control command, carried out
)

// Frame judges a TC frame of the channel and says whether to deliver it.
func (f *FARM) Frame(fr *tc.Frame) Verdict {
	w := f.Window
	if w == 0 {
		w = 10
	}
	pw, nw := w/2, w/2
	switch {
	case fr.Control: // BC: Unlock or Set V(R)
		switch {
		case len(fr.Data) == 1 && fr.Data[0] == 0:
			f.lockout, f.wait, f.retransmit = false, false, false
		case len(fr.Data) == 3 && fr.Data[0] == 0x82 && fr.Data[1] == 0:
			if f.lockout {
				return Discarded // Set V(R) is not carried out in lockout
			}
			f.vr, f.wait, f.retransmit = fr.Data[2], false, false
		default:
			return Discarded
		}
		f.farmB++
		return Control
	case fr.Bypass: // BD: expedited, unchecked
		f.farmB++
		return Accepted
	case f.lockout:
		return Discarded
	}
	d := fr.Seq - f.vr // how far ahead of the expected, mod 256
	switch {
	case d == 0:
		if f.Full != nil && f.Full() {
			f.wait, f.retransmit = true, true
			return Discarded
		}
		f.vr++
		f.retransmit, f.wait = false, false
		return Accepted
	case d < pw: // ahead, inside the positive window: a frame was lost
		f.retransmit = true
		return Discarded
	case uint8(-d) <= nw: // behind, inside the negative window: a copy
		return Discarded
	default:
		f.lockout = true
		return Discarded
	}
}

// CLCW is FARM-1's report.
func (f *FARM) CLCW() tm.CLCW {
	return tm.CLCW{COP: 1, VCID: f.VCID, Lockout: f.lockout, Wait: f.wait, Retransmit: f.retransmit, FARMB: f.farmB & 3, ReportValue: f.vr}
}

// Reboot is a power cycle: V(R) and the flags survive in the spacecraft's
// memory or not as the mission decides; here they are lost, as RAM.
func (f *FARM) Reboot() { *f = FARM{VCID: f.VCID, Window: f.Window, Full: f.Full} }
