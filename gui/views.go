package gui

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

// refresh runs f on the UI goroutine whenever the model changes, at most
// every 100 ms (telemetry may change the model a thousand times a second).
func refresh(m *Model, f func()) {
	var mu, running sync.Mutex // (fyne's test driver runs fyne.Do at once, on the caller's goroutine)
	var pending bool
	var last time.Time
	m.OnChange(func() {
		mu.Lock()
		defer mu.Unlock()
		if pending {
			return
		}
		pending = true
		time.AfterFunc(max(0, 100*time.Millisecond-time.Since(last)), func() {
			fyne.Do(func() {
				mu.Lock()
				pending, last = false, time.Now()
				mu.Unlock()
				running.Lock()
				defer running.Unlock()
				f()
			})
		})
	})
}

// Severity colours.
var (
	colourRed    = color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}
	colourYellow = color.NRGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0xff}
	colourGreen  = color.NRGBA{R: 0x38, G: 0x8e, B: 0x3c, A: 0xff}
	colourSat    = color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff}
)

func severityColour(s dict.Severity) color.Color {
	switch s {
	case dict.Red:
		return colourRed
	case dict.Yellow:
		return colourYellow
	}
	return colourGreen
}

// NewAlarmsView lists the open alarms, each with an Acknowledge button.
func NewAlarmsView(m *Model, w fyne.Window) fyne.CanvasObject {
	box := container.NewVBox()
	update := func() {
		box.RemoveAll()
		alarms := m.Alarms()
		if len(alarms) == 0 {
			box.Add(widget.NewLabel("No alarms."))
		}
		for _, a := range alarms {
			state := "ACTIVE"
			if !a.Cleared.IsZero() {
				state = "cleared"
			}
			sev := dict.Yellow
			if a.Severity == "red" || a.Severity == "stale" {
				sev = dict.Red
			}
			dot := canvas.NewRectangle(severityColour(sev))
			text := widget.NewLabel(fmt.Sprintf("%s  %s  %s  %.4g %s  (raised %s)", strings.ToUpper(a.Severity), a.ID, state, a.Value, a.Units, a.Raised.UTC().Format("01-02 15:04:05")))
			id := a.ID
			ack := widget.NewButton("Acknowledge", func() {
				if err := m.Ack(id, m.Operator()); err != nil && w != nil {
					dialog.ShowError(err, w)
				}
			})
			if !a.Acked.IsZero() {
				ack.SetText("Acked by " + a.AckedBy)
				ack.Disable()
			}
			box.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(8, 28), dot), ack, text))
		}
		box.Refresh()
	}
	update()
	refresh(m, update)
	return container.NewVScroll(box)
}

// NewCommandView is a form built from the command dictionary: pick the
// satellite and command, fill the arguments (checked as typed before
// anything is queued), confirm hazardous ones; below, the history with
// each command's stage.
func NewCommandView(m *Model, w fyne.Window, sats map[string]int) fyne.CanvasObject {
	return follow(m, "Waiting for the command dictionary and the command history…", func() fyne.CanvasObject {
		d, h := m.Commanding()
		if d == nil || h == nil {
			return nil
		}
		return newCommandView(m, w, sats, d, h)
	})
}

// follow shows a placeholder until build, run at every change of the
// model, returns the view (once its data has arrived), then that view.
func follow(m *Model, placeholder string, build func() fyne.CanvasObject) fyne.CanvasObject {
	wait := widget.NewLabel(placeholder)
	wait.Importance = widget.LowImportance
	stack := container.NewStack(wait)
	var mu sync.Mutex
	built := false
	try := func() {
		mu.Lock()
		defer mu.Unlock()
		if built {
			return
		}
		if v := build(); v != nil {
			built = true
			stack.Objects = []fyne.CanvasObject{v}
			stack.Refresh()
		}
	}
	try()
	refresh(m, try)
	return stack
}

