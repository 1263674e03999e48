package desktop

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// TestControlFeed: what the streams say becomes each station's snapshot:
// the newest plan version only, a report published twice kept once, an
// alarm raised then cleared gone, a station left out of the plan and one
// never heard from each a problem.
func TestControlFeed(t *testing.T) {
	m := &mission.Mission{Stations: []mission.StationConfig{{Name: "Tromso"}, {Name: "Perth"}},
		Satellites: []mission.SatelliteConfig{{Name: "DRONE-01", NORAD: 90001}}}
	f := newControlFeed(nil, m)
	t0 := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	contact := func(st string, h int) plan.LockEntry {
		return plan.LockEntry{Sat: 90001, Station: st, Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h)*time.Hour + 8*time.Minute)}
	}
	f.takePlan(js(control.PlanMsg{Version: 2, Down: []string{"Perth"}, Contacts: []plan.LockEntry{contact("Tromso", 1), contact("Tromso", 2)}}))
	f.takePlan(js(control.PlanMsg{Version: 1, Contacts: []plan.LockEntry{contact("Perth", 1)}})) // older: ignored
	rep := station.Report{Station: "Tromso", Sat: 90001, Name: "DRONE-01", Start: t0.Add(time.Hour), End: t0.Add(time.Hour + 8*time.Minute), Packets: 120}
	f.takeReport(js(rep))
	f.takeReport(js(rep))
	a := telemetry.Alarm{ID: "90001/hk/battery"}
	f.takeAlarm("ipgs.alarm.Tromso", js(telemetry.Event{Kind: "raised", Alarm: a}))
	f.takeAlarm("ipgs.alarm.Tromso", js(telemetry.Event{Kind: "raised", Alarm: telemetry.Alarm{ID: "90001/stale"}}))
	f.takeAlarm("ipgs.alarm.Tromso", js(telemetry.Event{Kind: "cleared", Alarm: a}))
	f.takeValues("ipgs.tm.Tromso", js([]status.Value{{Sat: 90001, Packet: "hk", Field: "battery", Value: 7.9}}))
	f.heartbeat(js(control.Heartbeat{Station: "Tromso", Time: t0.Add(90 * time.Minute), Plan: 2,
		Status: js(status.Summary{Problems: []string{"disk: full"}})}))

	snaps, errs := f.snapshots()
	tr, pe := snaps[0], snaps[1]
	if len(tr.Plan) != 2 || tr.Plan[0].Name != "DRONE-01" || len(pe.Plan) != 0 {
		t.Errorf("plans: Tromso %+v, Perth %+v (want plan version 2's)", tr.Plan, pe.Plan)
	}
	if len(tr.Reports) != 1 || tr.Reports[0].Packets != 120 {
		t.Errorf("reports: %+v, want the one once", tr.Reports)
	}
	if len(tr.Alarms) != 1 || tr.Alarms[0].ID != "90001/stale" {
		t.Errorf("alarms: %+v, want 90001/stale only", tr.Alarms)
	}
	if len(tr.Values) != 1 || !tr.Now.Equal(t0.Add(90*time.Minute)) || len(tr.Problems) != 1 {
		t.Errorf("Tromso: values %+v, now %v, problems %q", tr.Values, tr.Now, tr.Problems)
	}
	if errs[0] != "" || !strings.Contains(errs[1], "Perth: no heartbeat") {
		t.Errorf("errors %q", errs)
	}
	if len(pe.Problems) != 1 || !strings.Contains(pe.Problems[0], "left out of plan version 2") {
		t.Errorf("Perth's problems %q", pe.Problems)
	}
}
