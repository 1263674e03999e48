//go:build !nogui

package main

import (
	"context"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// guiTabs are the app's tabs in order (Ctrl+1..8), each with words its
// screenshot must show when the view has its content (read back by
// OCR; any one of a group will do). The Map is checked by its colours.
var guiTabs = []struct {
	name string
	want [][]string
}{
	{"map", nil},
	{"passes", [][]string{{"contacts"}, {"DRONE-"}, {"packets"}}},
	{"sky", [][]string{{" over "}, {"max"}}},
	{"radio", [][]string{{"MHz"}, {"Rotator"}}},
	{"telemetry", [][]string{{"battery", "soc", "solar"}}},
	{"alarms", [][]string{{"No alarms", "Acknowledge", "Acked"}}},
	{"commanding", [][]string{{"Satellite"}, {"PING", "SET_MODE", "SET_HEATER"}}},
	{"bundles", [][]string{{"Governance"}, {"Node"}}},
}

// TestGUIUnderXvfb starts the real app under xvfb-run with the example
// mission, waits for passes to be worked, opens every tab with the
// keyboard (Ctrl+1..8, sent by xdotool) and photographs the screen from
// outside the app (import -window root; the app's own capture is
// transparent under Xvfb). Each screenshot is read back by OCR
// (tesseract) as a person would read it, and must show its view's
// content, not a placeholder. The PNGs are kept in data/ci/; with
// IPGS_SCREENSHOTS=docs they replace docs/screenshots/.
func TestGUIUnderXvfb(t *testing.T) {
	for _, p := range []string{"xvfb-run", "import", "xdotool", "tesseract"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (make deps installs xvfb, imagemagick, xdotool and tesseract-ocr)", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shots := t.TempDir()
	data := t.TempDir()
	script := fmt.Sprintf(`%s gui --config ../../examples/mission.yaml --data %s --speed 300 --duration 6h >%s/gui.log 2>&1 &
pid=$!
sleep 20
xdotool mousemove 640 400
for i in 1 2 3 4 5 6 7 8; do
  xdotool key ctrl+$i
  sleep 2
  import -window root %s/tab$i.png
done
kill $pid`, self, data, data, shots)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "IPGS_AS_MAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(data, "gui.log"))
		t.Fatalf("xvfb-run: %v\n%s\n%s", err, out, log)
	}
	keep := "../../data/ci/gui"
	if os.Getenv("IPGS_SCREENSHOTS") == "docs" {
		keep = "../../docs/screenshots"
	}
	os.MkdirAll(keep, 0o755)
	for i, tab := range guiTabs {
		shot := filepath.Join(shots, fmt.Sprintf("tab%d.png", i+1))
		raw, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v", tab.name, err)
		}
		os.WriteFile(filepath.Join(keep, tab.name+".png"), raw, 0o644)
		if tab.want == nil {
			colours, light := pixels(t, shot)
			t.Logf("%s: %d colours, %d light pixels sampled", tab.name, colours, light)
			if colours < 50 || light < 100 {
				t.Errorf("%s: the screenshot looks blank: %d colours, %d light pixels", tab.name, colours, light)
			}
			continue
		}
		// tesseract on the screenshot and on it made black text on white
		// (light pixels to black, the rest white): on the dark theme it
		// misses a lone line of text in one or the other
		bw := strings.TrimSuffix(shot, ".png") + "-bw.png"
		if out, err := exec.Command("convert", shot, "-colorspace", "Gray", "-threshold", "35%", "-negate", bw).CombinedOutput(); err != nil {
			t.Fatalf("convert: %v\n%s", err, out)
		}
		var text string
		for _, img := range []string{shot, bw} {
			out, err := exec.Command("tesseract", img, "-").Output()
			if err != nil {
				t.Fatalf("tesseract %s: %v", img, err)
			}
			text += string(out)
		}
		for _, group := range tab.want {
			if !slices.ContainsFunc(group, func(w string) bool { return strings.Contains(text, w) }) {
				t.Errorf("%s (Ctrl+%d): none of %q on the screen; OCR read:\n%s", tab.name, i+1, group, text)
			}
		}
		if strings.Contains(text, "Waiting for") || strings.Contains(text, "No command dictionary") {
			t.Errorf("%s (Ctrl+%d): a placeholder on the screen; OCR read:\n%s", tab.name, i+1, text)
		}
		t.Logf("%s (Ctrl+%d): OCR read %d characters", tab.name, i+1, len(text))
	}
}

// pixels counts the colours and the light pixels (text on the dark
// theme) of a PNG, sampling every other pixel.
func pixels(t *testing.T, path string) (int, int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]bool{}
	light := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r>>8 > 180 && g>>8 > 180 && bl>>8 > 180 {
				light++
			}
		}
	}
	return len(colours), light
}

// With the C.UTF-8 locale of containers and servers, no command prints
// Fyne's locale complaint (gui/locale runs first).
func TestNoFyneLocaleNoise(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "passes", "--help")
	cmd.Env = append(os.Environ(), "IPGS_AS_MAIN=1", "LANG=C.UTF-8", "LANGUAGE=", "LC_ALL=", "LC_MESSAGES=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(string(out), "Fyne error") {
		t.Fatalf("ipgs passes --help printed Fyne's locale error:\n%s", out)
	}
}
