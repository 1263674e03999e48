package gui

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// chartKey names the field a chart shows.
type chartKey struct {
	sat           int
	packet, field string
	units         string
}

// NewTelemetryPanel is the latest values over a chart of the selected
// field's values in time.
func NewTelemetryPanel(m *Model) fyne.CanvasObject {
	list := NewTelemetryView(m).(*widget.List)
	chart, sel := newChart(m)
	list.OnSelected = func(i widget.ListItemID) {
		vs := m.Values()
		if i >= 0 && i < len(vs) {
			sel(chartKey{vs[i].Sat, vs[i].Packet, vs[i].Field, vs[i].Units})
		}
	}
	split := container.NewVSplit(list, chart)
	split.Offset = 0.55
	return split
}

// newChart draws one field's history as a line against time, with its
// range and latest value; sel chooses the field.
func newChart(m *Model) (fyne.CanvasObject, func(chartKey)) {
	title := widget.NewLabel("Select a value to chart it.")
	plot := container.NewWithoutLayout()
	var key *chartKey
	var sizer *sized
	draw := func(size fyne.Size) {
		plot.RemoveAll()
		if key == nil || size.Width < 60 || size.Height < 40 {
			plot.Refresh()
			return
		}
		h := m.History(key.sat, key.packet, key.field)
		if len(h) == 0 {
			title.SetText(fmt.Sprintf("%d %s.%s: no values yet", key.sat, key.packet, key.field))
			plot.Refresh()
			return
		}
		lo, hi := h[0].V, h[0].V
		for _, s := range h {
			lo, hi = math.Min(lo, s.V), math.Max(hi, s.V)
		}
		if hi == lo {
			lo, hi = lo-1, hi+1
		}
		t0, t1 := h[0].At, h[len(h)-1].At
		span := t1.Sub(t0).Seconds()
		if span <= 0 {
			span = 1
		}
		const left, bottom = 56, 18
		w, ht := size.Width-left-8, size.Height-bottom-8
		xy := func(s Sample) fyne.Position {
			return fyne.NewPos(left+float32(s.At.Sub(t0).Seconds()/span)*w, 8+float32((hi-s.V)/(hi-lo))*ht)
		}
		axis := theme.Color(theme.ColorNameDisabled)
		frame := canvas.NewRectangle(color.Transparent)
		frame.StrokeColor, frame.StrokeWidth = axis, 1
		frame.Move(fyne.NewPos(left, 8))
		frame.Resize(fyne.NewSize(w, ht))
		plot.Add(frame)
		label := func(s string, x, y float32) {
			t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
			t.TextSize = 10
			t.Move(fyne.NewPos(x, y))
			plot.Add(t)
		}
		label(strconv.FormatFloat(hi, 'g', 5, 64), 2, 4)
		label(strconv.FormatFloat(lo, 'g', 5, 64), 2, 8+ht-12)
		label(t0.UTC().Format("15:04:05"), left, 8+ht+2)
		label(t1.UTC().Format("15:04:05"), left+w-48, 8+ht+2)
		// at most one segment per horizontal pixel or two
		step := max(1, len(h)/int(max(1, w/2)))
		line := theme.Color(theme.ColorNamePrimary)
		prev := xy(h[0])
		for i := step; i < len(h); i += step {
			p := xy(h[i])
			l := canvas.NewLine(line)
			l.StrokeWidth = 1.5
			l.Position1, l.Position2 = prev, p
			plot.Add(l)
			prev = p
		}
		last := h[len(h)-1]
		title.SetText(fmt.Sprintf("%d %s.%s: %s %s at %s UTC (%d values over %s)", key.sat, key.packet, key.field,
			strconv.FormatFloat(last.V, 'g', 6, 64), key.units, last.At.UTC().Format("15:04:05"), len(h), t1.Sub(t0).Round(time.Second)))
		plot.Refresh()
	}
	sizer = &sized{draw: draw, min: fyne.NewSize(200, 120)}
	sizer.ExtendBaseWidget(sizer)
	refresh(m, func() { draw(sizer.Size()) })
	sel := func(k chartKey) {
		key = &k
		draw(sizer.Size())
		m.Backfill(k.sat, k.packet, k.field) // older values, once, from the store
	}
	return container.NewBorder(title, nil, nil, nil, container.NewStack(sizer, plot)), sel
}

// NewRadioView shows each station's radios: the pass, the antenna's
// target and where the rotator is, the frequencies with Doppler applied,
// and the link.
func NewRadioView(m *Model) fyne.CanvasObject {
	var rows []RadioState
	table := textTable([]string{"Station", "Pass", "Az/El target", "Rotator", "Range", "Downlink (tuned)", "Uplink (tuned)", "Link"},
		[]float32{80, 190, 110, 100, 150, 215, 215, 260},
		func() int { return len(rows) },
		func(row, col int) (string, widget.Importance) { return radioCell(rows[row], m.Now(), col) })
	update := func() {
		rows = m.Radios()
		table.Refresh()
	}
	update()
	refresh(m, update)
	return table
}

