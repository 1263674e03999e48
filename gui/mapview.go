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
func baseMap(w, h int) *image.RGBA {
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
// with their ground tracks and footprints. Everything but the labels is
// painted into one image per frame, so hundreds of satellites with their
// tracks stay cheap to draw.
func NewMapView(m *Model) fyne.CanvasObject {
	plot := container.NewWithoutLayout()
	var sizer *sized
	var base *image.RGBA
	var frame *image.RGBA
	img := canvas.NewImageFromImage(nil)
	img.FillMode = canvas.ImageFillStretch
	img.ScaleMode = canvas.ImageScaleFastest
	render := func(size fyne.Size) {
		plot.RemoveAll()
		w, h := size.Width, size.Height
		if w < 1 || h < 1 {
			return
		}
		pw, ph := int(w), int(h)
		if base == nil || base.Bounds().Dx() != pw || base.Bounds().Dy() != ph {
			base = baseMap(pw, ph)
			frame = image.NewRGBA(base.Bounds())
		}
		copy(frame.Pix, base.Pix)
		sats, stations, sun := m.Map()
		paintNight(frame, sun)
		px := func(p LatLon) (float64, float64) {
			return (p.Lon + 180) / 360 * float64(pw), (90 - p.Lat) / 180 * float64(ph)
		}
		trackC := color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0x90}
		footC := color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0x70}
		for _, s := range sats {
			for i := 1; i < len(s.Track); i++ {
				a, b := s.Track[i-1], s.Track[i]
				if math.Abs(a.Lon-b.Lon) > 180 {
					continue // the track wraps at the date line
				}
				x0, y0 := px(a)
				x1, y1 := px(b)
				blendLine(frame, x0, y0, x1, y1, trackC)
			}
			// the footprint's outline, a circle on the globe: its edge at
			// each bearing, by spherical trigonometry
			if s.Footprint > 0 {
				lat1, lon1, d := s.At.Lat*math.Pi/180, s.At.Lon*math.Pi/180, s.Footprint*math.Pi/180
				var px0, py0 float64
				for k := 0; k <= 48; k++ {
					brg := float64(k) * 2 * math.Pi / 48
					lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(brg))
					lon2 := lon1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
					lon := math.Mod(lon2*180/math.Pi+540, 360) - 180
					x, y := px(LatLon{lat2 * 180 / math.Pi, lon})
					if k > 0 && math.Abs(x-px0) < float64(pw)/2 {
						blendLine(frame, px0, py0, x, y, footC)
					}
					px0, py0 = x, y
				}
			}
			x, y := px(s.At)
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					if dx*dx+dy*dy <= 5 {
						blend(frame, int(x)+dx, int(y)+dy, color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff})
					}
				}
			}
		}
		img.Image = frame
		img.Resize(size)
		img.Refresh()
		plot.Add(img)
		xy := func(p LatLon) fyne.Position {
			x, y := px(p)
			return fyne.NewPos(float32(x), float32(y))
		}
		if len(sats) <= 60 { // names only while they can be read
			for _, s := range sats {
				p := xy(s.At)
				t := canvas.NewText(s.Name, theme.Color(theme.ColorNameForeground))
				t.TextSize = 10
				t.Move(fyne.NewPos(p.X+4, p.Y-6))
				plot.Add(t)
			}
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

// paintNight darkens the side of the Earth the Sun does not light: each
// pixel whose angle from the subsolar point exceeds 90 degrees.
func paintNight(img *image.RGBA, sun LatLon) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	sl, sc := math.Sincos(sun.Lat * math.Pi / 180)
	cosLon := make([]float64, w)
	for x := range cosLon {
		cosLon[x] = math.Cos(((float64(x)+0.5)*360/float64(w) - 180 - sun.Lon) * math.Pi / 180)
	}
	for y := 0; y < h; y++ {
		pl, pc := math.Sincos((90 - (float64(y)+0.5)*180/float64(h)) * math.Pi / 180)
		a, c := sl*pl, sc*pc
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x, cl := range cosLon {
			if a+c*cl < 0 {
				p := row[4*x : 4*x+3 : 4*x+3]
				p[0], p[1], p[2] = uint8(uint16(p[0])*3/5), uint8(uint16(p[1])*3/5), uint8(uint16(p[2])*3/5)
			}
		}
	}
}

// blend paints c over the pixel at x, y by its alpha.
func blend(img *image.RGBA, x, y int, c color.NRGBA) {
	if !(image.Point{x, y}.In(img.Bounds())) {
		return
	}
	o := img.PixOffset(x, y)
	p := img.Pix[o : o+3 : o+3]
	a := uint32(c.A)
	p[0] = uint8((uint32(c.R)*a + uint32(p[0])*(255-a)) / 255)
	p[1] = uint8((uint32(c.G)*a + uint32(p[1])*(255-a)) / 255)
	p[2] = uint8((uint32(c.B)*a + uint32(p[2])*(255-a)) / 255)
}

// blendLine draws a one-pixel line blended by c's alpha.
func blendLine(img *image.RGBA, x0, y0, x1, y1 float64, c color.NRGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	if n > 1<<14 {
		return
	}
	for i := 0; i < n; i++ {
		u := float64(i) / float64(n)
		blend(img, int(x0+u*(x1-x0)), int(y0+u*(y1-y0)), c)
	}
}

// FootprintDeg is the Earth-central angle from a satellite's sub-point to
// where it sits at elevation minEl (degrees), for altitude altKm.
func FootprintDeg(altKm, minEl float64) float64 {
	const re = 6378.137
	e := minEl * math.Pi / 180
	return (math.Acos(re/(re+altKm)*math.Cos(e)) - e) * 180 / math.Pi
}
