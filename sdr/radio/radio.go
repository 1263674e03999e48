// Package radio drives a station's rig and rotator through a pass: it
// pre-positions the antenna before AOS, tracks the satellite with a
// deadband along a path that respects the rotator's limits, keeps the rig
// on the Doppler-corrected frequency every Period, and parks after LOS.
// It is the station engine's Radio.
package radio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/rx"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/sdr/track"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
	"github.com/ipgs/ipgs/uplink/station"
)

// Sat is what the radio needs to know of a satellite.
type Sat struct {
	Prop       *sgp4.Propagator
	DownlinkHz float64
	UplinkHz   float64 // 0: no uplink to correct
	Baud       int     // the downlink's, for the SDR: 1200 or 9600 (FM), or BPSK symbols a second
	// Code, for a CCSDS satellite, is its downlink's coding: the SDR
	// receives BPSK and hands the engine transfer frames.
	Code *coding.Code
}

// Duplex modes: how the rig works the uplink.
const (
	RXOnly     = "rx"   // downlink Doppler on the current VFO only
	HalfDuplex = "half" // split: receive on the current VFO, transmit on the split VFO
	FullDuplex = "full" // satellite mode: RXVFO and TXVFO at once (rigctld -o)
)

// Station drives one station's radios. Rig and Rotator may be nil.
type Station struct {
	Rig      *hamlib.Rig
	Rotator  *hamlib.Rotator
	Location geo.Geodetic
	Sats     map[int]Sat
	Clock    clock.Clock
	Period   time.Duration // control loop (default 100 ms)
	Deadband float64       // degrees the antenna may lag before a new command (default 2)
	Park     track.AzEl    // where to leave the antenna after LOS
	Duplex   string        // RXOnly (default), HalfDuplex or FullDuplex
	RXVFO    string        // full duplex; default Main
	TXVFO    string        // full duplex; default Sub
	// SDR, when set, receives every pass's downlink from an rtl_tcp
	// dongle (Addr, Rate, IF, Gain, PPM, Repair; the rest is filled per
	// pass) and hands each frame to Frames.
	SDR    *rx.Config
	Frames func(frame []byte)
	// RecordDir, when set with SDR, keeps each pass as a SigMF
	// recording there, named by satellite and AOS.
	RecordDir string
	Log       io.Writer
	// Offsets are the operator's downlink offsets by satellite (Hz),
	// applied at every pass and updated by the knob and by Manual;
	// OnOffset, if set, is given a copy of them at each change (to keep
	// them).
	Offsets  map[int]float64
	OnOffset func(offsets map[int]float64)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	stats  station.RadioStats
	sdr    *rx.Session
	// lastErr and repeats fold repeated errors into one
	lastErr string
	repeats int
	// the operator's hand: the rotator held (not tracked) until resume
	// or the next pass; a nudge waiting for the tracking loop
	hold  bool
	nudge float64
	sat   int // the pass's satellite (0: none)
}

// look returns the pointing and range rate of sat at t.
func (s *Station) look(sat Sat, topo *geo.Topocentric, t time.Time) (track.AzEl, float64, bool) {
	r, v, err := sat.Prop.At(t)
	if err != nil {
		return track.AzEl{}, 0, false
	}
	re, ve := geo.TEMEToECEF(t, r, v)
	l := topo.Look(re, ve)
	return track.AzEl{Az: l.AzDeg, El: l.ElDeg}, l.RangeRate, true
}

