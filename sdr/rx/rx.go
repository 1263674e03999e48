// Package rx receives a satellite's downlink from an rtl_tcp dongle: it
// tunes the dongle a fixed distance below the downlink, removes the
// predicted Doppler with the receive chain's NCO as the pass goes on
// (refined by its frequency-locked loop), demodulates, and hands over
// every AX.25 frame. It can record the pass as SigMF with the decoded
// frames as annotations. A dropped dongle connection is redialled until
// the session ends.
package rx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/rtltcp"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

// Defaults.
const (
	DefaultRate = 250000 // samples per second
	DefaultIF   = 50000  // Hz the dongle is tuned below the downlink
)

// Config is one receive session's.
type Config struct {
	Addr string  // rtl_tcp host:port
	Freq float64 // the downlink's nominal frequency, Hz
	Baud int     // 1200 (AFSK) or 2400 to 19200 (G3RUH) over FM; with Code, BPSK symbols a second
	// Code, when set, makes the downlink CCSDS frames over BPSK, coded
	// so: the session demodulates BPSK and hands over transfer frames.
	Code *coding.Code
	Rate float64 // samples per second; DefaultRate if zero
	// IF is how far below Freq the dongle is tuned, so its DC spike and
	// the Doppler swing stay apart; DefaultIF if zero.
	IF float64
	// Retune is how far the predicted Doppler may move from the one the
	// dongle was last tuned for before it is tuned again (default a
	// tenth of Rate): at VHF and UHF the NCO alone follows a whole pass;
	// at S band the dongle steps along with it.
	Retune float64
	Gain   float64 // tuner gain, dB; 0 for automatic
	PPM    int     // the dongle's frequency correction
	Repair int     // FCS repair: flip up to this many weak bits (0, 1, 2)
	// Doppler is the predicted shift at t, Hz (nil: none, as for a
	// terrestrial signal).
	Doppler func(t time.Time) float64
	Clock   clock.Clock // for Doppler and frame times; clock.Real if nil
	// Record, when set, is a .sigmf-meta path: the samples are recorded
	// as cu8 beside it and each decoded frame is annotated.
	Record string
	Log    io.Writer
}

// Frame is one frame received.
type Frame struct {
	Data     []byte // AX.25 without FCS
	Time     time.Time
	Repaired int     // bits flipped to pass the FCS
	ShiftHz  float64 // Doppler plus the FLL's correction when it ended
}

// String is the frame in TNC2 monitor format (or hex if it is not AX.25).
func (f Frame) String() string {
	if a, err := ax25.Decode(f.Data, false); err == nil {
		return a.String()
	}
	return fmt.Sprintf("% x", f.Data)
}

// Stats is a session's running account.
type Stats struct {
	Frames       int     `json:"frames"`
	Retunes      int     `json:"retunes,omitempty"` // dongle retuned to follow the Doppler
	Repaired     int     `json:"repaired,omitempty"`
	Samples      int64   `json:"samples"`
	DopplerHz    float64 `json:"doppler_hz"`     // the predicted shift now
	DopplerMaxHz float64 `json:"doppler_max_hz"` // largest predicted shift
	FLLHz        float64 `json:"fll_hz"`         // the loop's correction on top
	Reconnects   int     `json:"reconnects,omitempty"`
	Recording    string  `json:"recording,omitempty"`
	Err          string  `json:"error,omitempty"` // the last connection error
}

// Session is a running receive session.
type Session struct {
	cfg    Config
	emit   func(Frame)
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	stats Stats
	err   error // the first error that ended or spoiled the session
}

