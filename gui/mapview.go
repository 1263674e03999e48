package gui

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/ipgs/ipgs/gui/land"
)

// LatLon is a point on the Earth, degrees.
type LatLon struct{ Lat, Lon float64 }

// SatMark is a satellite on the map: where it is, its ground track ahead,
// and its footprint radius (degrees of arc from the sub-point to the
// horizon at the stations' minimum elevation).
type SatMark struct {
	Name      string
	At        LatLon
	Track     []LatLon
	Footprint float64
}

// StationMark is a ground station on the map.
type StationMark struct {
	Name string
	At   LatLon
}

// SetMap replaces the map's satellites, stations and the subsolar point.
func (m *Model) SetMap(sats []SatMark, stations []StationMark, sun LatLon) {
	m.mu.Lock()
	m.sats, m.stations, m.sun = slices.Clone(sats), slices.Clone(stations), sun
	m.mu.Unlock()
	m.changed()
}

// Map returns what the map shows.
func (m *Model) Map() ([]SatMark, []StationMark, LatLon) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sats), slices.Clone(m.stations), m.sun
}

// Map colours.
var (
	colourSea   = color.RGBA{R: 0x12, G: 0x2a, B: 0x44, A: 0xff}
	colourLand  = color.RGBA{R: 0x2e, G: 0x3b, B: 0x2c, A: 0xff}
	colourCoast = color.RGBA{R: 0x8a, G: 0xa8, B: 0x7e, A: 0xff}
	colourGrid  = color.RGBA{R: 0x4a, G: 0x5a, B: 0x6a, A: 0xff}
)

// baseMap is the sea, the land from Natural Earth (gui/land) and a
// 30-degree graticule, w by h pixels.
func baseMap(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(colourSea), image.Point{}, draw.Src)
	for lon := -150; lon < 180; lon += 30 {
		x := (lon + 180) * w / 360
		for y := 0; y < h; y++ {
			img.SetRGBA(x, y, colourGrid)
		}
	}
	for lat := -60; lat <= 60; lat += 30 {
		y := (90 - lat) * h / 180
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, colourGrid)
		}
	}
	if rings, err := land.World(); err == nil {
		land.Draw(img, rings, colourLand, colourCoast)
	}
	return img
}

// NewMapView is an equirectangular world map: land and coastlines, a
// graticule, the night side beyond the terminator, stations, satellites
// with their ground tracks and footprints.
func NewMapView(m *Model) fyne.CanvasObject {
	plot := container.NewWithoutLayout()
	var sizer *sized
	var base *canvas.Image
	var baseSize fyne.Size
	render := func(size fyne.Size) {
		plot.RemoveAll()
		w, h := size.Width, size.Height
		if w <= 0 || h <= 0 {
			return
		}
		xy := func(p LatLon) fyne.Position {
			return fyne.NewPos(float32((p.Lon+180)/360)*w, float32((90-p.Lat)/180)*h)
		}
		if base == nil || baseSize != size {
			base = canvas.NewImageFromImage(baseMap(int(w), int(h)))
			base.FillMode = canvas.ImageFillStretch
			base.ScaleMode = canvas.ImageScaleFastest
			baseSize = size
		}
		base.Resize(size)
		plot.Add(base)
		sats, stations, sun := m.Map()
		// night: for each column, the terminator latitude from the subsolar point
		decl := sun.Lat * math.Pi / 180
		night := color.NRGBA{A: 0x66}
		const cols = 90
		for i := 0; i < cols; i++ {
			lon := -180 + (float64(i)+0.5)*360/cols
			ha := (lon - sun.Lon) * math.Pi / 180
			var latT float64
			if math.Abs(decl) < 1e-6 {
				latT = 90 * math.Copysign(1, math.Cos(ha))
				if math.Cos(ha) < 0 {
					latT = -90
				}
			} else {
				latT = math.Atan(-math.Cos(ha)/math.Tan(decl)) * 180 / math.Pi
			}
			r := canvas.NewRectangle(night)
			x := float32(math.Floor(float64(i) * float64(w) / cols))
			cw := float32(math.Floor(float64(i+1)*float64(w)/cols)) - x
			if decl > 0 { // northern summer: the night lies south of the terminator
				y := float32((90 - latT) / 180 * float64(h))
				r.Move(fyne.NewPos(x, y))
				r.Resize(fyne.NewSize(cw, h-y))
			} else {
				y := float32((90 - latT) / 180 * float64(h))
				r.Move(fyne.NewPos(x, 0))
				r.Resize(fyne.NewSize(cw, y))
			}
			plot.Add(r)
		}
		for _, s := range sats {
			for i := 1; i < len(s.Track); i++ {
				a, b := s.Track[i-1], s.Track[i]
				if math.Abs(a.Lon-b.Lon) > 180 {
					continue // the track wraps at the date line
				}
				l := canvas.NewLine(color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0x90})
				l.Position1, l.Position2 = xy(a), xy(b)
				plot.Add(l)
			}
			fr := float32(s.Footprint / 360 * float64(w))
			fp := canvas.NewCircle(color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0x20})
			fp.StrokeColor, fp.StrokeWidth = color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0x80}, 1
			p := xy(s.At)
			fp.Move(fyne.NewPos(p.X-fr, p.Y-fr*h/w*2))
			fp.Resize(fyne.NewSize(2*fr, 2*fr*h/w*2))
			plot.Add(fp)
			dot := canvas.NewCircle(color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff})
			dot.Move(fyne.NewPos(p.X-3, p.Y-3))
			dot.Resize(fyne.NewSize(6, 6))
			plot.Add(dot)
			t := canvas.NewText(s.Name, theme.Color(theme.ColorNameForeground))
			t.TextSize = 10
			t.Move(fyne.NewPos(p.X+4, p.Y-6))
			plot.Add(t)
		}
		for _, s := range stations {
			p := xy(s.At)
			r := canvas.NewRectangle(color.NRGBA{R: 0x4c, G: 0xaf, B: 0x50, A: 0xff})
			r.Move(fyne.NewPos(p.X-4, p.Y-4))
			r.Resize(fyne.NewSize(8, 8))
			plot.Add(r)
			t := canvas.NewText(s.Name, color.NRGBA{R: 0x9c, G: 0xe0, B: 0xa0, A: 0xff})
			t.TextSize = 10
			t.Move(fyne.NewPos(p.X+5, p.Y+2))
			plot.Add(t)
		}
		plot.Refresh()
	}
	sizer = &sized{draw: render}
	sizer.ExtendBaseWidget(sizer)
	refresh(m, func() { render(sizer.Size()) })
	return container.NewStack(sizer, plot)
}

// FootprintDeg is the Earth-central angle from a satellite's sub-point to
// where it sits at elevation minEl (degrees), for altitude altKm.
func FootprintDeg(altKm, minEl float64) float64 {
	const re = 6378.137
	e := minEl * math.Pi / 180
	return (math.Acos(re/(re+altKm)*math.Cos(e)) - e) * 180 / math.Pi
}
