package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
)

// BenchmarkBundleGoodput measures the space-link convergence layer over
// the emulator: Tromso has more bundles for DRONE-10 than its 04:05 pass
// can carry, and the pass is worked with an ideal link budget plus the
// given frame loss each way (data and acknowledgements alike). Goodput is
// the bundle bytes the drone committed (whole bundles, fragments, and
// acknowledged parts) per second of the pass. The link's payload rate is
// what its bit rate carries as full information fields: over AX.25 (the
// drone's link made AX.25 for the run), 256-byte fields in frames of 284
// bytes on the air with flags, before bit stuffing; over CCSDS (the
// drone's own link), 256-byte space packets in TC frames of 263 bytes,
// each a CLTU of 314. The ratio is reported as goodput/payload (issue 27's
// goals: 0.95 at 0% loss, 0.90 at 5%). The payloads are random, as signed
// and encrypted bundles are, so bit stuffing costs what it does on the
// air (about one bit in 62). The bundles may not be fragmented: this
// measures the link, not how the router cuts bundles to fill a pass.
//
// The ceiling over AX.25 is 251/256 = 0.980 (the 4-byte segment header
// and the bare framing's byte, proto.EncodeBare), times 1/1.016 for bit
// stuffing: 0.965. In a space packet (6 bytes) it was 246/256/1.016 =
// 0.946 (0.945 measured at 0%, 0.899 at 5%); with a 16-byte segment
// header on every segment 234/256/1.016 = 0.90 (0.889 measured at 0%,
// 0.82-0.85 at 5%); before this round's first fixes 0.49.
func BenchmarkBundleGoodput(b *testing.B) {
	for _, link := range []string{mission.ProtocolAX25, mission.ProtocolCCSDS} {
		for _, loss := range []float64{0, 0.05} {
			b.Run(fmt.Sprintf("link=%s/loss=%.0f%%", link, 100*loss), func(b *testing.B) {
				var ratio float64
				for range b.N {
					ratio = goodputRun(b, link, loss)
				}
				b.ReportMetric(ratio, "goodput/payload")
			})
		}
	}
}

func goodputRun(b *testing.B, link string, loss float64) float64 {
	m, els := exampleMission(b)
	m.Stations = m.Stations[:1] // Tromso
	var sat = 90010
	for i := range m.Satellites {
		if sc := &m.Satellites[i]; sc.NORAD == sat {
			if link == mission.ProtocolAX25 {
				sc.Protocol, sc.CCSDS = link, nil
			}
			// the ideal link in the budget too: the station's link window
			// is the whole pass
			eirp := 20.0
			sc.Link.EIRPdBW = &eirp
		}
	}
	rng := rand.New(rand.NewPCG(uint64(sat), 27))
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
					for j := range bb.Blocks[0].Data {
						bb.Blocks[0].Data[j] = byte(rng.Uint32())
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
	field, frame := 256.0, 284.0 // bytes of information, and on the air
	if link == mission.ProtocolCCSDS {
		field, frame = tc.MaxData, float64(tc.CLTULen(tc.MaxData+5+2))
	}
	payload := rate / 8 * field / frame * pass.Seconds()
	got := float64(int64(delivered) + partial)
	b.Logf("%s, loss %.0f%%: %.0f s pass at %.0f bit/s: %d bytes delivered + %d in part = %.0f B/s of a %.0f B/s payload rate",
		link, 100*loss, pass.Seconds(), rate, delivered, partial, got/pass.Seconds(), payload/pass.Seconds())
	return got / payload
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
