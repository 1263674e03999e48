package link

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/cop1"
	"github.com/ipgs/ipgs/uplink/ccsds/sdls"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/spp"
)

func profile() Profile {
	p := Profile{SCID: 0x1a3, RS: true, Conv: true, Interleave: 1, Randomize: true, SPI: 1}
	p.Layout.Length, p.Layout.FECF = 223, true
	return p
}

// TestAirCorrects: a frame through the concatenated code comes back
// whole with a dozen channel bits flipped, and a frame without coding
// comes back damaged (for the FECF to catch).
func TestAirCorrects(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	frame := make([]byte, 223)
	for i := range frame {
		frame[i] = byte(rng.IntN(256))
	}
	for _, p := range []Profile{profile(), {Layout: profile().Layout, RS: true, Interleave: 1, Randomize: true}, {Layout: profile().Layout, Conv: true}} {
		sym, err := p.Transmit(frame)
		if err != nil {
			t.Fatal(err)
		}
		for range 12 {
			sym[64+rng.IntN(len(sym)-64)] ^= 1
		}
		got, _, err := p.Receive(sym)
		if err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("%+v: %v", p, err)
		}
	}
	p := Profile{Layout: profile().Layout}
	sym, _ := p.Transmit(frame)
	sym[500] ^= 1
	if got, _, err := p.Receive(sym); err != nil || bytes.Equal(got, frame) {
		t.Fatalf("uncoded: %v", err)
	}
}

// TestCommandsOverLossyLink: 200 commands through FOP-1, SDLS and FARM-1
// with a third of the TC frames and of the TM frames (the CLCWs) lost:
// each arrives once, in order; a forged frame is refused.
func TestCommandsOverLossyLink(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	up, down := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	var air [][]byte
	g := &Ground{P: profile(), Secure: true, Send: func(f []byte) { air = append(air, f) }}
	acked, alerts := 0, 0
	var purged []int
	g.Events = func(e cop1.Event) {
		switch e.Kind {
		case "acknowledged":
			acked++
		case "alert":
			alerts++
			t.Logf("alert: %s", e.Text)
		case "purged":
			purged = append(purged, e.ID.(int))
		}
	}
	g.Key(9, up, down)
	g.Start()
	o := NewOnboard(profile(), true)
	satUp := &sdls.SA{SPI: 9, Key: up, Window: Window}
	satDown := &sdls.SA{SPI: 9, Key: down, Window: Window}
	find := func(spi uint16) *sdls.SA {
		if spi == 9 {
			return satUp
		}
		return nil
	}
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	const n = 200
	submit := func(i int) {
		pkt, _ := (&spp.Packet{Type: spp.TC, APID: 10, Data: []byte{byte(i >> 8), byte(i)}}).Encode(nil)
		if err := g.Submit(i, pkt, now); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		submit(i)
	}
	var got []int
	for step := 0; step < 20000 && (len(got) == 0 || got[len(got)-1] != n-1); step++ {
		now = now.Add(time.Second)
		// a CLCW goes down every second
		frames, err := o.Frames(nil, satDown)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range frames {
			if rng.Float64() < 0.33 {
				continue
			}
			if _, _, err := g.Receive(f, now); err != nil {
				t.Fatal(err)
			}
		}
		g.Tick(now)
		sent := air
		air = nil
		for _, f := range sent {
			if rng.Float64() < 0.33 {
				continue
			}
			r, err := o.Receive(f, find)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range r.Packets {
				sp, _, _ := spp.Decode(p)
				got = append(got, int(sp.Data[0])<<8|int(sp.Data[1]))
			}
		}
		// what an alert purged goes again (the station's part: the
		// spacecraft knows a command it has seen by its id)
		for _, id := range purged {
			submit(id)
		}
		purged = nil
	}
	seen := map[int]bool{}
	last := -1
	for _, v := range got {
		if seen[v] {
			continue // a resubmitted copy after an alert: the id tells it
		}
		if v != last+1 {
			t.Fatalf("command %d arrived after %d", v, last)
		}
		seen[v], last = true, v
	}
	if len(seen) != n {
		t.Fatalf("%d of %d commands arrived", len(seen), n)
	}
	forged, _ := (&tc.Frame{SCID: 0x1a3, VCID: 0, Seq: 0, Data: []byte{1, 2, 3}}).Encode(nil)
	if _, err := o.Receive(forged, find); err == nil {
		t.Fatal("a clear frame on the secured channel was taken")
	}
	t.Logf("%d commands in order (%d copies after %d alerts), %d acknowledged by CLCW; onboard %+v, ground %+v", len(seen), len(got)-len(seen), alerts, acked, o.Stats, g.Stats)
}

func FuzzReceiveTC(f *testing.F) {
	raw, _ := (&tc.Frame{Bypass: true, SCID: 0x1a3, VCID: 1, Data: []byte{0x18, 0x80, 0xc0, 0, 0, 3, 0xc1, 0, 8, 1}}).Encode(nil)
	f.Add(raw, true)
	f.Fuzz(func(t *testing.T, b []byte, secure bool) {
		o := NewOnboard(profile(), secure)
		o.Receive(b, func(uint16) *sdls.SA { return &sdls.SA{SPI: 1, Key: make([]byte, 32)} })
	})
}

func FuzzReceiveTM(f *testing.F) {
	o := NewOnboard(profile(), false)
	frames, _ := o.Frames([][]byte{{0x08, 100, 0xc0, 0, 0, 1, 5, 6}}, nil)
	f.Add(frames[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		g := &Ground{P: profile()}
		g.Start()
		g.Receive(b, time.Time{})
		EPOpen(b)
	})
}
