package direwolf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ipgs/ipgs/sdr/audio"

	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/wav"
)

// Row is one noise level of a comparison.
type Row struct {
	Baud        int
	SNR         float64 // dB over 0 to 22.05 kHz
	Ours, Ref   int     // frames decoded, only frames whose check is right
	OursFix     int     // ours flipping up to one least-sure bit
	RefFix      int     // atest -F 1: any single bit
	Sent        int
	OursSpeed   float64 // times real time, decoding without repair
	RefSpeed    float64
	AudioSecond float64
}

// Compare makes n frames at baud with gen_packets, adds noise at each
// SNR (seeded, so every run makes the same files) and decodes each file
// with atest and with ours.
func Compare(ctx context.Context, dir string, baud, n int, snrs []float64) ([]Row, error) {
	clean, err := GenPackets(ctx, dir, baud, Messages(n))
	if err != nil {
		return nil, err
	}
	a, err := readWAV(clean)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for i, snr := range snrs {
		x := append([]float32(nil), a.Samples...)
		modem.AddNoise(x, float64(a.Rate), snr, uint64(1000+i))
		path := filepath.Join(dir, fmt.Sprintf("noisy-%d-%+.1fdB.wav", baud, snr))
		if err := writeWAV(path, a.Rate, x); err != nil {
			return nil, err
		}
		ref, err := Atest(ctx, path, baud, 0)
		if err != nil {
			return nil, err
		}
		refFix, err := Atest(ctx, path, baud, 1)
		if err != nil {
			return nil, err
		}
		r := Row{Baud: baud, SNR: snr, Ref: ref.Decoded, RefFix: refFix.Decoded, Sent: n, RefSpeed: ref.Speed,
			AudioSecond: float64(len(x)) / float64(a.Rate)}
		// Ours reads the same file atest read.
		b, err := readWAV(path)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if r.Ours, err = decode(baud, b, 0); err != nil {
			return nil, err
		}
		r.OursSpeed = r.AudioSecond / time.Since(start).Seconds()
		if r.OursFix, err = decode(baud, b, 1); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func decode(baud int, a *recording, repair int) (int, error) {
	n := 0
	d, err := modem.New(baud, float64(a.Rate), modem.Options{Repair: repair, Emit: func(modem.Frame) { n++ }})
	if err != nil {
		return 0, err
	}
	d.Process(a.Samples)
	return n, nil
}

// recording is a whole file's first channel.
type recording struct {
	Rate    int
	Samples []float32
}

func readWAV(path string) (*recording, error) {
	x, rate, err := audio.ReadFile(path, 0)
	if err != nil {
		return nil, err
	}
	return &recording{rate, x}, nil
}

func writeWAV(path string, rate int, x []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := wav.Write(w, rate, x); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
