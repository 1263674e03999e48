package station

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/cop1"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/proto"
)

// ccsdsSat is the engine's CCSDS link with one satellite. Only Run's
// goroutine uses it (frames are handled there too).
type ccsdsSat struct {
	e         *Engine
	sat       int
	g         *link.Ground
	rep       *Report         // the contact under way (nil: none)
	submitted map[uint32]bool // commands in FOP-1 this contact
}

// FrameKeyer is link security that also keys the CCSDS frame form of its
// associations (pqlink/sdls.Ground is one).
type FrameKeyer interface {
	FrameKeys(sat int) (spi uint16, up, down []byte, ok bool)
}

func (e *Engine) newCCSDS(sat int, p link.Profile) *ccsdsSat {
	c := &ccsdsSat{e: e, sat: sat, submitted: map[uint32]bool{}}
	_, secure := e.o.Security.(LinkSecurity)
	c.g = &link.Ground{P: p, Secure: secure, Send: func(f []byte) {
		e.transmit(f, c.rep)
		e.queued(sat, 8*tc.CLTULen(len(f))) // what the TNC puts on the air
	}, Events: c.event}
	return c
}

// ccsds is sat's CCSDS link (nil: it speaks AX.25).
func (e *Engine) ccsds(sat int) *ccsdsSat {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cc[sat]
}

// start begins a contact: a fresh FOP-1.
func (c *ccsdsSat) start(rep *Report) {
	c.rep = rep
	c.submitted = map[uint32]bool{}
	c.g.Start()
}

// end closes the contact. Commands FOP-1 still held stay pending in the
// history and go again next contact (the spacecraft knows a command by
// its id: it never runs one twice).
func (c *ccsdsSat) end() {
	st := c.g.Stats
	if c.rep != nil {
		c.rep.Lockouts = st.Lockouts
	}
	c.rep = nil
}

// step keys the associations when the handshake has, runs FOP-1's timer
// and hands it the pending commands.
func (c *ccsdsSat) step(now time.Time) {
	if k, ok := c.e.o.Security.(FrameKeyer); ok {
		spi, up, down, ok := k.FrameKeys(c.sat)
		if ok {
			c.g.Key(spi, up, down)
		}
	}
	c.g.Tick(now)
}

func (c *ccsdsSat) expedite(pkt []byte) {
	if err := c.g.Expedite(pkt); err != nil {
		fmt.Fprintf(c.e.o.Log, "station %s: %v\n", c.e.o.Name, err)
	}
}

func (c *ccsdsSat) sendKey(msg []byte) {
	if err := c.g.SendKey(msg); err != nil {
		fmt.Fprintf(c.e.o.Log, "station %s: key management: %v\n", c.e.o.Name, err)
	}
}

// uplink submits the satellite's pending commands to FOP-1, once each
// this contact, and records them accepted.
func (c *ccsdsSat) uplink(cmds []*command.Command, now time.Time) {
	if c.g.FOP() == nil {
		return
	}
	for _, cmd := range cmds {
		if c.submitted[cmd.ID] {
			continue
		}
		tc := proto.Command{ID: cmd.ID, Opcode: cmd.Opcode, At: cmd.At, Args: cmd.Payload}
		pkt, err := encodeTC(proto.APIDCommand, tc.Encode())
		if err != nil {
			continue
		}
		if err := c.g.Submit(cmd.ID, pkt, now); err != nil {
			fmt.Fprintf(c.e.o.Log, "station %s: COP-1: %v\n", c.e.o.Name, err)
			continue
		}
		c.submitted[cmd.ID] = true
		if cmd.State() == command.Queued {
			c.stage(cmd.ID, command.Accepted, now)
		}
	}
}

func (c *ccsdsSat) stage(id uint32, stage string, now time.Time) {
	if c.e.o.History == nil {
		return
	}
	if err := c.e.o.History.Stage(id, c.sat, stage, now, c.e.o.Name, ""); err != nil {
		fmt.Fprintf(c.e.o.Log, "station %s: command history: %v (command %d %s, not recorded)\n", c.e.o.Name, err, id, stage)
	}
}

// event is what FOP-1 reports.
func (c *ccsdsSat) event(ev cop1.Event) {
	now := c.e.o.Clock.Now()
	id, _ := ev.ID.(uint32)
	switch ev.Kind {
	case "transmitted":
		if c.rep != nil {
			c.rep.CommandsSent++
		}
		c.stage(id, command.Sent, now)
	case "acknowledged":
		if c.rep != nil {
			c.rep.CommandsAcked++
		}
		c.stage(id, command.Acknowledged, now)
	case "purged":
		delete(c.submitted, id) // submitted again at the next step
	case "alert":
		if c.rep != nil {
			c.rep.COPAlerts++
		}
		fmt.Fprintf(c.e.o.Log, "station %s: COP-1 alert for %d: %s\n", c.e.o.Name, c.sat, ev.Text)
	}
}

// handleTM takes a frame that is a transfer frame, not AX.25.
func (e *Engine) handleTM(b []byte, rep *Report, contactSat int, now time.Time, unknown func(string)) {
	e.mu.Lock()
	var c *ccsdsSat
	for _, s := range e.cc {
		if s.g.P.Ours(b) {
			c = s
			break
		}
	}
	e.mu.Unlock()
	if c == nil {
		scid := (uint16(b[0])<<8 | uint16(b[min(1, len(b)-1)])) >> 4 & 0x3ff
		unknown(fmt.Sprintf("a CCSDS frame of %d bytes from spacecraft %d, no satellite of the mission", len(b), scid))
		return
	}
	st := c.g.Stats
	pkts, keyMsgs, err := c.g.Receive(b, now)
	if rep != nil {
		rep.MACFailed += c.g.Stats.MACFailed - st.MACFailed
		rep.SecurityRejected += c.g.Stats.MACFailed - st.MACFailed + c.g.Stats.Replayed - st.Replayed + c.g.Stats.Unprotected - st.Unprotected
		if c.g.Stats.Refused > st.Refused {
			rep.FrameErrors++
		}
	}
	if err != nil {
		return
	}
	if ls, ok := e.o.Security.(LinkSecurity); ok {
		for _, m := range keyMsgs {
			if _, err := ls.Open(c.sat, m); err != nil && rep != nil {
				rep.SecurityRejected++
			}
		}
	}
	for _, p := range pkts {
		e.packet(c.sat, p, rep, contactSat, now)
	}
}
