package desktop

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/ipgs/ipgs/telemetry"
)

// alerter tells the operator of alarms raised: a desktop notification
// (the app's) and a sound: the command in IPGS_ALARM_SOUND if set, else
// the freedesktop alarm sound through paplay when both are installed,
// else the terminal bell. Sounds play one at a time, at most every five
// seconds; the goroutines are joined by wait.
type alerter struct {
	app   fyne.App
	log   io.Writer
	mu    sync.Mutex
	last  time.Time
	sound sync.WaitGroup
}

func (a *alerter) raised(alarms []telemetry.Alarm) {
	var lines []string
	worst := "yellow"
	for _, x := range alarms {
		lines = append(lines, fmt.Sprintf("%s %s: %s", strings.ToUpper(x.Severity), x.ID, x.Reading()))
		if x.Severity != "yellow" {
			worst = "red"
		}
	}
	title := fmt.Sprintf("ipgs: %d alarm(s) raised", len(alarms))
	if a.app != nil {
		a.app.SendNotification(fyne.NewNotification(title, strings.Join(lines, "\n")))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if time.Since(a.last) < 5*time.Second {
		return
	}
	a.last = time.Now()
	a.sound.Go(func() { a.play(worst) })
}

func (a *alerter) play(severity string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c := os.Getenv("IPGS_ALARM_SOUND"); c != "" {
		if err := exec.CommandContext(ctx, "sh", "-c", c, "ipgs-alarm", severity).Run(); err != nil && a.log != nil {
			fmt.Fprintln(a.log, "gui: alarm sound:", err)
		}
		return
	}
	const sound = "/usr/share/sounds/freedesktop/stereo/alarm-clock-elapsed.oga"
	if p, err := exec.LookPath("paplay"); err == nil {
		if _, err := os.Stat(sound); err == nil {
			if exec.CommandContext(ctx, p, sound).Run() == nil {
				return
			}
		}
	}
	fmt.Fprint(os.Stderr, "\a")
}

func (a *alerter) wait() { a.sound.Wait() }
