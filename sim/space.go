package sim

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// onAir puts a downlink frame (without FCS) on station s's air, when it
// has one, as heard at t.
func (e *Emulator) onAir(d *drone, s *gstation, frame []byte, t time.Time) {
	e.onAirBurst(d, s, iq.Burst{Frame: append([]byte(nil), frame...)}, t)
}

// onAirBurst puts a burst on station s's air at the frequency, Doppler
// and strength of d's downlink at t.
func (e *Emulator) onAirBurst(d *drone, s *gstation, b iq.Burst, t time.Time) {
	if s.air == nil {
		return
	}
	l, ok := lookAt(e, d, s, t)
	if !ok {
		return
	}
	down := d.down[s.idx]
	f := down.FreqHz
	doppler := -f * l.RangeRate / (geo.SpeedOfLight)
	baud := mission.BaudFor(d.bitRate)
	cn0 := down.EbN0(l.RangeKm) + 10*math.Log10(down.BitRate)
	b.Freq, b.CN0, b.Baud = f+doppler, cn0, baud
	s.air.Send(b)
}

// lookAt is the look from station s to drone d at t.
func lookAt(e *Emulator, d *drone, s *gstation, t time.Time) (geo.Look, bool) {
	r, v, err := d.prop.At(t)
	if err != nil {
		return geo.Look{}, false
	}
	re, ve := geo.TEMEToECEF(t, r, v)
	return s.topo.Look(re, ve), true
}

