package recording

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

// Options say how to decode a recording.
type Options struct {
	Input
	Baud int
	// BPSK decodes CCSDS frames sent over BPSK with Code; otherwise
	// AX.25 over FSK (AFSK at 1200 baud, G3RUH at 2400 to 19200).
	BPSK         bool
	Code         coding.Code
	Differential bool
	// Offset is, for IQ, the carrier's offset from the centre (Hz); for
	// BPSK audio, the carrier's audio frequency. Without OffsetSet an IQ
	// recording is searched for its signal.
	Offset    float64
	OffsetSet bool
	Repair    int
	Hex       bool
	// Annotate writes each frame into a SigMF recording's metadata.
	Annotate bool
	Out      io.Writer // a line per frame
	Log      io.Writer // notes for the operator: what was opened, searched, suspected
}

// searchSeconds bounds the part of an IQ recording the carrier search
// reads.
const searchSeconds = 120

// Decode decodes a recording, writing each frame to o.Out, and returns
// the number of frames.
func Decode(ctx context.Context, o Options) (int, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Repair < 0 || o.Repair > 2 {
		return 0, fmt.Errorf("repair %d: 0, 1 or 2", o.Repair)
	}
	if o.Baud <= 0 {
		return 0, fmt.Errorf("baud %d", o.Baud)
	}
	src, err := Open(o.Input)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	fmt.Fprintf(o.Log, "%s: %s, %.0f samples a second\n", o.File, src.Kind, src.Rate)
	if src.IQ != nil && !o.OffsetSet {
		if o.Offset, err = search(ctx, o); err != nil {
			return 0, err
		}
	}
	out := bufio.NewWriter(o.Out)
	defer out.Flush()
	d := &decoder{o: o, src: src, out: out}
	if o.BPSK {
		err = d.bpsk(ctx)
	} else {
		err = d.fsk(ctx)
	}
	if err == nil && o.Annotate {
		if src.Meta == nil {
			fmt.Fprintf(o.Log, "note: only a SigMF recording takes annotations; %s is not one\n", o.File)
		} else if len(d.annotations) > 0 {
			src.Meta.Annotations = append(src.Meta.Annotations, d.annotations...)
			err = sigmf.WriteMeta(o.File, src.Meta)
		}
	}
	if d.n == 0 && err == nil {
		d.hint()
	}
	return d.n, err
}

