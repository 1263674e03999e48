package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/ipgs/ipgs/mission"
)

// Options are the inputs of `ipgs tle import|list|check`.
type Options struct {
	Mission *mission.Mission // optional: its sources and satellites
	Sources []string         // sources given on the command line
	Catalog *Catalog
	MaxAge  time.Duration // check: element sets older than this are stale
	Out     io.Writer
	Log     io.Writer
}

func (o *Options) sources() []string {
	if len(o.Sources) > 0 {
		return o.Sources
	}
	if o.Mission != nil {
		return o.Mission.Sources()
	}
	return nil
}

// ErrWarnings is returned by RunCheck when it printed warnings.
var ErrWarnings = errors.New("the catalogue has warnings")

// RunImport fetches every source now and caches it.
func RunImport(ctx context.Context, o Options) error {
	srcs := o.sources()
	if len(srcs) == 0 {
		return mission.BadInput(errors.New("no sources: give files or URLs, or --mission"))
	}
	entries, stats := o.Catalog.Load(ctx, srcs, true)
	failed := 0
	for _, s := range stats {
		state := "ok"
		if w := s.Warning(); w != "" {
			state = w
		}
		if s.Err != nil {
			failed++
		}
		fmt.Fprintf(o.Out, "%-50s %5d element sets  %s\n", s.Source, s.Count, state)
		for _, e := range s.Rejected {
			fmt.Fprintf(o.Log, "ipgs: %v\n", e)
		}
	}
	fmt.Fprintf(o.Out, "%d satellites in the catalogue (%s)\n", len(entries), o.Catalog.Dir)
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed", failed, len(stats))
	}
	return ctx.Err()
}

// RunList prints the catalogue as it is now, without fetching what is
// cached.
func RunList(ctx context.Context, o Options) error {
	srcs := o.sources()
	if len(srcs) == 0 {
		return mission.BadInput(errors.New("no sources: give files or URLs, or --mission"))
	}
	entries, stats := o.Catalog.Load(ctx, srcs, false)
	for _, s := range stats {
		if w := s.Warning(); w != "" {
			fmt.Fprintln(o.Log, "ipgs: warning:", w)
		}
	}
	now := o.Catalog.now()
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NORAD\tNAME\tEPOCH (UTC)\tAGE\tSOURCE\tFETCHED (UTC)\t")
	for _, e := range entries {
		mark := ""
		if Stale(e.Elements, now, o.MaxAge) {
			mark = "  ! stale"
		}
		fetched := "-"
		if !e.FetchedAt.IsZero() {
			fetched = e.FetchedAt.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.CatalogNumber, e.Name, e.Epoch.Format("2006-01-02 15:04:05"),
			age(e.Age(now)), e.Source, fetched, mark)
	}
	return tw.Flush()
}

// RunCheck warns about element sets older than MaxAge, sources that failed,
// and mission satellites with no element set. It returns ErrWarnings when
// it warned.
func RunCheck(ctx context.Context, o Options) error {
	srcs := o.sources()
	if len(srcs) == 0 {
		return mission.BadInput(errors.New("no sources: give files or URLs, or --mission"))
	}
	var entries []Entry
	var stats []SourceStatus
	var missing []mission.SatelliteConfig
	if o.Mission != nil && len(o.Sources) == 0 {
		set := o.Catalog.LoadMission(ctx, o.Mission, false)
		entries, stats, missing = set.Entries, set.Sources, set.Missing
	} else {
		entries, stats = o.Catalog.Load(ctx, srcs, false)
	}
	now := o.Catalog.now()
	warnings := 0
	warn := func(format string, args ...any) {
		warnings++
		fmt.Fprintf(o.Out, "warning: "+format+"\n", args...)
	}
	for _, s := range stats {
		if w := s.Warning(); w != "" {
			warn("%s", w)
		}
	}
	for _, e := range entries {
		if Stale(e.Elements, now, o.MaxAge) {
			warn("%s: element set is %s old (epoch %s, from %s)", e.Label(), age(e.Age(now)), e.Epoch.Format(time.RFC3339), e.Source)
		}
	}
	for _, s := range missing {
		warn("%s (%d): no element set in any source", s.Name, s.NORAD)
	}
	if o.Mission != nil {
		for i := range o.Mission.Satellites {
			s := &o.Mission.Satellites[i]
			inactive, worked := s.InactiveTransmitters()
			for _, t := range inactive {
				what := "listed"
				if worked && math.Abs(t.DownlinkHz-s.DownlinkHz) < 1 {
					what = "the one its downlink_hz is on"
				}
				warn("%s (%d): transmitter %q at %.3f MHz is %s in SatNOGS DB (%s)", s.Name, s.NORAD, t.Description, t.DownlinkHz/1e6, t.Status, what)
			}
		}
	}
	fmt.Fprintf(o.Out, "%d satellites checked, %d warnings (stale after %s)\n", len(entries), warnings, age(o.MaxAge))
	if warnings > 0 {
		return ErrWarnings
	}
	return nil
}

func age(d time.Duration) string {
	if d < 0 {
		return "-" + age(-d)
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}
