package station

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/slcl"
)

// pumpBundles keeps the TNC's queue about three seconds deep with segments,
// and acknowledges received segments. It counts every frame's airtime
// (AX.25 overhead and bit stuffing, and the station's other frames) and
// queues nothing that would go out after the contact ends: counting
// segments alone at 32 bytes of overhead had the queue grow by a twentieth
// of the rate, and frames kept going out half a minute after the pass.
func (e *Engine) pumpBundles(l *dtn.Link, call ax25.Address, sat int, now, end time.Time, rep *Report) {
	e.flushBundles(l, call, now, rep, true)
	const depth = 3 * time.Second // more than the contact loop's step
	buf := make([]byte, 0, 600)
	for {
		backlog := e.txBacklog(now)
		if backlog >= depth {
			return
		}
		// a full segment's airtime must still fit before the end
		if now.Add(backlog + e.segmentAirtime(sat, l.Snd.SegmentSize())).After(end) {
			return
		}
		seg, ok := l.Snd.Next(buf[:0], now)
		if !ok {
			return
		}
		e.send(call, proto.APIDBundleSeg, seg, rep)
		rep.BundleSegsTx++
	}
}

// SegmentOverhead is what a bundle segment adds to its data in a TC
// frame: the segment and space packet headers.
const SegmentOverhead = slcl.SegHeader + 6

// AX25Segment is the data of a bundle segment that fills an AX.25
// information field of 256 bytes: the segment header and the bare
// framing's byte (proto.EncodeBare) besides it.
const AX25Segment = 256 - slcl.SegHeader - proto.BareLen

// segment is the data of a bundle segment that fills a TC frame (room
// left for the frame's security header and trailer). A TC frame holds up
// to 1017 bytes and its CLTU costs 10 bytes and one in eight whatever the
// frame holds: 256-byte packets (as an AX.25 field holds) spent 18 % of
// the uplink on CLTU and headers, full frames 14 %.
func (c *ccsdsSat) segment() int { return c.g.MaxPacket() - SegmentOverhead }

// segmentAirtime is how long a segment of n data bytes takes on sat's
// uplink, at most.
func (e *Engine) segmentAirtime(sat, n int) time.Duration {
	c := e.ccsds(sat)
	if c == nil {
		return e.airtime(sat, n+slcl.SegHeader+proto.BareLen, 1)
	}
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	bits := 8 * tc.CLTULen(n+SegmentOverhead+tc.MaxData-c.g.MaxPacket()+5+2)
	return time.Duration(float64(bits) / rate * float64(time.Second))
}

// flushBundles commits received segments and acknowledges them (when
// due, or always when force).
func (e *Engine) flushBundles(l *dtn.Link, call ax25.Address, now time.Time, rep *Report, force bool) {
	if !force && !l.Rcv.Due(now, 8, time.Second) {
		return
	}
	ack, err := l.Rcv.Flush(now)
	if err != nil {
		fmt.Fprintf(e.o.Log, "station %s: bundle store: %v (segments not acknowledged)\n", e.o.Name, err)
		return
	}
	if ack != nil {
		e.send(call, proto.APIDBundleAck, ack, rep)
	}
}
