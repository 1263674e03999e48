package station

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/ipgs/ipgs/uplink/proto"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/spp"
)

// connectLoop keeps a TNC connection open, reading frames into e.frames.
func (e *Engine) connectLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		var c io.ReadWriteCloser
		var err error
		if e.o.Dial != nil {
			c, err = e.o.Dial(ctx)
		} else {
			c, err = (&net.Dialer{Timeout: 3 * time.Second}).DialContext(ctx, "tcp", e.o.TNC)
		}
		if err != nil {
			fmt.Fprintf(e.o.Log, "station %s: TNC %s: %v (retrying)\n", e.o.Name, e.o.TNC, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		w := kiss.NewWriter(c)
		if e.o.KISS != nil {
			if err := w.Configure(e.o.TNCPort, *e.o.KISS); err != nil {
				fmt.Fprintf(e.o.Log, "station %s: TNC %s: KISS parameters: %v\n", e.o.Name, e.o.TNC, err)
			}
		}
		e.mu.Lock()
		e.conn, e.w = c, w
		e.mu.Unlock()
		kiss.ReadData(c, 4096, func(port uint8, data []byte) bool {
			if port != e.o.TNCPort || e.o.TNCTransmitOnly {
				return true
			}
			return e.deliver(ctx, data, false)
		})
		if ctx.Err() != nil {
			c.Close()
			return
		}
		e.mu.Lock()
		e.conn, e.w = nil, nil
		e.mu.Unlock()
		c.Close()
	}
}

// send transmits a telecommand packet, through the frame security layer
// when there is one.
func (e *Engine) send(dst ax25.Address, apid uint16, data []byte, rep *Report) {
	pkt, err := encodeTC(apid, data)
	if err != nil {
		return
	}
	if c := e.ccsds(e.byCall[dst.String()]); c != nil {
		c.expedite(pkt) // booked on the queue as it goes to the TNC
		return
	}
	if bare, ok := proto.EncodeBare(apid, data); ok {
		pkt = bare // a bundle segment or ack: no space packet over AX.25
	}
	if e.o.Security != nil {
		if pkt, err = e.o.Security.Protect(e.byCall[dst.String()], pkt); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: frame security: %v (frame not sent)\n", e.o.Name, err)
			return
		}
	}
	e.sendInfo(dst, pkt, rep)
}

// sendInfo transmits one frame with the information field info (on a
// CCSDS link: a key management message on its channel).
func (e *Engine) sendInfo(dst ax25.Address, info []byte, rep *Report) {
	if c := e.ccsds(e.byCall[dst.String()]); c != nil {
		c.sendKey(info)
		return
	}
	b, err := (&ax25.Frame{Dst: dst, Src: e.o.Call, Info: info}).Encode(false) // KISS: the TNC adds the FCS
	if err != nil {
		return
	}
	e.transmit(b, rep)
	e.queued(e.byCall[dst.String()], ax25.AirBits(b, false))
}

// queued books one frame of bits bits on the TNC's queue (ax25.AirBits:
// the frame's bytes and FCS, the zeros stuffed into it, flags and gap).
// Booked exactly, the queue model drains as the transmitter does: booked
// at one bit in 62 for stuffing whatever the frame held, it drained
// slower, ran dry and left a few percent of the link idle.
func (e *Engine) queued(sat, bits int) {
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	d := time.Duration(float64(bits) / rate * float64(time.Second))
	now := e.o.Clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.txFree.Before(now) {
		e.txFree = now // the queue had drained
	}
	e.txFree = e.txFree.Add(d)
}

// txBacklog is how long the TNC needs for what it holds.
func (e *Engine) txBacklog(now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return max(0, e.txFree.Sub(now))
}

// transmit hands the TNC one frame.
func (e *Engine) transmit(b []byte, rep *Report) {
	e.mu.Lock()
	w := e.w
	if w != nil {
		if nc, ok := e.conn.(net.Conn); ok {
			nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		}
		if w.Data(e.o.TNCPort, b) != nil {
			w = nil
		}
	}
	e.mu.Unlock()
	if w != nil && rep != nil {
		rep.FramesTx++
		rep.BytesTx += len(b)
	}
}

// encodeTC is a telecommand space packet.
func encodeTC(apid uint16, data []byte) ([]byte, error) {
	return (&spp.Packet{Type: spp.TC, APID: apid, Data: data}).Encode(nil)
}
