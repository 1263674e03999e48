package telemetry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"github.com/ipgs/ipgs/telemetry/spool"
)

// Point is one parsed line of line protocol.
type Point struct {
	Measurement string
	Tags        map[string]string
	Fields      map[string]any // float64, int64, string or bool
	Time        time.Time
}

// ParseLine parses one line of InfluxDB line protocol (as AppendPoint
// writes it, and what InfluxDB accepts in general); errors name the byte
// position and what was wrong.
func ParseLine(line []byte) (Point, error) {
	s := string(line)
	p := Point{Tags: map[string]string{}, Fields: map[string]any{}}
	fail := func(pos int, format string, a ...any) (Point, error) {
		return Point{}, fmt.Errorf("line protocol, byte %d: %s", pos+1, fmt.Sprintf(format, a...))
	}
	i := 0
	// token reads up to an unescaped stop byte.
	token := func(stops string) (string, error) {
		var b strings.Builder
		for i < len(s) {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			if strings.IndexByte(stops, c) >= 0 {
				break
			}
			if c == '\n' {
				return "", errors.New("newline inside a line")
			}
			b.WriteByte(c)
			i++
		}
		return b.String(), nil
	}
	m, err := token(", ")
	if err != nil || m == "" {
		return fail(i, "no measurement")
	}
	p.Measurement = m
	for i < len(s) && s[i] == ',' {
		i++
		k, _ := token("=, ")
		if i >= len(s) || s[i] != '=' || k == "" {
			return fail(i, "tag without a value")
		}
		i++
		v, _ := token(", ")
		if v == "" {
			return fail(i, "empty tag value for %q", k)
		}
		p.Tags[k] = v
	}
	if i >= len(s) || s[i] != ' ' {
		return fail(i, "no fields")
	}
	i++
	for {
		k, _ := token("= ,")
		if i >= len(s) || s[i] != '=' || k == "" {
			return fail(i, "field without a value")
		}
		i++
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			if i >= len(s) {
				return fail(i, "unterminated string in field %q", k)
			}
			i++
			p.Fields[k] = b.String()
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' {
				i++
			}
			v := s[start:i]
			switch {
			case v == "true" || v == "t" || v == "T" || v == "TRUE" || v == "True":
				p.Fields[k] = true
			case v == "false" || v == "f" || v == "F" || v == "FALSE" || v == "False":
				p.Fields[k] = false
			case strings.HasSuffix(v, "i"):
				n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
				if err != nil {
					return fail(start, "field %q: %q is not an integer", k, v)
				}
				p.Fields[k] = n
			case strings.HasSuffix(v, "u"):
				n, err := strconv.ParseUint(v[:len(v)-1], 10, 64)
				if err != nil {
					return fail(start, "field %q: %q is not an unsigned integer", k, v)
				}
				p.Fields[k] = float64(n)
			default:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fail(start, "field %q: %q is not a number", k, v)
				}
				p.Fields[k] = f
			}
		}
		if i < len(s) && s[i] == ',' {
			i++
			continue
		}
		break
	}
	if i < len(s) && s[i] == ' ' {
		i++
		ts, err := strconv.ParseInt(strings.TrimSpace(s[i:]), 10, 64)
		if err != nil {
			return fail(i, "timestamp %q is not a whole number of nanoseconds", s[i:])
		}
		p.Time = time.Unix(0, ts).UTC()
	} else if i < len(s) {
		return fail(i, "unexpected %q", s[i])
	}
	return p, nil
}

// Sample is one value of one field.
type Sample struct {
	Time        time.Time `json:"time"`
	Sat         string    `json:"sat"`
	Station     string    `json:"station,omitempty"`
	Measurement string    `json:"measurement"`
	Field       string    `json:"field"`
	Value       any       `json:"value"`
}

// Query selects samples of one field ("" every field) of a satellite (""
// every satellite) in [Since, Until).
type Query struct {
	Sat, Field, Measurement string
	Since, Until            time.Time
	Limit                   int // 0: no limit
}

func (q *Query) match(p *Point, field string) bool {
	return (q.Sat == "" || p.Tags["sat"] == q.Sat) && (q.Field == "" || field == q.Field) &&
		(q.Measurement == "" || p.Measurement == q.Measurement) &&
		!p.Time.Before(q.Since) && (q.Until.IsZero() || p.Time.Before(q.Until))
}

