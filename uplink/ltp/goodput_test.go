package ltp

import (
	"testing"
	"time"
)

// BenchmarkGoodput is issue 23's LTP goodput: a 20-minute light-time link
// at 1 % segment loss each way, 256 kbit/s, worked for an 8-hour pass in
// which the sender always has blocks (64 KB, all red) waiting. Goodput is
// the bytes of the blocks delivered whole by the end of the pass plus one
// round trip (the last resends), over the link's rate times the pass; the
// goal is 0.90. Every segment is charged 28 bytes of framing on the air
// besides its own header.
func BenchmarkGoodput(b *testing.B) {
	const (
		owlt  = 20 * time.Minute
		rate  = 256000.0
		pass  = 8 * time.Hour
		size  = 64 << 10
		loss  = 0.01
		chunk = 1400
	)
	var ratio float64
	for i := range b.N {
		l := newLink(owlt, rate, loss, uint64(i+1))
		end := t0.Add(pass)
		l.down = [][2]time.Time{{end, end.Add(100 * 24 * time.Hour)}}
		delivered := 0
		rt := func(uint64) time.Duration { return 2*owlt + 30*time.Second }
		up := func(_ uint64, t time.Time) bool { return !l.isDown(t) }
		l.engines[1] = New(Config{Engine: 1, Segment: chunk, Send: l.sender(1), RoundTrip: rt, Up: up})
		l.engines[2] = New(Config{Engine: 2, Segment: chunk, Send: l.sender(2), RoundTrip: rt, Up: up,
			Deliver: func(_ SessionID, _ uint64, blk []byte) { delivered += len(blk) }})
		blk := block(size, 7)
		// keep the link busy: a new block whenever less than a second of
		// sending is queued
		feed := func() bool {
			for l.now.Before(end) && l.busy[1].Before(l.now.Add(time.Second)) {
				l.engines[1].Send(2, 1, blk, -1, l.now)
			}
			return false
		}
		l.run(b, end.Add(2*owlt+time.Minute), feed)
		ratio = float64(delivered) / (rate / 8 * pass.Seconds())
		b.Logf("20 min light time, %.0f%% loss, %.0f kbit/s, %v pass: %d bytes delivered, goodput %.3f of the link rate", 100*loss, rate/1000, pass, delivered, ratio)
	}
	b.ReportMetric(ratio, "goodput/rate")
}
