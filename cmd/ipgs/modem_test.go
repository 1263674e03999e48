package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/hdlc"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/sdr/sigmf"
	"github.com/ipgs/ipgs/sdr/wav"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
	"github.com/ipgs/ipgs/uplink/station"
)

// TestModemDecode decodes a WAV file and a SigMF IQ recording through the
// CLI, and annotates the recording.
func TestModemDecode(t *testing.T) {
	dir := t.TempDir()
	var frames [][]byte
	for i := range 5 {
		b, _ := (&ax25.Frame{Dst: ax25.MustAddress("CQ"), Src: ax25.MustAddress("DRONE1"), Path: []ax25.Address{ax25.MustAddress("WIDE1-1")},
			Info: []byte(fmt.Sprintf("frame %d", i))}).Encode(false)
		frames = append(frames, b)
	}
	// IQ: a cu8 recording at 250 kS/s with the carrier 20 kHz off centre.
	meta := filepath.Join(dir, "pass"+sigmf.Ext)
	w, err := sigmf.Create(meta, sigmf.CU8, 250000)
	if err != nil {
		t.Fatal(err)
	}
	w.Capture(437.5e6, time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	tx := iq.Transmitter{Rate: 250000, Baud: 9600, Amplitude: 0.5}
	tx.SetShift(20000)
	var x []complex64
	for _, f := range frames {
		x = tx.Silence(x, 5000)
		x = tx.Frame(x, f)
	}
	x = tx.Silence(x, 5000)
	dsp.NewNoise(1, 0.02).AddComplex(x)
	w.Write(x)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "modem", "decode", "--baud", "9600", "--iq", meta, "--offset", "20000", "--annotate")
	if code != 0 || strings.Count(out, "DRONE1>CQ,WIDE1-1:frame ") != 5 || !strings.Contains(errOut, "5 frames decoded") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	m, r, err := sigmf.Open(meta)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(m.Annotations) != 5 || m.Annotations[0].Label != "DRONE1>CQ,WIDE1-1:frame 0" || m.Annotations[0].SampleStart <= 0 {
		t.Fatalf("annotations %+v", m.Annotations)
	}

	// Audio: the same frames as AFSK in a WAV file.
	var audio []float32
	mod := modem.AFSKModulator{Rate: 48000, Amplitude: 0.5}
	var enc hdlc.Encoder
	for _, f := range frames {
		audio = append(audio, make([]float32, 4800)...)
		bits := enc.Flags(nil, 30)
		bits = enc.Frame(bits, f)
		audio = mod.Modulate(audio, enc.Flags(bits, 3))
	}
	wf := filepath.Join(dir, "a.wav")
	var buf bytes.Buffer
	if err := wav.Write(&buf, 48000, audio); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wf, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "modem", "decode", "--baud", "1200", wf)
	if code != 0 || strings.Count(out, "DRONE1>CQ,WIDE1-1:frame ") != 5 || !strings.Contains(errOut, "5 frames decoded") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// The data file alone, no offset: the carrier is searched for.
	out, errOut, code = run(t, "modem", "decode", "--baud", "9600", filepath.Join(dir, "pass"+sigmf.DExt))
	if code != 0 || strings.Count(out, "DRONE1>CQ,WIDE1-1:frame ") != 5 || !strings.Contains(errOut, "carrier search: a signal") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// The same samples as raw cu8, told their rate and format.
	raw := filepath.Join(dir, "pass.cu8")
	b, _ := os.ReadFile(filepath.Join(dir, "pass"+sigmf.DExt))
	os.WriteFile(raw, b, 0o644)
	out, errOut, code = run(t, "modem", "decode", "--baud", "9600", "--iq", raw, "--rate", "250000")
	if code != 0 || strings.Count(out, "DRONE1>CQ,WIDE1-1:frame ") != 5 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = run(t, "modem", "decode", "--baud", "9600", raw)
	if code != 2 || !strings.Contains(errOut, "pass.cu8: raw IQ: give its sample rate (--rate") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Bad input: exit 2 with the reason.
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	_, errOut, code = run(t, "modem", "decode", txt)
	if code != 2 || !strings.Contains(errOut, `notes.txt: byte 0: not a recording this reads (starts "hell")`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestStationReceivesThroughSDR runs the emulator with its emulated
// dongles and a station engine that hears the downlink only through
// rtl_tcp (--receive sdr: the TNC only transmits), for two minutes of a
// real-time pass of DRONE-12 over Tromso at up to 8 kHz of Doppler.
// Every frame of the pass report came through the SDR, telemetry was
// stored, and the pass's SigMF recording has an annotation per frame.
func TestStationReceivesThroughSDR(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-minute pass in real time")
	}
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	start := time.Date(2026, 11, 22, 0, 11, 0, 0, time.UTC) // DRONE-12 is up over Tromso
	anchor := time.Now().Add(4 * time.Second).Truncate(time.Second)
	common := []string{"--config", mf, "--data", data, "--start", start.Format(time.RFC3339), "--wall-start", anchor.Format(time.RFC3339)}
	base := freePorts(t, 3)
	emu := startProc(t, dir, "sim", append([]string{"sim", "--base-port", fmt.Sprint(base), "--rtl-tcp", "--duration", "3m"}, common...)...)
	var rtl string
	poll(t, 20*time.Second, "the emulator's rtl_tcp port", func() bool {
		m := regexp.MustCompile(`Tromso .*rtl_tcp (\S+)`).FindStringSubmatch(emu.output())
		if m != nil {
			rtl = m[1]
		}
		return m != nil
	})
	st := startProc(t, dir, "Tromso", append([]string{"station", "run", "--station", "Tromso", "--tnc", fmt.Sprintf("127.0.0.1:%d", base),
		"--rig", "none", "--rotator", "none", "--rtl-tcp", rtl, "--receive", "sdr", "--record-iq", filepath.Join(dir, "iq"), "--duration", "2m"}, common...)...)
	logOnFailure(t, emu, st)
	var rep station.Report
	poll(t, time.Until(anchor.Add(3*time.Minute)), "the pass report", func() bool {
		b, err := os.ReadFile(filepath.Join(data, "stations", "Tromso", "passes.jsonl"))
		return err == nil && json.Unmarshal(b, &rep) == nil
	})
	t.Logf("pass %s–%s: %d frames, %d packets, %d frame errors; radio %+v", rep.Start.Format(time.TimeOnly), rep.End.Format(time.TimeOnly),
		rep.FramesRx, rep.Packets, rep.FrameErrors, rep.Radio)
	if rep.Radio == nil || rep.FramesRx < 5 || rep.Radio.SDRFrames != rep.FramesRx || rep.Packets != rep.FramesRx {
		t.Fatalf("want every frame through the SDR and 5 or more: %d frames, %d packets, radio %+v", rep.FramesRx, rep.Packets, rep.Radio)
	}
	if rep.Radio.DopplerMaxHz < 5000 {
		t.Errorf("Doppler up to %.0f Hz: the pass should show more", rep.Radio.DopplerMaxHz)
	}
	meta, r, err := sigmf.Open(rep.Radio.SDRRecording)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(meta.Annotations) != rep.Radio.SDRFrames || !strings.HasPrefix(meta.Annotations[0].Label, "DRN12>") {
		t.Errorf("recording %s: %d annotations for %d frames", rep.Radio.SDRRecording, len(meta.Annotations), rep.Radio.SDRFrames)
	}
}

