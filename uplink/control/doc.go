// Package control is the ground network's control plane on NATS with
// JetStream: one plan made by one planner and applied by every station,
// the command queue of every satellite with each command uplinked once,
// pass reports, alarms and their acknowledgements, station heartbeats,
// and an append-only audit of who changed what.
//
// Everything that changes state goes through the control service (Service,
// run inside mission control) as a request on ipgs.req.<user>.<verb>: a
// user may publish only under its own name, so the subject says who asks,
// and the service checks the user's role, does it or refuses it, and
// audits both. Only the service writes the plan, the command queue and the
// audit; stations write their own stages, pass reports, alarms and status
// under their own name (the server's permissions enforce all of it).
//
// Subjects and streams:
//
//	ipgs.req.<user>.<verb>      requests to the service (core NATS)
//	ipgs.plan                   PLAN: plan versions, newest last
//	ipgs.cmd.<sat>              CMDS: commands queued, and the claims on them
//	ipgs.stage.<station>.<sat>  STAGES: verification stages a station saw
//	ipgs.report.<station>       REPORTS: pass reports
//	ipgs.alarm.<station>        ALARMS: alarm events (and ipgs.alarmack)
//	ipgs.status.<station>       STATUS: heartbeats with the station's status
//	ipgs.tm.<station>           telemetry summaries for the GUI (core NATS)
//	ipgs.audit.<verb>           AUDIT: every request, done or refused
package control
