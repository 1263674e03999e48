package passes

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// SatResult is the outcome for one satellite.
type SatResult struct {
	Index  int // position in the satellite list
	Passes []Pass
	Err    error  // non-nil when the orbit could not be followed to the window end
	Text   []byte // what the render function of StreamText made of it
}

// Stream computes passes satellite by satellite on all cores and hands the
// results to emit in list order, keeping at most a few satellites' results
// in memory: output can start before the search ends and memory does not
// grow with the number of passes. It stops at the first error emit returns
// or when ctx is done.
func Stream(ctx context.Context, props []*sgp4.Propagator, stations []mission.Station, start time.Time, window time.Duration, workers int, emit func(SatResult) error) error {
	return StreamText(ctx, props, stations, start, window, workers, nil, emit)
}

// StreamText is Stream with a render step run on the worker that found a
// satellite's passes, its output handed to emit in SatResult.Text: output
// formatting then uses every core instead of the one emit runs on.
func StreamText(ctx context.Context, props []*sgp4.Propagator, stations []mission.Station, start time.Time, window time.Duration, workers int,
	render func(*SatResult) []byte, emit func(SatResult) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sts := prepareStations(stations)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan int)
	results := make([]chan SatResult, len(props))
	for i := range results {
		results[i] = make(chan SatResult, 1)
	}
	// ahead bounds how far workers may run ahead of the writer
	ahead := make(chan struct{}, 4*workers)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := new(scratch)
			size := 0
			for i := range jobs {
				ps := make([]Pass, 0, size)
				err := search(props[i], i, sts, start, window.Seconds(), sc, func(p Pass) { ps = append(ps, p) })
				size = max(size, len(ps))
				r := SatResult{Index: i, Passes: ps, Err: err}
				if render != nil {
					r.Text = render(&r)
				}
				results[i] <- r
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range props {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for i := range props {
		var r SatResult
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
		<-ahead
		if err = emit(r); err != nil {
			break
		}
	}
	cancel()
	wg.Wait()
	return err
}