// radioCell is column col of a station's row in the radio view.
func radioCell(r RadioState, now time.Time, col int) (string, widget.Importance) {
	if r.Sat == "" && col >= 2 && col <= 6 {
		return "—", widget.LowImportance
	}
	switch col {
	case 0:
		return r.Station, widget.MediumImportance
	case 1:
		switch {
		case r.Sat == "":
			return "none planned", widget.MediumImportance
		case r.InPass:
			return fmt.Sprintf("%s, LOS in %s", r.Sat, r.LOS.Sub(now).Round(time.Second)), widget.HighImportance
		}
		return fmt.Sprintf("%s, AOS in %s", r.Sat, r.AOS.Sub(now).Round(time.Second)), widget.MediumImportance
	case 2:
		return fmt.Sprintf("%5.1f° %4.1f°", r.TargetAz, r.TargetEl), widget.MediumImportance
	case 3:
		if !r.HaveActual {
			return "no rotator", widget.LowImportance
		}
		imp := widget.MediumImportance
		if r.InPass && separationDeg(r.TargetAz, r.TargetEl, r.ActualAz, r.ActualEl) > 5 {
			imp = widget.WarningImportance
		}
		return fmt.Sprintf("%5.1f° %4.1f°", r.ActualAz, r.ActualEl), imp
	case 4:
		return fmt.Sprintf("%.0f km, %+.2f km/s", r.RangeKm, r.RangeRate), widget.MediumImportance
	case 5:
		return freq(r.DownHz, r.DownTunedHz), widget.MediumImportance
	case 6:
		return freq(r.UpHz, r.UpTunedHz), widget.MediumImportance
	case 7:
		imp := widget.MediumImportance
		if strings.HasPrefix(r.TNC, "down") {
			imp = widget.DangerImportance
		}
		if r.InPass {
			return fmt.Sprintf("%s, %d frames %d packets", r.TNC, r.FramesRx, r.Packets), imp
		}
		return r.TNC, imp
	}
	return "", widget.MediumImportance
}

// freq is a nominal frequency and the tuned one with its Doppler.
func freq(nominal, tuned float64) string {
	if nominal == 0 {
		return "none"
	}
	return fmt.Sprintf("%.6f MHz (%+.0f Hz)", tuned/1e6, tuned-nominal)
}

// separationDeg is the angle between two pointings.
func separationDeg(az1, el1, az2, el2 float64) float64 {
	r := math.Pi / 180
	c := math.Sin(el1*r)*math.Sin(el2*r) + math.Cos(el1*r)*math.Cos(el2*r)*math.Cos((az1-az2)*r)
	return math.Acos(math.Max(-1, math.Min(1, c))) / r
}

// NewBundlesView lists the bundles at every node with their state and
// route, over the governance proposals with their tallies.
func NewBundlesView(m *Model) fyne.CanvasObject {
	var bundles []BundleRow
	bt := textTable([]string{"Node", "Bundle", "From → to", "Size", "State", "Route"}, []float32{90, 170, 190, 80, 90, 360},
		func() int { return len(bundles) },
		func(row, col int) (string, widget.Importance) {
			b := bundles[row]
			return []string{b.Node, short(b.ID, 18), b.Src + " → " + b.Dst, fmt.Sprintf("%d B", b.Bytes), b.State, b.Route}[col], widget.MediumImportance
		})
	var props []ProposalRow
	pt := textTable([]string{"Proposal", "Title", "Kind", "Closes (UTC)", "Yes", "No", "Not cast", "Result"}, []float32{120, 330, 90, 110, 50, 50, 80, 120},
		func() int { return len(props) },
		func(row, col int) (string, widget.Importance) {
			p := props[row]
			return []string{short(p.ID, 14), p.Title, p.Kind, p.Closes.UTC().Format("01-02 15:04"),
				strconv.Itoa(p.Yes), strconv.Itoa(p.No), strconv.Itoa(p.Abstain), p.Result}[col], widget.MediumImportance
		})
	update := func() {
		bundles, props = m.Bundles(), m.Proposals()
		bt.Refresh()
		pt.Refresh()
	}
	update()
	refresh(m, update)
	split := container.NewVSplit(
		container.NewBorder(widget.NewLabelWithStyle("Bundles", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, bt),
		container.NewBorder(widget.NewLabelWithStyle("Governance", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, pt))
	split.Offset = 0.6
	return split
}

// textTable is a table of truncating labels under a bold header row;
// cell gives each label's text and importance (its colour).
func textTable(header []string, widths []float32, rows func() int, cell func(row, col int) (string, widget.Importance)) *widget.Table {
	t := widget.NewTable(
		func() (int, int) { return rows() + 1, len(header) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("ipn:101.0")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row == 0 {
				l.TextStyle, l.Importance = fyne.TextStyle{Bold: true}, widget.MediumImportance
				l.SetText(header[id.Col])
				return
			}
			text, imp := cell(id.Row-1, id.Col)
			l.TextStyle, l.Importance = fyne.TextStyle{}, imp
			l.Text = text
			l.Refresh()
		})
	for i, w := range widths {
		t.SetColumnWidth(i, w)
	}
	return t
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