// Start dials the dongle, tunes it and receives until ctx ends or Close.
// emit is called from the session's goroutine for every frame.
func Start(ctx context.Context, cfg Config, emit func(Frame)) (*Session, error) {
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.IF == 0 {
		cfg.IF = DefaultIF
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Retune == 0 {
		cfg.Retune = cfg.Rate / 10
	}
	if cfg.Code == nil && cfg.Baud != 1200 && (cfg.Baud < modem.MinG3RUHBaud || cfg.Baud > modem.MaxG3RUHBaud) {
		return nil, fmt.Errorf("rx: %d baud: want 1200 (AFSK) or %d to %d (G3RUH)", cfg.Baud, modem.MinG3RUHBaud, modem.MaxG3RUHBaud)
	}
	if cfg.Code != nil {
		if err := cfg.Code.Check(); err != nil {
			return nil, fmt.Errorf("rx: %w", err)
		}
		if cfg.Baud <= 0 || 4*float64(cfg.Baud) > cfg.Rate {
			return nil, fmt.Errorf("rx: BPSK at %d baud in %.0f samples per second", cfg.Baud, cfg.Rate)
		}
	}
	if cfg.Freq <= 0 {
		return nil, fmt.Errorf("rx: no downlink frequency")
	}
	if cfg.IF+iq.DefaultDeviation+7200+12000 > cfg.Rate/2 {
		return nil, fmt.Errorf("rx: IF %.0f Hz does not fit in %.0f samples per second with room for the channel and its Doppler", cfg.IF, cfg.Rate)
	}
	centre := cfg.centre()
	c, err := dial(ctx, cfg, centre)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Session{cfg: cfg, emit: emit, cancel: cancel, done: make(chan struct{})}
	var w *sigmf.Writer
	if cfg.Record != "" {
		if w, err = sigmf.Create(cfg.Record, sigmf.CU8, cfg.Rate); err != nil {
			c.Close()
			cancel()
			return nil, err
		}
		w.Meta.Global.Description = fmt.Sprintf("downlink %.0f Hz, %d baud, tuned %.0f Hz below it", cfg.Freq, cfg.Baud, cfg.IF)
		w.Capture(centre, cfg.Clock.Now())
		s.stats.Recording = cfg.Record
	}
	go func() {
		defer close(s.done)
		s.run(ctx, c, w, centre)
	}()
	return s, nil
}

// centre is where to tune the dongle now: IF below the downlink with
// its predicted Doppler, to the hertz.
func (cfg *Config) centre() float64 {
	var d float64
	if cfg.Doppler != nil {
		d = cfg.Doppler(cfg.Clock.Now())
	}
	return math.Round(cfg.Freq + d - cfg.IF)
}

// dial connects and tunes the dongle to centre.
func dial(ctx context.Context, cfg Config, centre float64) (*rtltcp.Client, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := rtltcp.Dial(dctx, cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("rx: rtl_tcp %s: %w", cfg.Addr, err)
	}
	for _, err := range []error{
		c.SetRate(cfg.Rate),
		c.Tune(centre),
		c.SetGain(cfg.Gain, cfg.Gain == 0),
		c.SetPPM(cfg.PPM),
	} {
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("rx: rtl_tcp %s: %w", cfg.Addr, err)
		}
	}
	return c, nil
}

