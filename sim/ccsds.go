package sim

import (
	"bytes"
	"errors"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	frame "github.com/ipgs/ipgs/uplink/ccsds/sdls"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
)

// A CCSDS drone speaks TM and TC frames (its mission profile's) through
// link.Onboard, the same code a station's side of the link is tested
// against: FARM-1 takes TC frames (from CLTUs, their BCH correcting what
// it can), every TM frame carries the CLCW, and with link security only
// SDLS-protected frames are taken and sent, under associations the
// post-quantum handshake keyed (key management on the key channels).
// On the air the downlink is coded as the profile says: a frame the
// channel damages goes through the real encoder and decoder, so coding
// gain decides whether it arrives.

// frameSAs are one association's frame-form SAs onboard.
type frameSAs struct {
	up, down *frame.SA
	key      []byte
}

// frameSA returns the drone's SAs of SPI spi (nil: none, or the station
// is no longer trusted).
func (e *Emulator) frameSA(d *drone, spi uint16, now time.Time) *frameSAs {
	if d.sec == nil {
		return nil
	}
	up, down, err := d.sec.FrameKeys(spi, now)
	if err != nil {
		delete(d.ccSAs, spi)
		if errors.Is(err, sdls.ErrUntrusted) {
			d.sec.Count(func(st *sdls.Stats) { st.Untrusted++ })
		}
		return nil
	}
	fs := d.ccSAs[spi]
	if fs == nil || !bytes.Equal(fs.key, up) {
		fs = &frameSAs{up: &frame.SA{SPI: spi, Key: up, Window: link.Window}, down: &frame.SA{SPI: spi, Key: down, Window: link.Window}, key: up}
		d.ccSAs[spi] = fs
	}
	return fs
}

