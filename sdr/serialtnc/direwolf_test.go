package serialtnc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/leakcheck"
	"github.com/ipgs/ipgs/internal/shared"
	"github.com/ipgs/ipgs/sdr/serialtnc"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/kiss"
)

// direwolf is a running direwolf TNC: it reads received audio from a FIFO,
// writes transmitted audio to a raw file (through an ALSA file device), and
// its KISS TCP port is bridged by socat to a pseudo-terminal. Both run in a
// network namespace of their own (unshare -n), because direwolf listens on
// every interface.
type direwolf struct {
	dir, tty, audioOut string
	audioIn            *os.File
	cmd                *exec.Cmd
	exited             chan struct{}
}

func startDirewolf(t *testing.T) *direwolf {
	shared.Need(t, "direwolf", "atest", "gen_packets", "socat", "unshare", "ip")
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("unshare -n: %v (the direwolf test needs a network namespace of its own)", err)
		}
		t.Skipf("unshare -n: %v", err)
	}
	d := &direwolf{dir: t.TempDir(), exited: make(chan struct{})}
	d.tty = filepath.Join(d.dir, "tnc")
	d.audioOut = filepath.Join(d.dir, "tx.raw")
	home := filepath.Join(d.dir, "home")
	must(t, os.Mkdir(home, 0o755))
	must(t, os.WriteFile(filepath.Join(home, ".asoundrc"), fmt.Appendf(nil, `pcm.ipgstx {
  type file
  slave { pcm "null" }
  file "%s"
  format "raw"
}
`, d.audioOut), 0o644))
	must(t, os.WriteFile(filepath.Join(d.dir, "direwolf.conf"), []byte(`ADEVICE stdin ipgstx
ACHANNELS 1
CHANNEL 0
MYCALL N0CALL
MODEM 1200
KISSPORT 8001
AGWPORT 0
`), 0o644))
	fifo := filepath.Join(d.dir, "rx.pipe")
	must(t, syscall.Mkfifo(fifo, 0o600))
	must(t, os.WriteFile(filepath.Join(d.dir, "run.sh"), []byte(`set -e
ip link set lo up
direwolf -c direwolf.conf -t 0 -r 48000 < rx.pipe > direwolf.log 2>&1 &
exec socat pty,raw,echo=0,link=tnc tcp:127.0.0.1:8001,retry=50,interval=0.1
`), 0o644))
	d.cmd = exec.Command("unshare", "-n", "sh", "run.sh")
	d.cmd.Dir = d.dir
	d.cmd.Env = append(os.Environ(), "HOME="+home)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	d.cmd.Stderr = &stderr
	must(t, d.cmd.Start())
	go func() { d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.exited
		if d.audioIn != nil {
			d.audioIn.Close()
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(d.dir, "direwolf.log"))
			t.Logf("direwolf log:\n%s\nsocat: %s", log, stderr.String())
		}
	})
	// the FIFO opens once direwolf's shell opens its end
	opened := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		d.audioIn = f
		opened <- err
	}()
	select {
	case err := <-opened:
		must(t, err)
	case <-d.exited:
		t.Fatalf("direwolf did not start: %s", stderr.String())
	case <-time.After(10 * time.Second):
		os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0) // unblock the opener
		t.Fatal("direwolf never opened its audio input")
	}
	d.waitLog(t, "Attached to KISS TCP client")
	return d
}