// run reads and demodulates until ctx ends, redialling a dropped dongle.
func (s *Session) run(ctx context.Context, c *rtltcp.Client, w *sigmf.Writer, centre float64) {
	cfg := s.cfg
	var rx *iq.Receiver
	opt := modem.Options{Repair: cfg.Repair, Emit: func(f modem.Frame) {
		now := cfg.Clock.Now()
		s.mu.Lock()
		s.stats.Frames++
		if f.Repaired > 0 {
			s.stats.Repaired++
		}
		shift := s.stats.DopplerHz + s.stats.FLLHz
		s.mu.Unlock()
		if w != nil {
			at := int64(float64(f.Sample) * cfg.Rate / rx.AudioRate())
			dur := int64(float64(8*(len(f.Data)+2+16)) / float64(cfg.Baud) * cfg.Rate)
			half := iq.DefaultDeviation + 2400.0
			if cfg.Baud > 1200 {
				half = iq.DefaultDeviation + 0.75*float64(cfg.Baud)
			}
			w.Annotate(sigmf.Annotation{SampleStart: max(0, at-dur), SampleCount: dur,
				FreqLower: cfg.Freq + shift - half, FreqUpper: cfg.Freq + shift + half,
				Label: Frame{Data: f.Data}.String(), Generator: "ipgs",
				Comment: fmt.Sprintf("AX.25 at %d baud, %d bits repaired, Doppler %+.0f Hz", cfg.Baud, f.Repaired, shift)})
		}
		if s.emit != nil {
			s.emit(Frame{Data: f.Data, Time: now, Repaired: f.Repaired, ShiftHz: shift})
		}
	}}
	var err error
	var recv receiver
	if cfg.Code != nil {
		recv, err = iq.NewPSKReceiver(iq.PSKConfig{Rate: cfg.Rate, Baud: float64(cfg.Baud), Offset: cfg.IF, Code: *cfg.Code, Emit: s.pskFrame(w)})
	} else {
		rx, err = iq.NewReceiver(iq.Config{Rate: cfg.Rate, Offset: cfg.IF, Baud: cfg.Baud, FLL: true, Modem: opt})
		recv = fmReceiver{rx}
	}
	if err != nil { // checked by Start's bounds; kept for safety
		s.fail(err)
		c.Close()
		return
	}
	closeOnEnd := func(c *rtltcp.Client) func() bool { return context.AfterFunc(ctx, func() { c.Close() }) }
	stop := closeOnEnd(c)
	buf := make([]complex64, 1<<13)
	for {
		var d float64
		if cfg.Doppler != nil {
			d = cfg.Doppler(cfg.Clock.Now())
		}
		if math.Abs(cfg.Freq+d-centre-cfg.IF) > cfg.Retune {
			if err := c.Tune(math.Round(cfg.Freq + d - cfg.IF)); err == nil {
				centre = math.Round(cfg.Freq + d - cfg.IF)
				s.mu.Lock()
				s.stats.Retunes++
				s.mu.Unlock()
				if w != nil {
					w.Capture(centre, cfg.Clock.Now())
				}
			}
		}
		recv.SetShift(cfg.Freq + d - centre)
		n, rerr := c.Read(buf)
		recv.Process(buf[:n])
		if w != nil && n > 0 {
			if err := w.Write(buf[:n]); err != nil {
				s.fail(fmt.Errorf("rx: recording: %w", err))
				w.Close()
				w = nil
			}
		}
		s.mu.Lock()
		s.stats.Samples += int64(n)
		s.stats.DopplerHz = d
		s.stats.DopplerMaxHz = math.Max(s.stats.DopplerMaxHz, math.Abs(d))
		s.stats.FLLHz = recv.Correction()
		s.mu.Unlock()
		if rerr == nil {
			continue
		}
		stop()
		c.Close()
		if ctx.Err() != nil {
			break
		}
		s.note(fmt.Errorf("rx: rtl_tcp %s: %w", cfg.Addr, rerr))
		// the dongle went away mid-pass: dial again until it is back
		for ctx.Err() == nil {
			if cfg.Clock.Sleep(ctx, time.Second) != nil {
				break
			}
			centre = cfg.centre()
			if c, err = dial(ctx, cfg, centre); err == nil {
				break
			}
			s.note(err)
		}
		if ctx.Err() != nil {
			break
		}
		s.mu.Lock()
		s.stats.Reconnects++
		s.mu.Unlock()
		if w != nil {
			w.Capture(centre, cfg.Clock.Now())
		}
		stop = closeOnEnd(c)
	}
	if w != nil {
		if err := w.Close(); err != nil {
			s.fail(fmt.Errorf("rx: recording: %w", err))
		}
	}
}

// receiver is either receive chain: FM (AFSK, G3RUH) or BPSK.
type receiver interface {
	SetShift(hz float64)
	Process(x []complex64)
	Correction() float64 // the loop's frequency correction on top of the prediction, Hz
}

type fmReceiver struct{ *iq.Receiver }

func (r fmReceiver) Correction() float64 { return r.FLLOffset() }

// pskFrame hands over (and annotates) a CCSDS frame the BPSK chain decoded.
func (s *Session) pskFrame(w *sigmf.Writer) func(coding.Decoded) {
	cfg := s.cfg
	return func(f coding.Decoded) {
		now := cfg.Clock.Now()
		s.mu.Lock()
		s.stats.Frames++
		shift := s.stats.DopplerHz + s.stats.FLLHz
		at := s.stats.Samples
		s.mu.Unlock()
		if w != nil {
			dur := int64(float64(8*(4+cfg.Code.Block())) / float64(cfg.Baud) * cfg.Rate)
			if cfg.Code.Conv {
				dur *= 2
			}
			w.Annotate(sigmf.Annotation{SampleStart: max(0, at-dur), SampleCount: dur,
				FreqLower: cfg.Freq + shift - float64(cfg.Baud), FreqUpper: cfg.Freq + shift + float64(cfg.Baud),
				Label: fmt.Sprintf("CCSDS frame % x...", f.Frame[:min(6, len(f.Frame))]), Generator: "ipgs",
				Comment: fmt.Sprintf("BPSK at %d baud, %d RS symbols corrected, Doppler %+.0f Hz", cfg.Baud, f.Fixed, shift)})
		}
		if s.emit != nil {
			s.emit(Frame{Data: f.Frame, Time: now, ShiftHz: shift})
		}
	}
}

func (s *Session) note(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Err = err.Error()
	if s.cfg.Log != nil {
		fmt.Fprintln(s.cfg.Log, err)
	}
}

func (s *Session) fail(err error) {
	s.note(err)
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// Stats reports the session so far.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close ends the session, finishes the recording and returns the first
// error that spoiled it (a dropped connection that came back is not one).
func (s *Session) Close() error {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(s.err, context.Canceled) {
		return nil
	}
	return s.err
}
