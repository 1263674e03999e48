package control

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The streams.
const (
	StreamPlan    = "PLAN"
	StreamCmds    = "CMDS"
	StreamStages  = "STAGES"
	StreamReports = "REPORTS"
	StreamAlarms  = "ALARMS"
	StreamStatus  = "STATUS"
	StreamAudit   = "AUDIT"
)

// streams are the control plane's streams with replicas copies each (1
// on one server, 3 on a cluster of three).
func streams(replicas int) []jetstream.StreamConfig {
	base := func(name string, subjects ...string) jetstream.StreamConfig {
		return jetstream.StreamConfig{Name: name, Subjects: subjects, Storage: jetstream.FileStorage, Replicas: replicas,
			Retention: jetstream.LimitsPolicy, Duplicates: 10 * time.Minute, Discard: jetstream.DiscardOld}
	}
	pl := base(StreamPlan, "ipgs.plan")
	pl.MaxMsgsPerSubject = 100
	st := base(StreamStatus, "ipgs.status.>")
	st.MaxMsgsPerSubject = 1
	au := base(StreamAudit, "ipgs.audit.>")
	au.DenyDelete, au.DenyPurge = true, true // append-only
	return []jetstream.StreamConfig{
		pl, base(StreamCmds, "ipgs.cmd.>"), base(StreamStages, "ipgs.stage.>"), base(StreamReports, "ipgs.report.>"),
		base(StreamAlarms, "ipgs.alarm.>", "ipgs.alarmack"), st, au,
	}
}

// ensureStreams makes the streams that are missing (the service does, at
// its start); it tries until ctx ends, as a cluster takes a moment to
// elect its JetStream leader.
func ensureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, cfg := range streams(replicas) {
		for {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := js.CreateOrUpdateStream(cctx, cfg)
			cancel()
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("stream %s: %w (last: %v)", cfg.Name, ctx.Err(), err)
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}
