package telemetry

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/telemetry/spool"
)

// Config is where a mission's telemetry lives.
type Config struct {
	Dir        string  // the store: spool and alarm log
	Influx     *Influx // nil: none configured, the spool is the store
	Dictionary string
	// Buses are the mission's buses' telemetry dictionaries (files
	// resolved) and the satellites on each.
	Buses []BusDictionary
	// Notes, after LoadDictionary, are what XTCE dictionaries could not
	// map.
	Notes []string
}

// BusDictionary is a bus's telemetry dictionary and its satellites.
type BusDictionary struct {
	Name, File string
	Sats       []int
}

// ConfigFor reads the mission's telemetry settings: the store under
// spool_dir (default data/telemetry), InfluxDB when a URL is set (the
// token from the environment variable token_env).
func ConfigFor(m *mission.Mission, data string) Config {
	t := m.Telemetry
	c := Config{Dir: filepath.Join(data, "telemetry"), Dictionary: m.Resolve(t.Dictionary)}
	for _, b := range m.Buses {
		if b.Telemetry == "" {
			continue
		}
		bd := BusDictionary{Name: b.Name, File: m.Resolve(b.Telemetry)}
		for _, s := range m.Satellites {
			if s.Bus == b.Name {
				bd.Sats = append(bd.Sats, s.NORAD)
			}
		}
		c.Buses = append(c.Buses, bd)
	}
	if t.SpoolDir != "" {
		c.Dir = m.Resolve(t.SpoolDir)
	}
	if u := os.Getenv("IPGS_INFLUX_URL"); u != "" {
		t.URL = u
	}
	if t.URL != "" {
		c.Influx = &Influx{URL: t.URL, Org: t.Org, Bucket: t.Bucket}
		if t.TokenEnv != "" {
			c.Influx.Token = os.Getenv(t.TokenEnv)
		}
	}
	return c
}

// LoadDictionary loads the configured dictionary (none: the example's
// built-in housekeeping layout is not assumed; a dictionary is required).
// Each bus's dictionary (YAML or XTCE) becomes its satellites'.
func (c *Config) LoadDictionary() (*dict.Dictionary, error) {
	if c.Dictionary == "" {
		return nil, mission.BadInput(fmt.Errorf("the mission file names no telemetry dictionary (telemetry.dictionary)"))
	}
	d, notes, err := dict.LoadAny(c.Dictionary)
	if err != nil {
		return nil, err
	}
	c.Notes = notes
	for _, b := range c.Buses {
		bd, notes, err := dict.LoadAny(b.File)
		if err != nil {
			return nil, fmt.Errorf("bus %s: %w", b.Name, err)
		}
		for _, n := range notes {
			c.Notes = append(c.Notes, fmt.Sprintf("bus %s telemetry: %s", b.Name, n))
		}
		for _, sat := range b.Sats {
			d.SetBus(sat, bd)
		}
	}
	return d, nil
}

// QueryOptions are for RunQuery.
type QueryOptions struct {
	Config
	Query
	Local  bool   // read the spool even when InfluxDB is configured
	Format string // table, csv, json
	Out    io.Writer
}

// RunQuery prints samples (ipgs tm query).
func RunQuery(ctx context.Context, o QueryOptions) error {
	var samples []Sample
	var err error
	if o.Influx != nil && !o.Local {
		samples, err = QueryInflux(ctx, *o.Influx, o.Query)
	} else {
		samples, err = QueryStores(o.Dir, o.Query)
	}
	if err != nil {
		return err
	}
	return printSamples(o.Out, o.Format, samples)
}

