package ground

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/station"
)

// takePlan works a plan version from the control plane: its contacts on
// the station's own problem (plan.Apply), nothing planned here.
func (r *Runtime) takePlan(pm control.PlanMsg) {
	pl, notes := plan.Apply(r.cfg.Plan, pm.Contacts)
	for _, n := range notes {
		fmt.Fprintf(r.cfg.Log, "station %s: plan version %d: %s\n", r.name, pm.Version, n)
	}
	r.SetPlan(pl)
	mine := 0
	for _, c := range pm.Contacts {
		if c.Station == r.name {
			mine++
		}
	}
	fmt.Fprintf(r.cfg.Log, "station %s: plan version %d (%s%s): %d contacts of mine\n", r.name, pm.Version, pm.Why, byWhom(pm.By), mine)
}

func byWhom(by string) string {
	if by == "" {
		return ""
	}
	return ", by " + by
}

// takeAck applies an alarm acknowledgement made at mission control.
func (r *Runtime) takeAck(alarm, by string) {
	if ts := r.cfg.Telemetry; ts != nil {
		ts.Alarms.Ack(alarm, by, r.cfg.Clock.Now()) // (an alarm of another station's: not found, nothing to do)
	}
}

func reportKey(rep station.Report) string {
	return fmt.Sprintf("%d-%d", rep.Sat, rep.Start.UnixNano())
}

// resync hands the control plane again what this station recorded
// before (a restart, or a control plane that was away): its stages and
// pass reports, which the streams keep once.
func (r *Runtime) resync() {
	cmds, err := r.cfg.History.Commands()
	if err != nil {
		fmt.Fprintf(r.cfg.Log, "station %s: command history: %v (stages not sent again)\n", r.name, err)
	}
	for _, c := range cmds {
		for _, st := range c.Stages {
			if st.Station == r.name && st.Stage != command.Queued {
				r.link.Stage(st)
			}
		}
	}
	f, err := os.Open(filepath.Join(r.cfg.Dir, "passes.jsonl"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var rep station.Report
		if json.Unmarshal(sc.Bytes(), &rep) == nil {
			r.link.Report(reportKey(rep), rep)
		}
	}
}
