package proc

import (
	"context"
	"time"

	"github.com/ipgs/ipgs/uplink/station/status"
)

// Watch keeps l up to date from running stations' status endpoints
// (ipgs station run --status): every poll of the wall clock it reads each
// station's latest values, until ctx ends. Stations that do not answer
// are tried again at the next poll; errors go to problem (nil: dropped).
func Watch(ctx context.Context, stations []*status.Client, l *Latest, poll time.Duration, problem func(addr string, err error)) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for _, c := range stations {
			s, err := c.Snapshot(ctx)
			if err != nil {
				if problem != nil && ctx.Err() == nil {
					problem(c.Addr, err)
				}
				continue
			}
			for _, v := range s.Values {
				l.Record(v.Sat, v.Packet, v.Field, v.Value, v.At)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
