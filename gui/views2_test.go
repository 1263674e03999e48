package gui

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/station"
)

func richModel(t *testing.T) *Model {
	m := sampleModel(t)
	for i := 0; i < 120; i++ {
		m.SetValue(Value{Sat: 90001, Packet: "hk", Field: "battery", Value: 7.4 + 0.3*math.Sin(float64(i)/12), Units: "V", At: t0.Add(time.Duration(i+1) * 10 * time.Second)})
	}
	m.SetRadios([]RadioState{
		{Station: "Perth", Sat: "DRONE-02", InPass: true, AOS: t0.Add(-time.Minute), LOS: t0.Add(7 * time.Minute), TargetAz: 215, TargetEl: 31.5,
			ActualAz: 214.2, ActualEl: 30.9, HaveActual: true, RangeKm: 980, RangeRate: -5.12, DownHz: 437.8e6, DownTunedHz: 437.8e6 + 7476, UpHz: 145.9e6, UpTunedHz: 145.9e6 - 2492,
			TNC: "connected", FramesRx: 57, Packets: 55},
		{Station: "Tromso", Sat: "DRONE-05", AOS: t0.Add(25 * time.Minute), TargetAz: 12, DownHz: 435.5e6, DownTunedHz: 435.5e6 + 10012, TNC: "down: connection refused"},
	})
	m.SetBundles([]BundleRow{
		{Node: "Tromso", ID: "ipn:1.1-880106400000-1", Src: "ipn:1.1", Dst: "ipn:2.1", Bytes: 60055, State: "in flight", Route: "DRONE-10 12:03–12:11, Wallops 13:45"},
		{Node: "DRONE-10", ID: "ipn:3.1-880106000000-4", Src: "ipn:3.1", Dst: "ipn:1.1", Bytes: 812, State: "queued", Route: "Tromso 12:40"},
	})
	m.SetProposals([]ProposalRow{{ID: "9f2c61d0a4b3e5f7", Title: "Raise the power budget", Kind: "parameter", Closes: t0.Add(6 * time.Hour), Yes: 7, No: 2, Abstain: 1, Result: "open"}})
	return m
}

// TestTelemetryChart: selecting a value charts its history.
func TestTelemetryChart(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	panel := NewTelemetryPanel(m)
	w := test.NewWindow(panel)
	defer w.Close()
	w.Resize(fyne.NewSize(520, 460))
	list := panelList(t, panel)
	list.Select(0) // 90001 hk.battery
	if h := m.History(90001, "hk", "battery"); len(h) != 121 {
		t.Fatalf("history of %d values, want 121 (120 charted and the sample model's one)", len(h))
	}
	found := false
	for _, o := range test.LaidOutObjects(panel) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "90001 hk.battery: ") && strings.Contains(l.Text, "121 values") {
			found = true
		}
	}
	if !found {
		t.Error("no chart title for the selected battery voltage")
	}
	test.AssertImageMatches(t, "chart.png", w.Canvas().Capture())
}

// panelList is the telemetry panel's list of values.
func panelList(t *testing.T, panel fyne.CanvasObject) *widget.List {
	for _, o := range test.LaidOutObjects(panel) {
		if l, ok := o.(*widget.List); ok {
			return l
		}
	}
	t.Fatal("no list of values")
	return nil
}

