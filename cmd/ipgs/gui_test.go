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
	"strings"
	"testing"
	"time"
)

// TestGUIUnderXvfb starts the real app under xvfb-run with the example
// mission, waits for passes to be worked, and photographs the screen from
// outside the app (import -window root; the app's own capture is
// transparent under Xvfb). The PNG is kept in data/ci/gui-screenshot.png.
func TestGUIUnderXvfb(t *testing.T) {
	for _, p := range []string{"xvfb-run", "import"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (make deps installs xvfb and imagemagick)", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "gui.png")
	data := t.TempDir()
	script := fmt.Sprintf(`%s gui --config ../../examples/mission.yaml --data %s --speed 300 --duration 6h >%s/gui.log 2>&1 &
pid=$!
sleep 20
import -window root %s
kill $pid`, self, data, data, shot)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "IPGS_AS_MAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(data, "gui.log"))
		t.Fatalf("xvfb-run: %v\n%s\n%s", err, out, log)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// not blank: many colours (the map's tracks, footprints and night
	// side), and text (light pixels) on the dark theme
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
	t.Logf("screenshot %dx%d: %d colours, %d light pixels sampled", b.Dx(), b.Dy(), len(colours), light)
	if len(colours) < 50 || light < 100 {
		t.Errorf("the screenshot looks blank: %d colours, %d light pixels", len(colours), light)
	}
	if err := os.MkdirAll("../../data/ci", 0o755); err == nil {
		if raw, err := os.ReadFile(shot); err == nil {
			os.WriteFile("../../data/ci/gui-screenshot.png", raw, 0o644)
		}
	}
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
