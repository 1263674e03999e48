package station

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
)

// contact works one contact.
func (e *Engine) contact(ctx context.Context, c Contact, rep *Report) error {
	call, ok := e.o.Sats[c.NORAD]
	if !ok {
		return fmt.Errorf("station %s: no callsign for satellite %d", e.o.Name, c.NORAD)
	}
	var nextOpen, nextAck, nextCmd, nextProgress, nextHello, helloAt, nextOffer time.Time
	sentAt := map[uint32]time.Time{}
	var link *dtn.Link
	if node, ok := e.o.SatNodes[c.NORAD]; ok && e.o.DTN != nil {
		seg := AX25Segment // to fill an AX.25 frame
		if cc := e.ccsds(c.NORAD); cc != nil {
			seg = cc.segment()
		}
		link = e.o.DTN.Open(node, seg)
		st0 := e.o.DTN.Stats()
		e.mu.Lock()
		e.link, e.linkSat = link, c.NORAD
		e.mu.Unlock()
		defer func() {
			e.mu.Lock()
			e.link = nil
			e.mu.Unlock()
			link.Close()
			st := e.o.DTN.Stats()
			rep.BundlesTx, rep.BundlesRx = st.Sent-st0.Sent, st.Received-st0.Received
		}()
	}
	cc := e.ccsds(c.NORAD)
	if cc != nil {
		cc.start(rep)
		defer cc.end()
	}
	step := 2 * time.Second
	ls, secure := e.o.Security.(LinkSecurity)
	checked := false // link security: asked at the contact's start whether the association goes on
	for {
		now := e.o.Clock.Now()
		if !now.Before(c.End) {
			break
		}
		if secure && (!checked || !ls.Established(c.NORAD) || ls.Renewing(c.NORAD)) {
			// the first step of a contact asks whether the association
			// goes on (Begin sends nothing) or needs a handshake; without
			// a confirm in 30 s, the handshake starts over
			if !now.Before(nextHello) {
				frames, err := ls.Begin(c.NORAD, now)
				if err != nil {
					fmt.Fprintf(e.o.Log, "station %s: link security: %v\n", e.o.Name, err)
				}
				n := 0
				for _, f := range frames {
					e.sendInfo(call, f, rep)
					n += len(f)
				}
				rep.HandshakeBytes += n
				if len(frames) > 0 && helloAt.IsZero() {
					helloAt = now
				}
				if len(frames) > 0 && ls.Established(c.NORAD) {
					rep.HandshakeRenewals++ // the association in use goes on meanwhile
				}
				nextHello = now.Add(30*time.Second + e.airtime(c.NORAD, n, len(frames)))
			}
			checked = true
			if !ls.Established(c.NORAD) {
				if err := e.waitFrames(ctx, c, rep, min(step, c.End.Sub(now))); err != nil {
					return err
				}
				continue
			}
		}
		if cc != nil {
			cc.step(now)
		}
		if !helloAt.IsZero() && !ls.Renewing(c.NORAD) { // the confirm came
			rep.HandshakeSeconds += now.Sub(helloAt).Seconds()
			helloAt = time.Time{}
		}
		if !now.Before(nextOpen) && c.linkOpen(now) {
			e.send(call, proto.APIDSession, proto.EncodeSessionOpen(c.sessionEnd()), rep)
			rep.Session = true
			nextOpen = now.Add(15 * time.Second)
		}
		if !now.Before(nextAck) {
			e.ack(c.NORAD, call, rep)
			nextAck = now.Add(3 * time.Second)
		}
		if e.o.History != nil && !now.Before(nextCmd) {
			e.uplinkCommands(c, call, now, sentAt, rep)
			nextCmd = now.Add(5 * time.Second)
		}
		if link != nil && c.linkOpen(now) { // the satellite's end of the link is open with the session
			if !now.Before(nextOffer) {
				link.Offer(now)
				nextOffer = now.Add(20 * time.Second)
			}
			e.pumpBundles(link, call, c.NORAD, now, c.sessionEnd(), rep)
		}
		if e.o.Progress != nil && !now.Before(nextProgress) {
			e.o.Progress(Progress{Station: e.o.Name, Sat: c.NORAD, Name: c.Name, Start: c.Start, Time: now, FramesRx: rep.FramesRx, Packets: rep.Packets})
			nextProgress = now.Add(60 * time.Second)
		}
		if err := e.waitFrames(ctx, c, rep, min(step, c.End.Sub(now))); err != nil {
			return err
		}
	}
	if !secure || ls.Established(c.NORAD) {
		if link != nil {
			e.flushBundles(link, call, e.o.Clock.Now(), rep, true)
		}
		e.ack(c.NORAD, call, rep)
		e.send(call, proto.APIDSession, []byte{proto.SessionClose}, rep)
	}
	e.gaps(c.NORAD, rep)
	return nil
}

