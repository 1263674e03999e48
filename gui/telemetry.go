package gui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ipgs/ipgs/telemetry/dict"
)

// colourStale greys out values no longer updated.
var colourStale = color.NRGBA{R: 0x75, G: 0x75, B: 0x75, A: 0xff}

// telemetryFilter chooses the rows the telemetry list shows.
type telemetryFilter struct {
	sat  int    // 0: every satellite
	text string // a substring of "NAME NORAD packet.field", any case
}

func (f telemetryFilter) keep(v Value, name string) bool {
	if f.sat != 0 && v.Sat != f.sat {
		return false
	}
	if f.text == "" {
		return true
	}
	return strings.Contains(strings.ToLower(fmt.Sprintf("%s %d %s.%s", name, v.Sat, v.Packet, v.Field)), strings.ToLower(f.text))
}

// satNames are the satellites' names from the plan (NORAD → name).
func satNames(m *Model) map[int]string {
	out := map[int]string{}
	for _, p := range m.Passes() {
		out[p.Sat] = p.Name
	}
	return out
}

// telemetryList is the latest value of every field that passes the
// filter: its severity by the limits, its value, and how long ago it
// was updated when it is stale.
type telemetryList struct {
	m      *Model
	list   *widget.List
	rows   []Value
	names  map[int]string
	filter telemetryFilter
}

func newTelemetryList(m *Model) *telemetryList {
	tl := &telemetryList{m: m}
	tl.list = widget.NewList(
		func() int { return len(tl.rows) },
		func() fyne.CanvasObject {
			dot := canvas.NewCircle(colourGreen)
			return container.NewHBox(container.NewGridWrap(fyne.NewSize(12, 12), dot), widget.NewLabel("DRONE-01 90001 hk.battery"), layout.NewSpacer(),
				widget.NewLabel("7.412 V"), widget.NewLabel("stale 10m"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(tl.rows) {
				return
			}
			v := tl.rows[i]
			box := o.(*fyne.Container)
			dot := box.Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
			age, stale := tl.m.Stale(v)
			dot.FillColor = severityColour(v.Severity)
			if stale {
				dot.FillColor = colourStale
			}
			dot.Refresh()
			name := tl.names[v.Sat]
			box.Objects[1].(*widget.Label).SetText(strings.TrimSpace(fmt.Sprintf("%s %d %s.%s", name, v.Sat, v.Packet, v.Field)))
			text := v.Text
			if text == "" {
				text = strings.TrimSpace(strconv.FormatFloat(v.Value, 'g', 6, 64) + " " + v.Units)
			}
			box.Objects[3].(*widget.Label).SetText(text)
			st := box.Objects[4].(*widget.Label)
			st.Importance = widget.LowImportance
			if stale {
				st.SetText("stale " + age.Round(time.Second).String())
			} else {
				st.SetText("")
			}
		})
	tl.update()
	refresh(m, tl.update)
	return tl
}

func (tl *telemetryList) update() {
	tl.names = satNames(tl.m)
	tl.rows = slices.DeleteFunc(tl.m.Values(), func(v Value) bool { return !tl.filter.keep(v, tl.names[v.Sat]) })
	tl.list.Refresh()
}

// NewTelemetryView is the list of latest values, coloured by their
// limits (grey when stale).
func NewTelemetryView(m *Model) fyne.CanvasObject { return newTelemetryList(m).list }

// NewTelemetryPanel is the telemetry tab: a satellite selector and a
// filter over the latest values, and a chart below. Selecting a value
// charts it; "Add" keeps it on the chart, so the next one selected is
// drawn beside it (up to four fields; the clear button lets them go),
// with the first field's limit bands; the span chooses how far back.
func NewTelemetryPanel(m *Model) fyne.CanvasObject {
	tl := newTelemetryList(m)
	ch := newChart(m)
	satSel := widget.NewSelect(nil, nil)
	const all = "All satellites"
	satSel.PlaceHolder = all
	satSel.OnChanged = func(s string) {
		tl.filter.sat = 0
		for n, name := range satNames(m) {
			if s == fmt.Sprintf("%s (%d)", name, n) {
				tl.filter.sat = n
			}
		}
		tl.list.UnselectAll() // the rows changed under the selection
		tl.update()
	}
	fillSats := func() {
		names := satNames(m)
		for _, v := range m.Values() {
			if _, ok := names[v.Sat]; !ok {
				names[v.Sat] = strconv.Itoa(v.Sat)
			}
		}
		opts := []string{all}
		var ids []int
		for n := range names {
			ids = append(ids, n)
		}
		slices.Sort(ids)
		for _, n := range ids {
			opts = append(opts, fmt.Sprintf("%s (%d)", names[n], n))
		}
		if !slices.Equal(opts, satSel.Options) {
			satSel.Options = opts
			satSel.Refresh()
		}
	}
	fillSats()
	refresh(m, fillSats)
	filter := widget.NewEntry()
	filter.SetPlaceHolder("filter: battery, hk.temp, DRONE-03...")
	filter.OnChanged = func(s string) {
		tl.filter.text = strings.TrimSpace(s)
		tl.list.UnselectAll()
		tl.update()
	}
	var selected *chartKey
	tl.list.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(tl.rows) {
			v := tl.rows[i]
			k := chartKey{v.Sat, v.Packet, v.Field, v.Units}
			selected = &k
			ch.set(k)
		}
	}
	add := widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() {
		if selected != nil {
			ch.pin(*selected)
		}
	})
	clearChart := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { ch.unpin() })
	span := widget.NewSelect([]string{"all", "6h", "1h", "10m"}, func(s string) {
		d, _ := time.ParseDuration(s)
		ch.setSpan(d)
	})
	span.SetSelected("all")
	top := container.NewBorder(nil, nil, satSel, container.NewHBox(add, clearChart, widget.NewLabel("span"), span), filter)
	split := container.NewVSplit(tl.list, ch.view)
	split.Offset = 0.55
	return container.NewBorder(top, nil, nil, nil, split)
}

