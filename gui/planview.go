package gui

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Timeline span: half an hour back, five and a half ahead.
const (
	timelineBack  = 30 * time.Minute
	timelineAhead = 5*time.Hour + 30*time.Minute
)

// NewPassesView is the plan: a timeline per station of the scheduled
// contacts and the passes left out, over a table of both with times,
// maximum elevation, state or the reason a pass is left out. The operator
// pins or unpins the selected pass (Ctrl+P) and re-plans (Ctrl+R): pins
// never move, a pinned left-out pass is forced in.
func NewPassesView(m *Model, w fyne.Window) fyne.CanvasObject {
	var rows []Pass
	selected := -1
	var update func()
	table := textTable([]string{"Pin", "Station", "Satellite", "AOS (UTC)", "LOS", "Max el", "State"}, []float32{40, 80, 90, 125, 70, 60, 330},
		func() int { return len(rows) },
		func(row, col int) (string, widget.Importance) {
			p := rows[row]
			left := p.Reason != ""
			imp := widget.MediumImportance
			if left {
				imp = widget.LowImportance
			}
			switch col {
			case 0:
				if m.Pinned(p) {
					return "pin", widget.WarningImportance
				}
				return "", imp
			case 1:
				return p.Station, imp
			case 2:
				return p.Name, imp
			case 3:
				return p.Start.UTC().Format("01-02 15:04:05"), imp
			case 4:
				return p.End.UTC().Format("15:04:05"), imp
			case 5:
				return fmt.Sprintf("%.0f°", p.MaxEl), imp
			}
			return passState(p, m.Now()), imp
		})
	table.OnSelected = func(id widget.TableCellID) {
		selected = id.Row - 1
		update()
	}
	status := widget.NewLabel("")
	status.Truncation = fyne.TextTruncateEllipsis
	pin := widget.NewButtonWithIcon("Pin / unpin", theme.ConfirmIcon(), nil)
	replan := widget.NewButtonWithIcon("Re-plan", theme.ViewRefreshIcon(), nil)
	togglePin := func() {
		if selected < 0 || selected >= len(rows) {
			status.SetText("Select a pass to pin or unpin.")
			return
		}
		m.TogglePin(rows[selected])
		update()
	}
	doReplan := func() {
		if err := m.Replan(); err != nil && w != nil {
			dialog.ShowError(err, w)
		}
	}
	pin.OnTapped, replan.OnTapped = togglePin, doReplan
	// a tap on a block in the timeline selects its pass
	tl := newTimeline(m, func(p Pass) {
		for i, r := range rows {
			if r.key() == p.key() {
				selected = i
			}
		}
		update()
	})
	update = func() {
		var sel Pass
		if selected >= 0 && selected < len(rows) {
			sel = rows[selected]
		}
		rows = append(m.Passes(), m.Unscheduled()...)
		slices.SortStableFunc(rows, func(a, b Pass) int { return a.Start.Compare(b.Start) })
		selected = slices.IndexFunc(rows, func(r Pass) bool { return r.key() == sel.key() }) // it stays selected
		table.Refresh()
		tl.Refresh()
		can := m.CanReplan()
		running, lastErr := m.ReplanState()
		switch {
		case !can:
			pin.Disable()
			replan.Disable()
			status.SetText("The plan is shown as flown; re-planning needs the engine.")
		case running:
			replan.Disable()
			status.SetText("Re-planning…")
		default:
			pin.Enable()
			replan.Enable()
			switch {
			case lastErr != "":
				status.SetText("Re-plan failed: " + lastErr)
			case m.PinsPending():
				status.SetText("Pins changed: re-plan (Ctrl+R) to put them in force.")
			case selected >= 0:
				p := rows[selected]
				state := "scheduled"
				if p.Reason != "" {
					state = "left out: " + p.Reason
				}
				if m.Pinned(p) {
					state += ", pinned"
				}
				status.SetText(fmt.Sprintf("Selected: %s over %s at %s UTC (%s). Ctrl+P pins or unpins it, Ctrl+R re-plans.", p.Name, p.Station, p.Start.UTC().Format("15:04"), state))
			default:
				status.SetText(fmt.Sprintf("%s, %s left out. Ctrl+P pins the selected pass, Ctrl+R re-plans.", plural(len(m.Passes()), "contact"), plural(len(m.Unscheduled()), "pass")))
			}
		}
	}
	update()
	refresh(m, update)
	if w != nil {
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { togglePin() })
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { doReplan() })
	}
	top := container.NewBorder(nil, nil, nil, container.NewHBox(pin, replan), status)
	split := container.NewVSplit(tl, table)
	split.Offset = 0.35
	return container.NewBorder(top, nil, nil, nil, split)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprint(n, " ", what, "es")
	}
	return fmt.Sprint(n, " ", what, "s")
}

