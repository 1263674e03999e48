package link

import (
	"errors"
	"fmt"

	"github.com/ipgs/ipgs/uplink/ccsds/cop1"
	"github.com/ipgs/ipgs/uplink/ccsds/sdls"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
	"github.com/ipgs/ipgs/uplink/spp"
)

// Onboard is a spacecraft's end of its CCSDS link: FARM-1 on the
// mission's TC channel, and the TM master channel with the CLCW in every
// frame.
type Onboard struct {
	P      Profile
	Secure bool // the mission's channels take and send only protected frames

	farm      cop1.FARM
	master    *tm.Master
	data, key *tm.Packer
	Stats     OnboardStats
}

// OnboardStats count what the spacecraft refused.
type OnboardStats struct {
	Refused     int // not a frame for it, failed the FECF or BCH
	MACFailed   int
	Replayed    int
	Unprotected int
	NoSA        int
	Discarded   int // FARM-1: copies, frames past a gap, lockout
}

// NewOnboard returns the spacecraft's end.
func NewOnboard(p Profile, secure bool) *Onboard {
	o := &Onboard{P: p, Secure: secure, farm: cop1.FARM{VCID: p.TCVC}}
	o.master = &tm.Master{Layout: p.Layout, SCID: p.SCID, OCF: func() *uint32 {
		w := o.farm.CLCW().Word()
		return &w
	}}
	o.data = &tm.Packer{Master: o.master, VCID: p.TMVC}
	if secure {
		o.data.Reserve = (&sdls.SA{}).Overhead()
	}
	o.key = &tm.Packer{Master: o.master, VCID: p.KeyTMVC()}
	return o
}

// ErrNoSA is a protected frame under an SPI the spacecraft has no
// association for (it rebooted): the station should key again.
var ErrNoSA = errors.New("link: no security association for the SPI")

// CLCW is FARM-1's report.
func (o *Onboard) CLCW() tm.CLCW { return o.farm.CLCW() }

// Reboot loses FARM-1's state (RAM).
func (o *Onboard) Reboot() { o.farm.Reboot() }

// TC is what the spacecraft took from a TC frame.
type TC struct {
	Packets [][]byte // space packets to execute, in order
	KeyMsgs [][]byte // key management messages (key channel)
	SPI     uint16   // the association it came under (secured channel)
}

// Receive takes a TC frame as it came off the air (after the CLTU's BCH,
// its fill may follow).
// sa finds the association of an SPI (nil: none). A frame refused says
// why; nothing of it is used.
func (o *Onboard) Receive(frame []byte, sa func(spi uint16) *sdls.SA) (TC, error) {
	f, rest, err := tc.Decode(frame)
	if err != nil {
		o.Stats.Refused++
		return TC{}, err
	}
	frame = frame[:len(frame)-len(rest)] // a CLTU's fill after it
	if f.SCID != o.P.SCID {
		o.Stats.Refused++
		return TC{}, fmt.Errorf("link: a frame for spacecraft %d", f.SCID)
	}
	var out TC
	switch f.VCID {
	case o.P.KeyTCVC():
		if !f.Bypass || f.Control {
			o.Stats.Refused++
			return TC{}, errors.New("link: the key channel takes expedited data only")
		}
		for _, p := range packets(f.Data) {
			sp, _, err := spp.Decode(p)
			if err != nil || sp.APID != KeyAPID {
				continue
			}
			if reply, msg, err := EPOpen(sp.Data); err == nil && !reply {
				out.KeyMsgs = append(out.KeyMsgs, msg)
			}
		}
		return out, nil
	case o.P.TCVC:
	default:
		o.Stats.Refused++
		return TC{}, fmt.Errorf("link: virtual channel %d is not the mission's", f.VCID)
	}
	if o.Secure {
		spi, err := sdls.Header(frame, false)
		if err != nil {
			o.Stats.Unprotected++
			return TC{}, err
		}
		s := sa(spi)
		if s == nil {
			o.Stats.NoSA++
			return TC{SPI: spi}, fmt.Errorf("%w %d", ErrNoSA, spi)
		}
		clear, err := s.ProcessTC(frame)
		if err != nil {
			switch {
			case errors.Is(err, sdls.ErrMAC):
				o.Stats.MACFailed++
			case errors.Is(err, sdls.ErrReplay):
				o.Stats.Replayed++
			default:
				o.Stats.Refused++
			}
			return TC{}, err
		}
		f.Data, out.SPI = clear, spi
	}
	switch o.farm.Frame(f) {
	case cop1.Accepted:
		out.Packets = packets(f.Data)
	case cop1.Discarded:
		o.Stats.Discarded++
	}
	return out, nil
}

// packets splits a data field into the space packets it holds.
func packets(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		_, rest, err := spp.Decode(b)
		if err != nil {
			break
		}
		out = append(out, b[:len(b)-len(rest)])
		b = rest
	}
	return out
}

// Frames packs packets into frames of the mission's channel, protected
// under sa on a secured link, the last one filled out; each frame comes
// back on its own. With no packets it makes one frame of idle data (it
// carries the CLCW).
func (o *Onboard) Frames(pkts [][]byte, sa *sdls.SA) ([][]byte, error) {
	if o.Secure && sa == nil {
		return nil, errors.New("link: a secured channel with no association")
	}
	for _, p := range pkts {
		o.data.Add(p)
	}
	if o.data.Pending() == 0 {
		// nothing to send: a frame of idle data, for its CLCW
		o.data.Add([]byte{0x07, 0xff, 0xc0, 0, 0, 0, 0})
	}
	b, err := o.data.Frames(nil, true)
	if err != nil {
		return nil, err
	}
	out := split(b, o.P.Layout.Length)
	if o.Secure {
		for i, f := range out {
			if out[i], err = sa.ApplyTM(f, o.P.Layout.FECF); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// KeyFrames puts key management replies in frames of the key channel.
func (o *Onboard) KeyFrames(msgs [][]byte) ([][]byte, error) {
	for _, m := range msgs {
		pkt, err := (&spp.Packet{Type: spp.TM, APID: KeyAPID, Data: EPWrap(true, m)}).Encode(nil)
		if err != nil {
			return nil, err
		}
		o.key.Add(pkt)
	}
	b, err := o.key.Frames(nil, true)
	return split(b, o.P.Layout.Length), err
}

func split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) >= n {
		out, b = append(out, b[:n:n]), b[n:]
	}
	return out
}
