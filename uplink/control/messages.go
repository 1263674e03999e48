package control

import (
	"encoding/json"
	"time"

	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
)

// Request is a request to the control service; the verb (in the
// subject) says which fields count.
type Request struct {
	ID      string           `json:"id"`                // the asker's, to do it once when asked again
	Command *command.Record  `json:"command,omitempty"` // queue: the command, validated by the asker
	CmdID   uint32           `json:"cmd_id,omitempty"`  // cancel, claim
	Sat     int              `json:"sat,omitempty"`     // claim
	Until   time.Time        `json:"until,omitzero"`    // claim: the end of the station's contact
	Alarm   string           `json:"alarm,omitempty"`   // ack
	Pins    []plan.LockEntry `json:"pins,omitempty"`    // pin
	Reason  string           `json:"reason,omitempty"`  // cancel, replan
}

// Reply is the service's answer.
type Reply struct {
	OK    bool            `json:"ok"`
	Error string          `json:"error,omitempty"`
	Body  json.RawMessage `json:"body,omitempty"`
}

// Queued is the answer to a queue request: the command's id, unique in
// the network (its sequence in the command stream).
type Queued struct {
	ID uint32 `json:"id"`
}

// Claimed is the answer to a claim: whether the station may uplink the
// command, and if not who holds it until when.
type Claimed struct {
	Granted bool      `json:"granted"`
	Holder  string    `json:"holder,omitempty"`
	Until   time.Time `json:"until,omitzero"`
}

// CmdMsg is one message of a satellite's command stream.
type CmdMsg struct {
	Kind   string         `json:"kind"` // queued, cancelled, claim
	Record command.Record `json:"record"`
	Holder string         `json:"holder,omitempty"` // claim: the station
	Until  time.Time      `json:"until,omitzero"`   // claim: held until
}

// PlanMsg is one version of the network plan.
type PlanMsg struct {
	Version  int              `json:"version"`
	By       string           `json:"by"` // who asked for it ("" at the start)
	Why      string           `json:"why"`
	Made     time.Time        `json:"made"`
	Down     []string         `json:"down,omitempty"` // stations left out as silent
	Contacts []plan.LockEntry `json:"contacts"`
}

// Heartbeat is a station's periodic status.
type Heartbeat struct {
	Station string          `json:"station"`
	Time    time.Time       `json:"time"` // the station's clock
	Plan    int             `json:"plan"` // the plan version it works
	Status  json.RawMessage `json:"status,omitempty"`
}

// Audit is one record of the audit stream.
type Audit struct {
	Time    time.Time `json:"time"` // the service's clock
	Who     string    `json:"who"`
	Role    Role      `json:"role"`
	Verb    string    `json:"verb"`
	What    string    `json:"what"`
	Outcome string    `json:"outcome"` // done, refused
	Reason  string    `json:"reason,omitempty"`
}
