package gui

import (
	"fmt"
	"math"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/telemetry/dict"
)

// BenchmarkFrame is one frame of the busiest screen the issue names: 500
// satellites with 90-minute ground tracks and footprints on the map, and
// a second of telemetry at 1,000 values/s into the model, at 1100 x 700.
// draw-ms/frame is ipgs's share (the model, the map's image, Fyne's
// layout), held to the 50 ms frame budget (draw/budget); paint-ms/frame
// is the headless test driver's software painter, which a window
// replaces with OpenGL, reported for reference.
func BenchmarkFrame(b *testing.B) {
	test.NewTempApp(b)
	m := NewModel()
	m.SetNow(t0)
	sats := make([]SatMark, 500)
	place := func(k int) {
		for i := range sats {
			ph := float64(i)*0.7 + float64(k)*0.01
			s := SatMark{Name: fmt.Sprintf("SAT-%03d", i), Footprint: FootprintDeg(550, 10)}
			for j := 0; j <= 90; j++ {
				a := ph + float64(j)*2*math.Pi/95
				lon := math.Mod(float64(i)*7+float64(j)*3.8+float64(k)*0.06+540, 360) - 180
				s.Track = append(s.Track, LatLon{Lat: 53 * math.Sin(a), Lon: lon})
			}
			s.At = s.Track[0]
			sats[i] = s
		}
		m.SetMap(sats, []StationMark{{"Tromso", LatLon{69.66, 18.94}}}, LatLon{-20, float64(k)})
	}
	place(0)
	w := test.NewWindow(NewMain(m, nil, nil))
	defer w.Close()
	w.Resize(fyne.NewSize(1100, 700))
	var view *sized
	for _, o := range test.LaidOutObjects(w.Content()) {
		if s, ok := o.(*sized); ok && view == nil {
			view = s // the map, the first tab
		}
	}
	if view == nil {
		b.Fatal("no map")
	}
	// frames are drawn here, one after another, not by the throttled
	// refresh's timers (in a test app those run on their own goroutines)
	m.mu.Lock()
	m.listeners = nil
	m.mu.Unlock()
	b.ResetTimer()
	var drawT, paintT time.Duration
	for k := 0; k < b.N; k++ {
		t := time.Now()
		for v := 0; v < 1000; v++ {
			m.SetValue(Value{Sat: 90000 + v%500, Packet: "hk", Field: fmt.Sprint("f", v%20), Value: float64(v), Severity: dict.Nominal, At: t0.Add(time.Duration(k) * time.Second)})
		}
		place(k)
		view.draw(view.Size())
		drawT += time.Since(t)
		t = time.Now()
		w.Canvas().Capture()
		paintT += time.Since(t)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(drawT), "draw-ms/frame")
	b.ReportMetric(ms(drawT)/50, "draw/budget")
	b.ReportMetric(ms(paintT), "paint-ms/frame")
}

// BenchmarkOrbits is the map's other half: SGP4 for 500 satellites, each
// placed now with a 90-minute ground track (91 points), as the app does
// for every map update (5 a second, on its own goroutine, not the UI's).
// orbit-ms/update is held to the 200 ms between updates (orbit/period).
func BenchmarkOrbits(b *testing.B) {
	var sats []Orbiting
	for i := 0; i < 500; i++ {
		e := &tle.Elements{Name: fmt.Sprintf("SAT-%03d", i), CatalogNumber: 90000 + i, Epoch: t0, BStar: 4e-5,
			Inclination: 53 + float64(i%5)*10, RAAN: float64(i) * 7.3, Eccentricity: 2e-4, ArgPerigee: 90,
			MeanAnomaly: float64(i) * 37.1, MeanMotion: 15.05 + float64(i%7)*0.1}
		p, err := sgp4.New(e)
		if err != nil {
			b.Fatal(err)
		}
		sats = append(sats, Orbiting{Name: e.Name, Prop: p})
	}
	// the app's updates, 200 ms apart at 100x (20 virtual seconds each),
	// against computing every track afresh (SatMarks)
	tr := NewTracker(sats)
	tr.Marks(t0)
	b.ResetTimer()
	var trackT, freshT time.Duration
	for k := 0; k < b.N; k++ {
		at := t0.Add(time.Duration(k+1) * 20 * time.Second)
		s := time.Now()
		marks := tr.Marks(at)
		trackT += time.Since(s)
		if len(marks) != 500 || len(marks[0].Track) != 91 {
			b.Fatalf("%d marks, %d track points", len(marks), len(marks[0].Track))
		}
		s = time.Now()
		SatMarks(at, sats)
		freshT += time.Since(s)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(trackT), "orbit-ms/update")
	b.ReportMetric(ms(trackT)/200, "orbit/period")
	b.ReportMetric(ms(freshT), "fresh-ms/update")
}
