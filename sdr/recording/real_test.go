package recording

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/internal/shared"
)

// realRecordings are the shared folder's real recordings (SOURCES.txt
// there) and the baud each was sent at.
var realRecordings = []struct {
	file string
	baud int
}{
	{"satrec/aalto1.wav", 9600}, {"satrec/irazu.wav", 9600}, {"satrec/koyo.wav", 9600}, {"satrec/tigrisat.wav", 9600},
	{"satrec/ubakusat.wav", 9600}, {"satrec/us01.wav", 9600}, {"satrec/us04.wav", 9600}, {"satrec/se01.wav", 9600},
	{"satrec/az02.wav", 9600}, {"satrec/swiatowid-ax25.wav", 1200}, {"satrec/tanusha3_pm.wav", 1200}, {"satrec/ao27.wav", 1200},
	{"satrec/cape3.wav", 9600}, {"satrec/fr05.wav", 9600}, {"satrec/equisat.wav", 9600}, {"satrec/quetzal1.wav", 4800},
	{"satrec/upmsat_2.wav", 1200}, {"jradio/SwampSat2.wav", 9600}, {"jradio/qarman.wav", 9600}, {"jradio/chomptt.wav", 1200},
	{"microaprs/ISSpkt.wav", 1200}, {"microaprs/ttwr.wav", 1200}, {"microaprs/static_and_aprs.wav", 1200},
	{"javax25/4Z1PF_3_MAXTRAC.wav", 1200}, {"javax25/track1Sub1Packet.wav", 1200}, {"javax25/track2Sub1Packet.wav", 1200},
	{"javax25/RobbiePhoneRecording.wav", 1200}, {"javax25/ot3test.wav", 1200}, {"aprslib/144800MHz_recording.wav", 1200},
	{"aprslib/HC12_fox_example.wav", 1200}, {"rustradio/aprs.au", 1200},
}

// TestRealRecordings decodes every real recording through the same
// path as ipgs modem decode. 77 frames is direwolf's atest with its best
// profile for each file; ipgs had 76 before Quetzal-1's 4800 baud was
// built.
func TestRealRecordings(t *testing.T) {
	dir := filepath.Join(shared.Dir(t), "data", "recordings")
	total := 0
	for _, r := range realRecordings {
		n, _, log := decodeFile(t, Options{Input: Input{File: filepath.Join(dir, r.file)}, Baud: r.baud})
		t.Logf("%-34s %5d baud %3d frames  %s", r.file, r.baud, n, strings.SplitN(log, "\n", 2)[0])
		total += n
	}
	if total < 77 {
		t.Errorf("%d frames from the real recordings, want at least 77", total)
	}
}

// TestSatNOGSOgg: the real recordings encoded as a SatNOGS station
// publishes its audio (Ogg Vorbis, 48 kHz mono, at the encoder quality
// 1.0 that SatNOGS's flowgraphs give gr-satnogs' ogg_encoder, sox -C 10
// here) decode to the same frames as the WAV they came from.
func TestSatNOGSOgg(t *testing.T) {
	shared.Need(t, "sox")
	rec := filepath.Join(shared.Dir(t), "data", "recordings")
	tmp := t.TempDir()
	frames := 0
	for i, r := range realRecordings {
		if !strings.HasPrefix(r.file, "satrec/") && !strings.HasPrefix(r.file, "jradio/") {
			continue
		}
		wav := filepath.Join(rec, r.file)
		ogg := filepath.Join(tmp, "satnogs_"+string(rune('0'+i%10))+"1234567_2026-12-04T10-15-00.ogg")
		if b, err := exec.Command("sox", wav, "-r", "48000", "-c", "1", "-C", "10", ogg).CombinedOutput(); err != nil {
			t.Fatalf("sox: %v: %s", err, b)
		}
		_, want, _ := decodeFile(t, Options{Input: Input{File: wav}, Baud: r.baud})
		n, got, log := decodeFile(t, Options{Input: Input{File: ogg}, Baud: r.baud})
		if !strings.Contains(log, "Ogg Vorbis") {
			t.Errorf("%s: %s", ogg, log)
		}
		if got != want {
			t.Errorf("%s as Ogg Vorbis: frames\n%s\nthe WAV's\n%s", r.file, got, want)
		}
		frames += n
	}
	t.Logf("%d frames from Ogg Vorbis, each as from its WAV", frames)
}
