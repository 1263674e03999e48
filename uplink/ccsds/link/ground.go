package link

import (
	"errors"
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/cop1"
	"github.com/ipgs/ipgs/uplink/ccsds/sdls"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
	"github.com/ipgs/ipgs/uplink/spp"
)

// Window is the anti-replay window of the link's security associations:
// an IV must be above the last one taken and at most this far above it.
// FOP-1 sends a frame again under a new IV, and frames sent while the
// spacecraft could not hear them use IVs up, so the window is wide; what
// it refuses is any IV already used.
const Window = 1 << 24

// Ground is a station's end of one satellite's CCSDS link.
type Ground struct {
	P Profile
	// Secure: the mission's channels carry only SDLS-protected frames;
	// until Key is called nothing goes up on them and nothing that comes
	// down on them is used.
	Secure bool
	// Send transmits a TC frame (to the TNC; the CLTU is made on the air).
	Send func(frame []byte)
	// Events hears FOP-1: frames transmitted, acknowledged, alerts.
	Events func(cop1.Event)

	fop        *cop1.FOP
	data, key  tm.Extractor
	up, down   *sdls.SA
	spi        uint16
	lastKey    []byte
	unlockSent time.Time
	Stats      Stats
}

// Stats count what the ground end saw.
type Stats struct {
	Frames      int // TM frames of the satellite taken
	Refused     int // failed the FECF, the layout, or were not for it
	MACFailed   int // SDLS: the MAC did not verify
	Replayed    int // SDLS: an IV already used
	Unprotected int // a clear frame on a secured channel
	CLCWs       int
	Lockouts    int
	PacketsLost int // frames the extractor says were lost
}

// Key (re)keys the security associations of the mission's channels with
// SPI spi: up protects TC frames, down opens TM frames. Keying again with
// the same keys keeps the associations (and their IVs).
func (g *Ground) Key(spi uint16, up, down []byte) {
	if g.up != nil && spi == g.spi && string(up) == string(g.lastKey) {
		return
	}
	g.spi, g.lastKey = spi, append([]byte(nil), up...)
	g.up = &sdls.SA{SPI: spi, Key: up, Window: Window}
	g.down = &sdls.SA{SPI: spi, Key: down, Window: Window}
}

// Keyed reports whether the associations are keyed.
func (g *Ground) Keyed() bool { return g.up != nil }

// FOP is the channel's FOP-1 (nil before Start).
func (g *Ground) FOP() *cop1.FOP { return g.fop }

// Start begins a contact: a new FOP-1 that starts the sequence-controlled
// service from the first CLCW it hears (its window, 5 frames, is FARM-1's
// positive window: a frame lost never puts the rest beyond it) (V(S) = the CLCW's N(R): AD
// initiated with the CLCW check), Unlocking a channel in lockout first.
func (g *Ground) Start() {
	g.fop = &cop1.FOP{SCID: g.P.SCID, VCID: g.P.TCVC, K: 5, T1: 20 * time.Second, Limit: 5, Send: g.protectAndSend, Events: g.Events}
}

func (g *Ground) protectAndSend(frame []byte) {
	if g.Secure {
		if g.up == nil {
			return // no association yet: nothing goes up in the clear
		}
		p, err := g.up.ApplyTC(frame)
		if err != nil {
			return
		}
		frame = p
	}
	if g.Send != nil {
		g.Send(frame)
	}
}

// Submit queues a telecommand packet for the sequence-controlled service:
// it reaches the spacecraft once, in order, or FOP-1 raises an alert.
func (g *Ground) Submit(id any, packet []byte, now time.Time) error {
	if g.fop == nil {
		return errors.New("link: no contact under way")
	}
	return g.fop.Submit(id, packet, now)
}

// securityRoom is what SDLS adds to a TC frame at most.
const securityRoom = 30

// MaxPacket is the longest packet a TC frame carries (with room for the
// link security's header and trailer on a secured link).
func (g *Ground) MaxPacket() int {
	if g.Secure {
		return tc.MaxData - securityRoom
	}
	return tc.MaxData
}

// Expedite sends a packet at once in a BD frame on the mission's
// channel (no retransmission: what may be lost, as acknowledgements).
func (g *Ground) Expedite(packet []byte) error {
	if len(packet) > g.MaxPacket() {
		return fmt.Errorf("link: a %d-byte packet does not fit a protected TC frame", len(packet))
	}
	raw, err := (&tc.Frame{Bypass: true, SCID: g.P.SCID, VCID: g.P.TCVC, Data: packet}).Encode(nil)
	if err != nil {
		return err
	}
	g.protectAndSend(raw)
	return nil
}