// step advances the constellation from last to now.
func (e *Emulator) step(last, now time.Time) {
	dt := now.Sub(last)
	// uplink frames that arrived since the last step, in the order they
	// were sent (by time, then station, then order on the port); one
	// stamped with this very instant waits for the next step, whether or
	// not its reader got to it before this step did
	frames := e.held
	e.held = nil
	for {
		select {
		case f := <-e.inbox:
			frames = append(frames, f)
			continue
		default:
		}
		break
	}
	slices.SortStableFunc(frames, func(a, b uplinkFrame) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.station != b.station {
			return a.station - b.station
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, f := range frames {
		if f.at.Before(now) {
			e.uplink(now, f)
		} else {
			e.held = append(e.held, f)
		}
	}
	for _, r := range e.o.Faults.Reboots {
		if !r.At.Before(last) && r.At.Before(now) {
			for _, d := range e.drones {
				if d.norad == r.NORAD {
					d.reboot(r.At)
					fmt.Fprintf(e.o.Log, "sim: %s rebooted at %s\n", d.name, r.At.Format(time.RFC3339))
				}
			}
		}
	}
	for _, d := range e.drones {
		d.power(now, dt)
		for !d.nextHK.After(now) {
			d.housekeeping(d.nextHK)
			d.nextHK = d.nextHK.Add(d.hkPeriod)
		}
		d.runTimed(now)
		e.downlink(d, last, now)
	}
	// deliveries due
	for e.events.Len() > 0 && !e.events[0].at.After(now) {
		ev := heap.Pop(&e.events).(event)
		ev.fn()
	}
}

// uplink handles a frame a station transmitted at now.
func (e *Emulator) uplink(now time.Time, f uplinkFrame) {
	if len(f.data) > 0 && f.data[0]>>6 == 0 { // a TC transfer frame, not AX.25
		e.uplinkTC(now, f)
		return
	}
	s := e.sts[f.station]
	// the station's KISS data has no FCS: its TNC adds one for the air
	fr, err := ax25.Decode(f.data, false)
	if err != nil {
		return // a station sent garbage: nothing receives it
	}
	air := append(append([]byte(nil), f.data...), 0, 0)
	fcs := ax25.FCS(f.data)
	air[len(f.data)], air[len(f.data)+1] = byte(fcs), byte(fcs>>8)
	for _, d := range e.drones {
		if fr.Dst.Call != d.call.Call || fr.Dst.SSID != d.call.SSID {
			continue
		}
		e.count(func(st *Stats) { st.FramesUp++ })
		// the station's transmitter sends one frame after another at the
		// link's bit rate
		sent := e.upSent(s, d, ax25.AirBits(air, true), now)
		up, rng := e.look(d, s, sent)
		if !up {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		lost, corrupt := e.channel(d.up[s.idx], rng, len(air), sent)
		if lost {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		data := air
		if corrupt {
			e.count(func(st *Stats) { st.CorruptUp++ })
			data = flipBit(data, e.rng)
		}
		arrive := sent.Add(lightTime(rng))
		idx := f.station
		e.at(arrive, func() { e.receive(d, idx, data, arrive) })
		return
	}
}

// receive is a frame arriving onboard.
func (e *Emulator) receive(d *drone, stIdx int, data []byte, now time.Time) {
	fr, err := ax25.Decode(data, true) // on the air: FCS
	if err != nil {
		return // damaged: dropped, never executed
	}
	info := fr.Info
	if d.sec != nil {
		payload, reply, spi, err := d.sec.Receive(info, now)
		if err == nil && spi != 0 {
			d.secSPI[stIdx] = spi // this station's association: downlink to it goes under it
		}
		if reply != nil {
			// the confirm goes down at once, ahead of anything queued
			e.sendNow(d, stIdx, reply, now)
		}
		if err != nil || payload == nil {
			return // refused (counted by the security layer) or a hello fragment
		}
		info = payload
	}
	e.packetOnboard(d, stIdx, info, now)
}

// packetOnboard is a telecommand space packet taken onboard.
func (e *Emulator) packetOnboard(d *drone, stIdx int, info []byte, now time.Time) {
	p, err := proto.DecodeInfo(info, spp.TC) // (bundle segments and acks come bare)
	if err != nil || p.Type != spp.TC {
		return // format error: dropped, never executed
	}
	if stIdx == d.session {
		d.lastUp = now
	}
	switch p.APID {
	case proto.APIDSession:
		if len(p.Data) < 1 {
			return
		}
		switch p.Data[0] {
		case proto.SessionOpen:
			if d.session != stIdx {
				d.sessionAt = now
			}
			d.session, d.sessionEnd, d.lastUp = stIdx, proto.SessionEnd(p.Data), now
			e.openBundleLink(d, stIdx, now)
		case proto.SessionClose:
			if d.session == stIdx {
				d.session = -1
				if d.link != nil {
					d.commit(now) // what came is kept; its ack goes at the next contact's resend
					d.link.Close()
					d.link = nil
				}
			}
		}
	case proto.APIDBundleSeg:
		if d.link != nil && d.linkStation == stIdx {
			d.link.Rcv.Receive(p.Data, now)
			e.commitBundles(d, now)
		}
	case proto.APIDBundleAck:
		if d.link != nil && d.linkStation == stIdx {
			d.link.Snd.OnAck(p.Data, now)
		}
	case proto.APIDAck:
		if rs, err := proto.DecodeAck(p.Data); err == nil {
			d.acknowledge(rs)
		}
	case proto.APIDCommand:
		if c, err := proto.DecodeCommand(p.Data); err == nil {
			d.command(now, c)
		}
	}
}

// downlink transmits stored packets to the station with an open session,
// at the link's bit rate, while it is in view.
func (e *Emulator) downlink(d *drone, last, now time.Time) {
	if d.cc != nil {
		e.downlinkTM(d, last, now)
		return
	}
	if d.session < 0 {
		return
	}
	s := e.sts[d.session]
	t := last
	if t.Before(d.sessionAt) {
		t = d.sessionAt
	}
	for t.Before(now) {
		up, rng := e.look(d, s, t)
		if !up {
			return
		}
		if d.sec != nil && !d.sec.Established(d.secSPI[d.session]) {
			return // no association: nothing goes down that the ground could not verify
		}
		info, pk := e.bundleFrame(d, t)
		if info == nil {
			if pk = d.nextToSend(t, e.o.RTO); pk == nil {
				return
			}
			info = pk.frame
		}
		if d.sec != nil {
			var err error
			if info, err = d.sec.Protect(d.secSPI[d.session], info); err != nil {
				return
			}
		}
		fr := ax25.Frame{Dst: s.call, Src: d.call, Info: info}
		b, err := fr.Encode(true)
		if err != nil {
			return
		}
		airtime := time.Duration(float64(ax25.AirBits(b, true)) / d.bitRate * float64(time.Second))
		if !d.sessionOpenAt(t, airtime+time.Duration(rng/geo.SpeedOfLight*float64(time.Second))) {
			return
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
		e.onAir(d, s, b[:len(b)-2], t)
		t = t.Add(airtime)
		e.count(func(st *Stats) { st.FramesDown++ })
		lost, corrupt := e.channel(d.down[s.idx], rng, len(b), t)
		if lost {
			e.count(func(st *Stats) { st.LostDown++ })
			continue
		}
		if corrupt {
			e.count(func(st *Stats) { st.CorruptDown++ })
			b = flipBit(b, e.rng)
		}
		delay := time.Duration(rng / geo.SpeedOfLight * float64(time.Second))
		out := b
		e.at(t.Add(delay), func() {
			// the ground TNC checks the FCS, drops a damaged frame and
			// hands the host the frame without it (KISS)
			if _, err := ax25.Decode(out, true); err == nil {
				s.send(out[:len(out)-2])
			}
		})
	}
}

// sendNow transmits one frame (information field info) from d to station
// stIdx at once, through the channel like any downlink frame.
func (e *Emulator) sendNow(d *drone, stIdx int, info []byte, now time.Time) {
	s := e.sts[stIdx]
	up, rng := e.look(d, s, now)
	if !up {
		return
	}
	b, err := (&ax25.Frame{Dst: s.call, Src: d.call, Info: info}).Encode(true)
	if err != nil {
		return
	}
	e.count(func(st *Stats) { st.FramesDown++ })
	e.onAir(d, s, b[:len(b)-2], now)
	if lost, corrupt := e.channel(d.down[s.idx], rng, len(b), now); lost {
		e.count(func(st *Stats) { st.LostDown++ })
		return
	} else if corrupt {
		e.count(func(st *Stats) { st.CorruptDown++ })
		b = flipBit(b, e.rng)
	}
	at := now.Add(time.Duration(float64(ax25.AirBits(b, true))/d.bitRate*float64(time.Second)) + lightTime(rng))
	e.at(at, func() {
		if _, err := ax25.Decode(b, true); err == nil {
			s.send(b[:len(b)-2])
		}
	})
}

// upSent books a frame of bits bits that station s hands its
// transmitter at now toward drone d, and returns when its last bit leaves
// the antenna: after the frames before it (with Options.UplinkAirtime,
// one after another at the link's bit rate) and its own airtime. Whether
// the drone hears it is decided then: a frame queued before LOS and sent
// after is lost.
func (e *Emulator) upSent(s *gstation, d *drone, bits int, now time.Time) time.Time {
	if !e.o.UplinkAirtime {
		return now
	}
	if s.upBusy.Before(now) {
		s.upBusy = now
	}
	s.upBusy = s.upBusy.Add(time.Duration(float64(bits) / d.bitRate * float64(time.Second)))
	return s.upBusy
}

// lightTime is the one-way light time over rng km.
func lightTime(rng float64) time.Duration {
	return time.Duration(rng / geo.SpeedOfLight * float64(time.Second))
}

// countResend counts a stored packet sent again, by why.
func (e *Emulator) countResend(pk *stored) {
	lost := pk.lost
	e.count(func(st *Stats) {
		st.Retransmissions++
		if lost {
			st.RetransmittedLost++
		} else {
			st.RetransmittedTimeout++
		}
	})
}
