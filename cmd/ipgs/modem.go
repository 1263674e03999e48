package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/sdr/wav"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

func newModemCmd() *cobra.Command {
	top := &cobra.Command{Use: "modem", Short: "Software modems: decode AX.25 (AFSK, G3RUH) and CCSDS (BPSK) from audio or IQ recordings, add noise to test files"}
	var dec modemDecodeOpts
	decode := &cobra.Command{
		Use:   "decode FILE.wav | --iq FILE.sigmf-meta",
		Short: "Decode frames from a recording: AX.25 (AFSK, G3RUH) as TNC2 lines, CCSDS over BPSK as hex; the count on stderr",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				dec.file = args[0]
			}
			dec.offsetSet = cmd.Flags().Changed("offset")
			if (dec.file == "") == (dec.iq == "") {
				return usage(fmt.Errorf("give a WAV file or --iq FILE.sigmf-meta"))
			}
			n, err := runModemDecode(cmd.Context(), dec, cmd.OutOrStdout())
			fmt.Fprintf(cmd.ErrOrStderr(), "%d frames decoded\n", n)
			return err
		},
	}
	decode.Flags().IntVar(&dec.baud, "baud", 1200, "1200 (AFSK Bell 202) or 9600 (G3RUH); with --modulation bpsk, any")
	decode.Flags().StringVar(&dec.modulation, "modulation", "", "fsk (AFSK at 1200 baud, G3RUH at 9600: the default) or bpsk (CCSDS frames)")
	decode.Flags().BoolVar(&dec.differential, "differential", false, "bpsk: differential detection (DBPSK, a one changes the phase) instead of a Costas loop")
	decode.Flags().IntVar(&dec.frameLength, "frame-length", 223, "bpsk: frame bytes after Reed-Solomon decoding (under 223: a shortened code)")
	decode.Flags().StringVar(&dec.coding, "coding", "rs+conv", "bpsk: none, rs, conv or rs+conv")
	decode.Flags().IntVar(&dec.interleave, "interleave", 1, "bpsk: Reed-Solomon interleaving depth, 1 to 8")
	decode.Flags().StringVar(&dec.rsBasis, "rs-basis", "dual", "bpsk: Reed-Solomon symbols in the dual (CCSDS) or conventional basis")
	decode.Flags().BoolVar(&dec.noRandomize, "no-randomize", false, "bpsk: the frames were not randomised")
	decode.Flags().BoolVar(&dec.nrzm, "nrzm", false, "bpsk: the bits were sent NRZ-M (differential precoding) under the convolutional code")
	decode.Flags().StringVar(&dec.iq, "iq", "", "a SigMF recording of the radio's IQ (its .sigmf-meta)")
	decode.Flags().IntVar(&dec.repair, "repair", 0, "flip up to this many of a failed frame's least-sure bits (0, 1 or 2)")
	decode.Flags().BoolVar(&dec.hex, "hex", false, "print each frame's bytes in hex after its line")
	decode.Flags().Float64Var(&dec.offset, "offset", 0, "with --iq: the carrier's offset from the recording's centre frequency, Hz; bpsk from audio: the carrier's audio frequency (default 12000, 1500 under 2400 baud)")
	decode.Flags().BoolVar(&dec.annotate, "annotate", false, "with --iq: add an annotation for each decoded frame to the .sigmf-meta")

	var nz modemNoiseOpts
	noise := &cobra.Command{
		Use:   "noise --snr DB IN.wav OUT.wav",
		Short: "Add white Gaussian noise to a recording at a signal-to-noise ratio over the whole band",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			nz.in, nz.out = args[0], args[1]
			return runModemNoise(cmd.Context(), nz)
		},
	}
	noise.Flags().Float64Var(&nz.snr, "snr", 0, "signal-to-noise ratio in dB over 0 to half the sample rate")
	noise.Flags().Uint64Var(&nz.seed, "seed", 1, "noise seed: the same seed makes the same file")
	top.AddCommand(decode, noise, newModemListenCmd())
	return top
}

type modemDecodeOpts struct {
	file, iq string
	baud     int
	repair   int
	hex      bool
	offset   float64
	annotate bool
	// bpsk
	modulation, coding, rsBasis string
	differential, noRandomize   bool
	nrzm                        bool
	frameLength, interleave     int
	offsetSet                   bool
}

