package rtltcp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/rtltcp"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/uplink/ax25"
)

// air adapts iq.Air to the server.
type air struct{ *iq.Air }

func (a air) Fill(st rtltcp.State, dst []complex64) { a.Air.Fill(st.Freq, st.Rate, dst) }

func frame(t testing.TB, i int) []byte {
	b, err := (&ax25.Frame{Dst: ax25.MustAddress("CQ"), Src: ax25.MustAddress("DRONE1"),
		Info: []byte(fmt.Sprintf("beacon %d battery 7.4 V", i))}).Encode(false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serve(t *testing.T) (*rtltcp.Server, *iq.Air, string) {
	a := &iq.Air{Seed: 1}
	s := &rtltcp.Server{Source: air{a}}
	ln, err := rtltcp.Listen("", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, a, ln.Addr().String()
}

// TestClientServer tunes the emulated dongle, sends frames on the air at
// a Doppler-shifted frequency and decodes them from the stream.
func TestClientServer(t *testing.T) {
	s, a, addr := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := rtltcp.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Header.Tuner != rtltcp.TunerR820T || c.Header.Gains != 29 {
		t.Fatalf("header %+v", c.Header)
	}
	const centre, rate = 437_500_000.0, 250_000.0
	for _, err := range []error{c.SetRate(rate), c.Tune(centre), c.SetGain(40.2, false), c.SetPPM(-3)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for s.State().Commands < 5 {
		time.Sleep(10 * time.Millisecond)
	}
	st := s.State()
	if st.Freq != centre || st.Rate != rate || !st.Manual || st.GainTdB != 402 || st.PPM != -3 {
		t.Fatalf("server state %+v", st)
	}
	var got [][]byte
	rx, err := iq.NewReceiver(iq.Config{Rate: rate, Offset: 25000 - 4100, Baud: 1200, FLL: true,
		Modem: modem.Options{Emit: func(f modem.Frame) { got = append(got, f.Data) }}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		a.Send(iq.Burst{Freq: centre + 25000 - 4000, CN0: 65, Baud: 1200, Frame: frame(t, i)})
	}
	buf := make([]complex64, 8192)
	for len(got) < 3 && ctx.Err() == nil {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		rx.Process(buf[:n])
	}
	if len(got) != 3 {
		t.Fatalf("decoded %d of 3 frames", len(got))
	}
	for i := range got {
		if !bytes.Equal(got[i], frame(t, i)) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := rtltcp.ParseHeader([]byte("RTL1\x00\x00\x00\x05\x00\x00\x00\x1d")); err == nil || !strings.Contains(err.Error(), "byte 0: magic") {
		t.Errorf("bad magic: %v", err)
	}
	if _, err := rtltcp.ParseHeader([]byte("RTL0\x00")); err == nil || !strings.Contains(err.Error(), "cut short at 5") {
		t.Errorf("short: %v", err)
	}
	err := rtltcp.ReadCommands(bytes.NewReader([]byte{1, 0, 0, 0, 1, 0x42, 0, 0, 0, 0}), func(rtltcp.Command) {})
	var e *rtltcp.Error
	if !errors.As(err, &e) || e.Offset != 5 {
		t.Errorf("unknown command: %v", err)
	}
	err = rtltcp.ReadCommands(bytes.NewReader([]byte{1, 0, 0}), func(rtltcp.Command) {})
	if !errors.As(err, &e) || e.Offset != 3 {
		t.Errorf("cut short: %v", err)
	}
}

func FuzzProtocol(f *testing.F) {
	f.Add(rtltcp.AppendHeader(nil, rtltcp.Header{Tuner: 5, Gains: 29}), []byte{1, 0x1a, 0x13, 0x6b, 0x60, 2, 0, 3, 0xd0, 0x90})
	f.Fuzz(func(t *testing.T, header, cmds []byte) {
		rtltcp.ParseHeader(header)
		n := 0
		err := rtltcp.ReadCommands(bytes.NewReader(cmds), func(rtltcp.Command) { n++ })
		if err == nil && len(cmds) != 5*n {
			t.Fatalf("%d bytes read as %d commands without error", len(cmds), n)
		}
	})
}

// TestRTL433 points rtl_433, a third-party rtl_tcp client, at the
// emulated dongle: it must connect, tune and record, and the recording
// must hold the frames sent while it listened.
func TestRTL433(t *testing.T) {
	shared.Need(t, "rtl_433")
	s, a, addr := serve(t)
	var mu sync.Mutex
	var cmds []string
	s.OnCommand = func(c rtltcp.Command) { mu.Lock(); cmds = append(cmds, c.String()); mu.Unlock() }
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec.cu8")
	const centre = 145_825_000
	cmd := exec.Command("rtl_433", "-d", "rtl_tcp:"+addr, "-f", fmt.Sprint(centre), "-s", "250000", "-g", "30",
		"-w", rec, "-T", "4", "-R", "0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Frames go on the air while rtl_433 records: one every 300 ms.
	stop := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
			if s.State().Freq == centre {
				a.Send(iq.Burst{Freq: centre + 30000, CN0: 70, Baud: 1200, Frame: frame(t, i)})
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	if err != nil {
		t.Fatalf("rtl_433: %v\n%s", err, out.String())
	}
	st := s.State()
	mu.Lock()
	t.Logf("rtl_433 sent: %s", strings.Join(cmds, ", "))
	mu.Unlock()
	if st.Freq != centre || st.Rate != 250000 {
		t.Fatalf("rtl_433 tuned the dongle to %v Hz at %v samples/s", st.Freq, st.Rate)
	}
	raw, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rtl_433 recorded %d samples (%.1f s)", len(raw)/2, float64(len(raw))/2/250000)
	if len(raw) < 2*250000 {
		t.Fatalf("recording of %d bytes: under a second", len(raw))
	}
	x := make([]complex64, len(raw)/2)
	sigmf.FromCU8(x, raw[:2*len(x)])
	n := 0
	rx, err := iq.NewReceiver(iq.Config{Rate: 250000, Offset: 30000, Baud: 1200,
		Modem: modem.Options{Emit: func(f modem.Frame) { n++ }}})
	if err != nil {
		t.Fatal(err)
	}
	rx.Process(x)
	t.Logf("frames decoded from rtl_433's recording: %d", n)
	if n < 3 {
		t.Fatalf("decoded %d frames from rtl_433's recording, want at least 3", n)
	}
}
