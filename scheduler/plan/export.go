package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
)

// timeLayout matches `ipgs passes`: RFC 3339, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func (p *Problem) ts(s float64) string { return p.Time(s).UTC().Format(timeLayout) }

// SatID is how a satellite is written in plans: its NORAD number, at least
// five digits.
func SatID(norad int) string { return fmt.Sprintf("%05d", norad) }

// JSONContact is one contact in the JSON plan (docs/scheduling.md).
type JSONContact struct {
	Sat      string  `json:"sat"`
	Name     string  `json:"name,omitempty"`
	Station  string  `json:"station"`
	Start    string  `json:"start"`
	End      string  `json:"end"`
	AOS      string  `json:"aos"`
	LOS      string  `json:"los"`
	Weight   float64 `json:"weight"`
	Seconds  float64 `json:"seconds"`
	MaxElDeg float64 `json:"max_el_deg"`
	Pinned   bool    `json:"pinned,omitempty"`
	Started  bool    `json:"started,omitempty"`
	Kept     bool    `json:"kept,omitempty"`
	Reason   string  `json:"reason,omitempty"`
}

// JSONUnscheduled is one candidate left out.
type JSONUnscheduled struct {
	Sat     string `json:"sat"`
	Station string `json:"station"`
	AOS     string `json:"aos"`
	LOS     string `json:"los"`
	Reason  string `json:"reason"`
}

// JSONPlan is the JSON plan.
type JSONPlan struct {
	Objective   float64           `json:"objective"`
	Start       string            `json:"start,omitempty"`
	End         string            `json:"end,omitempty"`
	Contacts    []JSONContact     `json:"contacts"`
	Unscheduled []JSONUnscheduled `json:"unscheduled"`
}

// JSON returns the plan in its JSON shape.
func (pl *Plan) JSON() JSONPlan {
	p := pl.Problem
	out := JSONPlan{Objective: math.Round(pl.Objective*1000) / 1000, Start: p.ts(0), End: p.ts(p.Duration.Seconds()),
		Contacts: []JSONContact{}, Unscheduled: []JSONUnscheduled{}}
	for i := range pl.Contacts {
		c := &pl.Contacts[i]
		cd := &p.Candidates[c.Cand]
		sat := &p.Sats[cd.Sat]
		out.Contacts = append(out.Contacts, JSONContact{
			Sat: SatID(sat.NORAD), Name: sat.Name, Station: p.Stations[cd.Station].Name,
			Start: p.ts(c.Start), End: p.ts(c.End), AOS: p.ts(cd.AOS), LOS: p.ts(cd.LOS),
			Weight: sat.Weight, Seconds: math.Round(c.Len()*1000) / 1000, MaxElDeg: math.Round(cd.MaxElDeg*100) / 100,
			Pinned: c.Pinned, Started: c.Started, Kept: c.Kept, Reason: c.Reason,
		})
	}
	for _, u := range pl.Unscheduled {
		out.Unscheduled = append(out.Unscheduled, JSONUnscheduled{
			Sat: SatID(p.Sats[u.Sat].NORAD), Station: p.Stations[u.Stn].Name, AOS: p.ts(u.AOS), LOS: p.ts(u.LOS), Reason: u.Reason,
		})
	}
	return out
}

// WriteJSON writes the plan as JSON.
func (pl *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(pl.JSON())
}