// code is the CCSDS code the options describe.
func (o modemDecodeOpts) code() (coding.Code, error) {
	c := coding.Code{Length: o.frameLength, Interleave: o.interleave, Randomize: !o.noRandomize, Differential: o.nrzm, MaxErrors: 4}
	switch o.coding {
	case "none":
	case "rs":
		c.RS = true
	case "conv":
		c.Conv = true
	case "rs+conv":
		c.RS, c.Conv = true, true
	default:
		return c, fmt.Errorf("--coding %q: none, rs, conv or rs+conv", o.coding)
	}
	switch o.rsBasis {
	case "dual":
	case "conventional":
		c.Conventional = true
	default:
		return c, fmt.Errorf("--rs-basis %q: dual or conventional", o.rsBasis)
	}
	if err := c.Check(); err != nil {
		return c, fmt.Errorf("--frame-length %d, --interleave %d: %w", o.frameLength, o.interleave, err)
	}
	return c, nil
}

// runModemDecode decodes a recording and writes one line per frame to w.
func runModemDecode(ctx context.Context, o modemDecodeOpts, w io.Writer) (int, error) {
	if o.repair < 0 || o.repair > 2 {
		return 0, usage(fmt.Errorf("--repair %d: 0, 1 or 2", o.repair))
	}
	out := bufio.NewWriter(w)
	defer out.Flush()
	n := 0
	emit := func(f modem.Frame) {
		n++
		fmt.Fprintln(out, tnc2(f.Data))
		if o.hex {
			fmt.Fprintf(out, "  %x\n", f.Data)
		}
	}
	switch o.modulation {
	case "", "fsk":
	case "bpsk":
		return decodeBPSK(ctx, o, out)
	default:
		return 0, usage(fmt.Errorf("--modulation %q: fsk or bpsk", o.modulation))
	}
	opt := modem.Options{Repair: o.repair, Emit: emit}
	if o.iq != "" {
		err := decodeIQ(ctx, o, opt)
		return n, err
	}
	f, err := os.Open(o.file)
	if err != nil {
		return 0, mission.BadInput(err)
	}
	defer f.Close()
	a, err := wav.Read(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return 0, mission.BadInput(fmt.Errorf("%s: %w", o.file, err))
	}
	d, err := modem.New(o.baud, float64(a.Rate), opt)
	if err != nil {
		return 0, usage(err)
	}
	return n, feed(ctx, a.Samples, d.Process)
}

// tnc2 is a frame's monitor line; a frame that is not a UI frame is shown
// by its addresses and its bytes.
func tnc2(b []byte) string {
	if f, err := ax25.Decode(b, false); err == nil {
		return f.String()
	}
	return fmt.Sprintf("<%d-byte frame, not UI: %x>", len(b), b)
}

type modemNoiseOpts struct {
	in, out string
	snr     float64
	seed    uint64
}

