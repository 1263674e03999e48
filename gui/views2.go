package gui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

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
	return container.NewBorder(nil, newRadioControls(m), nil, nil, table)
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
