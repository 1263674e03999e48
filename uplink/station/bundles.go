package station

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
)

// pumpBundles sends what the uplink can carry since the last call
// (at most 2 s worth) and acknowledges received segments.
func (e *Engine) pumpBundles(link *dtn.Link, call ax25.Address, sat int, now time.Time, last *time.Time, rep *Report) {
	e.flushBundles(link, call, now, rep, true)
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	d := 2 * time.Second
	if !last.IsZero() {
		d = min(d, now.Sub(*last))
	}
	*last = now
	budget := rate / 8 * d.Seconds()
	buf := make([]byte, 0, 600)
	for budget > 0 {
		seg, ok := link.Snd.Next(buf[:0], now)
		if !ok {
			break
		}
		e.send(call, proto.APIDBundleSeg, seg, rep)
		rep.BundleSegsTx++
		budget -= float64(len(seg) + 6 + 16 + 10) // space packet, AX.25, flags
	}
}

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
