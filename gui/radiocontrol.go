package gui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/ipgs/ipgs/uplink/station"
)

// RadioControl carries out an operator's hand on a station's radios.
type RadioControl func(stationName string, m station.Manual) error

// SetRadioControl says how the Radio tab's controls reach the stations
// (nil: they cannot: no radios in this window).
func (m *Model) SetRadioControl(c RadioControl) {
	m.mu.Lock()
	m.radioControl = c
	m.mu.Unlock()
	m.changed()
}

func (m *Model) radioCtl() RadioControl {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.radioControl
}

// newRadioControls are the Radio tab's controls: for the chosen station,
// park, stop or point the rotator (held until resume or the next pass),
// nudge the downlink, or set a satellite's offset for its next passes.
func newRadioControls(m *Model) fyne.CanvasObject {
	stations := widget.NewSelect(nil, nil)
	fill := func() {
		var names []string
		for _, r := range m.Radios() {
			names = append(names, r.Station)
		}
		if strings.Join(names, ",") != strings.Join(stations.Options, ",") {
			stations.Options = names
			if stations.Selected == "" && len(names) > 0 {
				stations.SetSelected(names[0])
			}
			stations.Refresh()
		}
	}
	fill()
	refresh(m, fill)
	status := widget.NewLabel("")
	do := func(req station.Manual) {
		ctl := m.radioCtl()
		if ctl == nil {
			status.SetText("no radios to take in hand here: attach to a station run with --rig or --rotator (ipgs gui --attach)")
			return
		}
		req.Operator = m.Operator()
		if err := req.Check(); err != nil {
			status.SetText(err.Error())
			return
		}
		if err := ctl(stations.Selected, req); err != nil {
			status.SetText(fmt.Sprintf("%s %s: %v", stations.Selected, req.Action, err))
			return
		}
		status.SetText(fmt.Sprintf("%s: %s done", stations.Selected, req.Action))
	}
	num := func(e *widget.Entry) float64 {
		v, _ := strconv.ParseFloat(strings.TrimSpace(e.Text), 64)
		return v
	}
	az, el := widget.NewEntry(), widget.NewEntry()
	az.SetPlaceHolder("az°")
	el.SetPlaceHolder("el°")
	hz := widget.NewEntry()
	hz.SetPlaceHolder("Hz")
	sat := widget.NewEntry()
	sat.SetPlaceHolder("NORAD")
	size := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	rotator := container.NewHBox(widget.NewLabel("Rotator"),
		widget.NewButton("Park", func() { do(station.Manual{Action: "park"}) }),
		widget.NewButton("Stop", func() { do(station.Manual{Action: "stop"}) }),
		size(az, 70), size(el, 70),
		widget.NewButton("Point", func() { do(station.Manual{Action: "point", Az: num(az), El: num(el)}) }),
		widget.NewButton("Resume tracking", func() { do(station.Manual{Action: "resume"}) }))
	freq := container.NewHBox(widget.NewLabel("Downlink"),
		widget.NewButton("−500 Hz", func() { do(station.Manual{Action: "nudge", Hz: -500}) }),
		widget.NewButton("+500 Hz", func() { do(station.Manual{Action: "nudge", Hz: 500}) }),
		size(sat, 80), size(hz, 80),
		widget.NewButton("Keep offset", func() { do(station.Manual{Action: "offset", Sat: int(num(sat)), Hz: num(hz)}) }))
	return container.NewVBox(widget.NewSeparator(), container.NewHBox(widget.NewLabel("Station"), stations), rotator, freq, status)
}