// Prepare plans the antenna path, pre-positions the rotator, tunes the rig
// for AOS and starts tracking; tracking runs until Release.
func (s *Station) Prepare(ctx context.Context, c station.Contact) error {
	sat, ok := s.Sats[c.NORAD]
	if !ok {
		return fmt.Errorf("radio: no orbit for satellite %d", c.NORAD)
	}
	if s.Clock == nil {
		s.Clock = clock.Real{}
	}
	if s.Period <= 0 {
		s.Period = 100 * time.Millisecond
	}
	if s.Deadband <= 0 {
		s.Deadband = 2
	}
	topo := geo.NewTopocentric(s.Location)
	var path track.Path
	var times []time.Time
	var firstErr error
	if s.Rotator != nil {
		l, err := s.Rotator.Limits(ctx)
		if err != nil {
			firstErr = err
		} else {
			var pts []track.AzEl
			for t := c.Start; !t.After(c.End); t = t.Add(5 * time.Second) {
				p, _, ok := s.look(sat, &topo, t)
				if ok {
					pts = append(pts, track.AzEl{Az: p.Az, El: math.Max(p.El, l.MinEl)})
					times = append(times, t)
				}
			}
			path, err = track.PlanPath(pts, track.Limits{MinAz: l.MinAz, MaxAz: l.MaxAz, MinEl: l.MinEl, MaxEl: l.MaxEl})
			if err != nil {
				firstErr = err
			} else if err := s.Rotator.SetPosition(ctx, path.Points[0].Az, path.Points[0].El); err != nil {
				firstErr = err
			}
		}
	}
	rx, tx, err := s.tuners(ctx, sat)
	if err != nil && firstErr == nil {
		firstErr = err
	}
	s.mu.Lock()
	if rx != nil {
		rx.Offset = s.Offsets[c.NORAD] // the operator's offset, kept from earlier passes
	}
	s.hold, s.nudge, s.sat = false, 0, c.NORAD
	s.mu.Unlock()
	// tune for AOS now, so the first frame is heard on frequency
	_, rr, _ := s.look(sat, &topo, c.Start)
	for _, t := range []*track.Tuner{rx, tx} {
		if t == nil {
			continue
		}
		if _, err := t.Step(ctx, rr); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sess, err := s.listen(lctx, c, sat)
	if err != nil && firstErr == nil {
		firstErr = err
	}
	s.mu.Lock()
	s.sdr = sess
	s.cancel, s.done = cancel, make(chan struct{})
	s.stats = station.RadioStats{}
	s.lastErr, s.repeats = "", 0
	if firstErr != nil {
		s.stats.Errors = append(s.stats.Errors, firstErr.Error())
	}
	done := s.done
	s.mu.Unlock()
	go func() {
		defer close(done)
		s.loop(lctx, c, sat, &topo, path, times, rx, tx)
	}()
	return firstErr
}

// loop tracks until cancelled.
func (s *Station) loop(ctx context.Context, c station.Contact, sat Sat, topo *geo.Topocentric, path track.Path, times []time.Time, tuner, tx *track.Tuner) {
	var last track.AzEl
	haveLast := false
	var errSum float64
	var errN int
	for ctx.Err() == nil {
		now := s.Clock.Now()
		s.mu.Lock()
		hold, nudge := s.hold, s.nudge
		s.nudge = 0
		s.mu.Unlock()
		if tuner != nil && nudge != 0 {
			tuner.Offset += nudge
		}
		if len(path.Points) > 0 && !now.Before(c.Start) && !now.After(c.End) && !hold {
			want := interp(path.Points, times, now)
			if !haveLast || math.Max(math.Abs(want.Az-last.Az), math.Abs(want.El-last.El)) > s.Deadband/2 {
				if err := s.Rotator.SetPosition(ctx, want.Az, want.El); err != nil {
					s.note(err)
				} else {
					last, haveLast = want, true
				}
			}
			if az, el, err := s.Rotator.Position(ctx); err == nil {
				e := separation(track.AzEl{Az: az, El: el}, want)
				s.mu.Lock()
				s.stats.PointingErrMaxDeg = math.Max(s.stats.PointingErrMaxDeg, e)
				s.mu.Unlock()
				errSum += e
				errN++
			} else {
				s.note(err)
			}
		}
		if tuner != nil && !now.After(c.End) {
			_, rr, _ := s.look(sat, topo, now)
			if _, err := tuner.Step(ctx, rr); err != nil {
				s.note(err)
			}
			s.mu.Lock()
			s.stats.Retunes = tuner.Sets
			s.stats.DopplerMaxHz = math.Max(s.stats.DopplerMaxHz, math.Abs(geo.DownlinkHz(sat.DownlinkHz, rr)-sat.DownlinkHz))
			s.stats.OperatorOffsetHz = tuner.Offset
			s.mu.Unlock()
		}
		if tx != nil && !now.After(c.End) {
			_, rr, _ := s.look(sat, topo, now)
			if _, err := tx.Step(ctx, rr); err != nil {
				s.note(err)
			}
			s.mu.Lock()
			s.stats.UplinkRetunes = tx.Sets
			s.stats.UplinkDopplerMaxHz = math.Max(s.stats.UplinkDopplerMaxHz, math.Abs(geo.UplinkHz(sat.UplinkHz, rr)-sat.UplinkHz))
			s.mu.Unlock()
		}
		if errN > 0 {
			s.mu.Lock()
			s.stats.PointingErrMeanDeg = errSum / float64(errN)
			s.mu.Unlock()
		}
		if s.Clock.Sleep(ctx, time.Duration(float64(s.Period)*s.Clock.Factor())) != nil {
			return
		}
	}
}

func (s *Station) note(err error) {
	if err == nil || errors.Is(err, context.Canceled) { // our own Release or shutdown, not a fault
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// the same error again (a rig that is gone fails every 100 ms) is
	// counted on its first report instead of repeated
	msg := err.Error()
	if n := len(s.stats.Errors); n > 0 && (s.lastErr == msg) {
		s.repeats++
		s.stats.Errors[n-1] = fmt.Sprintf("%s (%d times)", msg, s.repeats+1)
		return
	}
	s.lastErr, s.repeats = msg, 0
	if len(s.stats.Errors) < 20 {
		s.stats.Errors = append(s.stats.Errors, msg)
	}
	if s.Log != nil {
		fmt.Fprintln(s.Log, "radio:", err)
	}
}

// Doppler returns the predicted shift of sat's downlink as heard at loc,
// Hz, at any time (0 where the orbit cannot be propagated).
func Doppler(sat Sat, loc geo.Geodetic) func(time.Time) float64 {
	topo := geo.NewTopocentric(loc)
	return func(t time.Time) float64 {
		r, v, err := sat.Prop.At(t)
		if err != nil {
			return 0
		}
		re, ve := geo.TEMEToECEF(t, r, v)
		return geo.DownlinkHz(sat.DownlinkHz, topo.Look(re, ve).RangeRate) - sat.DownlinkHz
	}
}

// listen starts the pass's SDR session, if there is an SDR.
func (s *Station) listen(ctx context.Context, c station.Contact, sat Sat) (*rx.Session, error) {
	if s.SDR == nil || sat.DownlinkHz <= 0 {
		return nil, nil
	}
	cfg := *s.SDR
	cfg.Freq = sat.DownlinkHz
	cfg.Baud = cmp.Or(sat.Baud, 9600)
	cfg.Code = sat.Code
	cfg.Clock = s.Clock
	cfg.Log = cmp.Or(cfg.Log, s.Log)
	cfg.Doppler = Doppler(sat, s.Location)
	if s.RecordDir != "" {
		if err := os.MkdirAll(s.RecordDir, 0o755); err != nil {
			return nil, err
		}
		cfg.Record = filepath.Join(s.RecordDir, fmt.Sprintf("%d-%s%s", c.NORAD, c.Start.UTC().Format("20060102T150405Z"), sigmf.Ext))
	}
	return rx.Start(ctx, cfg, func(f rx.Frame) {
		if s.Frames != nil {
			s.Frames(f.Data)
		}
	})
}

// tuners sets the rig up for the duplex mode and returns the downlink and
// uplink tuners (nil where there is nothing to tune).
func (s *Station) tuners(ctx context.Context, sat Sat) (rx, tx *track.Tuner, err error) {
	if s.Rig == nil {
		return nil, nil, nil
	}
	switch s.Duplex {
	case "", RXOnly:
		if sat.DownlinkHz > 0 {
			rx = &track.Tuner{Rig: s.Rig, Nominal: sat.DownlinkHz}
		}
	case HalfDuplex:
		if sat.DownlinkHz > 0 {
			rx = &track.Tuner{Rig: s.Rig, Nominal: sat.DownlinkHz}
		}
		if sat.UplinkHz > 0 {
			if err := s.Rig.SetSplit(ctx, true, "VFOB"); err != nil {
				return rx, nil, err
			}
			tx = &track.Tuner{Rig: s.Rig.SplitTX(), Nominal: sat.UplinkHz, Uplink: true}
		}
	case FullDuplex:
		on, err := s.Rig.VFOMode(ctx)
		if err != nil {
			return nil, nil, err
		}
		if !on {
			return nil, nil, fmt.Errorf("radio: full duplex drives two VFOs at once and needs rigctld in VFO mode (-o)")
		}
		rxv, txv := cmp.Or(s.RXVFO, "Main"), cmp.Or(s.TXVFO, "Sub")
		if sat.DownlinkHz > 0 {
			rx = &track.Tuner{Rig: s.Rig.On(rxv), Nominal: sat.DownlinkHz}
		}
		if sat.UplinkHz > 0 {
			tx = &track.Tuner{Rig: s.Rig.On(txv), Nominal: sat.UplinkHz, Uplink: true}
		}
	default:
		return nil, nil, fmt.Errorf("radio: duplex %q: want rx, half or full", s.Duplex)
	}
	return rx, tx, nil
}

// Release stops tracking and parks the antenna.
func (s *Station) Release(ctx context.Context, c station.Contact) error {
	s.mu.Lock()
	cancel, done, sess := s.cancel, s.done, s.sdr
	s.sdr = nil
	s.mu.Unlock()
	if sess != nil {
		err := sess.Close()
		st := sess.Stats()
		s.mu.Lock()
		s.stats.SDRFrames, s.stats.SDRRepaired, s.stats.SDRRetunes = st.Frames, st.Repaired, st.Retunes
		s.stats.SDRFLLHz, s.stats.SDRRecording = st.FLLHz, st.Recording
		s.stats.DopplerMaxHz = math.Max(s.stats.DopplerMaxHz, st.DopplerMaxHz)
		s.mu.Unlock()
		if err != nil {
			s.note(err)
		} else if st.Err != "" {
			s.note(errors.New(st.Err + " (it came back)"))
		}
	}
	if cancel != nil {
		cancel()
		<-done
	}
	s.mu.Lock()
	off, norad, hold := s.stats.OperatorOffsetHz, s.sat, s.hold
	s.sat = 0
	changed := norad != 0 && s.Rig != nil && off != s.Offsets[norad]
	var kept map[int]float64
	if changed {
		if s.Offsets == nil {
			s.Offsets = map[int]float64{}
		}
		s.Offsets[norad] = off
		kept = maps.Clone(s.Offsets)
	}
	s.mu.Unlock()
	if changed && s.OnOffset != nil {
		s.OnOffset(kept) // the knob or a nudge: kept for the next pass
	}
	if s.Rotator != nil && !hold {
		if err := s.Rotator.SetPosition(ctx, s.Park.Az, s.Park.El); err != nil {
			s.note(err)
			return err
		}
	}
	return nil
}

// Manual carries out an operator's action (station.Manual): the rotator
// parked, stopped or pointed (and then held, not tracked, until resume or
// the next pass), the downlink nudged for this pass, or a satellite's
// offset set for this pass and the next ones.
func (s *Station) Manual(ctx context.Context, m station.Manual) error {
	if err := m.Check(); err != nil {
		return err
	}
	if s.Log != nil {
		fmt.Fprintf(s.Log, "radio: %s by %s (az %g el %g, %g Hz, satellite %d)\n", m.Action, cmp.Or(m.Operator, "an operator"), m.Az, m.El, m.Hz, m.Sat)
	}
	rot := func(f func(r *hamlib.Rotator) error) error {
		if s.Rotator == nil {
			return fmt.Errorf("radio: this station has no rotator")
		}
		s.mu.Lock()
		s.hold = true
		s.mu.Unlock()
		return f(s.Rotator)
	}
	switch m.Action {
	case "park":
		return rot(func(r *hamlib.Rotator) error { return r.Park(ctx) })
	case "stop":
		return rot(func(r *hamlib.Rotator) error { return r.Stop(ctx) })
	case "point":
		return rot(func(r *hamlib.Rotator) error { return r.SetPosition(ctx, m.Az, m.El) })
	case "resume":
		s.mu.Lock()
		s.hold = false
		s.mu.Unlock()
		return nil
	case "nudge":
		if s.Rig == nil {
			return fmt.Errorf("radio: this station has no rig")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.sat == 0 {
			return fmt.Errorf("radio: no pass in progress to nudge (set a satellite's offset instead)")
		}
		s.nudge += m.Hz
		return nil
	case "offset":
		s.mu.Lock()
		if s.Offsets == nil {
			s.Offsets = map[int]float64{}
		}
		delta := m.Hz - s.Offsets[m.Sat]
		s.Offsets[m.Sat] = m.Hz
		if s.sat == m.Sat {
			s.nudge += delta // this pass too
		}
		kept := maps.Clone(s.Offsets)
		s.mu.Unlock()
		if s.OnOffset != nil {
			s.OnOffset(kept)
		}
		return nil
	}
	return nil
}

// RadioStats reports the last pass.
func (s *Station) RadioStats() station.RadioStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Errors = append([]string(nil), st.Errors...)
	return st
}

// interp returns the path point at t (linear between samples).
func interp(pts []track.AzEl, times []time.Time, t time.Time) track.AzEl {
	if !t.After(times[0]) {
		return pts[0]
	}
	for i := 1; i < len(times); i++ {
		if !t.After(times[i]) {
			u := t.Sub(times[i-1]).Seconds() / times[i].Sub(times[i-1]).Seconds()
			return track.AzEl{Az: pts[i-1].Az + u*(pts[i].Az-pts[i-1].Az), El: pts[i-1].El + u*(pts[i].El-pts[i-1].El)}
		}
	}
	return pts[len(pts)-1]
}

// separation is the angle between two pointings (degrees), azimuth in any
// turn (rotator coordinates may exceed 360).
func separation(a, b track.AzEl) float64 {
	ra, rb := a.Az*math.Pi/180, b.Az*math.Pi/180
	ea, eb := a.El*math.Pi/180, b.El*math.Pi/180
	c := math.Sin(ea)*math.Sin(eb) + math.Cos(ea)*math.Cos(eb)*math.Cos(ra-rb)
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}
