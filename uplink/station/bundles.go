package station

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
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
func (e *Engine) pumpBundles(link *dtn.Link, call ax25.Address, sat int, now, end time.Time, rep *Report) {
	e.flushBundles(link, call, now, rep, true)
	const depth = 3 * time.Second // more than the contact loop's step
	buf := make([]byte, 0, 600)
	for {
		backlog := e.txBacklog(now)
		if backlog >= depth {
			return
		}
		// a full segment's airtime must still fit before the end
		if now.Add(backlog + e.airtime(sat, link.Snd.SegmentSize()+SegmentOverhead, 1)).After(end) {
			return
		}
		seg, ok := link.Snd.Next(buf[:0], now)
		if !ok {
			return
		}
		e.send(call, proto.APIDBundleSeg, seg, rep)
		rep.BundleSegsTx++
	}
}

// SegmentOverhead is what a bundle segment adds to its data on the air
// besides the AX.25 frame: the segment and space packet headers.
const SegmentOverhead = slcl.SegHeader + 6

// flushBundles commits received segments and acknowledges them (when
// due, or always when force).
func (e *Engine) flushBundles(link *dtn.Link, call ax25.Address, now time.Time, rep *Report, force bool) {
	if !force && !link.Rcv.Due(now, 8, time.Second) {
		return
	}
	ack, err := link.Rcv.Flush(now)
	if err != nil {
		fmt.Fprintf(e.o.Log, "station %s: bundle store: %v (segments not acknowledged)\n", e.o.Name, err)
		return
	}
	if ack != nil {
		e.send(call, proto.APIDBundleAck, ack, rep)
	}
}
