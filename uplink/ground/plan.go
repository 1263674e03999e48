package ground

import (
	"context"
	"fmt"
	"io"

	"github.com/ipgs/ipgs/mission"

	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// SetPlan hands the station a new network plan (a re-plan made for the
// whole network): the engine works its contacts from now on, the bundle
// node routes on it, the status endpoint shows it.
func (r *Runtime) SetPlan(pl *plan.Plan) {
	r.mu.Lock()
	r.plan = pl
	r.mu.Unlock()
	r.engine.SetContacts(station.LinkWindows(station.PlanContacts(pl, r.cfg.Station), pl, r.cfg.Mission, r.cfg.Station, mission.MaxLinkFER))
	r.board.SetPlan(status.PlanOf(pl, r.cfg.Station))
	if r.agent != nil {
		cs, err := r.contacts(pl, r.agent.b)
		if err != nil {
			fmt.Fprintf(r.cfg.Log, "station %s: bundles keep routing on the previous plan: %v\n", r.name, err)
			return
		}
		r.node.SetContacts(cs)
	}
}

// Replan plans the network again from the clock's now with an
// operator's pins (plan.Replan: pins go in first and never move, the
// rest of the current plan is kept where it fits), and works the new
// plan's contacts of this station.
func (r *Runtime) Replan(ctx context.Context, pins []plan.LockEntry) (*plan.Plan, error) {
	r.replanning.Lock() // one re-plan at a time, each from the last one's plan
	defer r.replanning.Unlock()
	cur := r.Plan()
	o := plan.NetworkOptions(r.cfg.Mission, r.cfg.Elements, r.cfg.Start, r.cfg.Duration, io.Discard)
	npl, err := plan.Replan(ctx, o, cur, pins, r.cfg.Clock.Now())
	if err != nil {
		return nil, err
	}
	r.SetPlan(npl)
	return npl, nil
}