// search finds the carrier in the first searchSeconds of an IQ
// recording, opened a second time.
func search(ctx context.Context, o Options) (float64, error) {
	src, err := Open(o.Input)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	width := 2 * (iq.DefaultDeviation + 0.75*float64(max(o.Baud, 2400)))
	if o.BPSK {
		width = 1.5 * float64(o.Baud)
	}
	s := iq.NewSearch(src.Rate, width)
	buf := make([]complex64, 1<<15)
	for s.Samples() < int64(searchSeconds*src.Rate) && ctx.Err() == nil {
		n, err := src.IQ.Read(buf)
		s.Process(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	off, snr := s.Result()
	if snr < 6 {
		fmt.Fprintf(o.Log, "carrier search: nothing stands out (best %.1f dB above the floor at %+.0f Hz); decoding at the centre (give --offset)\n", snr, off)
		return 0, ctx.Err()
	}
	fmt.Fprintf(o.Log, "carrier search: a signal %.1f dB above the floor at %+.0f Hz from the centre; decoding there (--offset overrides)\n", snr, off)
	return off, ctx.Err()
}

type decoder struct {
	o           Options
	src         *Source
	out         io.Writer
	n           int
	annotations []sigmf.Annotation
}

// hint tells the operator what may be wrong when nothing decoded.
func (d *decoder) hint() {
	s, o := d.src, d.o
	switch {
	case s.Audio != nil && s.Channels == 2 && s.Rate >= 96000:
		fmt.Fprintf(o.Log, "note: no frames; %s is a stereo file at %.0f samples a second, as an SDR records IQ: if it is IQ, give --iq\n", o.File, s.Rate)
	case s.Audio != nil && s.Channels > 1 && o.Channel != -1:
		fmt.Fprintf(o.Log, "note: no frames; %s has %d channels and channel %d was decoded: try --channel 2, or -1 for their mean\n", o.File, s.Channels, max(1, o.Channel))
	}
}

func (d *decoder) fsk(ctx context.Context) error {
	o := d.o
	var rx *iq.Receiver
	opt := modem.Options{Repair: o.Repair, Emit: func(f modem.Frame) {
		d.n++
		fmt.Fprintln(d.out, TNC2(f.Data))
		if o.Hex {
			fmt.Fprintf(d.out, "  %x\n", f.Data)
		}
		if rx != nil && d.src.Meta != nil {
			rate := d.src.Rate
			at := int64(float64(f.Sample) * rate / rx.AudioRate())
			dur := int64(float64(8*(len(f.Data)+2+32)) / float64(o.Baud) * rate)
			c := d.src.Meta.FrequencyAt(at) + o.Offset
			half := iq.DefaultDeviation + 2400.0
			if o.Baud > 1200 {
				half = iq.DefaultDeviation + 0.75*float64(o.Baud)
			}
			d.annotations = append(d.annotations, sigmf.Annotation{SampleStart: max(0, at-dur), SampleCount: dur,
				FreqLower: c - half, FreqUpper: c + half, Label: TNC2(f.Data), Generator: "ipgs modem decode",
				Comment: fmt.Sprintf("AX.25 at %d baud, %d bits repaired", o.Baud, f.Repaired)})
		}
	}}
	if d.src.IQ != nil {
		var err error
		rx, err = iq.NewReceiver(iq.Config{Rate: d.src.Rate, Offset: o.Offset, Baud: o.Baud, FLL: true, Modem: opt})
		if err != nil {
			return err
		}
		return feed(ctx, d.src.IQ, rx.Process)
	}
	dm, err := modem.New(o.Baud, d.src.Rate, opt)
	if err != nil {
		return err
	}
	return feed(ctx, d.src.Audio, dm.Process)
}

func (d *decoder) bpsk(ctx context.Context) error {
	o := d.o
	code := o.Code
	emit := func(f coding.Decoded) {
		d.n++
		at := float64(f.Symbol) / float64(o.Baud)
		fmt.Fprintf(d.out, "%s\n  %x\n", CCSDSLine(f, at), f.Frame)
		if m := d.src.Meta; m != nil {
			rate := d.src.Rate
			end := int64(at * rate)
			dur := int64(float64(8*(4+code.Block())) / float64(o.Baud) * rate)
			if code.Conv {
				dur *= 2
			}
			c := m.FrequencyAt(end) + o.Offset
			d.annotations = append(d.annotations, sigmf.Annotation{SampleStart: max(0, end-dur), SampleCount: dur,
				FreqLower: c - float64(o.Baud), FreqUpper: c + float64(o.Baud),
				Label: CCSDSLine(f, at), Generator: "ipgs modem decode", Comment: fmt.Sprintf("CCSDS over BPSK at %d baud", o.Baud)})
		}
	}
	cfg := iq.PSKConfig{Rate: d.src.Rate, Baud: float64(o.Baud), Offset: o.Offset, Differential: o.Differential, Code: code, Emit: emit}
	if d.src.IQ != nil {
		rx, err := iq.NewPSKReceiver(cfg)
		if err != nil {
			return err
		}
		if err := feed(ctx, d.src.IQ, rx.Process); err != nil {
			return err
		}
		rx.Flush()
		return ctx.Err()
	}
	if !o.OffsetSet {
		cfg.Offset = 12000 // where an SSB receiver's audio puts a fast BPSK carrier
		if o.Baud <= 2400 {
			cfg.Offset = 1500
		}
	}
	rx, err := iq.NewPSKReceiver(cfg)
	if err != nil {
		return err
	}
	if err := feed(ctx, d.src.Audio, rx.ProcessReal); err != nil {
		return err
	}
	rx.Flush()
	return nil
}

// TNC2 is a frame's monitor line; a frame that is not a UI frame is
// shown by its bytes.
func TNC2(b []byte) string {
	if f, err := ax25.Decode(b, false); err == nil {
		return f.String()
	}
	return fmt.Sprintf("<%d-byte frame, not UI: %x>", len(b), b)
}

// CCSDSLine says what a decoded frame is: its time in the recording,
// its coding, and, when its first bits are a TM transfer frame's version
// (00), the header's fields.
func CCSDSLine(f coding.Decoded, at float64) string {
	s := fmt.Sprintf("%.3fs %d bytes, %d RS symbols corrected, marker %d bits wrong", at, len(f.Frame), f.Fixed, f.Marker)
	if b := f.Frame; len(b) >= 6 && b[0]>>6 == 0 {
		h := binary.BigEndian.Uint16(b)
		s += fmt.Sprintf(": TM SCID %#x VC %d, MC count %d, VC count %d, first header pointer %d", h>>4&0x3ff, h>>1&7, b[2], b[3], binary.BigEndian.Uint16(b[4:])&0x7ff)
	}
	return s
}

// feed gives a demodulator or receiver a recording a block at a time
// until it ends or ctx does; memory stays one block however long the
// recording.
func feed[T float32 | complex64](ctx context.Context, r interface{ Read([]T) (int, error) }, process func([]T)) error {
	buf := make([]T, 1<<15)
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
	return ctx.Err()
}