// WriteCSV writes one row per contact.
func (pl *Plan) WriteCSV(w io.Writer) error {
	p := pl.Problem
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "sat,station,start_utc,end_utc,aos_utc,los_utc,weight,seconds,max_el_deg,pinned,reason")
	for i := range pl.Contacts {
		c := &pl.Contacts[i]
		cd := &p.Candidates[c.Cand]
		fmt.Fprintf(bw, "%s,%s,%s,%s,%s,%s,%g,%.3f,%.2f,%t,%s\n", SatID(p.Sats[cd.Sat].NORAD), csvField(p.Stations[cd.Station].Name),
			p.ts(c.Start), p.ts(c.End), p.ts(cd.AOS), p.ts(cd.LOS), p.Sats[cd.Sat].Weight, c.Len(), cd.MaxElDeg, c.Pinned, csvField(c.Reason))
	}
	return bw.Flush()
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// WriteTable writes the plan for people: one line per contact in time
// order, then, with explain, every candidate left out and why.
func (pl *Plan) WriteTable(w io.Writer, loc *time.Location, explain bool) error {
	p := pl.Problem
	if loc == nil {
		loc = time.UTC
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-7s %-12s %-16s %-23s %-8s %8s %6s %6s  %s\n", "SAT", "NAME", "STATION", "START ("+loc.String()+")", "END", "LENGTH", "WEIGHT", "MAX_EL", "NOTE")
	for i := range pl.Contacts {
		c := &pl.Contacts[i]
		cd := &p.Candidates[c.Cand]
		d := time.Duration(c.Len() * float64(time.Second)).Round(time.Second)
		note := ""
		switch {
		case c.Pinned:
			note = "pinned"
		case c.Started:
			note = "in progress"
		case c.Kept:
			note = "kept"
		}
		if explain && c.Reason != "" && !c.Pinned && !c.Started {
			note = strings.TrimSpace(note + " " + c.Reason)
		}
		fmt.Fprintf(bw, "%-7d %-12s %-16s %-23s %-8s %5dm%02ds %6g %6.1f  %s\n", p.Sats[cd.Sat].NORAD, trunc(p.Sats[cd.Sat].Name, 12),
			p.Stations[cd.Station].Name, p.Time(c.Start).In(loc).Format("2006-01-02 15:04:05 MST"), p.Time(c.End).In(loc).Format("15:04:05"),
			int(d.Minutes()), int(d.Seconds())%60, p.Sats[cd.Sat].Weight, cd.MaxElDeg, note)
	}
	fmt.Fprintf(bw, "%d contacts, objective %.0f (weight x seconds); %d candidates unscheduled\n", len(pl.Contacts), pl.Objective, len(pl.Unscheduled))
	if len(pl.Relays) > 0 {
		fmt.Fprintf(bw, "\n%-12s %-16s %-23s %-20s %9s %11s\n", "RELAY", "WITH", "START ("+loc.String()+")", "END", "LENGTH", "LIGHT TIME")
		n := 0
		for _, r := range pl.Relays {
			if !r.Up {
				continue // each contact once
			}
			n++
			with := r.Peer
			d := r.End.Sub(r.Start).Round(time.Minute)
			fmt.Fprintf(bw, "%-12s %-16s %-23s %-20s %6dh%02dm %11s\n", trunc(r.Relay, 12), trunc(with, 16), r.Start.In(loc).Format("2006-01-02 15:04:05 MST"),
				r.End.In(loc).Format("2006-01-02 15:04:05"), int(d.Hours()), int(d.Minutes())%60, r.OWLT)
		}
		fmt.Fprintf(bw, "%d relay contacts\n", n)
	}
	if explain {
		for _, u := range pl.Unscheduled {
			fmt.Fprintf(bw, "  not scheduled: %d %s %s-%s: %s\n", p.Sats[u.Sat].NORAD, p.Stations[u.Stn].Name,
				p.Time(u.AOS).In(loc).Format("01-02 15:04:05"), p.Time(u.LOS).In(loc).Format("15:04:05"), u.Reason)
		}
	}
	return bw.Flush()
}

func trunc(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// WriteICS writes one iCalendar (RFC 5545) per station: into dir as
// STATION.ics when dir is set, otherwise all calendars one after another.
func (pl *Plan) WriteICS(w io.Writer, dir string) error {
	p := pl.Problem
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for st := range p.Stations {
		var b strings.Builder
		line := func(s string) { b.WriteString(foldICS(s) + "\r\n") }
		line("BEGIN:VCALENDAR")
		line("VERSION:2.0")
		line("PRODID:-//ipgs//contact plan//EN")
		line("CALSCALE:GREGORIAN")
		line("X-WR-CALNAME:ipgs contacts " + icsText(p.Stations[st].Name))
		for i := range pl.Contacts {
			c := &pl.Contacts[i]
			cd := &p.Candidates[c.Cand]
			if cd.Station != st {
				continue
			}
			sat := &p.Sats[cd.Sat]
			line("BEGIN:VEVENT")
			line(fmt.Sprintf("UID:%s-%s-%d@ipgs", SatID(sat.NORAD), icsUID(p.Stations[st].Name), p.Time(c.Start).Unix()))
			line("DTSTAMP:" + stamp)
			line("DTSTART:" + p.Time(c.Start).UTC().Format("20060102T150405Z"))
			line("DTEND:" + p.Time(c.End).UTC().Format("20060102T150405Z"))
			name := sat.Name
			if name == "" {
				name = SatID(sat.NORAD)
			}
			line(fmt.Sprintf("SUMMARY:%s (%d) max el %.0f°", icsText(name), sat.NORAD, cd.MaxElDeg))
			desc := fmt.Sprintf("Pass AOS %s LOS %s, weight %g", p.ts(cd.AOS), p.ts(cd.LOS), sat.Weight)
			if c.Reason != "" {
				desc += ". " + c.Reason
			}
			line("DESCRIPTION:" + icsText(desc))
			line("LOCATION:" + icsText(p.Stations[st].Name))
			line("END:VEVENT")
		}
		line("END:VCALENDAR")
		if dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, icsUID(p.Stations[st].Name)+".ics"), []byte(b.String()), 0o644); err != nil {
				return err
			}
			continue
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

var nonUID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func icsUID(s string) string { return nonUID.ReplaceAllString(s, "_") }

func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
	return r.Replace(s)
}

// foldICS folds lines longer than 75 octets (RFC 5545 3.1): continuation
// lines start with a space, which counts.
func foldICS(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && (s[cut]&0xC0) == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
		limit = 74
	}
	b.WriteString(s)
	return b.String()
}