// chartKey names a field a chart shows.
type chartKey struct {
	sat           int
	packet, field string
	units         string
}

// chartColours tell the chart's fields apart.
var chartColours = []color.Color{
	color.NRGBA{R: 0x42, G: 0xa5, B: 0xf5, A: 0xff},
	color.NRGBA{R: 0xab, G: 0x47, B: 0xbc, A: 0xff},
	color.NRGBA{R: 0x26, G: 0xc6, B: 0xda, A: 0xff},
	color.NRGBA{R: 0xff, G: 0x70, B: 0x43, A: 0xff},
}

// chart draws fields' histories against time: one scale, the first
// field's limit bands (yellow and red, as in force for the latest
// value's mode), the span chosen.
type chart struct {
	m      *Model
	title  *widget.Label
	plot   *fyne.Container
	sizer  *sized
	view   fyne.CanvasObject
	keys   []chartKey
	pinned []chartKey    // kept on the chart when another is selected
	span   time.Duration // 0: everything held
}

func newChart(m *Model) *chart {
	c := &chart{m: m, title: widget.NewLabel("Select a value to chart it."), plot: container.NewWithoutLayout()}
	c.title.Wrapping = fyne.TextWrapWord
	c.sizer = &sized{draw: c.draw, min: fyne.NewSize(200, 120)}
	c.sizer.ExtendBaseWidget(c.sizer)
	refresh(m, func() { c.draw(c.sizer.Size()) })
	c.view = container.NewBorder(c.title, nil, nil, nil, container.NewStack(c.sizer, c.plot))
	return c
}

// set charts k beside the pinned fields.
func (c *chart) set(k chartKey) {
	c.keys = slices.Clone(c.pinned)
	if !slices.Contains(c.keys, k) && len(c.keys) < len(chartColours) {
		c.keys = append(c.keys, k)
	}
	c.draw(c.sizer.Size())
	c.m.Backfill(k.sat, k.packet, k.field) // older values, once, from the store
}

// pin keeps k on the chart.
func (c *chart) pin(k chartKey) {
	if !slices.Contains(c.pinned, k) && len(c.pinned) < len(chartColours)-1 {
		c.pinned = append(c.pinned, k)
	}
	c.set(k)
}

// unpin lets the pinned fields go: the chart shows the last selected.
func (c *chart) unpin() {
	c.pinned = nil
	if len(c.keys) > 0 {
		c.set(c.keys[len(c.keys)-1])
	}
}

func (c *chart) setSpan(d time.Duration) {
	c.span = d
	c.draw(c.sizer.Size())
}

// limitsOf is the limits in force for a field's latest value.
func (c *chart) limitsOf(k chartKey) dict.Limits {
	v, _ := c.m.Value(k.sat, k.packet, k.field)
	return v.Limits
}

