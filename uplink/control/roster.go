package control

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/ipgs/ipgs/internal/durable"
	"github.com/ipgs/ipgs/mission"
)

// Roster is the control plane's users, as kept in a control folder's
// roster.json (public keys only: each seed stays with its user).
type Roster struct {
	Users []User `json:"users"`
}

// ReadRoster parses a roster, refusing users that fail User.Check or
// appear twice.
func ReadRoster(r io.Reader, source string) (*Roster, error) {
	var ro Roster
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ro); err != nil {
		return nil, mission.BadInput(fmt.Errorf("%s: not a roster: %v", source, err))
	}
	seen := map[string]bool{}
	for i, u := range ro.Users {
		if err := u.Check(); err != nil {
			return nil, mission.BadInput(fmt.Errorf("%s: users[%d]: %v", source, i, err))
		}
		if seen[u.Name] {
			return nil, mission.BadInput(fmt.Errorf("%s: users[%d]: %s appears twice", source, i, u.Name))
		}
		seen[u.Name] = true
	}
	return &ro, nil
}

// LoadRoster reads path.
func LoadRoster(path string) (*Roster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadRoster(f, path)
}

// Save writes the roster to path, durably.
func (ro *Roster) Save(path string) error {
	b, err := json.MarshalIndent(ro, "", "  ")
	if err != nil {
		return err
	}
	return durable.WriteFile(path, append(b, '\n'), 0o644)
}

// Role is the role of the user named name ("" if there is none).
func (ro *Roster) Role(name string) Role {
	for _, u := range ro.Users {
		if u.Name == name {
			return u.Role
		}
	}
	return ""
}

// Add makes a key for a new user, writes its seed to seedPath (owner
// only) and adds it to the roster.
func (ro *Roster) Add(name string, role Role, seedPath string) (User, error) {
	if ro.Role(name) != "" {
		return User{}, fmt.Errorf("%s is already a user", name)
	}
	seed, pub, err := NewKey()
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, Role: role, NKey: pub}
	if err := u.Check(); err != nil {
		return User{}, err
	}
	if err := durable.WriteFile(seedPath, append(seed, '\n'), 0o600); err != nil {
		return User{}, err
	}
	ro.Users = append(ro.Users, u)
	return u, nil
}
