package station

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// handle processes one received frame. rep may be nil between contacts.
func (e *Engine) handle(b []byte, rep *Report, contactSat int) {
	now := e.o.Clock.Now()
	e.mu.Lock()
	e.heardAt = now
	if rep == nil {
		e.between++
	}
	e.mu.Unlock()
	if rep != nil {
		rep.FramesRx++
		rep.BytesRx += len(b)
	}
	bad := func() {
		if rep != nil {
			rep.FrameErrors++
		}
	}
	unknown := func(why string) { // kept, not dropped: whose it is may be learned later
		if rep != nil {
			rep.UnknownFrames++
		}
		if e.o.Archive != nil {
			e.o.Archive(now, append([]byte(nil), b...), why)
		}
	}
	if len(b) > 0 && b[0]>>6 == 0 { // a transfer frame version 1 (AX.25 starts with a callsign)
		e.handleTM(b, rep, contactSat, now, unknown)
		return
	}
	f, err := ax25.Decode(b, false) // the TNC checked and removed the FCS
	if err != nil {
		bad()
		unknown("not an AX.25 frame: " + err.Error())
		return
	}
	sat, ok := e.byCall[f.Src.String()]
	if !ok {
		unknown("from " + f.Src.String() + ", no satellite of the mission")
		return
	}
	info := f.Info
	if ls, ok := e.o.Security.(LinkSecurity); ok {
		// nothing unverified goes further: forged, replayed and plain
		// frames are counted and dropped; a confirm completes a handshake
		if info, err = ls.Open(sat, info); err != nil {
			if rep != nil {
				rep.SecurityRejected++
			}
			return
		}
		if info == nil {
			return
		}
	}
	e.packet(sat, info, rep, contactSat, now)
}

// packet processes one space packet received from sat.
func (e *Engine) packet(sat int, info []byte, rep *Report, contactSat int, now time.Time) {
	bad := func() {
		if rep != nil {
			rep.FrameErrors++
		}
	}
	p, err := proto.DecodeInfo(info, spp.TM) // (bundle segments and acks may come bare)
	if err != nil {
		bad()
		return
	}
	if p.Type != spp.TM {
		return
	}
	if p.APID == proto.APIDBundleSeg || p.APID == proto.APIDBundleAck {
		e.mu.Lock()
		link := e.link
		if e.linkSat != sat {
			link = nil
		}
		e.mu.Unlock()
		if link == nil {
			return // no contact with it: resent later
		}
		if p.APID == proto.APIDBundleAck {
			if err := link.Snd.OnAck(p.Data, now); err != nil {
				bad()
			}
			return
		}
		if err := link.Rcv.Receive(p.Data, now); err != nil {
			bad()
			return
		}
		if rep != nil {
			rep.BundleSegsRx++
			if call, ok := e.o.Sats[sat]; ok {
				e.flushBundles(link, call, now, rep, false)
			}
		}
		return
	}
	no, err := proto.PacketNo(p.Data)
	if err != nil {
		return
	}
	e.mu.Lock()
	if e.seen[sat] == nil {
		e.seen[sat] = map[uint32]bool{}
	}
	dup := e.seen[sat][no]
	e.mu.Unlock()
	if dup {
		if rep != nil && sat == contactSat {
			rep.Duplicates++
		}
		e.mu.Lock()
		e.pending[sat] = addRange(e.pending[sat], no) // acknowledge again: the first ack was lost
		e.mu.Unlock()
		return
	}
	raw, _ := p.Encode(nil)
	tm := &TM{Sat: sat, Station: e.o.Name, No: no, APID: p.APID, Seq: p.Seq, Onboard: p.Time, Ground: now, Raw: raw}
	if sat == contactSat {
		// a packet's onboard time is when it was made, seconds before it
		// came down; hours between them say a clock is off
		e.mu.Lock()
		e.offset, e.offsetSeen = now.Sub(p.Time), true
		e.mu.Unlock()
	}
	switch p.APID {
	case proto.APIDHousekeeping:
		if h, err := proto.DecodeHK(p.Data); err == nil {
			tm.HK = &h
		}
	case proto.APIDCmdAck:
		if a, err := proto.DecodeCmdAck(p.Data); err == nil {
			tm.CmdAck = &a
			e.verification(sat, &a, now, rep)
		}
	}
	if e.o.Sink != nil {
		if err := e.o.Sink.Write(tm); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: telemetry sink: %v (packet %d of %d stays onboard)\n", e.o.Name, err, no, sat)
			return // not acknowledged: the satellite keeps it
		}
	}
	e.mu.Lock()
	e.seen[sat][no] = true
	if sat == contactSat {
		e.pending[sat] = addRange(e.pending[sat], no)
	}
	e.mu.Unlock()
	if rep != nil && sat == contactSat {
		rep.Packets++
		if rep.FirstNo == 0 || no < rep.FirstNo {
			rep.FirstNo = no
		}
		rep.LastNo = max(rep.LastNo, no)
	}
}