// TestTelemetryFilterAndBands: the satellite selector and the filter
// narrow the list; a value not updated for three of its periods is
// grey and says how stale it is; the chart shades the first field's
// yellow and red bands and draws a second field added to it in its own
// colour.
func TestTelemetryFilterAndBands(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	lim := dict.Limits{Yellow: &dict.Range{Lo: 6.9, Hi: 8.45}, Red: &dict.Range{Lo: 6.4, Hi: 8.6}}
	m.SetValue(Value{Sat: 90001, Packet: "hk", Field: "battery", Value: 7.5, Units: "V", Limits: lim, At: t0.Add(1300 * time.Second)})
	for i := range 10 {
		m.SetValue(Value{Sat: 90001, Packet: "hk", Field: "soc", Value: 50 + float64(i), Units: "%", At: t0.Add(time.Duration(1200+10*i) * time.Second)})
	}
	m.SetNow(t0.Add(1300 * time.Second)) // 90002's values are from t0: stale
	panel := NewTelemetryPanel(m)
	w := test.NewWindow(panel)
	defer w.Close()
	w.Resize(fyne.NewSize(700, 560))
	var sel *widget.Select
	var filter *widget.Entry
	var add *widget.Button
	for _, o := range test.LaidOutObjects(panel) {
		switch x := o.(type) {
		case *widget.Select:
			if sel == nil {
				sel = x
			}
		case *widget.Entry:
			filter = x
		case *widget.Button:
			if x.Text == "Add" {
				add = x
			}
		}
	}
	if sel == nil || filter == nil || add == nil {
		t.Fatal("no satellite selector, filter or Add button")
	}
	list := panelList(t, panel)
	if list.Length() != 4 {
		t.Fatalf("%d rows for every satellite, want 4", list.Length())
	}
	sel.SetSelected("DRONE-02 (90002)")
	if list.Length() != 2 {
		t.Fatalf("%d rows for DRONE-02, want 2", list.Length())
	}
	stale := false
	for _, o := range test.LaidOutObjects(list) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "stale 21m") {
			stale = true
		}
	}
	if !stale {
		t.Error("DRONE-02's 21-minute-old values are not marked stale")
	}
	sel.SetSelected("All satellites")
	test.Type(filter, "batt")
	if list.Length() != 1 {
		t.Fatalf("%d rows for 'batt', want 1", list.Length())
	}
	list.Select(0)
	test.Tap(add) // keep the battery on the chart
	filter.SetText("soc")
	list.Select(0)
	bands, colours := 0, map[color.Color]bool{}
	for _, o := range test.LaidOutObjects(panel) {
		switch x := o.(type) {
		case *canvas.Rectangle:
			if x.FillColor == (color.NRGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0x30}) || x.FillColor == (color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0x40}) {
				bands++
			}
		case *canvas.Line:
			colours[x.StrokeColor] = true
		}
	}
	if bands < 2 {
		t.Errorf("%d limit bands on the battery chart, want the yellow and red ones", bands)
	}
	if len(colours) < 2 {
		t.Errorf("%d line colours with soc added, want 2", len(colours))
	}
}

// TestChartBackfill: selecting a value fetches its older values once from
// the store (or an attached station); they go in ahead of the live ones,
// without repeating any.
func TestChartBackfill(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	live := m.History(90001, "hk", "battery")
	calls := 0
	m.SetBackfill(func(sat int, packet, field string) ([]Sample, error) {
		calls++
		if sat != 90001 || packet != "hk" || field != "battery" {
			return nil, fmt.Errorf("asked for %d %s.%s", sat, packet, field)
		}
		var out []Sample
		for i := 0; i < 300; i++ { // 300 older values, then 10 the model has live
			out = append(out, Sample{live[0].At.Add(time.Duration(i-300) * time.Minute), 7 + float64(i)/1000})
		}
		return append(out, live[:10]...), nil
	})
	panel := NewTelemetryPanel(m)
	w := test.NewWindow(panel)
	defer w.Close()
	list := panelList(t, panel)
	list.Select(0)
	var h []Sample
	for i := 0; i < 200 && len(h) != 300+len(live); i++ {
		time.Sleep(10 * time.Millisecond)
		h = m.History(90001, "hk", "battery")
	}
	if len(h) != 300+len(live) {
		t.Fatalf("history of %d values after the backfill, want %d", len(h), 300+len(live))
	}
	for i := 1; i < len(h); i++ {
		if !h[i].At.After(h[i-1].At) {
			t.Fatalf("value %d at %s is not after %s", i, h[i].At, h[i-1].At)
		}
	}
	list.Unselect(0)
	list.Select(0)
	time.Sleep(50 * time.Millisecond)
	if calls != 1 {
		t.Errorf("the store was asked %d times, want once", calls)
	}
}