// airtime is how long n information bytes in frames frames take on
// sat's uplink: 30 bytes a frame of AX.25, KISS-free flags and FCS, and a
// twentieth for bit stuffing. A Hello takes 4 s at 9600 bit/s and 32 s at
// 1200, so it is resent only after its Confirm had time to come back.
func (e *Engine) airtime(sat, n, frames int) time.Duration {
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	bits := 8 * float64(n+30*frames) * 1.05
	return time.Duration(bits / rate * float64(time.Second))
}

// waitFrames handles arriving frames for the (virtual) duration d.
func (e *Engine) waitFrames(ctx context.Context, c Contact, rep *Report, d time.Duration) error {
	timer := e.o.Clock.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-e.frames:
			e.handle(b, rep, c.NORAD)
		case <-timer.C:
			return nil
		}
	}
}

// ack acknowledges what was received from sat since the last ack, once
// the sink has made it durable.
func (e *Engine) ack(sat int, call ax25.Address, rep *Report) {
	if e.o.Sink != nil {
		if err := e.o.Sink.Sync(); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: telemetry sink: %v (nothing acknowledged)\n", e.o.Name, err)
			return
		}
	}
	e.mu.Lock()
	rs := e.pending[sat]
	if len(rs) > proto.MaxRanges {
		e.pending[sat] = rs[proto.MaxRanges:]
		rs = rs[:proto.MaxRanges]
	} else {
		delete(e.pending, sat)
	}
	e.mu.Unlock()
	if len(rs) > 0 {
		e.send(call, proto.APIDAck, proto.EncodeAck(rs), rep)
	}

}

func addRange(rs []proto.Range, no uint32) []proto.Range {
	if n := len(rs); n > 0 && rs[n-1].Hi+1 == no {
		rs[n-1].Hi = no
		return rs
	}
	return append(rs, proto.Range{Lo: no, Hi: no})
}

// uplinkCommands sends the satellite's pending commands, again after 10 s
// without a receipt.
func (e *Engine) uplinkCommands(c Contact, call ax25.Address, now time.Time, sentAt map[uint32]time.Time, rep *Report) {
	pend, err := e.o.History.Pending(c.NORAD)
	if err != nil {
		fmt.Fprintf(e.o.Log, "station %s: command history: %v\n", e.o.Name, err)
		return
	}
	if e.o.Claim != nil {
		pend = slices.DeleteFunc(pend, func(cmd *command.Command) bool {
			_, ours := sentAt[cmd.ID]
			return !ours && !e.o.Claim(cmd.ID, c.NORAD, c.End)
		})
	}
	if cc := e.ccsds(c.NORAD); cc != nil {
		cc.uplink(pend, now) // COP-1 sends, and sends again, in order
		return
	}
	for _, cmd := range pend {
		if t, ok := sentAt[cmd.ID]; ok && now.Sub(t) < 10*time.Second {
			continue
		}
		tc := proto.Command{ID: cmd.ID, Opcode: cmd.Opcode, At: cmd.At, Args: cmd.Payload}
		e.send(call, proto.APIDCommand, tc.Encode(), rep)
		if _, again := sentAt[cmd.ID]; !again {
			rep.CommandsSent++
			if cmd.State() == command.Queued {
				if err := e.o.History.Stage(cmd.ID, c.NORAD, command.Sent, now, e.o.Name, ""); err != nil {
					fmt.Fprintf(e.o.Log, "station %s: command history: %v (command %d sent, not recorded as sent)\n", e.o.Name, err, cmd.ID)
				}
			}
		}
		sentAt[cmd.ID] = now
	}
}

func (e *Engine) verification(sat int, a *proto.CmdAck, now time.Time, rep *Report) {
	if e.o.History == nil {
		return
	}
	stage := map[uint8]string{proto.StageReceived: command.Received, proto.StageExecuted: command.Executed, proto.StageFailed: command.Failed}[a.Stage]
	if a.Stage == proto.StageReceived && a.Reason == "duplicate" {
		return
	}
	if err := e.o.History.Stage(a.CmdID, sat, stage, now, e.o.Name, a.Reason); err != nil {
		fmt.Fprintf(e.o.Log, "station %s: command history: %v (command %d %s, not recorded)\n", e.o.Name, err, a.CmdID, stage)
	}
	if rep != nil && command.Final(stage) {
		rep.CommandsVerified++
	}
}

// gaps counts packet numbers missing between the pass's first and last.
func (e *Engine) gaps(sat int, rep *Report) {
	if rep.Packets == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for no := rep.FirstNo; no <= rep.LastNo; no++ {
		if !e.seen[sat][no] {
			rep.Gaps++
		}
	}
}

// linkOpen says whether the downlink closes at now (the session may open).
func (c Contact) linkOpen(now time.Time) bool {
	return (c.LinkFrom.IsZero() || !now.Before(c.LinkFrom)) && (c.LinkTo.IsZero() || now.Before(c.LinkTo))
}

// sessionEnd is the end the session is opened with.
func (c Contact) sessionEnd() time.Time {
	if !c.LinkTo.IsZero() && c.LinkTo.Before(c.End) {
		return c.LinkTo
	}
	return c.End
}
