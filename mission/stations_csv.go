package mission

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/mission/geo"
)

// ParseStationsCSV reads stations from CSV with the header
// name,lat,lon,alt_m (WGS84 degrees, metres; further columns ignored).
// minEl is given to every station. Errors name source, line and column.
func ParseStationsCSV(r io.Reader, source string, minEl float64) ([]Station, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty, want a header name,lat,lon,alt_m", source)
		}
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, want := range []string{"name", "lat", "lon", "alt_m"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("%s:1: header has no %q column (want name,lat,lon,alt_m)", source, want)
		}
	}
	var out []Station
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) (string, int) {
			i := col[name]
			if i >= len(rec) {
				return "", i + 1
			}
			return strings.TrimSpace(rec[i]), i + 1
		}
		name, _ := get("name")
		if name == "" {
			return nil, fmt.Errorf("%s:%d: name is empty", source, line)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s:%d: station %q already defined on line %d", source, line, name, prev)
		}
		seen[name] = line
		var v [3]float64
		for i, f := range []struct {
			name   string
			lo, hi float64
		}{{"lat", -90, 90}, {"lon", -180, 360}, {"alt_m", -500, 1e5}} {
			s, c := get(f.name)
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: column %d (%s) of station %q: %q is not a number", source, line, c, f.name, name, s)
			}
			if !(x >= f.lo && x <= f.hi) {
				return nil, fmt.Errorf("%s:%d: column %d (%s) of station %q: %g is outside [%g, %g]", source, line, c, f.name, name, x, f.lo, f.hi)
			}
			v[i] = x
		}
		out = append(out, Station{Name: name, Location: geo.Geodetic{LatDeg: v[0], LonDeg: v[1], AltM: v[2]}, MinElevation: minEl})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no stations", source)
	}
	return out, nil
}