// QuerySpool answers q from the spool (the embedded store when no InfluxDB
// is configured), in time order.
func QuerySpool(sp *spool.Spool, q Query) ([]Sample, error) {
	var out []Sample
	var perr error
	_, err := sp.Read(0, func(seq uint64, rec []byte) bool {
		p, err := ParseLine(rec)
		if err != nil {
			perr = fmt.Errorf("spool record %d: %w", seq, err)
			return false
		}
		for k, v := range p.Fields {
			if q.match(&p, k) {
				out = append(out, Sample{p.Time, p.Tags["sat"], p.Tags["station"], p.Measurement, k, v})
			}
		}
		return true
	})
	if err := errors.Join(err, perr); err != nil {
		return nil, err
	}
	sortSamples(out)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// Flux returns the Flux query for q.
func (q *Query) Flux(bucket string) string {
	until := q.Until.Add(-time.Nanosecond) // InfluxDB 1.8's Flux includes the stop
	if q.Until.IsZero() {
		until = time.Now().Add(100 * 365 * 24 * time.Hour) // onboard clocks may run ahead
	}
	var f strings.Builder
	fmt.Fprintf(&f, "from(bucket: %s)\n  |> range(start: %s, stop: %s)\n", strconv.Quote(bucket), q.Since.UTC().Format(time.RFC3339Nano), until.UTC().Format(time.RFC3339Nano))
	if q.Measurement != "" {
		fmt.Fprintf(&f, "  |> filter(fn: (r) => r._measurement == %s)\n", strconv.Quote(q.Measurement))
	}
	if q.Sat != "" {
		fmt.Fprintf(&f, "  |> filter(fn: (r) => r.sat == %s)\n", strconv.Quote(q.Sat))
	}
	if q.Field != "" {
		fmt.Fprintf(&f, "  |> filter(fn: (r) => r._field == %s)\n", strconv.Quote(q.Field))
	}
	// one table per series, never grouped across fields: InfluxDB 1.8
	// cannot put an integer and a float field in one table ("expected
	// float cursor type"); QueryInflux merges the tables
	f.WriteString("  |> sort(columns: [\"_time\"])\n")
	if q.Limit > 0 {
		fmt.Fprintf(&f, "  |> tail(n: %d)\n", q.Limit)
	}
	return f.String()
}

// QueryInflux answers q from InfluxDB with Flux.
func QueryInflux(ctx context.Context, to Influx, q Query) ([]Sample, error) {
	c := influxdb2.NewClient(to.URL, to.Token)
	defer c.Close()
	res, err := c.QueryAPI(to.Org).Query(ctx, q.Flux(to.Bucket))
	if err != nil {
		return nil, fmt.Errorf("InfluxDB %s: %w", to.URL, err)
	}
	defer res.Close()
	var out []Sample
	for res.Next() {
		r := res.Record()
		sat, _ := r.ValueByKey("sat").(string)
		st, _ := r.ValueByKey("station").(string)
		out = append(out, Sample{r.Time().UTC(), sat, st, r.Measurement(), r.Field(), r.Value()})
	}
	if res.Err() != nil {
		return nil, fmt.Errorf("InfluxDB %s: %w", to.URL, res.Err())
	}
	// the tables merged in time order, as the spool answers; the limit
	// (each table brought its last Limit) over all of them
	sortSamples(out)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// CountPoints returns how many points of measurement each satellite has in
// InfluxDB from since on (counted on field, which every point carries).
func CountPoints(ctx context.Context, to Influx, measurement, field string, since time.Time) (map[string]int64, error) {
	c := influxdb2.NewClient(to.URL, to.Token)
	defer c.Close()
	flux := fmt.Sprintf(`from(bucket: %q)
  |> range(start: %s, stop: 2200-01-01T00:00:00Z)
  |> filter(fn: (r) => r._measurement == %q and r._field == %q)
  |> group(columns: ["sat"])
  |> count()`, to.Bucket, since.UTC().Format(time.RFC3339Nano), measurement, field)
	res, err := c.QueryAPI(to.Org).Query(ctx, flux)
	if err != nil {
		return nil, fmt.Errorf("InfluxDB %s: %w", to.URL, err)
	}
	defer res.Close()
	out := map[string]int64{}
	for res.Next() {
		sat, _ := res.Record().ValueByKey("sat").(string)
		n, _ := res.Record().Value().(int64)
		out[sat] = n
	}
	return out, res.Err()
}

// sortSamples orders samples by time, then satellite, measurement and
// field: the one order of the spool's and InfluxDB's answers.
func sortSamples(out []Sample) {
	slices.SortStableFunc(out, func(a, b Sample) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Sat, b.Sat), strings.Compare(a.Measurement, b.Measurement), strings.Compare(a.Field, b.Field))
	})
}
