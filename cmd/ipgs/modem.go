package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/sdr/audio"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/recording"
	"github.com/ipgs/ipgs/sdr/wav"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

func newModemCmd() *cobra.Command {
	top := &cobra.Command{Use: "modem", Short: "Software modems: decode AX.25 (AFSK, G3RUH) and CCSDS (BPSK) from audio or IQ recordings, add noise to test files"}
	var dec modemDecodeOpts
	decode := &cobra.Command{
		Use:   "decode FILE | --iq FILE",
		Short: "Decode frames from a recording: AX.25 (AFSK, G3RUH) as TNC2 lines, CCSDS over BPSK as hex; the count on stderr",
		Long: `Decode frames from a recording of a receiver's audio or of an SDR's IQ.

Audio: ` + audio.Formats + `; "-" reads audio from standard input.
IQ: SigMF (its .sigmf-meta, its .sigmf-data, or a .sigmf archive) of any
datatype; raw IQ (.cu8 .cs8 .cs16 .cf32 .cfile .raw ...) with --rate and
--format (gqrx's file names give both); a stereo WAV of I and Q (SDR#,
HDSDR and SDRuno's are told by their auxi chunk, SDR++'s by its name;
others need --iq). Without --offset an IQ recording is searched for its
signal. The file is read a block at a time: memory does not grow with it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1 && dec.File != "":
				return usage(fmt.Errorf("give the recording once: as an argument or with --iq"))
			case len(args) == 1:
				dec.File = args[0]
			case dec.File != "":
				dec.IQ = true
			default:
				return usage(fmt.Errorf("give a recording: FILE or --iq FILE"))
			}
			dec.OffsetSet = cmd.Flags().Changed("offset")
			n, err := runModemDecode(cmd.Context(), dec, cmd.OutOrStdout(), cmd.ErrOrStderr())
			fmt.Fprintf(cmd.ErrOrStderr(), "%d frames decoded\n", n)
			return err
		},
	}
	decode.Flags().IntVar(&dec.Baud, "baud", 1200, "1200 (AFSK Bell 202) or 2400 to 19200 (G3RUH); with --modulation bpsk, any")
	decode.Flags().StringVar(&dec.modulation, "modulation", "", "fsk (AFSK at 1200 baud, G3RUH above: the default) or bpsk (CCSDS frames)")
	decode.Flags().BoolVar(&dec.Differential, "differential", false, "bpsk: differential detection (DBPSK, a one changes the phase) instead of a Costas loop")
	decode.Flags().IntVar(&dec.frameLength, "frame-length", 223, "bpsk: frame bytes after Reed-Solomon decoding (under 223: a shortened code)")
	decode.Flags().StringVar(&dec.coding, "coding", "rs+conv", "bpsk: none, rs, conv or rs+conv")
	decode.Flags().IntVar(&dec.interleave, "interleave", 1, "bpsk: Reed-Solomon interleaving depth, 1 to 8")
	decode.Flags().StringVar(&dec.rsBasis, "rs-basis", "dual", "bpsk: Reed-Solomon symbols in the dual (CCSDS) or conventional basis")
	decode.Flags().BoolVar(&dec.noRandomize, "no-randomize", false, "bpsk: the frames were not randomised")
	decode.Flags().BoolVar(&dec.nrzm, "nrzm", false, "bpsk: the bits were sent NRZ-M (differential precoding) under the convolutional code")
	decode.Flags().StringVar(&dec.File, "iq", "", "an IQ recording: SigMF, raw IQ, or a stereo WAV of I and Q")
	decode.Flags().Float64Var(&dec.Rate, "rate", 0, "raw IQ: samples a second")
	decode.Flags().StringVar(&dec.Format, "format", "", "raw IQ: cu8, cs8, cs16, cf32, or a SigMF datatype (ci16_be, cf64_le...)")
	decode.Flags().IntVar(&dec.Channel, "channel", 1, "audio: the channel to decode, 1 the first (a stereo file's left), 2 the second; -1 their mean")
	decode.Flags().IntVar(&dec.Repair, "repair", 0, "flip up to this many of a failed frame's least-sure bits (0, 1 or 2)")
	decode.Flags().BoolVar(&dec.Hex, "hex", false, "print each frame's bytes in hex after its line")
	decode.Flags().Float64Var(&dec.Offset, "offset", 0, "IQ: the carrier's offset from the centre frequency, Hz (default: searched for); bpsk from audio: the carrier's audio frequency (default 12000, 1500 under 2400 baud)")
	decode.Flags().BoolVar(&dec.Annotate, "annotate", false, "SigMF: add an annotation for each decoded frame to the .sigmf-meta")

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
	recording.Options
	// bpsk
	modulation, coding, rsBasis string
	noRandomize, nrzm           bool
	frameLength, interleave     int
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

// runModemDecode decodes a recording and writes one line per frame to w,
// notes to log.
func runModemDecode(ctx context.Context, o modemDecodeOpts, w, log io.Writer) (int, error) {
	if o.Repair < 0 || o.Repair > 2 {
		return 0, usage(fmt.Errorf("--repair %d: 0, 1 or 2", o.Repair))
	}
	switch o.modulation {
	case "", "fsk":
	case "bpsk":
		code, err := o.code()
		if err != nil {
			return 0, usage(err)
		}
		o.BPSK, o.Code = true, code
	default:
		return 0, usage(fmt.Errorf("--modulation %q: fsk or bpsk", o.modulation))
	}
	if !o.BPSK && o.Baud != 1200 && (o.Baud < modem.MinG3RUHBaud || o.Baud > modem.MaxG3RUHBaud) {
		return 0, usage(fmt.Errorf("--baud %d: 1200 (AFSK) or %d to %d (G3RUH)", o.Baud, modem.MinG3RUHBaud, modem.MaxG3RUHBaud))
	}
	o.Out, o.Log = w, log
	n, err := recording.Decode(ctx, o.Options)
	if err != nil && ctx.Err() == nil {
		err = mission.BadInput(err)
	}
	return n, err
}

type modemNoiseOpts struct {
	in, out string
	snr     float64
	seed    uint64
}

func runModemNoise(ctx context.Context, o modemNoiseOpts) error {
	x, rate, err := audio.ReadFile(o.in, 0)
	if err != nil {
		return mission.BadInput(err)
	}
	modem.AddNoise(x, float64(rate), o.snr, o.seed)
	g, err := os.Create(o.out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(g)
	if err := wav.Write(bw, rate, x); err != nil {
		g.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		g.Close()
		return err
	}
	return g.Close()
}
