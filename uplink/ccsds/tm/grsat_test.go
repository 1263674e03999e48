package tm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

// ipgsSatYAML describes an ipgs CCSDS drone to gr-satellites: 9600 baud
// FSK, CCSDS concatenated coding (the CCSDS convolutional code, then
// Reed-Solomon (255,223) in the dual basis, the CCSDS randomiser), and
// 223-byte TM frames.
const ipgsSatYAML = `name: IPGS-DRONE
norad: 99999
data:
  &tlm Telemetry:
    unknown
transmitters:
  9600 baud FSK downlink:
    frequency: 435.5e+6
    modulation: FSK
    baudrate: 9600
    framing: CCSDS Concatenated
    RS basis: dual
    convolutional: CCSDS
    frame size: 223
    data:
    - *tlm
`

// TestGrSatellitesDecodesTM: TM frames that ipgs makes and codes (RS at
// depth 1 in the dual basis, the randomiser, the sync marker, the
// convolutional code), sent as 9600 baud NRZ FSK audio at 96 kHz, are
// decoded by gr-satellites (Debian's gr_satellites, an independent
// implementation) to the same frames, byte for byte.
func TestGrSatellitesDecodesTM(t *testing.T) {
	const grsat = "/usr/bin/gr_satellites"
	if _, err := os.Stat(grsat); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("gr-satellites is not installed (make deps installs it)")
		}
		t.Skip("gr-satellites is not installed")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	m := &Master{Layout: Layout{Length: 223, FECF: true}, SCID: 0x1ab}
	p := &Packer{Master: m, VCID: 1}
	for i := 0; i < 12; i++ {
		p.Add(packet(100, uint16(i), 60+rng.IntN(300), rng))
	}
	raw, err := p.Frames(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	var stream []byte
	pre := make([]byte, 64) // something to lock on before the first marker
	for i := range pre {
		pre[i] = byte(rng.IntN(256))
	}
	stream = append(stream, pre...)
	for ; len(raw) > 0; raw = raw[223:] {
		frames = append(frames, raw[:223])
		block, err := coding.RSEncode(nil, raw[:223], 1)
		if err != nil {
			t.Fatal(err)
		}
		coding.Randomize(block)
		stream = coding.AppendASM(stream)
		stream = append(stream, block...)
	}
	// and after the last, enough for the decoders downstream to let it
	// out: GNU Radio does not drain its message queues when the input
	// ends, so a frame decoded just before the end can be lost on a busy
	// machine; a few seconds of signal after the last frame leave it time
	for range 64 {
		stream = append(stream, pre...)
	}
	symbols := coding.ConvEncode(stream, false)
	// NRZ FSK as an FM receiver's audio: +1 for a 1, -1 for a 0, ten
	// samples a symbol, smoothed a little
	const sps = 10
	var audio []byte
	prev := 0.0
	for _, s := range symbols {
		v := 1.0
		if s == 0 {
			v = -1
		}
		for range sps {
			prev += (v - prev) * 0.5
			audio = binary.LittleEndian.AppendUint16(audio, uint16(int16(math.Round(prev*12000))))
		}
	}
	dir := t.TempDir()
	yml, wav := filepath.Join(dir, "ipgs.yml"), filepath.Join(dir, "tm.raw")
	os.WriteFile(yml, []byte(ipgsSatYAML), 0o644)
	os.WriteFile(wav, audio, 0o644)
	// Debian's gr-satellites 4.4 asks GNU Radio 3.10 for blocks.byte_t,
	// which 3.10 moved to gr.types: its CCSDS deframers stop there. The
	// name is given back before gr_satellites runs, unchanged otherwise.
	shim := `import sys, runpy
from gnuradio import gr, blocks
if not hasattr(blocks, "byte_t"):
    blocks.byte_t = gr.types.byte_t
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")`
	cmd := exec.Command("/usr/bin/python3", "-c", shim, grsat, yml, "--rawint16", wav, "--samp_rate", "96000", "--hexdump")
	// GNU Radio's debug log shares standard output with the hex dumps and
	// would cut into their lines: only warnings and worse, and those on
	// standard error
	cmd.Env = append(os.Environ(), "GR_CONF_LOG_LOG_LEVEL=warn", "GR_CONF_LOG_DEBUG_LEVEL=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gr_satellites: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	got := hexFrames(out)
	t.Logf("gr-satellites printed %d frames for the %d sent (a frame may come from both of its decoder branches)", len(got), len(frames))
	for i, f := range frames {
		found := false
		for _, g := range got {
			found = found || bytes.Equal(g, f)
		}
		if !found {
			t.Errorf("frame %d (VC count %d) not among gr-satellites' frames", i, f[3])
		}
	}
	if t.Failed() {
		t.Logf("gr_satellites said:\n%s", out)
	}
}

// hexFrames reads gr-satellites' --hexdump output: each frame as lines
// of "offset: hex bytes". Its decoder branches (the two symbol phases of
// the convolutional code) may print the same frame at once, their lines
// interleaved: a line goes to the frame under way that expects its
// offset, a line at offset 0 starts a new one.
func hexFrames(out []byte) [][]byte {
	var frames [][]byte
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		off, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok || len(off) != 4 {
			continue
		}
		at, err := strconv.ParseUint(off, 16, 32)
		if err != nil {
			continue
		}
		var line []byte
		for _, f := range strings.Fields(rest) {
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				break
			}
			line = append(line, b...)
		}
		if at == 0 {
			frames = append(frames, line)
			continue
		}
		for i := range frames {
			if len(frames[i]) == int(at) {
				frames[i] = append(frames[i], line...)
				break
			}
		}
	}
	return frames
}