func TestRadioView(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	var asked []string
	m.SetRadioControl(func(st string, req station.Manual) error {
		asked = append(asked, st+" "+req.Action+" "+req.Operator)
		return nil
	})
	m.SetOperator("ana")
	w := test.NewWindow(NewRadioView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(1480, 300))
	test.AssertImageMatches(t, "radio.png", w.Canvas().Capture())
	for _, o := range test.LaidOutObjects(w.Content()) {
		if b, ok := o.(*widget.Button); ok && (b.Text == "Park" || b.Text == "Resume tracking") {
			test.Tap(b)
		}
	}
	if strings.Join(asked, ",") != "Perth park ana,Perth resume ana" {
		t.Errorf("the controls asked %q", asked)
	}
	var texts []string
	for _, r := range m.Radios() {
		for col := range 8 {
			s, _ := radioCell(r, m.Now(), col)
			texts = append(texts, s)
		}
	}
	all := strings.Join(texts, "|")
	if _, imp := radioCell(m.Radios()[1], m.Now(), 7); imp != widget.DangerImportance {
		t.Error("a TNC that is down is not shown as danger")
	}
	for _, want := range []string{"437.807476 MHz (+7476 Hz)", "145.897508 MHz (-2492 Hz)", "DRONE-02, LOS in 7m0s", "214.2° 30.9°", "down: connection refused", "connected, 57 frames 55 packets"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in the radio view: %s", want, all)
		}
	}
}

func TestBundlesView(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	w := test.NewWindow(NewBundlesView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(1000, 300))
	test.AssertImageMatches(t, "bundles.png", w.Canvas().Capture())
}

// TestSkyLive: the sky plot marks where the satellite is and where the
// rotator points during the pass.
func TestSkyLive(t *testing.T) {
	test.NewTempApp(t)
	m := richModel(t)
	w := test.NewWindow(NewSkyView(m))
	defer w.Close()
	w.Resize(fyne.NewSize(320, 340))
	time.Sleep(150 * time.Millisecond) // the throttled refresh
	test.AssertImageMatches(t, "sky-live.png", w.Canvas().Capture())
}

// TestShortcutsAndLayout: Ctrl+4 selects the radio view, the choice
// survives a new window on the same preferences, and Ctrl+Shift+A
// acknowledges every open alarm.
func TestShortcutsAndLayout(t *testing.T) {
	a := test.NewTempApp(t)
	m := richModel(t)
	var acked []string
	m.SetAlarms([]telemetry.Alarm{{ID: "90002/hk/temp", Sat: 90002, Severity: string(dict.Red)}, {ID: "90001/hk/soc", Sat: 90001, Severity: "yellow"}},
		func(id, who string) error { acked = append(acked, id); return nil })
	w := test.NewWindow(nil)
	w.SetContent(NewMain(m, w, nil))
	sc := w.Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.Key4, Modifier: fyne.KeyModifierShortcutDefault})
	if got := a.Preferences().Int(prefTab); got != 3 {
		t.Fatalf("Ctrl+4: tab preference %d, want 3 (Radio)", got)
	}
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyA, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
	if len(acked) != 2 {
		t.Errorf("Ctrl+Shift+A acknowledged %v", acked)
	}
	w.Close()
	w2 := test.NewWindow(nil)
	defer w2.Close()
	w2.SetContent(NewMain(m, w2, nil))
	var tabs *container.AppTabs
	for _, o := range test.LaidOutObjects(w2.Content()) {
		if x, ok := o.(*container.AppTabs); ok {
			tabs = x
		}
	}
	if tabs == nil || tabs.Selected().Text != "Radio" {
		t.Fatalf("after a restart the selected tab is %v, want Radio", tabs.Selected().Text)
	}
}
