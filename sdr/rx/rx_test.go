package rx

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/rtltcp"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/uplink/ax25"
)

type air struct{ *iq.Air }

func (a air) Fill(st rtltcp.State, dst []complex64) { a.Air.Fill(st.Freq, st.Rate, dst) }

func frame(t *testing.T, i int) []byte {
	t.Helper()
	b, err := (&ax25.Frame{Dst: ax25.MustAddress("GND1"), Src: ax25.MustAddress("DRONE1"), Info: fmt.Appendf(nil, "hk %d", i)}).Encode(false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve runs an emulated dongle on ln until the returned stop is called.
func serve(ln net.Listener, a *iq.Air) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&rtltcp.Server{Source: air{a}}).Serve(ctx, ln)
	}()
	return func() { cancel(); <-done }
}

// TestDopplerAndRecording: frames whose carrier follows a Doppler ramp of
// 16 kHz over the test are all decoded when the session is told the
// ramp; the dongle is retuned along it; the recording carries a capture
// per tuning and one annotation per frame, and decoding the recording
// again finds the same frames.
func TestDopplerAndRecording(t *testing.T) {
	const f0 = 437.5e6
	a := &iq.Air{Seed: 1}
	ln, err := rtltcp.Listen("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer serve(ln, a)()
	t0 := time.Now()
	doppler := func(t time.Time) float64 { return -8000 + 4000*t.Sub(t0).Seconds() } // 4 kHz/s, far more than LEO's ~100 Hz/s
	rec := filepath.Join(t.TempDir(), "pass.sigmf-meta")
	var mu sync.Mutex
	var got []Frame
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, Config{Addr: ln.Addr().String(), Freq: f0, Baud: 9600, Doppler: doppler, Retune: 6000, Record: rec}, func(f Frame) {
		mu.Lock()
		got = append(got, f)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	for i := range n {
		time.Sleep(400 * time.Millisecond)
		a.Send(iq.Burst{Freq: f0 + doppler(time.Now()), CN0: 62, Baud: 9600, Frame: frame(t, i)})
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if k == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := s.Stats()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d frames, %d retunes, Doppler now %+.0f Hz (max %.0f), FLL %+.0f Hz, %d samples", st.Frames, st.Retunes, st.DopplerHz, st.DopplerMaxHz, st.FLLHz, st.Samples)
	if len(got) != n {
		t.Fatalf("decoded %d of %d frames", len(got), n)
	}
	for i, f := range got {
		if want := fmt.Sprintf("DRONE1>GND1:hk %d", i); f.String() != want {
			t.Errorf("frame %d is %q, want %q", i, f, want)
		}
	}
	if st.DopplerMaxHz < 6000 {
		t.Errorf("the ramp reached only %.0f Hz", st.DopplerMaxHz)
	}

	meta, r, err := sigmf.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st.Retunes < 2 {
		t.Errorf("the dongle was retuned %d times along a 16 kHz ramp, want 2 or more", st.Retunes)
	}
	if len(meta.Annotations) != n || len(meta.Captures) != 1+st.Retunes {
		t.Fatalf("recording: %d annotations, captures %+v", len(meta.Annotations), meta.Captures)
	}
	for i, an := range meta.Annotations {
		if !strings.HasPrefix(an.Label, "DRONE1>GND1:hk ") || an.SampleStart+an.SampleCount > r.Samples()+st.Samples {
			t.Errorf("annotation %d: %+v", i, an)
		}
	}
	// the recording again, through a plain receiver told the same
	// Doppler by sample time
	var again int
	dec, err := iq.NewReceiver(iq.Config{Rate: DefaultRate, Offset: DefaultIF, Baud: 9600, FLL: true,
		Modem: modem.Options{Emit: func(modem.Frame) { again++ }}})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]complex64, 1<<13)
	var pos int64
	for {
		k, err := r.Read(buf)
		dec.SetShift(f0 + doppler(t0.Add(time.Duration(float64(pos)/DefaultRate*float64(time.Second)))) - meta.FrequencyAt(pos))
		dec.Process(buf[:k])
		pos += int64(k)
		if err != nil {
			break
		}
	}
	if again < n-1 { // the session started a moment after t0: the ramp is off by that much
		t.Errorf("the recording decodes to %d frames, want %d", again, n)
	}
}

// TestReconnect: the dongle goes away mid-pass and comes back on the same
// port; the session dials again and goes on receiving.
func TestReconnect(t *testing.T) {
	const f0 = 145.825e6
	a := &iq.Air{Seed: 2}
	ln, err := rtltcp.Listen("", 0)
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := serve(ln, a)
	var mu sync.Mutex
	var got []string
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, Config{Addr: addr, Freq: f0, Baud: 1200}, func(f Frame) {
		mu.Lock()
		got = append(got, f.String())
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	wait := func(k int) {
		for deadline := time.Now().Add(5 * time.Second); count() < k && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	a.Send(iq.Burst{Freq: f0, CN0: 60, Baud: 1200, Frame: frame(t, 0)})
	wait(1)
	stop()
	time.Sleep(300 * time.Millisecond)
	if ln, err = net.Listen("tcp", addr); err != nil {
		t.Fatal(err)
	}
	defer serve(ln, a)()
	for s.Stats().Reconnects == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	a.Send(iq.Burst{Freq: f0, CN0: 60, Baud: 1200, Frame: frame(t, 1)})
	wait(2)
	st := s.Stats()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("got %q; %d reconnects, last error %q", got, st.Reconnects, st.Err)
	if count() != 2 || st.Reconnects != 1 || st.Err == "" {
		t.Fatalf("got %d frames, %d reconnects, error %q", count(), st.Reconnects, st.Err)
	}
}
