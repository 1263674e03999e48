package direwolf

import (
	"context"
	"testing"

	"github.com/ipgs/ipgs/internal/shared"
)

// TestVersusAtest decodes the same noisy gen_packets files as direwolf's
// atest and must decode at least as many frames at every noise level,
// without repair against atest's default and with one-bit repair against
// atest -F 1.
func TestVersusAtest(t *testing.T) {
	shared.Need(t, "gen_packets", "atest")
	for _, c := range []struct {
		baud int
		snrs []float64
	}{
		{1200, []float64{0, -1, -2, -3}},
		{9600, []float64{6, 5, 4}},
		{4800, []float64{2, 0}},
	} {
		rows, err := Compare(context.Background(), t.TempDir(), c.baud, 100, c.snrs)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			t.Logf("%d baud %+.0f dB: ours %3d, atest %3d | repair: ours %3d, atest -F 1 %3d | of %d",
				r.Baud, r.SNR, r.Ours, r.Ref, r.OursFix, r.RefFix, r.Sent)
			if r.Ours < r.Ref {
				t.Errorf("%d baud %+.0f dB: decoded %d, atest %d", r.Baud, r.SNR, r.Ours, r.Ref)
			}
			if r.OursFix < r.RefFix {
				t.Errorf("%d baud %+.0f dB with repair: decoded %d, atest -F 1 %d", r.Baud, r.SNR, r.OursFix, r.RefFix)
			}
			if r.Ours > r.Sent || r.OursFix > r.Sent {
				t.Errorf("%d baud %+.0f dB: more frames than sent", r.Baud, r.SNR)
			}
		}
	}
}