// uplinkTC handles a TC frame a station transmitted at now: its CLTU
// goes through the channel to the drone of its spacecraft id.
func (e *Emulator) uplinkTC(now time.Time, f uplinkFrame) {
	s := e.sts[f.station]
	if len(f.data) < 2 {
		return
	}
	scid := (uint16(f.data[0])<<8 | uint16(f.data[1])) & 0x3ff
	for _, d := range e.drones {
		if d.cc == nil || d.prof.SCID != scid {
			continue
		}
		e.count(func(st *Stats) { st.FramesUp++ })
		cltu := tc.CLTU(f.data)
		sent := e.upSent(s, d, 8*len(cltu), now)
		up, rng := e.look(d, s, sent)
		if !up {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		lost, corrupt := e.channel(d.up[s.idx], rng, len(cltu), sent)
		if lost {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		if corrupt {
			e.count(func(st *Stats) { st.CorruptUp++ })
			for range 1 + e.rng.IntN(3) {
				cltu = flipBit(cltu, e.rng)
			}
		}
		arrive := sent.Add(lightTime(rng))
		idx := f.station
		e.at(arrive, func() { e.receiveTC(d, idx, cltu, arrive) })
		return
	}
}

// receiveTC is a CLTU arriving onboard.
func (e *Emulator) receiveTC(d *drone, stIdx int, cltu []byte, now time.Time) {
	data, _, err := tc.ReadCLTU(cltu, true)
	if err != nil {
		return // the BCH could not correct it: dropped
	}
	r, err := d.cc.Receive(data, func(spi uint16) *frame.SA {
		if fs := e.frameSA(d, spi, now); fs != nil {
			return fs.up
		}
		return nil
	})
	if errors.Is(err, link.ErrNoSA) {
		// an association it lost (a reboot): say so, so the station keys again
		e.sendKeyNow(d, stIdx, [][]byte{{sdls.TypeNoSA, byte(r.SPI >> 8), byte(r.SPI)}}, now)
		return
	}
	if err != nil {
		return
	}
	var replies [][]byte
	for _, m := range r.KeyMsgs {
		if d.sec == nil {
			break
		}
		_, reply, spi, err := d.sec.Receive(m, now)
		if err == nil && spi != 0 {
			d.secSPI[stIdx] = spi
		}
		if reply != nil {
			replies = append(replies, reply)
		}
	}
	if len(replies) > 0 {
		e.sendKeyNow(d, stIdx, replies, now)
	}
	if r.SPI != 0 {
		d.secSPI[stIdx] = r.SPI
	}
	for _, p := range r.Packets {
		e.packetOnboard(d, stIdx, p, now)
	}
}

// sendKeyNow sends key management replies down at once.
func (e *Emulator) sendKeyNow(d *drone, stIdx int, msgs [][]byte, now time.Time) {
	frames, err := d.cc.KeyFrames(msgs)
	if err != nil {
		return
	}
	t := now
	for _, f := range frames {
		t = e.sendTM(d, e.sts[stIdx], f, t)
	}
}

// sendTM puts one TM frame on the air to station s at t and returns when
// its transmission ends.
func (e *Emulator) sendTM(d *drone, s *gstation, f []byte, t time.Time) time.Time {
	up, rng := e.look(d, s, t)
	if !up {
		return t
	}
	bits := 8 * (len(f) + 4)
	if d.prof.RS {
		bits += 8 * 32 * d.prof.Interleave
	}
	if d.prof.Conv {
		bits *= 2
	}
	end := t.Add(time.Duration(float64(bits) / d.bitRate * float64(time.Second)))
	d.lastTM = end
	e.onAirTM(d, s, f, t)
	e.count(func(st *Stats) { st.FramesDown++ })
	lost, corrupt := e.channel(d.down[s.idx], rng, bits/8, end)
	if lost {
		e.count(func(st *Stats) { st.LostDown++ })
		return end
	}
	out := f
	if corrupt {
		// channel bit errors, through the real coder and decoder: a few
		// scattered, or (one time in ten) a burst no code corrects
		e.count(func(st *Stats) { st.CorruptDown++ })
		sym, err := d.prof.Transmit(f)
		if err != nil {
			return end
		}
		if e.rng.IntN(10) == 0 {
			at := e.rng.IntN(len(sym) - 400)
			for i := at; i < at+400; i++ {
				sym[i] = byte(e.rng.IntN(2))
			}
		} else {
			for range 1 + e.rng.IntN(12) {
				sym[32+e.rng.IntN(len(sym)-32)] ^= 1
			}
		}
		var fixed int
		if out, fixed, err = d.prof.Receive(sym); err != nil {
			e.count(func(st *Stats) { st.Uncorrectable++ })
			return end
		}
		if bytes.Equal(out, f) {
			e.count(func(st *Stats) { st.Corrected++; st.RSSymbolsFixed += fixed })
		}
	}
	delay := time.Duration(rng / geo.SpeedOfLight * float64(time.Second))
	e.at(end.Add(delay), func() { s.send(out) })
	return end
}

// onAirTM puts a TM frame on station s's air (when it has one) as BPSK,
// coded as the drone's profile says: what an SDR at the station hears.
func (e *Emulator) onAirTM(d *drone, s *gstation, f []byte, t time.Time) {
	if s.air == nil {
		return
	}
	sym, err := d.prof.Transmit(f)
	if err != nil {
		return
	}
	e.onAirBurst(d, s, iq.Burst{Symbols: sym}, t)
}

// downlinkTM is downlink for a CCSDS drone: frames full of stored
// packets (and bundle segments) to the station with an open session;
// with nothing to send, an idle frame every 2 s carries the CLCW.
func (e *Emulator) downlinkTM(d *drone, last, now time.Time) {
	if d.session < 0 {
		return
	}
	s := e.sts[d.session]
	t := last
	if t.Before(d.sessionAt) {
		t = d.sessionAt
	}
	var sa *frame.SA
	if d.sec != nil {
		fs := e.frameSA(d, d.secSPI[d.session], t)
		if fs == nil {
			return // no association: nothing goes down that the ground could not verify
		}
		sa = fs.down
	}
	room := d.prof.Layout.DataLen(true)
	if sa != nil {
		room -= sa.Overhead()
	}
	for t.Before(now) {
		if up, _ := e.look(d, s, t); !up {
			return
		}
		if !d.sessionOpenAt(t, 0) {
			return
		}
		var pkts [][]byte
		size := 0
		for size < room {
			info, pk := e.bundleFrame(d, t)
			if info == nil {
				if pk = d.nextToSend(t, e.o.RTO); pk == nil {
					break
				}
				info = pk.frame
			}
			if pk != nil {
				if pk.sent > 0 {
					e.countResend(pk)
				}
				pk.sent++
				pk.sentAt = t
				d.txCounter++
				pk.txSeq, pk.lost = d.txCounter, false
			}
			pkts = append(pkts, info)
			size += len(info)
		}
		if len(pkts) == 0 && t.Sub(d.lastTM) < 2*time.Second {
			return
		}
		frames, err := d.cc.Frames(pkts, sa)
		if err != nil {
			return
		}
		for _, f := range frames {
			t = e.sendTM(d, s, f, t)
		}
		if len(pkts) == 0 {
			return
		}
	}
}
