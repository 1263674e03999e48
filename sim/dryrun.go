package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/proc"
)

// DryRunOptions configure a procedure's dry run.
type DryRunOptions struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements
	Dictionary *command.Dictionary
	Telemetry  *dict.Dictionary
	Sat        int
	Name       string // the procedure's file name
	Source     []byte
	Operator   string
	Start      time.Time
	Duration   time.Duration // the longest the procedure may take (the day flown)
	Speed      float64
	DataDir    string // a folder of its own: the dry run's history, telemetry, stores
	Out        io.Writer
}

// DryRun flies the emulator and every station in this process, on an
// accelerated clock, and runs the procedure against them as it would run
// against the constellation: its commands go up at the passes, their
// verifications and the telemetry come down. The day ends when the
// procedure does.
func DryRun(ctx context.Context, o DryRunOptions) (*proc.Result, error) {
	var name string
	for _, sc := range o.Mission.Satellites {
		if sc.NORAD == o.Sat {
			name = sc.Name
		}
	}
	if name == "" {
		return nil, fmt.Errorf("satellite %d is not in the mission", o.Sat)
	}
	if err := proc.Check(o.Name, o.Source); err != nil {
		return nil, err
	}
	store, err := telemetry.OpenStore(filepath.Join(o.DataDir, "telemetry"), o.Telemetry)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	var latest proc.Latest
	store.OnDecoded = func(p *telemetry.Packet, d *dict.Decoded) {
		telemetry.Readings(p, d, func(r telemetry.Reading) { latest.Record(r.Sat, r.Packet, r.Field, r.Value, r.At) })
	}
	clk := clock.NewScaled(o.Start, o.Speed)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var res *proc.Result
	var perr error
	done := make(chan struct{})
	started := false
	_, err = RunDay(ctx, DayOptions{
		Mission: o.Mission, Elements: o.Elements, Dictionary: o.Dictionary, Start: o.Start, Duration: o.Duration, Speed: o.Speed, Clock: clk,
		DataDir: o.DataDir, Seed: uint64(o.Start.Unix()), InMemory: true, Telemetry: store,
		Queue: func(h *command.History, d *command.Dictionary) error {
			started = true
			env := proc.Env{History: h, Dict: d, Sat: o.Sat, SatName: name, Latest: latest.Get, After: latest.After, Clock: clk, Operator: o.Operator, Out: o.Out}
			go func() { // joined below: done
				defer close(done)
				res, perr = proc.Run(ctx, env, o.Name, o.Source)
				cancel() // the procedure is over: so is the day
			}()
			return nil
		},
	})
	cancel()
	if started {
		<-done
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, perr
}
