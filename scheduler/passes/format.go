package passes

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// TimeLayout is how pass times are written: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime writes t in UTC rounded to the millisecond.
func FormatTime(t time.Time) string {
	return t.UTC().Round(time.Millisecond).Format(TimeLayout)
}

// CSVHeader is the exact header of the CSV format.
const CSVHeader = "sat,station,aos_utc,tca_utc,los_utc,max_el_deg,aos_az_deg,tca_az_deg,los_az_deg"

// Writer writes passes in one of the output formats.
type Writer interface {
	Write(p *Pass, satName, stationName string, stale bool) error
	Close() error
}

// NewWriter returns a writer for format "csv", "json" or "table". loc is
// the time zone of the table (nil: UTC).
func NewWriter(w io.Writer, format string, loc *time.Location) (Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	switch format {
	case "csv":
		if _, err := bw.WriteString(CSVHeader + "\n"); err != nil {
			return nil, err
		}
		return &csvWriter{w: bw}, nil
	case "json":
		return &jsonWriter{w: bw}, nil
	case "table", "":
		if loc == nil {
			loc = time.UTC
		}
		return &tableWriter{w: bw, loc: loc}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want table, csv or json)", format)
}

type csvWriter struct {
	w   *bufio.Writer
	buf []byte
}

func (c *csvWriter) Write(p *Pass, _, name string, _ bool) error {
	c.buf = AppendCSV(c.buf[:0], p, name)
	_, err := c.w.Write(c.buf)
	return err
}

// writeText writes rows AppendCSV made elsewhere.
func (c *csvWriter) writeText(b []byte) error {
	_, err := c.w.Write(b)
	return err
}

// AppendCSV appends p as one CSV row (with its newline) for the station
// named name.
func AppendCSV(b []byte, p *Pass, name string) []byte {
	b = strconv.AppendInt(b, int64(p.Sat), 10)
	b = append(b, ',')
	b = appendCSVField(b, name)
	for _, t := range [3]time.Time{p.AOS, p.TCA, p.LOS} {
		b = append(b, ',')
		b = appendTime(b, t)
	}
	for _, v := range [4]float64{p.MaxElDeg, p.AOSAzDeg, p.TCAAzDeg, p.LOSAzDeg} {
		b = append(b, ',')
		b = appendFixed4(b, v)
	}
	return append(b, '\n')
}

func appendCSVField(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			b = append(b, '"') // RFC 4180 quoting: double the quotes
			for j := 0; j < len(s); j++ {
				if s[j] == '"' {
					b = append(b, '"')
				}
				b = append(b, s[j])
			}
			return append(b, '"')
		}
	}
	return append(b, s...)
}

func (c *csvWriter) Close() error { return c.w.Flush() }

type jsonWriter struct {
	w *bufio.Writer
	n int
}

type jsonPass struct {
	Sat        string  `json:"sat"`
	Name       string  `json:"name,omitempty"`
	Station    string  `json:"station"`
	AOS        string  `json:"aos"`
	TCA        string  `json:"tca"`
	LOS        string  `json:"los"`
	MaxEl      float64 `json:"max_el_deg"`
	AOSAz      float64 `json:"aos_az_deg"`
	TCAAz      float64 `json:"tca_az_deg"`
	LOSAz      float64 `json:"los_az_deg"`
	DurationS  float64 `json:"duration_s"`
	AOSClipped bool    `json:"aos_clipped,omitempty"`
	LOSClipped bool    `json:"los_clipped,omitempty"`
	Stale      bool    `json:"stale_elements,omitempty"`
}

func (j *jsonWriter) Write(p *Pass, satName, name string, stale bool) error {
	sep := ",\n  "
	if j.n == 0 {
		sep = "[\n  "
	}
	j.n++
	b, err := json.Marshal(jsonPass{
		Sat: strconv.Itoa(p.Sat), Name: satName, Station: name,
		AOS: FormatTime(p.AOS), TCA: FormatTime(p.TCA), LOS: FormatTime(p.LOS),
		MaxEl: round4(p.MaxElDeg), AOSAz: round4(p.AOSAzDeg), TCAAz: round4(p.TCAAzDeg), LOSAz: round4(p.LOSAzDeg),
		DurationS: p.Duration().Round(time.Millisecond).Seconds(), AOSClipped: p.AOSClipped, LOSClipped: p.LOSClipped, Stale: stale,
	})
	if err != nil {
		return err
	}
	j.w.WriteString(sep)
	_, err = j.w.Write(b)
	return err
}

func round4(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 4, 64), 64)
	return f
}

func (j *jsonWriter) Close() error {
	if j.n == 0 {
		j.w.WriteString("[")
	}
	j.w.WriteString("\n]\n")
	return j.w.Flush()
}

// tableWriter is for people: it keeps the rows and writes them in time
// order (AOS, then station) on Close.
type tableWriter struct {
	w    *bufio.Writer
	loc  *time.Location
	rows []tableRow
}

type tableRow struct {
	p       Pass
	satName string
	name    string
	stale   bool
}

func (t *tableWriter) Write(p *Pass, satName, name string, stale bool) error {
	t.rows = append(t.rows, tableRow{*p, satName, name, stale})
	return nil
}

func (t *tableWriter) Close() error {
	if len(t.rows) == 0 {
		t.w.WriteString("no passes in the window\n")
		return t.w.Flush()
	}
	sort.SliceStable(t.rows, func(i, j int) bool { return t.rows[i].p.AOS.Before(t.rows[j].p.AOS) })
	fmt.Fprintf(t.w, "%-7s %-14s %-16s %-23s %-8s %-8s %8s %6s %7s %7s\n",
		"SAT", "NAME", "STATION", "AOS ("+t.loc.String()+")", "TCA", "LOS", "DURATION", "MAX_EL", "AOS_AZ", "LOS_AZ")
	for _, r := range t.rows {
		p := &r.p
		mark := ""
		if r.stale {
			mark = " ! stale elements"
		}
		if p.AOSClipped {
			mark += " (in progress at start)"
		}
		if p.LOSClipped {
			mark += " (continues past end)"
		}
		d := p.Duration().Round(time.Second)
		fmt.Fprintf(t.w, "%-7d %-14s %-16s %-23s %-8s %-8s %8s %6.1f %7.1f %7.1f%s\n",
			p.Sat, trim(r.satName, 14), r.name,
			p.AOS.In(t.loc).Format("2006-01-02 15:04:05 MST"),
			p.TCA.In(t.loc).Format("15:04:05"),
			p.LOS.In(t.loc).Format("15:04:05"),
			fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60),
			p.MaxElDeg, p.AOSAzDeg, p.LOSAzDeg, mark)
	}
	return t.w.Flush()
}

func trim(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