func runModemNoise(ctx context.Context, o modemNoiseOpts) error {
	f, err := os.Open(o.in)
	if err != nil {
		return mission.BadInput(err)
	}
	a, err := wav.Read(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return mission.BadInput(fmt.Errorf("%s: %w", o.in, err))
	}
	modem.AddNoise(a.Samples, float64(a.Rate), o.snr, o.seed)
	g, err := os.Create(o.out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(g)
	if err := wav.Write(bw, a.Rate, a.Samples); err != nil {
		g.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		g.Close()
		return err
	}
	return g.Close()
}

// decodeIQ decodes a SigMF recording through the FM receive chain and
// with --annotate writes the decoded frames into its metadata.
func decodeIQ(ctx context.Context, o modemDecodeOpts, opt modem.Options) error {
	meta, r, err := sigmf.Open(o.iq)
	if err != nil {
		return mission.BadInput(err)
	}
	defer r.Close()
	rate := meta.Global.SampleRate
	var annotations []sigmf.Annotation
	var rx *iq.Receiver
	emit := opt.Emit
	opt.Emit = func(f modem.Frame) {
		emit(f)
		at := int64(float64(f.Sample) * rate / rx.AudioRate())
		dur := int64(float64(8*(len(f.Data)+2+o.preamble())) / float64(o.baud) * rate)
		c := meta.FrequencyAt(at) + o.offset
		annotations = append(annotations, sigmf.Annotation{SampleStart: max(0, at-dur), SampleCount: dur,
			FreqLower: c - iq.DefaultDeviation - 2400, FreqUpper: c + iq.DefaultDeviation + 2400,
			Label: tnc2(f.Data), Generator: "ipgs modem decode", Comment: fmt.Sprintf("AX.25 at %d baud, %d bits repaired", o.baud, f.Repaired)})
	}
	rx, err = iq.NewReceiver(iq.Config{Rate: rate, Offset: o.offset, Baud: o.baud, FLL: true, Modem: opt})
	if err != nil {
		return usage(err)
	}
	if err := feedIQ(ctx, r, rx.Process); err != nil {
		return err
	}
	if o.annotate {
		meta.Annotations = append(meta.Annotations, annotations...)
		if err := sigmf.WriteMeta(o.iq, meta); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// preamble is the flags a transmitter sends before a frame, counted in
// an annotation's span.
func (o modemDecodeOpts) preamble() int { return 32 }

// decodeBPSK decodes CCSDS frames sent over BPSK from a recording: an IQ
// recording (--iq) or an SSB receiver's audio. Each frame is a line
// saying what it is, then its bytes in hex.
func decodeBPSK(ctx context.Context, o modemDecodeOpts, out io.Writer) (int, error) {
	code, err := o.code()
	if err != nil {
		return 0, usage(err)
	}
	if o.baud <= 0 {
		return 0, usage(fmt.Errorf("--baud %d", o.baud))
	}
	n := 0
	var rate float64
	var meta *sigmf.Meta
	var annotations []sigmf.Annotation
	emit := func(f coding.Decoded) {
		n++
		at := float64(f.Symbol) / float64(o.baud)
		fmt.Fprintf(out, "%s\n  %x\n", ccsdsLine(f, at), f.Frame)
		if meta != nil {
			end := int64(at * rate)
			dur := int64(float64(8*(4+code.Block())) / float64(o.baud) * rate)
			if code.Conv {
				dur *= 2
			}
			c := meta.FrequencyAt(end) + o.offset
			annotations = append(annotations, sigmf.Annotation{SampleStart: max(0, end-dur), SampleCount: dur,
				FreqLower: c - float64(o.baud), FreqUpper: c + float64(o.baud),
				Label: ccsdsLine(f, at), Generator: "ipgs modem decode", Comment: fmt.Sprintf("CCSDS over BPSK at %d baud", o.baud)})
		}
	}
	cfg := iq.PSKConfig{Baud: float64(o.baud), Offset: o.offset, Differential: o.differential, Code: code, Emit: emit}
	if o.iq != "" {
		m, r, err := sigmf.Open(o.iq)
		if err != nil {
			return 0, mission.BadInput(err)
		}
		defer r.Close()
		meta, rate = m, m.Global.SampleRate
		cfg.Rate = rate
		rx, err := iq.NewPSKReceiver(cfg)
		if err != nil {
			return 0, usage(err)
		}
		if err := feedIQ(ctx, r, rx.Process); err != nil {
			return n, err
		}
		rx.Flush()
		if o.annotate {
			m.Annotations = append(m.Annotations, annotations...)
			if err := sigmf.WriteMeta(o.iq, m); err != nil {
				return n, err
			}
		}
		return n, ctx.Err()
	}
	f, err := os.Open(o.file)
	if err != nil {
		return 0, mission.BadInput(err)
	}
	defer f.Close()
	a, err := wav.Read(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return 0, mission.BadInput(fmt.Errorf("%s: %w", o.file, err))
	}
	if !o.offsetSet {
		cfg.Offset = 12000 // where an SSB receiver's audio puts a fast BPSK carrier
		if o.baud <= 2400 {
			cfg.Offset = 1500
		}
	}
	rate = float64(a.Rate)
	cfg.Rate = rate
	rx, err := iq.NewPSKReceiver(cfg)
	if err != nil {
		return 0, usage(err)
	}
	if err := feed(ctx, a.Samples, rx.ProcessReal); err != nil {
		return n, err
	}
	rx.Flush()
	return n, nil
}

// ccsdsLine says what a decoded frame is: its time in the recording, its
// coding, and, when its first bits are a TM transfer frame's version
// (00), the header's fields.
func ccsdsLine(f coding.Decoded, at float64) string {
	s := fmt.Sprintf("%.3fs %d bytes, %d RS symbols corrected, marker %d bits wrong", at, len(f.Frame), f.Fixed, f.Marker)
	if b := f.Frame; len(b) >= 6 && b[0]>>6 == 0 {
		h := binary.BigEndian.Uint16(b)
		s += fmt.Sprintf(": TM SCID %#x VC %d, MC count %d, VC count %d, first header pointer %d", h>>4&0x3ff, h>>1&7, b[2], b[3], binary.BigEndian.Uint16(b[4:])&0x7ff)
	}
	return s
}

// feed gives a demodulator a recording's samples a block at a time,
// until they end or ctx does.
func feed(ctx context.Context, samples []float32, process func([]float32)) error {
	const block = 4096
	for i := 0; i < len(samples); i += block {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		process(samples[i:min(i+block, len(samples))])
	}
	return nil
}

// feedIQ gives a receiver a SigMF recording's samples until they end or
// ctx does.
func feedIQ(ctx context.Context, r interface {
	Read([]complex64) (int, error)
}, process func([]complex64)) error {
	buf := make([]complex64, 1<<15)
	for ctx.Err() == nil {
		n, err := r.Read(buf)
		process(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}