// SendKey sends a key management message (an EP PDU is made of it) in
// the clear on the key channel.
func (g *Ground) SendKey(msg []byte) error {
	pkt, err := (&spp.Packet{Type: spp.TC, APID: KeyAPID, Data: EPWrap(false, msg)}).Encode(nil)
	if err != nil {
		return err
	}
	raw, err := (&tc.Frame{Bypass: true, SCID: g.P.SCID, VCID: g.P.KeyTCVC(), Data: pkt}).Encode(nil)
	if err != nil {
		return err
	}
	if g.Send != nil {
		g.Send(raw)
	}
	return nil
}

// Tick runs FOP-1's timer.
func (g *Ground) Tick(now time.Time) {
	if g.fop != nil {
		g.fop.Tick(now)
	}
}

// Ours reports whether a frame from the TNC is a TM frame of this
// profile's spacecraft.
func (p Profile) Ours(frame []byte) bool {
	return len(frame) == p.Layout.Length && frame[0]>>6 == 0 && (uint16(frame[0])<<8|uint16(frame[1]))>>4&0x3ff == p.SCID
}

// Receive takes a TM frame of the satellite: packets are what the
// mission's channel completed, keyMsgs the key management messages of
// the key channel. The CLCW of a frame goes to FOP-1 only from a frame
// that passed every check (on a secured link: its MAC).
func (g *Ground) Receive(frame []byte, now time.Time) (packets, keyMsgs [][]byte, err error) {
	l := g.P.Layout
	f, err := l.Decode(frame)
	if err != nil {
		g.Stats.Refused++
		return nil, nil, err
	}
	if f.SCID != g.P.SCID {
		g.Stats.Refused++
		return nil, nil, fmt.Errorf("link: spacecraft %d, this link's is %d", f.SCID, g.P.SCID)
	}
	switch f.VCID {
	case g.P.KeyTMVC():
		g.Stats.Frames++
		for _, p := range g.key.Add(f) {
			sp, _, err := spp.Decode(p)
			if err != nil || sp.APID != KeyAPID {
				continue
			}
			if reply, msg, err := EPOpen(sp.Data); err == nil && reply {
				keyMsgs = append(keyMsgs, msg)
			}
		}
		return nil, keyMsgs, nil
	case g.P.TMVC:
	default:
		g.Stats.Frames++ // idle, or a channel the mission does not use
		return nil, nil, nil
	}
	if g.Secure {
		if g.down == nil {
			g.Stats.Unprotected++
			return nil, nil, errors.New("link: a frame of the secured channel before its association is keyed")
		}
		clear, err := g.down.ProcessTM(frame, l.FECF)
		if err != nil {
			switch {
			case errors.Is(err, sdls.ErrMAC):
				g.Stats.MACFailed++
			case errors.Is(err, sdls.ErrReplay):
				g.Stats.Replayed++
			default:
				g.Stats.Refused++
			}
			return nil, nil, err
		}
		if f, err = l.Decode(clear); err != nil {
			g.Stats.Refused++
			return nil, nil, err
		}
		f.Data = f.Data[:len(f.Data)-g.down.Overhead()]
	}
	g.Stats.Frames++
	if f.OCF != nil {
		g.clcw(*f.OCF, now)
	}
	lost := g.data.Lost
	packets = g.data.Add(f)
	g.Stats.PacketsLost += g.data.Lost - lost
	return packets, nil, nil
}

func (g *Ground) clcw(w uint32, now time.Time) {
	c, err := tm.DecodeCLCW(w)
	if err != nil || c.VCID != g.P.TCVC || g.fop == nil {
		return
	}
	g.Stats.CLCWs++
	if c.Lockout {
		g.Stats.Lockouts++
		// FARM-1 is locked out (a frame beyond its window): Unlock, at
		// most once in T1, then start again from its N(R)
		if g.fop.State() != cop1.Initial {
			g.fop.CLCW(c, now) // the alert: frames outstanding are purged
		}
		if now.Sub(g.unlockSent) >= 20*time.Second {
			g.unlockSent = now
			g.fop.Unlock()
		}
		return
	}
	if g.fop.State() == cop1.Initial {
		g.fop.InitiateNoCLCW(c.ReportValue)
	}
	g.fop.CLCW(c, now)
}