// waitLog waits until direwolf's log has s.
func (d *direwolf) waitLog(t *testing.T, s string) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		log, _ := os.ReadFile(filepath.Join(d.dir, "direwolf.log"))
		if bytes.Contains(log, []byte(s)) {
			return string(log)
		}
		select {
		case <-d.exited:
			t.Fatalf("direwolf ended while waiting for %q", s)
		default:
		}
	}
	t.Fatalf("direwolf never logged %q", s)
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDirewolf runs ipgs's serial KISS path against direwolf as a real TNC:
// frames ipgs sends are modulated by direwolf and decode in atest; frames
// direwolf demodulates from gen_packets audio reach ipgs.
func TestDirewolf(t *testing.T) {
	dw := startDirewolf(t)
	leakcheck.Check(t)
	conn, err := serialtnc.Open(serialtnc.Options{Port: dw.tty})
	must(t, err)
	defer conn.Close()
	w := kiss.NewWriter(conn)
	must(t, w.Configure(0, kiss.Params{TXDelay: 300 * time.Millisecond, Persistence: 63, SlotTime: 100 * time.Millisecond, TXTail: 20 * time.Millisecond}))
	dw.waitLog(t, "TXDELAY = 30")

	// ipgs -> direwolf -> audio -> atest
	sent := []string{"ipgs uplink 1", "ipgs uplink 2 \xc0\xdb escaped", "ipgs uplink 3"}
	for _, s := range sent {
		b, err := (&ax25.Frame{Dst: ax25.MustAddress("DRN01"), Src: ax25.MustAddress("LA1IPG-1"), Info: []byte(s)}).Encode(false)
		must(t, err)
		must(t, w.Data(0, b))
	}
	log := dw.waitLog(t, "ipgs uplink 3")
	if !strings.Contains(log, "LA1IPG-1>DRN01:ipgs uplink 1") {
		t.Errorf("direwolf did not transmit what was sent:\n%s", log)
	}
	time.Sleep(500 * time.Millisecond) // the last frame's audio reaches the file
	raw, err := os.ReadFile(dw.audioOut)
	must(t, err)
	wav := filepath.Join(dw.dir, "tx.wav")
	must(t, os.WriteFile(wav, wavFile(raw, 48000), 0o644))
	out, err := exec.Command("atest", wav).CombinedOutput()
	if err != nil {
		t.Fatalf("atest: %v\n%s", err, out)
	}
	for _, want := range []string{"LA1IPG-1>DRN01:ipgs uplink 1", "ipgs uplink 2 \xc0\xdb escaped", "LA1IPG-1>DRN01:ipgs uplink 3", "3 packets decoded"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("atest did not decode %q:\n%s", want, out)
		}
	}
	t.Logf("%d s of audio from direwolf; atest: %s", len(raw)/96000, lastLine(out))

	// gen_packets audio -> direwolf -> KISS -> ipgs
	msgs := filepath.Join(dw.dir, "rx.txt")
	must(t, os.WriteFile(msgs, []byte("DRN01>LA1IPG-1:telemetry 1\nDRN01>LA1IPG-1:telemetry 2\nDRN01>LA1IPG-1:telemetry 3\n"), 0o644))
	rxwav := filepath.Join(dw.dir, "rx.wav")
	if out, err := exec.Command("gen_packets", "-r", "48000", "-o", rxwav, msgs).CombinedOutput(); err != nil {
		t.Fatalf("gen_packets: %v\n%s", err, out)
	}
	b, err := os.ReadFile(rxwav)
	must(t, err)
	pcm, err := wavData(b)
	must(t, err)
	go func() {
		dw.audioIn.Write(pcm)
		dw.audioIn.Write(make([]byte, 48000)) // half a second of silence flushes the decoder
	}()
	got := make(chan string, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	go kiss.ReadData(conn, kiss.MaxFrame, func(port uint8, data []byte) bool {
		f, err := ax25.Decode(data, false)
		if err != nil {
			got <- "bad frame: " + err.Error()
			return true
		}
		// gen_packets keeps the line's newline in the information field
		got <- f.Src.String() + ">" + f.Dst.String() + ":" + strings.TrimRight(string(f.Info), "\r\n")
		return len(got) < cap(got)
	})
	var heard []string
	for len(heard) < 3 {
		select {
		case s := <-got:
			heard = append(heard, s)
		case <-ctx.Done():
			t.Fatalf("ipgs heard %d of 3 frames: %q", len(heard), heard)
		}
	}
	for i, s := range heard {
		if want := fmt.Sprintf("DRN01>LA1IPG-1:telemetry %d", i+1); s != want {
			t.Errorf("frame %d: %q, want %q", i, s, want)
		}
	}
	conn.Close() // ends ReadData
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// wavFile wraps 16-bit mono samples in a WAV header.
func wavFile(pcm []byte, rate int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(pcm)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

// wavData returns the samples of a WAV file's data chunk.
func wavData(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	for p := 12; p+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[p+4:]))
		if string(b[p:p+4]) == "data" {
			return b[p+8 : min(len(b), p+8+n)], nil
		}
		p += 8 + n + n&1
	}
	return nil, errors.New("WAV file without data")
}
