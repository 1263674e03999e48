package xtce

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// YAML writes v, a dictionary made from db, as YAML headed by comments:
// what it was made from, and each thing not mapped.
func (db *Database) YAML(kind string, notes []string, v any) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s made from the XTCE database %q by ipgs.\n", kind, db.Name)
	for _, n := range notes {
		fmt.Fprintf(&b, "# not mapped: %s\n", n)
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.Encode(v)
	enc.Close()
	return b.Bytes()
}
