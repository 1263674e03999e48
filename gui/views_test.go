package gui

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func sampleModel(t *testing.T) *Model {
	m := NewModel()
	m.SetNow(t0)
	var track [][2]float64
	for i := 0; i <= 20; i++ {
		track = append(track, [2]float64{200 + 8*float64(i), 60 * (1 - float64((i-10)*(i-10))/100)})
	}
	m.SetPasses([]Pass{
		{Station: "Tromso", Sat: 90001, Name: "DRONE-01", Start: t0.Add(-20 * time.Minute), End: t0.Add(-12 * time.Minute), MaxEl: 35, Done: true, Packets: 412},
		{Station: "Perth", Sat: 90002, Name: "DRONE-02", Start: t0.Add(-time.Minute), End: t0.Add(7 * time.Minute), MaxEl: 60, Track: track},
		{Station: "Wallops", Sat: 90003, Name: "DRONE-03", Start: t0.Add(30 * time.Minute), End: t0.Add(38 * time.Minute), MaxEl: 18},
	})
	m.SetValue(Value{Sat: 90001, Packet: "hk", Field: "battery", Value: 7.412, Units: "V", Severity: dict.Nominal, At: t0})
	m.SetValue(Value{Sat: 90001, Packet: "hk", Field: "soc", Value: 18, Units: "%", Severity: dict.Yellow, At: t0})
	m.SetValue(Value{Sat: 90002, Packet: "hk", Field: "temp", Value: 63.5, Units: "degC", Severity: dict.Red, At: t0})
	m.SetValue(Value{Sat: 90002, Packet: "hk", Field: "mode", Text: "SAFE", At: t0})
	return m
}

func TestPassesView(t *testing.T) {
	test.NewTempApp(t)
	m := sampleModel(t)
	w := test.NewWindow(NewPassesView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(640, 200))
	test.AssertImageMatches(t, "passes.png", w.Canvas().Capture())
}

func TestTelemetryViewColoursByLimits(t *testing.T) {
	test.NewTempApp(t)
	m := sampleModel(t)
	list := NewTelemetryView(m).(*widget.List)
	w := test.NewWindow(list)
	defer w.Close()
	w.Resize(fyne.NewSize(400, 220))
	test.AssertImageMatches(t, "telemetry.png", w.Canvas().Capture())
	// the red temperature is drawn red
	found := false
	for _, o := range test.LaidOutObjects(list) {
		if c, ok := o.(*canvas.Circle); ok && c.FillColor == colourRed {
			found = true
		}
	}
	if !found {
		t.Error("no red limit marker for the 63.5 degC temperature")
	}
}

func TestSkyView(t *testing.T) {
	test.NewTempApp(t)
	m := sampleModel(t)
	w := test.NewWindow(NewSkyView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(320, 320))
	test.AssertImageMatches(t, "sky.png", w.Canvas().Capture())
}

func TestAlarmAcknowledge(t *testing.T) {
	test.NewTempApp(t)
	m := sampleModel(t)
	var acked []string
	alarm := telemetry.Alarm{ID: "90002/hk/temp", Sat: 90002, Severity: "red", Value: 63.5, Units: "degC", Raised: t0}
	m.SetAlarms([]telemetry.Alarm{alarm}, func(id, who string) error {
		acked = append(acked, id+" by "+who)
		return nil
	})
	w := test.NewWindow(NewAlarmsView(m, nil))
	defer w.Close()
	w.Resize(fyne.NewSize(600, 120))
	test.AssertImageMatches(t, "alarms.png", w.Canvas().Capture())
	var ack *widget.Button
	for _, o := range test.LaidOutObjects(w.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Acknowledge" {
			ack = b
		}
	}
	if ack == nil {
		t.Fatal("no Acknowledge button")
	}
	test.Tap(ack)
	if len(acked) != 1 || acked[0] != "90002/hk/temp by operator" {
		t.Fatalf("acknowledged %v", acked)
	}
}

// The commanding form validates as typed: a bad argument queues nothing
// and says why; a good one is queued into the history.
func TestCommandForm(t *testing.T) {
	test.NewTempApp(t)
	d, err := command.ParseDictionary([]byte(command.ExampleDictionary), "built-in")
	if err != nil {
		t.Fatal(err)
	}
	h, err := command.OpenHistory(filepath.Join(t.TempDir(), "commands.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	m := sampleModel(t)
	m.SetCommanding(d, h)
	w := test.NewWindow(NewCommandView(m, nil, map[string]int{"DRONE-01": 90001}))
	defer w.Close()
	w.Resize(fyne.NewSize(600, 400))
	var selects []*widget.Select
	for _, o := range test.LaidOutObjects(w.Content()) {
		if s, ok := o.(*widget.Select); ok {
			selects = append(selects, s)
		}
	}
	if len(selects) != 2 {
		t.Fatalf("%d selects", len(selects))
	}
	selects[1].SetSelected("SET_HK_PERIOD")
	entry, queue, status := findForm(t, w)
	test.Type(entry, "0")
	test.Tap(queue)
	if cmds, _ := h.Commands(); len(cmds) != 0 || !strings.Contains(status.Text, "seconds") {
		t.Fatalf("a bad argument: %d queued, status %q", len(cmds), status.Text)
	}
	entry.SetText("")
	test.Type(entry, "15")
	test.Tap(queue)
	cmds, _ := h.Commands()
	if len(cmds) != 1 || cmds[0].Name != "SET_HK_PERIOD" || cmds[0].Sat != 90001 || !strings.Contains(status.Text, "queued command") {
		t.Fatalf("queued %d, status %q", len(cmds), status.Text)
	}
}

func findForm(t *testing.T, w fyne.Window) (*widget.Entry, *widget.Button, *widget.Label) {
	var e *widget.Entry
	var b *widget.Button
	var status *widget.Label
	for _, o := range test.LaidOutObjects(w.Content()) {
		switch x := o.(type) {
		case *widget.Entry:
			if e == nil {
				e = x
			}
		case *widget.Button:
			if x.Text == "Queue" {
				b = x
			}
		case *widget.Label:
			if x.Text == "" && status == nil {
				status = x
			}
		}
	}
	if e == nil || b == nil || status == nil {
		t.Fatal("form incomplete")
	}
	return e, b, status
}

func TestMapView(t *testing.T) {
	test.NewTempApp(t)
	m := sampleModel(t)
	var track []LatLon
	for i := 0; i < 60; i++ {
		track = append(track, LatLon{Lat: 70 * math.Sin(float64(i)/10), Lon: -150 + 6*float64(i)})
	}
	m.SetMap([]SatMark{{Name: "DRONE-01", At: track[0], Track: track, Footprint: FootprintDeg(550, 10)}},
		[]StationMark{{"Tromso", LatLon{69.66, 18.94}}, {"Wallops", LatLon{37.94, -75.46}}, {"Perth", LatLon{-31.95, 115.86}}},
		LatLon{Lat: -20.1, Lon: 0})
	w := test.NewWindow(NewMapView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(720, 360))
	test.AssertImageMatches(t, "map.png", w.Canvas().Capture())
	if fp := FootprintDeg(550, 10); fp < 14.5 || fp > 15.5 { // 14.96°
		t.Errorf("footprint of a 550 km satellite at 10°: %.1f°", fp)
	}
}
