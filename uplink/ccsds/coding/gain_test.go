package coding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// berUncoded measures BPSK's bit error rate at ebn0 dB over n bits.
func berUncoded(rng *rand.Rand, ebn0 float64, n int) float64 {
	sigma := math.Sqrt(1 / (2 * math.Pow(10, ebn0/10)))
	errs := 0
	for range n {
		if 1+sigma*rng.NormFloat64() < 0 {
			errs++
		}
	}
	return float64(errs) / float64(n)
}

// berConv measures the convolutional code's decoded bit error rate at
// ebn0 dB over blocks of 8000 bits.
func berConv(rng *rand.Rand, ebn0 float64, blocks int) float64 {
	data := make([]byte, 1000)
	errs, total := 0, 0
	for range blocks {
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		dec, _ := Viterbi(noisy(rng, ConvEncode(data, true), ebn0), 8*len(data), true)
		for i := range data {
			errs += popcount(dec[i] ^ data[i])
		}
		total += 8 * len(data)
	}
	return float64(errs) / float64(total)
}

// ferConcatenated measures the frame error rate of RS(255,223) at depth 5
// inside the convolutional code (a 1115-byte frame) at ebn0 dB.
func ferConcatenated(rng *rand.Rand, ebn0 float64, frames int) float64 {
	data := make([]byte, rsK*5)
	bad := 0
	for range frames {
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		block, _ := RSEncode(nil, data, 5)
		dec, _ := Viterbi(noisy(rng, ConvEncode(block, true), ebn0), 8*len(block), true)
		if _, _, err := RSDecode(dec, 5); err != nil {
			bad++
		}
	}
	return float64(bad) / float64(frames)
}

// crossing is where a curve of (dB, rate) points falls through target,
// interpolated on the log of the rate (NaN: it never does).
func crossing(db, rate []float64, target float64) float64 {
	for i := 1; i < len(db); i++ {
		if rate[i-1] >= target && rate[i] < target && rate[i] > 0 {
			a, b := math.Log10(rate[i-1]), math.Log10(rate[i])
			return db[i-1] + (db[i]-db[i-1])*(a-math.Log10(target))/(a-b)
		}
	}
	return math.NaN()
}

// TestCodingGain measures the bit error rate against Eb/N0 of uncoded
// BPSK and of the convolutional code with ipgs's soft Viterbi decoder,
// and the frame error rate of the concatenated code (RS depth 5 inside
// the convolutional code). The Eb/N0 for a BER of 1e-5 must be within
// 0.5 dB of the textbook figures: 9.6 dB uncoded (theory:
// Q(sqrt(2 Eb/N0))), 4.4 dB for the K=7 r=1/2 code with soft decisions;
// concatenated frames must all decode from 2.5 dB. With
// IPGS_WRITE_PLOTS=1 it writes docs/ccsds-coding-gain.svg.
func TestCodingGain(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of decoding")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	var dbU, berU, dbC, berC, dbF, ferF []float64
	for db := 6.0; db <= 11.0; db += 0.5 {
		dbU = append(dbU, db)
		berU = append(berU, berUncoded(rng, db, 4_000_000))
	}
	for db := 2.0; db <= 5.5; db += 0.5 {
		dbC = append(dbC, db)
		berC = append(berC, berConv(rng, db, 250))
	}
	for db := 1.5; db <= 3.0; db += 0.25 {
		dbF = append(dbF, db)
		ferF = append(ferF, ferConcatenated(rng, db, 120))
	}
	u, c := crossing(dbU, berU, 1e-5), crossing(dbC, berC, 1e-5)
	var lines []string
	for i := range dbU {
		lines = append(lines, fmt.Sprintf("uncoded %.1f dB: BER %.2e (theory %.2e)", dbU[i], berU[i], 0.5*math.Erfc(math.Sqrt(math.Pow(10, dbU[i]/10)))))
	}
	for i := range dbC {
		lines = append(lines, fmt.Sprintf("convolutional %.1f dB: BER %.2e", dbC[i], berC[i]))
	}
	for i := range dbF {
		lines = append(lines, fmt.Sprintf("concatenated %.2f dB: FER %.3f", dbF[i], ferF[i]))
	}
	t.Logf("\n%s\nBER 1e-5 at %.2f dB uncoded (textbook 9.6), %.2f dB convolutional (textbook 4.4): coding gain %.2f dB", strings.Join(lines, "\n"), u, c, u-c)
	if math.Abs(u-9.6) > 0.5 || math.Abs(c-4.4) > 0.5 {
		t.Errorf("BER 1e-5 at %.2f dB uncoded and %.2f dB coded: not within 0.5 dB of 9.6 and 4.4", u, c)
	}
	for i, db := range dbF {
		if db >= 2.5 && ferF[i] > 0 {
			t.Errorf("concatenated at %.2f dB: FER %.3f", db, ferF[i])
		}
	}
	if os.Getenv("IPGS_WRITE_PLOTS") != "" {
		svg := plot([]series{{"uncoded BPSK (BER)", dbU, berU, "#888"}, {"convolutional r=1/2 K=7, soft Viterbi (BER)", dbC, berC, "#1e88e5"},
			{"concatenated: RS(255,223) I=5 + convolutional (FER, 1115-byte frames)", dbF, ferF, "#e53935"}})
		if err := os.WriteFile("../../../docs/ccsds-coding-gain.svg", []byte(svg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type series struct {
	name   string
	db, y  []float64
	colour string
}

// plot draws the curves on a log scale from 1e-7 to 1, 0 to 12 dB.
func plot(ss []series) string {
	const w, h, l, r, top, bot = 720, 440, 70, 20, 20, 50
	x := func(db float64) float64 { return l + db/12*(w-l-r) }
	y := func(v float64) float64 {
		lv := math.Log10(math.Max(v, 1e-7))
		return top + (-lv)/7*(h-top-bot)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	for e := 0; e <= 7; e++ {
		yy := y(math.Pow(10, -float64(e)))
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">1e-%d</text>`+"\n", l, yy, w-r, yy, l-6, yy+4, e)
	}
	for db := 0; db <= 12; db += 2 {
		xx := x(float64(db))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", xx, top, xx, h-bot, xx, h-bot+16, db)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">Eb/N0 (dB)</text>`+"\n", (w+l)/2, h-12)
	// the theory of uncoded BPSK, dashed
	var pts []string
	for db := 0.0; db <= 11.5; db += 0.25 {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(db), y(0.5*math.Erfc(math.Sqrt(math.Pow(10, db/10))))))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#888" stroke-dasharray="4 3"/>`+"\n", strings.Join(pts, " "))
	for i, s := range ss {
		pts = pts[:0]
		for j := range s.db {
			if s.y[j] > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.db[j]), y(s.y[j])))
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.colour)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", l+10, h-bot-14*(len(ss)-i), s.colour, s.name)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#888">dashed: BPSK theory</text>`+"\n", l+10, h-bot-14*(len(ss)+1))
	b.WriteString("</svg>\n")
	return b.String()
}
