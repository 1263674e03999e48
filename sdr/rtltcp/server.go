package rtltcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ipgs/ipgs/sdr/sigmf"
)

// State is the emulated dongle's tuning.
type State struct {
	Freq     float64 // centre, Hz
	Rate     float64 // samples per second
	Manual   bool    // manual gain
	GainTdB  int32   // tenths of a dB
	PPM      int32
	AGC      bool
	Commands int // commands received
}

// Source makes the samples the dongle would receive with the given tuning.
type Source interface {
	Fill(st State, dst []complex64)
}

// Server is an emulated RTL-SDR dongle: it serves one client at a time,
// as rtl_tcp does, streaming the Source's samples at the sample rate the
// client set, in real time.
type Server struct {
	Source Source
	Header Header // default: R820T with 29 gains
	// OnCommand, if set, sees every command.
	OnCommand func(Command)
	Log       func(format string, args ...any)

	mu sync.Mutex
	st State
}

// DefaultRate is the sample rate before a client sets one.
const DefaultRate = 250000

// State is the tuning now.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Serve accepts clients on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.Header.Tuner == 0 && s.Header.Gains == 0 {
		s.Header = Header{Tuner: TunerR820T, Gains: 29}
	}
	s.mu.Lock()
	if s.st.Rate == 0 {
		s.st.Rate = DefaultRate
	}
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		s.serve(ctx, conn) // one at a time
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

func (s *Server) serve(ctx context.Context, conn net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	var commands sync.WaitGroup
	defer func() {
		cancel()
		conn.Close()
		commands.Wait() // the command reader ends with the connection
	}()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := conn.Write(AppendHeader(nil, s.Header)); err != nil {
		return
	}
	commands.Go(func() {
		defer cancel()
		err := ReadCommands(conn, func(c Command) {
			s.apply(c)
			if s.OnCommand != nil {
				s.OnCommand(c)
			}
		})
		var pe *Error
		if errors.As(err, &pe) {
			s.logf("rtl_tcp client %s: %v", conn.RemoteAddr(), err)
		}
	})
	// Stream in slices of 10 ms, paced by the wall clock.
	start := time.Now()
	var sent float64
	var iq []complex64
	var raw []byte
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st := s.State()
		owed := int(st.Rate*time.Since(start).Seconds() - sent)
		if owed <= 0 {
			continue
		}
		if max := int(st.Rate / 4); owed > max { // a slow client: drop, as a dongle's buffer would
			sent += float64(owed - max)
			owed = max
		}
		if cap(iq) < owed {
			iq = make([]complex64, owed)
		}
		iq = iq[:owed]
		s.Source.Fill(st, iq)
		raw = sigmf.AppendCU8(raw[:0], iq)
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(raw); err != nil {
			return
		}
		sent += float64(owed)
	}
}

func (s *Server) apply(c Command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Commands++
	switch c.Code {
	case SetFrequency:
		s.st.Freq = float64(c.Value)
	case SetSampleRate:
		if c.Value > 0 && c.Value <= 3_200_000 { // lower than a real RTL2832U allows is fine here
			s.st.Rate = float64(c.Value)
		}
	case SetGainMode:
		s.st.Manual = c.Value != 0
	case SetGain:
		s.st.GainTdB = int32(c.Value)
	case SetFreqCorrection:
		s.st.PPM = int32(c.Value)
	case SetAGCMode:
		s.st.AGC = c.Value != 0
	}
}

// Listen opens a loopback port for a Server (port 0: any free one).
func Listen(host string, port int) (net.Listener, error) {
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		return nil, fmt.Errorf("rtl_tcp: %w", err)
	}
	return ln, nil
}
