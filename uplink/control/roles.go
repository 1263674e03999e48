package control

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// Role is what a user of the control plane may do.
type Role string

// The roles. Control is the control service itself (mission control's
// planner): the only writer of the plan, the command queue and the audit.
const (
	Operator Role = "operator" // queues and cancels commands, acknowledges alarms, pins passes
	Planner  Role = "planner"  // pins passes and re-plans the network
	Viewer   Role = "viewer"   // reads everything, changes nothing
	Station  Role = "station"  // a ground station: claims commands, reports
	Control  Role = "control"  // the control service
)

// Verbs are the requests the service takes, and the roles that may make
// each.
var verbs = map[string][]Role{
	VerbQueue:  {Operator},
	VerbCancel: {Operator},
	VerbAck:    {Operator},
	VerbPin:    {Operator, Planner},
	VerbReplan: {Planner},
	VerbClaim:  {Station},
}

// The request verbs.
const (
	VerbQueue  = "queue"  // a command for a satellite
	VerbCancel = "cancel" // a queued command withdrawn
	VerbAck    = "ack"    // an alarm acknowledged
	VerbPin    = "pin"    // passes pinned, and the network re-planned around them
	VerbReplan = "replan" // the network re-planned from now
	VerbClaim  = "claim"  // a station takes a command for its contact
)

// May reports whether role may make a request with verb.
func May(role Role, verb string) bool {
	for _, r := range verbs[verb] {
		if r == role {
			return true
		}
	}
	return false
}

// User is one user of the control plane: a name (a person's, or a
// station's as in the mission file), a role and the public half of its
// NKey.
type User struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	NKey string `json:"nkey"` // public user key (starts with U)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Check refuses a user whose name cannot be a subject token, whose role
// is unknown or whose key is not a public user NKey.
func (u User) Check() error {
	if !nameRE.MatchString(u.Name) {
		return fmt.Errorf("user %q: a name is 1-64 letters, digits, - or _", u.Name)
	}
	switch u.Role {
	case Operator, Planner, Viewer, Station, Control:
	default:
		return fmt.Errorf("user %s: unknown role %q (operator, planner, viewer, station or control)", u.Name, u.Role)
	}
	if !nkeys.IsValidPublicUserKey(u.NKey) {
		return fmt.Errorf("user %s: %q is not a public user NKey", u.Name, u.NKey)
	}
	return nil
}

// inbox is the user's reply subject prefix: only the user may subscribe
// to it, so no one reads another's replies.
func inbox(name string) string { return "_INBOX_" + name }

// jsAdmin are the JetStream API subjects that change streams: only the
// service may use them (streams are made by the service; no one deletes
// or purges).
var jsAdmin = []string{
	"$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
	"$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>", "$JS.API.STREAM.RESTORE.>",
	"$JS.API.STREAM.PEER.REMOVE.>", "$JS.API.STREAM.LEADER.STEPDOWN.>", "$JS.API.META.>", "$JS.API.SERVER.>",
}

// permissions are what the server lets u publish and subscribe to.
func permissions(u User) *server.Permissions {
	if u.Role == Control {
		return &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{">"}},
			Subscribe: &server.SubjectPermission{Allow: []string{">"}},
		}
	}
	n := u.Name
	pub := []string{"ipgs.req." + n + ".>", "$JS.API.>", "$JS.ACK.>", "$JS.FC.>"}
	if u.Role == Station {
		pub = append(pub, "ipgs.stage."+n+".>", "ipgs.report."+n, "ipgs.alarm."+n, "ipgs.status."+n, "ipgs.tm."+n)
	}
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: pub, Deny: jsAdmin},
		// everyone reads the network's state; no one but the service
		// sees the requests
		Subscribe: &server.SubjectPermission{Allow: []string{"ipgs.>", inbox(n) + ".>"}, Deny: []string{"ipgs.req.>"}},
	}
}

// NewKey makes a user NKey: its seed (the secret, kept by the user) and
// its public key (given to the server's roster).
func NewKey() (seed []byte, public string, err error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, "", err
	}
	if seed, err = kp.Seed(); err != nil {
		return nil, "", err
	}
	public, err = kp.PublicKey()
	return seed, public, err
}

// SeedFile is where a user's seed is kept in a control folder.
func SeedFile(dir, name string) string { return filepath.Join(dir, name+".nk") }

// LoadSeed reads a user's seed file, refusing one others can read.
func LoadSeed(path string) (nkeys.KeyPair, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: a key file must be readable by its owner only (chmod 600), not %v", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("%s: not an NKey seed: %w", path, err)
	}
	if pub, _ := kp.PublicKey(); !nkeys.IsValidPublicUserKey(pub) {
		return nil, errors.New(path + ": not a user NKey seed")
	}
	return kp, nil
}