// passState is a pass's state column: done, in contact, due, or why it
// is left out.
func passState(p Pass, now time.Time) string {
	switch {
	case p.Reason != "":
		return "left out: " + p.Reason
	case p.Done:
		return fmt.Sprintf("done: %d packets", p.Packets)
	case !now.Before(p.Start) && now.Before(p.End):
		return "IN CONTACT"
	case !now.Before(p.End):
		return "over"
	}
	return "in " + p.Start.Sub(now).Round(time.Second).String()
}

// timeline draws a row per station: contacts as blocks (in contact green,
// done grey, pinned outlined), passes left out as faint outlines, and the
// time now as a red line. Tapping a block selects its pass.
type timeline struct {
	widget.BaseWidget
	m     *Model
	onTap func(Pass)
	boxes []timelineBox // the last drawing's, for taps
}

type timelineBox struct {
	pos, size fyne.Position
	pass      Pass
}

func newTimeline(m *Model, onTap func(Pass)) *timeline {
	t := &timeline{m: m, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *timeline) MinSize() fyne.Size { return fyne.NewSize(400, 120) }

func (t *timeline) Tapped(e *fyne.PointEvent) {
	for _, b := range slices.Backward(t.boxes) {
		if e.Position.X >= b.pos.X && e.Position.X <= b.pos.X+b.size.X && e.Position.Y >= b.pos.Y && e.Position.Y <= b.pos.Y+b.size.Y {
			if t.onTap != nil {
				t.onTap(b.pass)
			}
			return
		}
	}
}

func (t *timeline) CreateRenderer() fyne.WidgetRenderer {
	r := &timelineRenderer{t: t, root: container.NewWithoutLayout()}
	return r
}

type timelineRenderer struct {
	t    *timeline
	root *fyne.Container
	size fyne.Size
}

func (r *timelineRenderer) Layout(size fyne.Size) {
	r.size = size
	r.draw()
}
func (r *timelineRenderer) MinSize() fyne.Size           { return r.t.MinSize() }
func (r *timelineRenderer) Refresh()                     { r.draw() }
func (r *timelineRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.root} }
func (r *timelineRenderer) Destroy()                     {}

