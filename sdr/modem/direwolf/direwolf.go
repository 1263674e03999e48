// Package direwolf runs direwolf's test programs, gen_packets and atest,
// as the reference the software modems are measured against.
package direwolf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Messages are n distinct TNC2 lines of the length of a typical APRS
// position report with a comment.
func Messages(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("N%dCALL-%d>APDW16,WIDE1-1,WIDE2-1:!4237.%02dN/07120.83W# frame %03d of %d, the quick brown fox",
			i%10, i%16, i%100, i, n))
	}
	return out
}

// GenPackets writes a WAV file of msgs at baud (1200 or 9600) with
// gen_packets, 44100 samples per second, and returns its path.
func GenPackets(ctx context.Context, dir string, baud int, msgs []string) (string, error) {
	txt := filepath.Join(dir, fmt.Sprintf("msgs-%d.txt", baud))
	if err := os.WriteFile(txt, []byte(strings.Join(msgs, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(dir, fmt.Sprintf("clean-%d.wav", baud))
	cmd := exec.CommandContext(ctx, "gen_packets", append(modemArgs(baud), "-r", "44100", "-o", out, txt)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("gen_packets: %v: %s", err, plain(b))
	}
	return out, nil
}

// modemArgs chooses direwolf's modem: at 2400 and 4800 baud direwolf's
// default is PSK, so G3RUH is asked for by name (-g) above 1200.
func modemArgs(baud int) []string {
	a := []string{"-B", strconv.Itoa(baud)}
	if baud > 1200 {
		a = append(a, "-g")
	}
	return a
}

// Result is what atest decoded.
type Result struct {
	Decoded int
	Elapsed time.Duration // wall time of the run
	Speed   float64       // times real time, as atest reports it
}

var decodedRE = regexp.MustCompile(`(\d+) packets decoded in ([0-9.]+) seconds\.\s+([0-9.]+) x realtime`)

// Atest decodes wav at baud with atest; fix is its -F (0: only frames
// whose check is right, 1: try flipping each single bit).
func Atest(ctx context.Context, wav string, baud, fix int) (Result, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "atest", append(modemArgs(baud), "-F", strconv.Itoa(fix), wav)...)
	b, err := cmd.CombinedOutput()
	el := time.Since(start)
	if err != nil {
		return Result{}, fmt.Errorf("atest: %v: %s", err, tail(plain(b)))
	}
	m := decodedRE.FindSubmatch(plain(b))
	if m == nil {
		return Result{}, fmt.Errorf("atest: no count in its output: %s", tail(plain(b)))
	}
	n, _ := strconv.Atoi(string(m[1]))
	speed, _ := strconv.ParseFloat(string(m[3]), 64)
	return Result{Decoded: n, Elapsed: el, Speed: speed}, nil
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// plain drops the terminal colour codes direwolf writes.
func plain(b []byte) []byte { return ansiRE.ReplaceAll(b, nil) }

func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 400 {
		b = b[len(b)-400:]
	}
	return string(b)
}
