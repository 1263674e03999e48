package sim

import (
	"time"

	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// Bundles configure the drones' bundle agents.
type Bundles struct {
	Dir      string        // each drone's store is Dir/NORAD.db
	Contacts []cgr.Contact // the contact plan they route on
	// Deliver takes a bundle addressed to a drone (a directive) and
	// returns the command it orders, which the drone then executes like
	// a telecommand (nil: nothing to execute; an error keeps the bundle
	// for a later try). Nil: bundles for drones are kept.
	Deliver func(norad int, raw []byte, now time.Time) (*proto.Command, error)
	Quota   [3]int64
	NoSync  bool // see bstore.Options
}

// openBundleLink starts the drone's bundle link with station stIdx.
func (e *Emulator) openBundleLink(d *drone, stIdx int, now time.Time) {
	if d.node == nil || e.sts[stIdx].node == 0 {
		return
	}
	if d.link != nil && d.linkStation == stIdx {
		return // the station reopens its session every few seconds
	}
	if d.link != nil {
		d.commit(now)
		d.link.Close()
	}
	d.acks = nil // for the other station's link
	d.link, d.linkStation = d.node.Open(e.sts[stIdx].node, 0), stIdx
	d.link.Offer(now)
	d.nextOffer = now.Add(20 * time.Second)
}

// bundleFrame returns the next bundle frame for the downlink, if any: an
// acknowledgement when one is due, else a segment every other frame
// while telemetry is waiting too (so neither starves the other).
func (e *Emulator) bundleFrame(d *drone, t time.Time) ([]byte, *stored) {
	l := d.link
	if l == nil || d.linkStation != d.session {
		return nil, nil
	}
	if !t.Before(d.nextOffer) {
		d.node.Expire(t)
		l.Offer(t)
		d.nextOffer = t.Add(20 * time.Second)
	}
	e.commitBundles(d, t)
	if len(d.acks) > 0 {
		ack := d.acks[0]
		d.acks = d.acks[1:]
		return d.tmPacket(proto.APIDBundleAck, ack, t), nil
	}
	d.bundleTurn = !d.bundleTurn
	var pk *stored
	if !d.bundleTurn {
		if pk = d.nextToSend(t, e.o.RTO); pk != nil {
			return nil, nil // telemetry's turn
		}
	}
	if seg, ok := l.Snd.Next(nil, t); ok {
		return d.tmPacket(proto.APIDBundleSeg, seg, t), nil
	}
	return nil, nil
}

// commitBundles commits received segments when due, whether or not the
// drone may transmit: segments that came after the drone fell silent at
// the end of a contact were held in memory, uncommitted, and lost when
// the link closed (30 KB a pass in BenchmarkBundleGoodput). The
// acknowledgements wait for the downlink.
func (e *Emulator) commitBundles(d *drone, t time.Time) {
	if d.link != nil && d.link.Rcv.Due(t, 8, time.Second) {
		d.commit(t)
	}
}

// commit commits what the bundle link received and queues its
// acknowledgement.
func (d *drone) commit(t time.Time) {
	if ack, err := d.link.Rcv.Flush(t); err == nil && ack != nil {
		d.acks = append(d.acks, ack)
	}
}

// tmPacket encodes an unnumbered telemetry packet.
func (d *drone) tmPacket(apid uint16, data []byte, now time.Time) []byte {
	s := d.seq[apid]
	d.seq[apid] = (s + 1) & spp.MaxSeq
	b, _ := (&spp.Packet{Type: spp.TM, APID: apid, Seq: s, Time: now, Data: data}).Encode(nil)
	return b
}

// Bundles returns a drone's bundle node (nil: none), for tests and the
// demo's accounting. Only use it while the emulator is stopped, or for
// its thread-safe methods.
func (e *Emulator) Bundles(norad int) *dtn.Node {
	for _, d := range e.drones {
		if d.norad == norad {
			return d.node
		}
	}
	return nil
}