func printSamples(w io.Writer, format string, samples []Sample) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		for _, s := range samples {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"time", "sat", "station", "measurement", "field", "value"})
		for _, s := range samples {
			cw.Write([]string{s.Time.Format(time.RFC3339Nano), s.Sat, s.Station, s.Measurement, s.Field, fmt.Sprint(s.Value)})
		}
		cw.Flush()
		return cw.Error()
	case "table", "":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME (UTC)\tSAT\tSTATION\tFIELD\tVALUE")
		for _, s := range samples {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s.%s\t%v\n", s.Time.UTC().Format("2006-01-02 15:04:05.000"), s.Sat, s.Station, s.Measurement, s.Field, s.Value)
		}
		if len(samples) == 0 {
			fmt.Fprintln(tw, "(no samples)")
		}
		return tw.Flush()
	}
	return mission.BadInput(fmt.Errorf("--format %q: want table, csv or json", format))
}

// StoreDirs are the telemetry stores under dir: dir's own and each
// station's (ipgs station run keeps its store in dir/STATION).
func StoreDirs(dir string) []string {
	out := []string{dir}
	subs, _ := filepath.Glob(filepath.Join(dir, "*", "spool"))
	for _, s := range subs {
		out = append(out, filepath.Dir(s))
	}
	return out
}

// QueryStores answers q from every store under dir, read-only (a station
// may be writing them), in time order.
func QueryStores(dir string, q Query) ([]Sample, error) {
	var out []Sample
	for _, d := range StoreDirs(dir) {
		p := filepath.Join(d, "spool")
		if _, err := os.Stat(p); err != nil {
			continue
		}
		sp, err := spool.Open(p, spool.Options{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		lim := q.Limit
		q.Limit = 0
		ss, err := QuerySpool(sp, q)
		q.Limit = lim
		sp.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, ss...)
	}
	slices.SortStableFunc(out, func(a, b Sample) int { return a.Time.Compare(b.Time) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// RunExport writes what the store holds: line protocol from the spool, or
// CSV/JSON of every field (ipgs tm export).
func RunExport(ctx context.Context, o QueryOptions) error {
	if o.Format == "lp" {
		for _, dir := range StoreDirs(o.Dir) {
			if _, err := os.Stat(filepath.Join(dir, "spool")); err != nil {
				continue
			}
			sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			_, err = sp.Read(0, func(_ uint64, rec []byte) bool {
				p, err := ParseLine(rec)
				if err == nil && o.match(&p, "") {
					o.Out.Write(append(rec, '\n'))
				}
				return true
			})
			sp.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	if o.Format == "table" || o.Format == "" {
		o.Format = "csv"
	}
	return RunQuery(ctx, o)
}

// RunAlarms prints the alarms that are not over (ipgs tm alarms).
func RunAlarms(dir string, w io.Writer, asJSON bool) error {
	var alarms []Alarm
	for _, d := range StoreDirs(dir) {
		as, err := ReadAlarms(filepath.Join(d, "alarms.jsonl"))
		if err != nil {
			return err
		}
		alarms = append(alarms, as...)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, a := range alarms {
			enc.Encode(a)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSTATE\tVALUE\tLIMIT\tRAISED (UTC)\tSTATION")
	for _, a := range alarms {
		state := "ACTIVE"
		if !a.Cleared.IsZero() {
			state = "cleared"
		}
		if !a.Acked.IsZero() {
			state += ", acked by " + a.AckedBy
		} else {
			state += ", unacknowledged"
		}
		lim := ""
		if len(a.Limit) == 2 {
			lim = fmt.Sprintf("%g..%g", a.Limit[0], a.Limit[1])
			if a.Mode != "" {
				lim += " (" + a.Mode + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, strings.ToUpper(a.Severity), state, a.Reading(), lim, a.Raised.UTC().Format("2006-01-02 15:04:05"), a.Station)
	}
	if len(alarms) == 0 {
		fmt.Fprintln(tw, "(no alarms)")
	}
	return tw.Flush()
}

// RunAck acknowledges an alarm (ipgs tm ack).
func RunAck(dir, id, who string, now time.Time) error {
	m, err := OpenMonitor(filepath.Join(dir, "alarms.jsonl"))
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Ack(id, who, now); err != nil {
		return mission.BadInput(err)
	}
	return nil
}
