package passes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
)

// Options are the inputs of `ipgs passes`.
type Options struct {
	Elements   []*tle.Elements // the satellites, in output order
	Stations   []mission.Station
	Start      time.Time
	Duration   time.Duration
	Format     string         // table, csv or json
	Location   *time.Location // table times; nil = UTC
	StaleAfter time.Duration  // element sets older than this at Start are marked
	Workers    int
	Out, Log   io.Writer
}

// Run predicts and writes passes. Satellites whose elements cannot be
// propagated, or that decay in the window, are reported on Log one line
// each and the others are still written; the returned error then says how
// many were affected.
func Run(ctx context.Context, o Options) error {
	if o.Duration <= 0 {
		return mission.BadInput(fmt.Errorf("window length %v is not positive", o.Duration))
	}
	if len(o.Stations) == 0 {
		return mission.BadInput(errors.New("no stations"))
	}
	w, err := NewWriter(o.Out, o.Format, o.Location)
	if err != nil {
		return mission.BadInput(err)
	}
	var props []*sgp4.Propagator
	var elems []*tle.Elements
	bad := 0
	for _, e := range o.Elements {
		p, err := sgp4.New(e)
		if err != nil {
			fmt.Fprintf(o.Log, "ipgs: satellite %s: %v\n", e.Label(), err)
			bad++
			continue
		}
		props = append(props, p)
		elems = append(elems, e)
	}
	stale := make([]bool, len(elems))
	for i, e := range elems {
		if o.StaleAfter > 0 && e.Age(o.Start) > o.StaleAfter {
			stale[i] = true
			fmt.Fprintf(o.Log, "ipgs: warning: satellite %s: element set is %.1f days old at the window start (epoch %s)\n",
				e.Label(), e.Age(o.Start).Hours()/24, e.Epoch.Format(time.RFC3339))
		}
		if e.Age(o.Start) < -o.StaleAfter && o.StaleAfter > 0 {
			fmt.Fprintf(o.Log, "ipgs: warning: satellite %s: element set epoch %s is %.1f days after the window start\n",
				e.Label(), e.Epoch.Format(time.RFC3339), -e.Age(o.Start).Hours()/24)
		}
	}
	decayed, written := 0, 0
	// CSV rows are made on the workers; the other formats here
	var render func(*SatResult) []byte
	cw, _ := w.(*csvWriter)
	if cw != nil {
		render = func(r *SatResult) []byte {
			b := make([]byte, 0, len(r.Passes)*112) // a row is 100-112 bytes
			for i := range r.Passes {
				p := &r.Passes[i]
				b = AppendCSV(b, p, o.Stations[p.Station].Name)
			}
			return b
		}
	}
	err = StreamText(ctx, props, o.Stations, o.Start, o.Duration, o.Workers, render, func(r SatResult) error {
		written += len(r.Passes)
		if cw != nil {
			if err := cw.writeText(r.Text); err != nil {
				return err
			}
		} else {
			for i := range r.Passes {
				p := &r.Passes[i]
				if err := w.Write(p, elems[r.Index].Name, o.Stations[p.Station].Name, stale[r.Index]); err != nil {
					return err
				}
			}
		}
		if r.Err != nil {
			decayed++
			fmt.Fprintf(o.Log, "ipgs: satellite %s: passes end early: %v\n", elems[r.Index].Label(), r.Err)
		}
		return nil
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if bad > 0 {
		return mission.BadInput(fmt.Errorf("%d satellite(s) could not be propagated", bad))
	}
	// decay is a fact of the orbit, not an error of the run, unless no
	// satellite could be followed at all: then nothing usable came out
	if decayed > 0 && decayed == len(props) && written == 0 {
		return mission.BadInput(fmt.Errorf("no satellite could be propagated in the window from %s (decayed, or elements far from their epoch): no passes", o.Start.Format(time.RFC3339)))
	}
	return nil
}
