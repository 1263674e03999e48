package station

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/ax25"
)

// PlanContacts are the contacts of pl that the mission's station i works.
func PlanContacts(pl *plan.Plan, i int) []Contact {
	p := pl.Problem
	var out []Contact
	for _, c := range pl.Contacts {
		cd := &p.Candidates[c.Cand]
		if cd.Station == i {
			sat := &p.Sats[cd.Sat]
			out = append(out, Contact{NORAD: sat.NORAD, Name: sat.Name, Start: p.Time(c.Start), End: p.Time(c.End)})
		}
	}
	return out
}

// LinkWindows sets each contact's link window: the part of it where the
// downlink's predicted frame error rate (mission link budget, the
// satellite's range) is at most maxFER (mission.LinkWindow). A low pass
// whose link never gets that good has an empty window: the station works
// it (listens, uplinks commands) but opens no session, so the satellite
// spends no airtime where most frames would be lost. The routers' contact
// plan (dtn.MissionContacts) keeps to the same windows.
func LinkWindows(cs []Contact, pl *plan.Plan, m *mission.Mission, i int, maxFER float64) []Contact {
	type key struct {
		sat   int
		start int64
	}
	ranges := map[key]func(time.Time) float64{}
	st := &m.Stations[i]
	for _, d := range pl.DTNContacts() {
		if d.Station == st.Name && !d.Up {
			ranges[key{d.NORAD, d.Start.UnixNano()}] = d.Range
		}
	}
	budgets := map[int]mission.LinkBudget{}
	for j := range m.Satellites {
		down, _ := mission.Budgets(&m.Satellites[j], st)
		budgets[m.Satellites[j].NORAD] = down
	}
	out := slices.Clone(cs)
	for k := range out {
		c := &out[k]
		rng, ok := ranges[key{c.NORAD, c.Start.UnixNano()}]
		b, okb := budgets[c.NORAD]
		if !ok || !okb {
			continue
		}
		from, to, ok := mission.LinkWindow(b, rng, c.Start, c.End, mission.FrameBits, maxFER)
		if !ok {
			from, to = c.Start, c.Start // no session
		}
		c.LinkFrom, c.LinkTo = from, to
	}
	return out
}

// SatCallsigns are the AX.25 addresses of the mission's satellites, by
// NORAD number: the mission's callsigns, defaulted.
func SatCallsigns(m *mission.Mission) map[int]ax25.Address {
	out := map[int]ax25.Address{}
	for i, sc := range m.Satellites {
		out[sc.NORAD] = ax25.AddressOr(sc.Callsign, fmt.Sprintf("DRN%d", (i+1)%100))
	}
	return out
}

// Callsign is the AX.25 address of the mission's station i.
func Callsign(m *mission.Mission, i int) ax25.Address {
	return ax25.AddressOr(m.Stations[i].Callsign, fmt.Sprintf("GND%d", i+1))
}

// RecordPass stores a pass report as a point of measurement "pass" (tags
// station and sat, at LOS), for the dashboards' pass statistics.
func RecordPass(s *telemetry.Store, r Report) error {
	f := []telemetry.Field{
		{Key: "duration_s", Value: r.End.Sub(r.Start).Seconds()},
		{Key: "frames_rx", Value: r.FramesRx}, {Key: "frames_tx", Value: r.FramesTx},
		{Key: "packets", Value: r.Packets}, {Key: "duplicates", Value: r.Duplicates}, {Key: "gaps", Value: r.Gaps},
		{Key: "frame_errors", Value: r.FrameErrors}, {Key: "unknown_frames", Value: r.UnknownFrames},
		{Key: "commands_sent", Value: r.CommandsSent}, {Key: "commands_verified", Value: r.CommandsVerified},
		{Key: "name", Value: r.Name},
	}
	if r.Radio != nil {
		f = append(f, telemetry.Field{Key: "pointing_err_max_deg", Value: r.Radio.PointingErrMaxDeg},
			telemetry.Field{Key: "doppler_max_hz", Value: r.Radio.DopplerMaxHz}, telemetry.Field{Key: "retunes", Value: r.Radio.Retunes},
			telemetry.Field{Key: "radio_errors", Value: len(r.Radio.Errors)})
	}
	return s.Record("pass", [][2]string{{"sat", strconv.Itoa(r.Sat)}, {"station", r.Station}}, f, r.End)
}
