package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/catalog"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/command"
)

// missionFlags locate the mission file and the data folder.
type missionFlags struct {
	config, data string
}

func addMissionFlags(c *cobra.Command, f *missionFlags) {
	c.Flags().StringVar(&f.config, "config", "examples/mission.yaml", "mission file")
	c.Flags().StringVar(&f.data, "data", "", "data folder: command history, telemetry, pass reports (default: the mission's data_dir, else data)")
}

// load reads the mission, its element sets and its command dictionary.
func (f missionFlags) load(ctx context.Context) (*mission.Mission, []*tle.Elements, *command.Dictionary, string, error) {
	m, err := mission.Load(f.config)
	if err != nil {
		return nil, nil, nil, "", err
	}
	set := catalog.ForMission(m).LoadMission(ctx, m, false)
	var els []*tle.Elements
	for _, e := range set.Entries {
		els = append(els, e.Elements)
	}
	els = freshElements(ctx, m, els)
	if len(set.Missing) > 0 {
		return nil, nil, nil, "", mission.BadInput(fmt.Errorf("%s: %d satellites have no element set (first: %s)", f.config, len(set.Missing), set.Missing[0].Name))
	}
	var dict *command.Dictionary
	if m.Commands != "" {
		if dict, err = command.LoadDictionary(m.Resolve(m.Commands)); err != nil {
			return nil, nil, nil, "", mission.BadInput(err)
		}
	} else if dict, err = command.ParseDictionary([]byte(command.ExampleDictionary), "built-in"); err != nil {
		return nil, nil, nil, "", err
	}
	if _, err := command.LoadBuses(dict, m); err != nil {
		return nil, nil, nil, "", err
	}
	return m, els, dict, f.dataDir(m), nil
}

// dataDir is --data, else the mission's data_dir, else data.
func (f missionFlags) dataDir(m *mission.Mission) string {
	switch {
	case f.data != "":
		return f.data
	case m.DataDir != "":
		return m.DataDir
	}
	return "data"
}

// virtualClock is the clock of ipgs sim and ipgs station run: real time,
// or virtual time from start at speed, anchored at the wall time anchor
// (RFC 3339; default the next whole 10 s) so separate processes agree.
func virtualClock(cmd *cobra.Command, startFlag, anchorFlag string, speed float64) (clock.Clock, time.Time, error) {
	start, err := mission.ParseTime(startFlag, time.Now())
	if err != nil {
		return nil, start, usage(err)
	}
	if speed == 1 && startFlag == "now" {
		return clock.Real{}, start, nil
	}
	anchor := clock.NextAnchor(time.Now())
	if anchorFlag != "" {
		if anchor, err = time.Parse(time.RFC3339Nano, anchorFlag); err != nil {
			return nil, start, usage(fmt.Errorf("--wall-start %q: want RFC 3339", anchorFlag))
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "virtual time %s at wall %s, %gx (give other processes --start %s --speed %g --wall-start %s)\n",
		start.Format(time.RFC3339), anchor.Format(time.RFC3339), speed, start.Format(time.RFC3339), speed, anchor.Format(time.RFC3339))
	return clock.NewScaledAt(start, speed, anchor), start, nil
}
