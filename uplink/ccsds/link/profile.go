package link

import (
	"errors"
	"fmt"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
)

// Profile is a CCSDS satellite's link: its managed parameters.
type Profile struct {
	SCID       uint16
	TMVC, TCVC uint8 // the mission's channels; key management on the next
	Layout     tm.Layout
	RS, Conv   bool
	Interleave int
	Randomize  bool
	SPI        uint16 // the first SPI of its security associations
}

// FromMission is the profile of a CCSDS satellite of the mission file
// (ok false: it speaks AX.25).
func FromMission(sc *mission.SatelliteConfig) (Profile, bool) {
	c := sc.CCSDSProfile()
	if c == nil {
		return Profile{}, false
	}
	return Profile{
		SCID: c.SCID, TMVC: c.TMVC, TCVC: c.TCVC,
		Layout: tm.Layout{Length: c.FrameLength, FECF: *c.FECF},
		RS:     c.UsesRS(), Conv: c.UsesConv(), Interleave: c.Interleave, Randomize: *c.Randomize,
		SPI: c.SPI,
	}, true
}

// Profiles are the mission's CCSDS satellites' profiles, by NORAD id.
func Profiles(m *mission.Mission) map[int]Profile {
	out := map[int]Profile{}
	for i := range m.Satellites {
		if p, ok := FromMission(&m.Satellites[i]); ok {
			out[m.Satellites[i].NORAD] = p
		}
	}
	return out
}

// Code is the downlink's coding as a stream receiver (an SDR) needs it.
func (p Profile) Code() coding.Code {
	return coding.Code{Length: p.Layout.Length, RS: p.RS, Interleave: p.Interleave, Randomize: p.Randomize, Conv: p.Conv, MaxErrors: 4}
}

// KeyTMVC and KeyTCVC are the key management channels.
func (p Profile) KeyTMVC() uint8 { return p.TMVC + 1 }
func (p Profile) KeyTCVC() uint8 { return p.TCVC + 1 }

// Transmit is a TM frame on the air as the profile codes it, one channel
// bit (or, convolutionally coded, one symbol) per byte: Reed-Solomon,
// the pseudo-randomiser, the sync marker, the convolutional code.
func (p Profile) Transmit(frame []byte) ([]byte, error) {
	if len(frame) != p.Layout.Length {
		return nil, fmt.Errorf("link: a %d-byte frame, the profile's are %d", len(frame), p.Layout.Length)
	}
	block := frame
	if p.RS {
		var err error
		if block, err = coding.RSEncode(nil, frame, p.Interleave); err != nil {
			return nil, err
		}
	} else {
		block = append([]byte(nil), frame...)
	}
	if p.Randomize {
		coding.Randomize(block)
	}
	cadu := coding.AppendASM(nil)
	cadu = append(cadu, block...)
	if p.Conv {
		return coding.ConvEncode(cadu, true), nil
	}
	return coding.Bits(cadu), nil
}

// ErrNoSync is a received block whose sync marker was not found.
var ErrNoSync = errors.New("link: no sync marker")

// Receive is the station's receiver: it decodes what Transmit sent (with
// whatever the channel did to it) back to the frame, and says how many
// Reed-Solomon symbols it corrected. A frame the code could not correct
// is an error; without Reed-Solomon, a damaged frame comes back damaged
// (the FECF, or SDLS, is what catches it).
func (p Profile) Receive(sym []byte) ([]byte, int, error) {
	n := p.Layout.Length
	if p.RS {
		n = 255 * p.Interleave
	}
	var bits []byte
	if p.Conv {
		dec, err := coding.Viterbi(coding.Soft(sym), 8*(4+n), true)
		if err != nil {
			return nil, 0, err
		}
		bits = coding.Bits(dec)
	} else {
		bits = sym
	}
	found := coding.Sync{Length: n, MaxErrors: 4}.Frames(bits)
	if len(found) == 0 {
		return nil, 0, ErrNoSync
	}
	block := found[0].Frame
	if p.Randomize {
		coding.Randomize(block)
	}
	if !p.RS {
		return block, 0, nil
	}
	data, fixed, err := coding.RSDecode(block, p.Interleave)
	if err != nil {
		return nil, 0, err
	}
	return data, fixed, nil
}
