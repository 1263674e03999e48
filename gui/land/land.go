// Package land is the world's coastlines for the map: Natural Earth's
// land polygons at 1:110m (world-atlas's TopoJSON, embedded), decoded to
// rings of longitude/latitude, and drawn filled and outlined onto an
// equirectangular image.
package land

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"sync"
)

//go:embed land-110m.json
var land110m []byte

// Point is longitude, latitude in degrees.
type Point struct{ Lon, Lat float64 }

// Ring is a closed outline: a polygon's exterior or one of its holes.
type Ring []Point

// topology is the part of TopoJSON this package reads.
type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][]float64       `json:"arcs"`
	Objects map[string]geometry `json:"objects"`
}

type geometry struct {
	Type       string          `json:"type"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []geometry      `json:"geometries"`
}

// Error says what in a TopoJSON document is wrong and where.
type Error struct {
	Where, Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("topojson: %s: %s", e.Where, e.Msg) }

// Parse decodes the polygons of object name in a TopoJSON document into
// rings (exteriors and holes alike; an even-odd fill tells them apart).
func Parse(b []byte, name string) ([]Ring, error) {
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, &Error{"document", err.Error()}
	}
	if t.Type != "Topology" {
		return nil, &Error{"type", fmt.Sprintf("%q, want Topology", t.Type)}
	}
	obj, ok := t.Objects[name]
	if !ok {
		return nil, &Error{"objects", fmt.Sprintf("no object %q", name)}
	}
	arcs := make([][]Point, len(t.Arcs))
	for i, a := range t.Arcs {
		var x, y float64
		for j, p := range a {
			if len(p) < 2 {
				return nil, &Error{fmt.Sprintf("arcs[%d][%d]", i, j), "a position needs two numbers"}
			}
			q := Point{p[0], p[1]}
			if t.Transform != nil { // quantized: delta-encoded integers
				x, y = x+p[0], y+p[1]
				q = Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
			}
			if math.IsNaN(q.Lon) || math.IsNaN(q.Lat) || math.Abs(q.Lon) > 540 || math.Abs(q.Lat) > 90.001 {
				return nil, &Error{fmt.Sprintf("arcs[%d][%d]", i, j), fmt.Sprintf("position %v is not on the Earth", q)}
			}
			arcs[i] = append(arcs[i], q)
		}
	}
	var out []Ring
	if err := collect(&out, obj, arcs, "objects."+name, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// collect appends geometry g's rings.
func collect(out *[]Ring, g geometry, arcs [][]Point, where string, depth int) error {
	if depth > 8 {
		return &Error{where, "geometry collections nested too deep"}
	}
	switch g.Type {
	case "GeometryCollection":
		for i, c := range g.Geometries {
			if err := collect(out, c, arcs, fmt.Sprintf("%s.geometries[%d]", where, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return &Error{where + ".arcs", "want a list of rings of arc indexes"}
		}
		return rings2(out, [][][]int{rings}, arcs, where)
	case "MultiPolygon":
		var polys [][][]int
		if err := json.Unmarshal(g.Arcs, &polys); err != nil {
			return &Error{where + ".arcs", "want a list of polygons of rings of arc indexes"}
		}
		return rings2(out, polys, arcs, where)
	case "", "Point", "MultiPoint", "LineString", "MultiLineString":
		return nil // no area
	}
	return &Error{where + ".type", fmt.Sprintf("unknown geometry type %q", g.Type)}
}

// rings2 stitches each ring from its arcs: a negative index ~i is arc i
// reversed, and each arc after the first starts where the last ended.
func rings2(out *[]Ring, polys [][][]int, arcs [][]Point, where string) error {
	for p, rings := range polys {
		for r, idx := range rings {
			var ring Ring
			for k, i := range idx {
				rev := i < 0
				if rev {
					i = ^i
				}
				if i >= len(arcs) {
					return &Error{fmt.Sprintf("%s.arcs[%d][%d][%d]", where, p, r, k), fmt.Sprintf("arc %d of %d", i, len(arcs))}
				}
				a := arcs[i]
				if rev {
					a = slices.Clone(a)
					slices.Reverse(a)
				}
				if len(ring) > 0 && len(a) > 0 {
					a = a[1:]
				}
				ring = append(ring, a...)
			}
			if len(ring) >= 3 {
				*out = append(*out, unwrap(ring))
			}
		}
	}
	return nil
}

// unwrap makes a ring's longitudes continuous, so a ring that crosses
// the antimeridian (Chukotka, Fiji) runs past ±180 instead of jumping
// across the map; a ring that goes all the way round (Antarctica) is
// closed along the pole.
func unwrap(r Ring) Ring {
	for k := 1; k < len(r); k++ {
		for r[k].Lon-r[k-1].Lon > 180 {
			r[k].Lon -= 360
		}
		for r[k].Lon-r[k-1].Lon < -180 {
			r[k].Lon += 360
		}
	}
	first, last := r[0], r[len(r)-1]
	if math.Abs(last.Lon-first.Lon) > 180 {
		pole := 90.0
		if first.Lat < 0 {
			pole = -90
		}
		r = append(r, Point{last.Lon, pole}, Point{first.Lon, pole})
	}
	return r
}

// copies are the longitude shifts at which ring r shows on a map from
// -180 to 180.
func copies(r Ring) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range r {
		lo, hi = math.Min(lo, p.Lon), math.Max(hi, p.Lon)
	}
	var out []float64
	for _, k := range []float64{-360, 0, 360} {
		if hi+k > -180 && lo+k < 180 {
			out = append(out, k)
		}
	}
	return out
}

// contains is the even-odd test of p against rings.
func contains(rings []Ring, p Point) bool {
	in := false
	for _, r := range rings {
		for _, k := range copies(r) {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < a.Lon+k+(p.Lat-a.Lat)/(b.Lat-a.Lat)*(b.Lon-a.Lon) {
					in = !in
				}
			}
		}
	}
	return in
}

// World is the embedded land at 1:110m.
var World = sync.OnceValues(func() ([]Ring, error) { return Parse(land110m, "land") })

// Draw paints rings onto img as an equirectangular map of the whole
// Earth (longitude -180 at the left edge, latitude 90 at the top):
// filled with fill (even-odd, so holes stay open) and outlined with
// stroke.
func Draw(img *image.RGBA, rings []Ring, fill, stroke color.Color) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	xy := func(p Point, k float64) (float64, float64) {
		return (p.Lon + k + 180) / 360 * w, (90 - p.Lat) / 180 * h
	}
	shifts := make([][]float64, len(rings))
	for i, r := range rings {
		shifts[i] = copies(r)
	}
	// scanline fill: every ring's edges crossing each row's centre
	fc := color.RGBAModel.Convert(fill).(color.RGBA)
	var xs []float64
	for row := 0; row < b.Dy(); row++ {
		y := float64(row) + 0.5
		xs = xs[:0]
		for j, r := range rings {
			for _, k := range shifts[j] {
				for i := range r {
					x0, y0 := xy(r[i], k)
					x1, y1 := xy(r[(i+1)%len(r)], k)
					if (y0 <= y) != (y1 <= y) {
						xs = append(xs, x0+(y-y0)/(y1-y0)*(x1-x0))
					}
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			from, to := max(0, int(math.Round(xs[i]))), min(b.Dx(), int(math.Round(xs[i+1])))
			for x := from; x < to; x++ {
				img.SetRGBA(b.Min.X+x, b.Min.Y+row, fc)
			}
		}
	}
	sc := color.RGBAModel.Convert(stroke).(color.RGBA)
	for j, r := range rings {
		for _, k := range shifts[j] {
			for i := range r {
				a, c := r[i], r[(i+1)%len(r)]
				if math.Abs(a.Lat) == 90 && a.Lat == c.Lat {
					continue // the pole closing a ring is no coast
				}
				x0, y0 := xy(a, k)
				x1, y1 := xy(c, k)
				line(img, x0, y0, x1, y1, sc)
			}
		}
	}
}

// line draws a one-pixel line.
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	b := img.Bounds()
	for i := 0; i <= n; i++ {
		u := float64(i) / float64(n)
		x, y := int(x0+u*(x1-x0)), int(y0+u*(y1-y0))
		if x >= 0 && y >= 0 && x < b.Dx() && y < b.Dy() {
			img.SetRGBA(b.Min.X+x, b.Min.Y+y, c)
		}
	}
}
