package control

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/uplink/command"
)

// request answers one request: who asks is the subject's user token
// (the server lets a user publish requests under its own name only).
func (s *Service) request(ctx context.Context, m *nats.Msg) {
	parts := strings.Split(m.Subject, ".")
	if len(parts) != 4 {
		return
	}
	who, verb := parts[2], parts[3]
	var req Request
	if err := json.Unmarshal(m.Data, &req); err != nil {
		s.answer(m, "", Reply{Error: "not a request: " + err.Error()})
		return
	}
	key := who + "/" + verb + "/" + req.ID
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.answers[key]; ok && req.ID != "" {
		m.Respond(a) // asked again: the same answer, done once
		return
	}
	role := s.cfg.Roster.Role(who)
	if !May(role, verb) {
		why := fmt.Sprintf("%s (%s) may not %s", who, cmp.Or(string(role), "no role"), verb)
		if verbs[verb] == nil {
			why = fmt.Sprintf("no request %q", verb)
		}
		s.audit(ctx, Audit{Who: who, Role: role, Verb: verb, What: describe(verb, &req), Outcome: "refused", Reason: why})
		s.answer(m, key, Reply{Error: why})
		return
	}
	body, err := s.do(ctx, who, role, verb, &req)
	rep := Reply{OK: err == nil}
	if err != nil {
		rep.Error = err.Error()
	} else if body != nil {
		rep.Body, _ = json.Marshal(body)
	}
	if verb != VerbClaim || err == nil && body.(Claimed).Granted {
		out := Audit{Who: who, Role: role, Verb: verb, What: describe(verb, &req), Outcome: "done"}
		if err != nil {
			out.Outcome, out.Reason = "refused", err.Error()
		}
		if q, ok := body.(Queued); ok {
			out.What = fmt.Sprintf("command %d: %s", q.ID, out.What)
		}
		s.audit(ctx, out)
	}
	s.answer(m, key, rep)
}

func (s *Service) answer(m *nats.Msg, key string, rep Reply) {
	b, _ := json.Marshal(rep)
	if key != "" {
		s.answers[key] = b
		s.order = append(s.order, key)
		if len(s.order) > 100000 {
			delete(s.answers, s.order[0])
			s.order = s.order[1:]
		}
	}
	m.Respond(b)
}

func describe(verb string, r *Request) string {
	switch verb {
	case VerbQueue:
		if c := r.Command; c != nil {
			return fmt.Sprintf("%s for %d %s", c.Name, c.Sat, strings.Join(c.Args, " "))
		}
	case VerbCancel:
		return fmt.Sprintf("command %d: %s", r.CmdID, r.Reason)
	case VerbClaim:
		return fmt.Sprintf("command %d for %d until %s", r.CmdID, r.Sat, r.Until.UTC().Format("2006-01-02T15:04:05Z"))
	case VerbAck:
		return "alarm " + r.Alarm
	case VerbPin:
		var ps []string
		for _, p := range r.Pins {
			ps = append(ps, fmt.Sprintf("%d@%s %s", p.Sat, p.Station, p.Start.UTC().Format("2006-01-02T15:04:05Z")))
		}
		return "pins " + strings.Join(ps, ", ")
	case VerbReplan:
		return r.Reason
	}
	return ""
}

// do carries out an allowed request. Callers hold s.mu.
func (s *Service) do(ctx context.Context, who string, role Role, verb string, r *Request) (any, error) {
	now := s.cfg.Clock.Now().UTC()
	switch verb {
	case VerbQueue:
		if r.Command == nil || r.Command.Sat <= 0 || r.Command.Name == "" {
			return nil, fmt.Errorf("a command needs a satellite and a name")
		}
		rec := *r.Command
		rec.ID, rec.Stage, rec.Time, rec.Operator, rec.Station = 0, command.Queued, now, who, ""
		b, _ := json.Marshal(CmdMsg{Kind: "queued", Record: rec})
		ack, err := s.cfg.Client.js.Publish(ctx, fmt.Sprintf("ipgs.cmd.%d", rec.Sat), b, jetstream.WithMsgID("q-"+who+"-"+r.ID))
		if err != nil {
			return nil, fmt.Errorf("not queued: %w", err)
		}
		if s.cmds[uint32(ack.Sequence)] == nil {
			s.cmds[uint32(ack.Sequence)] = &cmdState{sat: rec.Sat}
		}
		return Queued{ID: uint32(ack.Sequence)}, nil
	case VerbCancel:
		c := s.cmds[r.CmdID]
		switch {
		case c == nil:
			return nil, fmt.Errorf("no command %d", r.CmdID)
		case c.cancelled:
			return nil, nil
		case c.sent || c.holder != "":
			return nil, fmt.Errorf("command %d is already being sent (by %s)", r.CmdID, cmp.Or(c.holder, "a station"))
		}
		rec := command.Record{ID: r.CmdID, Sat: c.sat, Stage: command.Cancelled, Time: now, Operator: who, Reason: r.Reason}
		if err := s.cfg.Client.publish(ctx, fmt.Sprintf("ipgs.cmd.%d", c.sat), CmdMsg{Kind: "cancelled", Record: rec}, "c-"+who+"-"+r.ID); err != nil {
			return nil, err
		}
		c.cancelled = true
		return nil, nil
	case VerbClaim:
		c := s.cmds[r.CmdID]
		switch {
		case c == nil:
			return nil, fmt.Errorf("no command %d", r.CmdID)
		case c.cancelled:
			return nil, fmt.Errorf("command %d was cancelled", r.CmdID)
		case c.onboard:
			return nil, fmt.Errorf("command %d is onboard", r.CmdID)
		case c.sat != r.Sat:
			return nil, fmt.Errorf("command %d is for %d, not %d", r.CmdID, c.sat, r.Sat)
		case c.holder != "" && c.holder != who && now.Before(c.until):
			return Claimed{Holder: c.holder, Until: c.until}, nil
		}
		if c.holder == who && !r.Until.After(c.until) {
			return Claimed{Granted: true, Holder: who, Until: c.until}, nil
		}
		rec := command.Record{ID: r.CmdID, Sat: c.sat}
		if err := s.cfg.Client.publish(ctx, fmt.Sprintf("ipgs.cmd.%d", c.sat), CmdMsg{Kind: "claim", Record: rec, Holder: who, Until: r.Until}, "k-"+who+"-"+r.ID); err != nil {
			return nil, err
		}
		c.holder, c.until = who, r.Until
		return Claimed{Granted: true, Holder: who, Until: r.Until}, nil
	case VerbAck:
		if r.Alarm == "" {
			return nil, fmt.Errorf("which alarm?")
		}
		ack := struct {
			Alarm string    `json:"alarm"`
			By    string    `json:"by"`
			Time  time.Time `json:"time"`
		}{r.Alarm, who, now}
		return nil, s.cfg.Client.publish(ctx, "ipgs.alarmack", ack, "a-"+who+"-"+r.ID)
	case VerbPin:
		if len(r.Pins) == 0 {
			return nil, fmt.Errorf("no pins")
		}
		return nil, s.replanLocked(ctx, r.Pins, who, describe(verb, r))
	case VerbReplan:
		return nil, s.replanLocked(ctx, nil, who, cmp.Or(r.Reason, "asked"))
	}
	return nil, fmt.Errorf("no request %q", verb)
}