// TestModemDecodeBPSK: the CLI decodes CCSDS frames sent over BPSK from
// a real recording (BY70-1, SSB audio) and from an IQ recording of TM
// frames coded as an ipgs CCSDS drone codes them (Reed-Solomon, the
// randomiser, the convolutional code), 15 kHz off centre, and names the
// TM header's fields.
func TestModemDecodeBPSK(t *testing.T) {
	out, errOut, code := run(t, "modem", "decode", "--modulation", "bpsk", "--baud", "9600", "--frame-length", "114",
		"--rs-basis", "conventional", "--nrzm", "../../sdr/modem/testdata/by701.wav")
	if code != 0 || !strings.Contains(errOut, "27 frames decoded") || !strings.Contains(out, "c0b8643b0012") {
		t.Fatalf("BY70-1: exit %d\n%s\n%s", code, out, errOut)
	}

	dir := t.TempDir()
	meta := filepath.Join(dir, "ccsds"+sigmf.Ext)
	w, err := sigmf.Create(meta, sigmf.CF32, 192000)
	if err != nil {
		t.Fatal(err)
	}
	w.Capture(2245e6, time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	prof := link.Profile{SCID: 0x110, Layout: tm.Layout{Length: 223, FECF: true}, RS: true, Conv: true, Interleave: 1, Randomize: true}
	m := &tm.Master{Layout: prof.Layout, SCID: prof.SCID}
	p := &tm.Packer{Master: m, VCID: 2}
	for i := range 6 {
		p.Add(bytes.Repeat([]byte{byte(i)}, 150))
	}
	raw, err := p.Frames(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	mod := &modem.BPSKModulator{Rate: 192000, Baud: 9600, Amplitude: 0.4}
	mod.SetShift(15000)
	var x []complex64
	frames := 0
	for ; len(raw) > 0; raw = raw[223:] {
		sym, err := prof.Transmit(raw[:223])
		if err != nil {
			t.Fatal(err)
		}
		x = append(x, make([]complex64, 3000)...)
		x = mod.Modulate(x, sym)
		frames++
	}
	x = append(x, make([]complex64, 3000)...)
	dsp.NewNoise(2, 0.05).AddComplex(x)
	w.Write(x)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "modem", "decode", "--modulation", "bpsk", "--baud", "9600", "--iq", meta, "--offset", "15000", "--annotate")
	if code != 0 || strings.Count(out, "TM SCID 0x110 VC 2") != frames || !strings.Contains(errOut, fmt.Sprintf("%d frames decoded", frames)) {
		t.Fatalf("IQ: exit %d, %d frames sent\n%s\n%s", code, frames, out, errOut)
	}
	if md, r, err := sigmf.Open(meta); err != nil || len(md.Annotations) != frames {
		t.Errorf("annotations: %v", err)
	} else {
		r.Close()
	}
}