// owlt is the one-way light time of a contact, whole seconds rounded up
// (at least 1), from the range at TCA.
func (p *Problem) owlt(cd *Candidate) int {
	when := p.Time(cd.TCA)
	r, v, err := p.Sats[cd.Sat].prop.At(when)
	if err != nil {
		return 1
	}
	re, _ := geo.TEMEToECEF(when, r, v)
	rng := re.Sub(p.Stations[cd.Station].topo.Pos).Norm()
	return max(1, int(math.Ceil(rng/geo.SpeedOfLight)))
}

// dtnContacts lists each contact in both directions.
type dtnContact struct {
	from, to   int
	start, end float64
	rate       float64 // bit/s
	owlt       int
}

// DTNContact is one direction of a contact between DTN nodes.
type DTNContact struct {
	From, To   int // node numbers
	Start, End time.Time
	RateBits   float64 // bit/s
	OWLT       time.Duration
	Station    string
	NORAD      int
	Up         bool // station to satellite
	// Relay names the deep-space relay of a relay's contact (NORAD 0);
	// empty for a pass.
	Relay string
	// Range returns the station-satellite distance in km at t (NaN when
	// the orbit cannot be propagated).
	Range func(t time.Time) float64
}

// DTNContacts lists each contact of the plan in both directions, by start.
func (pl *Plan) DTNContacts() []DTNContact {
	p := pl.Problem
	var out []DTNContact
	for i := range pl.Contacts {
		c := &pl.Contacts[i]
		cd := &p.Candidates[c.Cand]
		sat, st := &p.Sats[cd.Sat], &p.Stations[cd.Station]
		rate := sat.BitRate
		if rate <= 0 {
			rate = 9600
		}
		ow := time.Duration(p.owlt(cd)) * time.Second
		prop, topo := sat.prop, st.topo
		rng := func(t time.Time) float64 {
			r, v, err := prop.At(t)
			if err != nil {
				return math.NaN()
			}
			re, _ := geo.TEMEToECEF(t, r, v)
			return re.Sub(topo.Pos).Norm()
		}
		for k, dir := range [][2]int{{st.Node, sat.Node}, {sat.Node, st.Node}} {
			out = append(out, DTNContact{From: dir[0], To: dir[1], Start: p.Time(c.Start), End: p.Time(c.End), RateBits: rate, OWLT: ow, Station: st.Name, NORAD: sat.NORAD, Up: k == 0, Range: rng})
		}
	}
	for _, r := range pl.Relays {
		out = append(out, DTNContact{From: r.From, To: r.To, Start: r.Start, End: r.End, RateBits: r.RateBits, OWLT: r.OWLT, Station: r.Station, Up: r.Up, Relay: r.Relay, Range: r.Range})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

func (pl *Plan) dtnContacts() []dtnContact {
	p := pl.Problem
	var out []dtnContact
	for _, c := range pl.DTNContacts() {
		out = append(out, dtnContact{c.From, c.To, p.Seconds(c.Start), p.Seconds(c.End), c.RateBits, int(c.OWLT / time.Second)})
	}
	return out
}

// WriteION writes ionadmin commands: `a contact` (rate in bytes/s) and
// `a range` (one-way light time in s) for each contact in both directions,
// at absolute UTC times.
func (pl *Plan) WriteION(w io.Writer) error {
	p := pl.Problem
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# ipgs contact plan %s to %s: %d contacts\n", p.ts(0), p.ts(p.Duration.Seconds()), len(pl.Contacts)+len(pl.Relays)/2)
	ion := func(s float64) string { return p.Time(s).UTC().Format("2006/01/02-15:04:05") }
	for _, c := range pl.dtnContacts() {
		fmt.Fprintf(bw, "a contact %s %s %d %d %d\n", ion(c.start), ion(c.end), c.from, c.to, int(c.rate/8))
		fmt.Fprintf(bw, "a range %s %s %d %d %d\n", ion(c.start), ion(c.end), c.from, c.to, c.owlt)
	}
	return bw.Flush()
}

// HDTNContact is one entry of an HDTN contact plan.
type HDTNContact struct {
	Contact        int   `json:"contact"`
	Source         int   `json:"source"`
	Dest           int   `json:"dest"`
	StartTime      int64 `json:"startTime"`
	EndTime        int64 `json:"endTime"`
	RateBitsPerSec int64 `json:"rateBitsPerSec"`
	OWLT           int   `json:"owlt"`
}

// WriteHDTN writes HDTN's JSON contact plan; times are seconds from the
// plan start.
func (pl *Plan) WriteHDTN(w io.Writer) error {
	var out struct {
		Contacts []HDTNContact `json:"contacts"`
	}
	out.Contacts = []HDTNContact{}
	for i, c := range pl.dtnContacts() {
		out.Contacts = append(out.Contacts, HDTNContact{Contact: i, Source: c.from, Dest: c.to,
			StartTime: int64(math.Floor(c.start)), EndTime: int64(math.Ceil(c.end)), RateBitsPerSec: int64(c.rate), OWLT: c.owlt})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

var _ = strconv.Itoa
