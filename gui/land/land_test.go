package land

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

var places = []struct {
	name string
	at   Point
	land bool
}{
	{"Sahara", Point{10, 25}, true},
	{"Tromsø's hinterland", Point{20, 68.5}, true},
	{"Perth's hinterland", Point{117, -31}, true},
	{"Wallops' hinterland", Point{-78, 38.5}, true},
	{"Amazon", Point{-60, -5}, true},
	{"Antarctica", Point{0, -80}, true},
	{"mid-Atlantic", Point{-30, 30}, false},
	{"Pacific", Point{-150, 0}, false},
	{"Indian Ocean", Point{80, -20}, false},
	{"Caspian Sea", Point{50.5, 42}, false}, // a hole in Asia
	{"Kiruna", Point{20.2, 67.8}, true},     // between the two antimeridian crossings of Eurasia's ring
	{"Norwegian Sea", Point{0, 67}, false},
	{"Chukotka", Point{-175, 66}, true}, // Eurasia past 180
	{"Fiji", Point{178, -17.8}, true},
	{"Bering Sea", Point{-175, 58}, false},
}

func TestWorld(t *testing.T) {
	rings, err := World()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rings {
		n += len(r)
	}
	t.Logf("%d rings, %d points", len(rings), n)
	if len(rings) < 100 || n < 4000 {
		t.Fatalf("%d rings of %d points: too few for the world", len(rings), n)
	}
	for _, p := range places {
		if contains(rings, p.at) != p.land {
			t.Errorf("%s (%v): land %v, want %v", p.name, p.at, !p.land, p.land)
		}
	}
	// the same places on a drawn map
	img := image.NewRGBA(image.Rect(0, 0, 720, 360))
	fill, stroke := color.RGBA{0, 200, 0, 255}, color.RGBA{255, 255, 255, 255}
	Draw(img, rings, fill, stroke)
	for _, p := range places {
		c := img.RGBAAt(int((p.at.Lon+180)*2), int((90-p.at.Lat)*2))
		if (c != color.RGBA{}) != p.land {
			t.Errorf("%s drawn %v", p.name, c)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{`, "document"},
		{`{"type":"FeatureCollection"}`, `type: "FeatureCollection", want Topology`},
		{`{"type":"Topology","objects":{}}`, `no object "land"`},
		{`{"type":"Topology","arcs":[[[1]]],"objects":{"land":{"type":"Polygon","arcs":[[0]]}}}`, "arcs[0][0]: a position needs two numbers"},
		{`{"type":"Topology","arcs":[[[0,0],[1,1]]],"objects":{"land":{"type":"Polygon","arcs":[[0,5]]}}}`, "objects.land.arcs[0][0][1]: arc 5 of 1"},
		{`{"type":"Topology","arcs":[],"objects":{"land":{"type":"Polygon","arcs":"x"}}}`, "objects.land.arcs: want a list"},
		{`{"type":"Topology","arcs":[],"objects":{"land":{"type":"Blob"}}}`, `unknown geometry type "Blob"`},
		{`{"type":"Topology","arcs":[[[0,95],[1,1]]],"objects":{"land":{"type":"Polygon","arcs":[[0]]}}}`, "is not on the Earth"},
	} {
		_, err := Parse([]byte(c.doc), "land")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"type":"Topology","transform":{"scale":[1,1],"translate":[0,0]},"arcs":[[[0,0],[1,0],[0,1],[-1,-1]]],"objects":{"land":{"type":"GeometryCollection","geometries":[{"type":"MultiPolygon","arcs":[[[0]],[[-1]]]}]}}}`))
	f.Add(land110m[:200])
	f.Fuzz(func(t *testing.T, b []byte) {
		rings, err := Parse(b, "land")
		if err != nil {
			return
		}
		img := image.NewRGBA(image.Rect(0, 0, 36, 18))
		Draw(img, rings, color.White, color.Black)
	})
}
