package gui

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ProcedureRunner runs a procedure for a satellite to its end (or ctx's),
// writing its log to out.
type ProcedureRunner func(ctx context.Context, name string, src []byte, sat int, out io.Writer) error

// procedures are the model's procedure runs.
type procedures struct {
	mu     sync.Mutex
	run    ProcedureRunner
	cancel []context.CancelFunc
	wg     sync.WaitGroup
}

// SetProcedureRunner says how procedures run (nil: they cannot).
func (m *Model) SetProcedureRunner(r ProcedureRunner) {
	m.procs.mu.Lock()
	m.procs.run = r
	m.procs.mu.Unlock()
	m.changed()
}

// StartProcedure runs a procedure in the background; stop ends it (its
// unsent commands are cancelled), and done is called with how it ended.
func (m *Model) StartProcedure(name string, src []byte, sat int, out io.Writer, done func(error)) (stop func(), err error) {
	p := &m.procs
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run == nil {
		return nil, fmt.Errorf("procedures cannot run here (no command history yet)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = append(p.cancel, cancel)
	run := p.run
	p.wg.Go(func() {
		err := run(ctx, name, src, sat, out)
		cancel()
		done(err)
	})
	return cancel, nil
}

// StopProcedures ends every run and waits for them (the window closes).
func (m *Model) StopProcedures() {
	m.procs.mu.Lock()
	for _, c := range m.procs.cancel {
		c()
	}
	m.procs.mu.Unlock()
	m.procs.wg.Wait()
}

// logLines is an io.Writer that shows the last lines written in a label.
type logLines struct {
	mu    sync.Mutex
	lines []string
	label *widget.Label
}

func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, strings.Split(strings.TrimRight(string(b), "\n"), "\n")...)
	if len(l.lines) > 8 {
		l.lines = l.lines[len(l.lines)-8:]
	}
	text := strings.Join(l.lines, "\n")
	l.mu.Unlock()
	fyne.Do(func() { l.label.SetText(text) })
	return len(b), nil
}

// newProcedurePanel runs a procedure file for the selected satellite:
// Run checks and starts it, Abort ends it (what it queued and never sent
// is cancelled); its log shows below.
func newProcedurePanel(m *Model, sat func() int) fyne.CanvasObject {
	path := widget.NewEntry()
	path.SetPlaceHolder("procedure file, e.g. examples/procedures/heater.star")
	log := widget.NewLabel("")
	log.Wrapping = fyne.TextWrapWord
	out := &logLines{label: log}
	var stop func()
	var run, abort *widget.Button
	run = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), func() {
		src, err := os.ReadFile(strings.TrimSpace(path.Text))
		if err != nil {
			log.SetText(err.Error())
			return
		}
		s, err := m.StartProcedure(filepath.Base(path.Text), src, sat(), out, func(err error) {
			if err != nil {
				fmt.Fprintln(out, err)
			}
			fyne.Do(func() { run.Enable(); abort.Disable() })
		})
		if err != nil {
			log.SetText(err.Error())
			return
		}
		stop = s
		run.Disable()
		abort.Enable()
	})
	abort = widget.NewButtonWithIcon("Abort", theme.MediaStopIcon(), func() {
		if stop != nil {
			stop()
		}
	})
	abort.Disable()
	return container.NewVBox(widget.NewForm(widget.NewFormItem("Procedure", container.NewBorder(nil, nil, nil, container.NewHBox(run, abort), path))), log)
}