func (r *timelineRenderer) draw() {
	m, size := r.t.m, r.size
	r.root.RemoveAll()
	r.root.Resize(size)
	passes, left := m.Passes(), m.Unscheduled()
	now := m.Now()
	if now.IsZero() && len(passes) > 0 {
		now = passes[0].Start
	}
	var stations []string
	for _, p := range append(slices.Clone(passes), left...) {
		if !slices.Contains(stations, p.Station) {
			stations = append(stations, p.Station)
		}
	}
	slices.Sort(stations)
	fg, dim := theme.Color(theme.ColorNameForeground), theme.Color(theme.ColorNameDisabled)
	const labelW, axisH = 80, 18
	t0, t1 := now.Add(-timelineBack), now.Add(timelineAhead)
	plotW := size.Width - labelW - 4
	if plotW <= 10 || len(stations) == 0 {
		r.root.Refresh()
		return
	}
	x := func(t time.Time) float32 {
		return labelW + plotW*float32(t.Sub(t0).Seconds()/t1.Sub(t0).Seconds())
	}
	rowH := min(36, (size.Height-axisH)/float32(len(stations)))
	// hour ticks
	for h := t0.Truncate(time.Hour).Add(time.Hour); h.Before(t1); h = h.Add(time.Hour) {
		ln := canvas.NewLine(dim)
		ln.Position1, ln.Position2 = fyne.NewPos(x(h), 0), fyne.NewPos(x(h), rowH*float32(len(stations)))
		r.root.Add(ln)
		{
			lb := canvas.NewText(h.UTC().Format("15:04"), fg)
			lb.TextSize = 11
			lb.Move(fyne.NewPos(x(h)-14, rowH*float32(len(stations))+1))
			r.root.Add(lb)
		}
	}
	r.t.boxes = r.t.boxes[:0]
	block := func(p Pass, row int, fill, stroke color.Color, strokeW float32, inset float32) {
		a, b := max(x(p.Start), labelW), min(x(p.End), labelW+plotW)
		if b <= a {
			return
		}
		y := float32(row)*rowH + inset
		rc := canvas.NewRectangle(fill)
		rc.StrokeColor, rc.StrokeWidth = stroke, strokeW
		rc.Move(fyne.NewPos(a, y))
		rc.Resize(fyne.NewSize(max(2, b-a), rowH-2*inset))
		r.root.Add(rc)
		r.t.boxes = append(r.t.boxes, timelineBox{fyne.NewPos(a, y), fyne.NewPos(max(2, b-a), rowH-2*inset), p})
		if b-a > 46 && p.Reason == "" {
			lb := canvas.NewText(strings.TrimPrefix(p.Name, "DRONE-"), colourText)
			lb.TextSize = 10
			lb.Move(fyne.NewPos(a+2, y+(rowH-2*inset)/2-7))
			r.root.Add(lb)
		}
	}
	for i, st := range stations {
		lb := canvas.NewText(st, fg)
		lb.Move(fyne.NewPos(2, float32(i)*rowH+rowH/2-9))
		r.root.Add(lb)
		sep := canvas.NewLine(dim)
		sep.Position1, sep.Position2 = fyne.NewPos(labelW, float32(i+1)*rowH), fyne.NewPos(labelW+plotW, float32(i+1)*rowH)
		r.root.Add(sep)
		for _, p := range left {
			if p.Station == st {
				stroke := dim
				if m.Pinned(p) {
					stroke = colourYellow
				}
				block(p, i, color.NRGBA{0x80, 0x80, 0x80, 0x30}, stroke, 1, 10)
			}
		}
		for _, p := range passes {
			if p.Station != st {
				continue
			}
			fill := color.Color(colourPlanned)
			switch {
			case p.Done || !now.Before(p.End):
				fill = colourDone
			case !now.Before(p.Start):
				fill = colourGreen
			}
			stroke, sw := color.Color(color.Transparent), float32(0)
			if m.Pinned(p) {
				stroke, sw = colourYellow, 3
			}
			block(p, i, fill, stroke, sw, 4)
		}
	}
	nl := canvas.NewLine(colourRed)
	nl.StrokeWidth = 2
	nl.Position1, nl.Position2 = fyne.NewPos(x(now), 0), fyne.NewPos(x(now), rowH*float32(len(stations)))
	r.root.Add(nl)
	r.root.Refresh()
}

// Timeline colours.
var (
	colourPlanned = color.NRGBA{R: 0x19, G: 0x76, B: 0xd2, A: 0xff}
	colourDone    = color.NRGBA{R: 0x78, G: 0x78, B: 0x78, A: 0xff}
	colourText    = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)
