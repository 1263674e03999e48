package control

import (
	"context"
	"slices"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
)

// Replanner is the service's re-planner for a network planned with o:
// plan.Replan from now with the pins, the down stations left out.
func Replanner(o plan.Options) func(ctx context.Context, prev *plan.Plan, pins []plan.LockEntry, down []string, now time.Time) (*plan.Plan, error) {
	return func(ctx context.Context, prev *plan.Plan, pins []plan.LockEntry, down []string, now time.Time) (*plan.Plan, error) {
		ro := o
		ro.Out = nil
		ro.Stations = slices.DeleteFunc(slices.Clone(o.Stations), func(s mission.Station) bool { return slices.Contains(down, s.Name) })
		return plan.Replan(ctx, ro, prev, pins, now)
	}
}