func newCommandView(m *Model, w fyne.Window, sats map[string]int, d *command.Dictionary, h *command.History) fyne.CanvasObject {
	var satNames []string
	for n := range sats {
		satNames = append(satNames, n)
	}
	sortStrings(satNames)
	satSel := widget.NewSelect(satNames, nil)
	if len(satNames) > 0 {
		satSel.SetSelected(satNames[0])
	}
	// The satellite's bus's dictionary: the form follows the satellite.
	cur := func() *command.Dictionary { return d.For(sats[satSel.Selected]) }
	args := container.NewVBox()
	entries := map[string]*widget.Entry{}
	status := widget.NewLabel("")
	cmdSel := widget.NewSelect(nil, func(name string) {
		args.RemoveAll()
		clear(entries)
		def, ok := cur().Lookup(name)
		if !ok {
			args.Refresh()
			return
		}
		if def.Description != "" {
			about := widget.NewLabel(def.Description)
			about.TextStyle.Italic = true
			args.Add(about)
		}
		for _, a := range def.Args {
			e := widget.NewEntry()
			hint := a.Type
			if a.Unit != "" {
				hint += ", " + a.Unit
			}
			if len(a.Values) > 0 {
				hint = strings.Join(a.Values, "|")
			}
			e.SetPlaceHolder(hint)
			entries[a.Name] = e
			args.Add(widget.NewForm(widget.NewFormItem(a.Name, e)))
		}
		args.Refresh()
	})
	fill := func() {
		dd := cur()
		var names []string
		for _, c := range dd.Commands {
			names = append(names, c.Name)
		}
		cmdSel.SetOptions(names)
		cmdSel.ClearSelected()
		for _, c := range dd.Commands { // the first harmless command, so the form shows what it is for
			if !c.Hazardous {
				cmdSel.SetSelected(c.Name)
				break
			}
		}
	}
	fill()
	satSel.OnChanged = func(string) { fill() }
	var history *widget.List
	var cmds []*command.Command
	history = widget.NewList(func() int { return len(cmds) },
		func() fyne.CanvasObject { return widget.NewLabel("123 DRONE-01 SET_HEATER on=true executed") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := cmds[len(cmds)-1-i]
			o.(*widget.Label).SetText(historyLine(c))
		})
	reload := func() {
		cmds, _ = h.Commands()
		history.Refresh()
	}
	queue := func(def *command.Def, vals []command.Value) {
		payload, err := def.Encode(vals)
		if err != nil {
			status.SetText(err.Error())
			return
		}
		var texts []string
		for _, v := range vals {
			texts = append(texts, v.Name+"="+v.Text)
		}
		id, err := h.Queue(command.Record{Sat: sats[satSel.Selected], Name: def.Name, Opcode: def.Opcode, Args: texts, Payload: payload,
			Time: time.Now().UTC(), Hazard: def.Hazardous, Operator: m.Operator()})
		if err != nil {
			status.SetText(err.Error())
			return
		}
		status.SetText(fmt.Sprintf("queued command %d: %s %s", id, def.Name, strings.Join(texts, " ")))
		reload()
	}
	send := widget.NewButtonWithIcon("Queue", theme.MailSendIcon(), func() {
		def, ok := cur().Lookup(cmdSel.Selected)
		if !ok {
			status.SetText("pick a command")
			return
		}
		var in []string
		for _, a := range def.Args {
			in = append(in, a.Name+"="+strings.TrimSpace(entries[a.Name].Text))
		}
		vals, err := def.Validate(in)
		if err != nil {
			status.SetText(err.Error())
			return
		}
		if def.Hazardous && w != nil {
			dialog.ShowConfirm("Hazardous command", def.Name+" is hazardous. Queue it?", func(ok bool) {
				if ok {
					queue(def, vals)
				}
			}, w)
			return
		}
		queue(def, vals)
	})
	reload()
	refresh(m, reload)
	form := container.NewVBox(widget.NewForm(widget.NewFormItem("Satellite", satSel), widget.NewFormItem("Command", cmdSel)), args, send, status,
		newProcedurePanel(m, func() int { return sats[satSel.Selected] }), widget.NewSeparator(), widget.NewLabel("History (newest first)"))
	return container.NewBorder(form, nil, nil, nil, history)
}