func (c *chart) draw(size fyne.Size) {
	c.plot.RemoveAll()
	if len(c.keys) == 0 || size.Width < 60 || size.Height < 40 {
		c.plot.Refresh()
		return
	}
	series := make([][]Sample, len(c.keys))
	var t0, t1 time.Time
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, k := range c.keys {
		h := c.m.History(k.sat, k.packet, k.field)
		if c.span > 0 && len(h) > 0 {
			from := h[len(h)-1].At.Add(-c.span)
			h = slices.DeleteFunc(h, func(s Sample) bool { return s.At.Before(from) })
		}
		series[i] = h
		for _, s := range h {
			lo, hi = math.Min(lo, s.V), math.Max(hi, s.V)
			if t0.IsZero() || s.At.Before(t0) {
				t0 = s.At
			}
			if s.At.After(t1) {
				t1 = s.At
			}
		}
	}
	first := c.keys[0]
	if math.IsInf(lo, 1) {
		c.title.SetText(fmt.Sprintf("%d %s.%s: no values yet", first.sat, first.packet, first.field))
		c.plot.Refresh()
		return
	}
	// the first field's limits, within reach of its values, widen the
	// scale so their bands show
	lim := c.limitsOf(first)
	for _, r := range []*dict.Range{lim.Yellow, lim.Red} {
		if r == nil {
			continue
		}
		reach := math.Max(hi-lo, math.Abs(hi)*0.05+1e-9) * 2
		for _, v := range []float64{r.Lo, r.Hi} {
			if v >= lo-reach && v <= hi+reach {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	span := t1.Sub(t0).Seconds()
	if span <= 0 {
		span = 1
	}
	const left, bottom = 56, 18
	w, ht := size.Width-left-8, size.Height-bottom-8
	y := func(v float64) float32 { return 8 + float32((hi-math.Max(lo, math.Min(hi, v)))/(hi-lo))*ht }
	xy := func(s Sample) fyne.Position {
		return fyne.NewPos(left+float32(s.At.Sub(t0).Seconds()/span)*w, y(s.V))
	}
	band := func(from, to float64, col color.NRGBA) {
		if to <= lo || from >= hi {
			return
		}
		r := canvas.NewRectangle(col)
		top, bot := y(to), y(from)
		r.Move(fyne.NewPos(left, top))
		r.Resize(fyne.NewSize(w, bot-top))
		c.plot.Add(r)
	}
	yellow, red := color.NRGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0x30}, color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0x40}
	if lim.Red != nil {
		band(math.Inf(-1), lim.Red.Lo, red)
		band(lim.Red.Hi, math.Inf(1), red)
	}
	if lim.Yellow != nil {
		ylo, yhi := lim.Yellow.Lo, lim.Yellow.Hi
		rlo, rhi := math.Inf(-1), math.Inf(1)
		if lim.Red != nil {
			rlo, rhi = lim.Red.Lo, lim.Red.Hi
		}
		band(rlo, ylo, yellow)
		band(yhi, rhi, yellow)
	}
	axis := theme.Color(theme.ColorNameDisabled)
	frame := canvas.NewRectangle(color.Transparent)
	frame.StrokeColor, frame.StrokeWidth = axis, 1
	frame.Move(fyne.NewPos(left, 8))
	frame.Resize(fyne.NewSize(w, ht))
	c.plot.Add(frame)
	label := func(s string, x, y float32) {
		t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		t.TextSize = 10
		t.Move(fyne.NewPos(x, y))
		c.plot.Add(t)
	}
	label(strconv.FormatFloat(hi, 'g', 5, 64), 2, 4)
	label(strconv.FormatFloat(lo, 'g', 5, 64), 2, 8+ht-12)
	label(t0.UTC().Format("15:04:05"), left, 8+ht+2)
	label(t1.UTC().Format("15:04:05"), left+w-48, 8+ht+2)
	var titles []string
	for i, h := range series {
		k := c.keys[i]
		if len(h) == 0 {
			titles = append(titles, fmt.Sprintf("%d %s.%s: no values yet", k.sat, k.packet, k.field))
			continue
		}
		// at most one segment per horizontal pixel or two
		step := max(1, len(h)/int(max(1, w/2)))
		prev := xy(h[0])
		for j := step; j < len(h); j += step {
			p := xy(h[j])
			l := canvas.NewLine(chartColours[i])
			l.StrokeWidth = 1.5
			l.Position1, l.Position2 = prev, p
			c.plot.Add(l)
			prev = p
		}
		last := h[len(h)-1]
		titles = append(titles, fmt.Sprintf("%d %s.%s: %s %s at %s UTC (%d values over %s)", k.sat, k.packet, k.field,
			strconv.FormatFloat(last.V, 'g', 6, 64), k.units, last.At.UTC().Format("15:04:05"), len(h), last.At.Sub(h[0].At).Round(time.Second)))
	}
	c.title.SetText(strings.Join(titles, "\n"))
	c.plot.Refresh()
}
