package sim

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
)

// BenchmarkBundleGoodput measures the space-link convergence layer over
// the emulator: Tromso has more bundles for DRONE-10 than its 04:05 pass
// can carry, and the pass is worked with an ideal link budget plus the
// given frame loss each way (data and acknowledgements alike). Goodput is
// the bundle bytes the drone committed (whole bundles, fragments, and
// acknowledged parts) per second of the pass; the link's payload rate is
// what its bit rate carries as AX.25 information fields (256 of the 284
// bytes each frame takes on the air, with flags). The ratio is reported
// as goodput/payload (issue 27's goals: 0.95 at 0% loss, 0.90 at 5%).
// The bundles may not be fragmented: this measures the link, not how the
// router cuts bundles to fill a pass (which costs about 0.04 more here).
//
// The ceiling is 234/256 = 0.914 (segment and space packet headers),
// times 1/1.016 for the bit stuffing the station allows for (the emulator
// stuffs no bits): 0.90. Measured: 0.889 at 0%, 0.824 at 5%; it was 0.49
// before the fixes of this round (the uplink planned at half its rate,
// waiting bundles cut in halves again and again, a fixed 10 s resend
// timeout against acknowledgements that take longer, segments received
// after the drone fell silent never committed, and the station queueing
// frames past the pass's end).
func BenchmarkBundleGoodput(b *testing.B) {
	for _, loss := range []float64{0, 0.05} {
		b.Run(fmt.Sprintf("loss=%.0f%%", 100*loss), func(b *testing.B) {
			var ratio float64
			for range b.N {
				ratio = goodputRun(b, loss)
			}
			b.ReportMetric(ratio, "goodput/payload")
		})
	}
}

func goodputRun(b *testing.B, loss float64) float64 {
	m, els := exampleMission(b)
	m.Stations = m.Stations[:1] // Tromso
	var sat = 90010
	var node uint64 = 110
	start := time.Date(2026, 11, 22, 4, 5, 0, 0, time.UTC)
	dir := b.TempDir()
	var mu sync.Mutex
	delivered := 0
	res, err := RunDay(context.Background(), DayOptions{
		Mission: m, Elements: els, Start: start, Duration: 7 * time.Minute, Speed: 60, DataDir: dir, Seed: 3, Out: discard{},
		Faults: Faults{IdealLink: true, FrameLoss: loss},
		Bundles: &DayBundles{
			Ready: func(nodes map[string]*dtn.Node, _ *Emulator, c clock.Clock) error {
				n := nodes["Tromso"]
				now := c.Now()
				for i := range 40 {
					bb := &bundle.Bundle{
						Primary: bundle.Primary{Flags: bundle.FlagNoFragment, CRCType: bundle.CRC32C, Dest: bundle.IPN(node, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
							Created: uint64(now.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: uint64(i + 1), Lifetime: 86400000},
						Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, 10_000)}},
					}
					raw, err := bb.Encode()
					if err != nil {
						return err
					}
					if _, err := n.Submit(raw, now); err != nil {
						return err
					}
				}
				return nil
			},
			Directive: func(norad int, raw []byte, now time.Time) (*proto.Command, error) {
				mu.Lock()
				delivered += len(raw)
				mu.Unlock()
				return nil, nil
			},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	var pass time.Duration
	for _, r := range res.Reports {
		if r.Sat == sat {
			pass += r.End.Sub(r.Start)
		}
	}
	if pass == 0 {
		b.Fatalf("no pass of %d worked", sat)
	}
	// what the drone holds in part
	s, err := bstore.Open(filepath.Join(dir, "bundles", "drones", fmt.Sprintf("%d.db", sat)), bstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	partial := int64(0)
	for _, k := range s.RxPending() {
		_, rs := s.RxRanges(k)
		partial += rs.Bytes()
	}
	// fragments received whole, of bundles not yet reassembled: committed
	// too (the rest of their bundle comes at the next contact)
	held, err := s.List()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range held {
		if e.Fragment {
			partial += int64(e.Size)
		}
	}
	s.Close()
	var rate float64
	for _, sc := range m.Satellites {
		if sc.NORAD == sat {
			rate = sc.LinkRate()
		}
	}
	payload := rate / 8 * 256 / 284 * pass.Seconds()
	got := float64(int64(delivered) + partial)
	b.Logf("loss %.0f%%: %.0f s pass at %.0f bit/s: %d bytes delivered + %d in part = %.0f B/s of a %.0f B/s payload rate",
		100*loss, pass.Seconds(), rate, delivered, partial, got/pass.Seconds(), payload/pass.Seconds())
	return got / payload
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