// historyLine is a command as the history list shows it: id,
// satellite, command and arguments, stage (and why it failed), who sent
// it and from which procedure step.
func historyLine(c *command.Command) string {
	line := fmt.Sprintf("%d  %d  %s %s  %s", c.ID, c.Sat, c.Name, strings.Join(c.Args, " "), c.State())
	if r := c.Last().Reason; r != "" && c.State() != command.Executed {
		line += ": " + r
	}
	var by []string
	if c.Operator != "" {
		by = append(by, "by "+c.Operator)
	}
	if c.Proc != "" {
		by = append(by, c.Proc)
	}
	if len(by) > 0 {
		line += "  (" + strings.Join(by, ", ") + ")"
	}
	return line
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// NewSkyView draws the polar plot of the current or next pass: rings at
// 0, 30 and 60 degrees of elevation, north up, and the predicted track.
func NewSkyView(m *Model) fyne.CanvasObject {
	title := widget.NewLabel("")
	plot := container.NewWithoutLayout()
	draw := func(size fyne.Size) {
		plot.RemoveAll()
		r := float32(math.Min(float64(size.Width), float64(size.Height)))/2 - 10
		cx, cy := size.Width/2, size.Height/2
		for _, el := range []float64{0, 30, 60} {
			rr := r * float32((90-el)/90)
			c := canvas.NewCircle(color.Transparent)
			c.StrokeColor, c.StrokeWidth = theme.Color(theme.ColorNameDisabled), 1
			c.Move(fyne.NewPos(cx-rr, cy-rr))
			c.Resize(fyne.NewSize(2*rr, 2*rr))
			plot.Add(c)
		}
		for _, l := range []struct {
			s    string
			x, y float32
		}{{"N", cx - 4, cy - r - 12}, {"E", cx + r + 2, cy - 8}, {"S", cx - 4, cy + r - 4}, {"W", cx - r - 14, cy - 8}} {
			t := canvas.NewText(l.s, theme.Color(theme.ColorNameForeground))
			t.Move(fyne.NewPos(l.x, l.y))
			plot.Add(t)
		}
		p, ok := nextPass(m)
		if !ok {
			title.SetText("No pass ahead.")
			return
		}
		title.SetText(fmt.Sprintf("%s over %s, %s-%s UTC, max %.0f°", p.Name, p.Station, p.Start.UTC().Format("15:04:05"), p.End.UTC().Format("15:04:05"), p.MaxEl))
		pt := func(az, el float64) fyne.Position {
			rr := float64(r) * (90 - el) / 90
			a := az * math.Pi / 180
			return fyne.NewPos(cx+float32(rr*math.Sin(a)), cy-float32(rr*math.Cos(a)))
		}
		for i := 1; i < len(p.Track); i++ {
			ln := canvas.NewLine(theme.Color(theme.ColorNamePrimary))
			ln.StrokeWidth = 2
			ln.Position1, ln.Position2 = pt(p.Track[i-1][0], p.Track[i-1][1]), pt(p.Track[i][0], p.Track[i][1])
			plot.Add(ln)
		}
		// live: where the satellite is (the antenna's target) and where
		// the rotator points
		for _, rs := range m.Radios() {
			if rs.Station != p.Station || !rs.InPass || rs.Sat != p.Name {
				continue
			}
			at := pt(rs.TargetAz, math.Max(0, rs.TargetEl))
			dot := canvas.NewCircle(colourSat)
			dot.Move(fyne.NewPos(at.X-5, at.Y-5))
			dot.Resize(fyne.NewSize(10, 10))
			plot.Add(dot)
			if rs.HaveActual {
				ra := pt(rs.ActualAz, math.Max(0, rs.ActualEl))
				box := canvas.NewRectangle(color.Transparent)
				box.StrokeColor, box.StrokeWidth = colourGreen, 2
				box.Move(fyne.NewPos(ra.X-7, ra.Y-7))
				box.Resize(fyne.NewSize(14, 14))
				plot.Add(box)
			}
			title.SetText(title.Text + fmt.Sprintf("; now az %.0f° el %.0f°", rs.TargetAz, rs.TargetEl))
		}
		plot.Refresh()
	}
	sizer := &sized{draw: draw}
	sizer.ExtendBaseWidget(sizer)
	update := func() { draw(sizer.Size()) }
	refresh(m, update)
	return container.NewBorder(title, nil, nil, nil, container.NewStack(sizer, plot))
}

// sized calls draw when its size changes.
type sized struct {
	widget.BaseWidget
	draw func(fyne.Size)
	last fyne.Size
	min  fyne.Size // default 240 x 240
}

func (s *sized) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

func (s *sized) Resize(size fyne.Size) {
	s.BaseWidget.Resize(size)
	if size != s.last {
		s.last = size
		s.draw(size)
	}
}

func (s *sized) MinSize() fyne.Size {
	if s.min.IsZero() {
		return fyne.NewSize(240, 240)
	}
	return s.min
}

// nextPass is the pass in progress, else the next one.
func nextPass(m *Model) (Pass, bool) {
	now := m.Now()
	for _, p := range m.Passes() {
		if p.End.After(now) && len(p.Track) > 1 {
			return p, true
		}
	}
	return Pass{}, false
}

// Tab names, in order; Ctrl+1 to Ctrl+8 select them.
var tabNames = []string{"Map", "Passes", "Sky", "Radio", "Telemetry", "Alarms", "Commanding", "Bundles"}

// prefTab is the preference that keeps the selected tab across restarts.
const prefTab = "gui.tab"

// NewMain is the whole window's content: a status line of the time and
// of problems over tabs for every view. The selected tab is kept in the
// app's preferences; keyboard: Ctrl+1..8 select a tab, Ctrl+Shift+A
// acknowledges every open alarm.
func NewMain(m *Model, w fyne.Window, sats map[string]int) fyne.CanvasObject {
	problems := widget.NewLabel("")
	problems.Importance = widget.DangerImportance
	problems.Truncation = fyne.TextTruncateEllipsis
	clock := widget.NewLabel("")
	update := func() {
		clock.SetText(m.Now().UTC().Format("2006-01-02 15:04:05 UTC"))
		ps := m.Problems()
		problems.SetText(strings.Join(ps, "; "))
	}
	update()
	refresh(m, update)
	views := []fyne.CanvasObject{NewMapView(m), NewPassesView(m, w), NewSkyView(m), NewRadioView(m), NewTelemetryPanel(m),
		NewAlarmsView(m, w), NewCommandView(m, w, sats), NewBundlesView(m)}
	var items []*container.TabItem
	for i, v := range views {
		items = append(items, container.NewTabItem(tabNames[i], v))
	}
	tabs := container.NewAppTabs(items...)
	var prefs fyne.Preferences
	if a := fyne.CurrentApp(); a != nil {
		prefs = a.Preferences()
	}
	if prefs != nil {
		if i := prefs.IntWithFallback(prefTab, 0); i >= 0 && i < len(items) {
			tabs.SelectIndex(i)
		}
	}
	tabs.OnSelected = func(*container.TabItem) {
		if prefs != nil {
			prefs.SetInt(prefTab, tabs.SelectedIndex())
		}
	}
	if w != nil {
		for i := range items {
			i := i
			w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(strconv.Itoa(i + 1)), Modifier: fyne.KeyModifierShortcutDefault},
				func(fyne.Shortcut) { tabs.SelectIndex(i) })
		}
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyA, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift},
			func(fyne.Shortcut) {
				for _, a := range m.Alarms() {
					if a.Acked.IsZero() {
						m.Ack(a.ID, m.Operator())
					}
				}
			})
	}
	keys := widget.NewLabel("")
	keys.Importance = widget.LowImportance
	showKeys := func() {
		keys.SetText("Ctrl+1..8 views · Ctrl+Shift+A acknowledge all · at the console: " + m.Operator())
	}
	showKeys()
	refresh(m, showKeys)
	return container.NewBorder(container.NewBorder(nil, nil, container.NewHBox(clock, keys), nil, problems), nil, nil, nil, tabs)
}
