package trust

import (
	"bytes"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/ipgs/ipgs/mission"
)

// Init makes a key for every station (ML-DSA-65), every satellite
// (X-Wing) and one authority, "council" (ML-DSA-65; proposals, votes,
// directives, revocations), in dir, and returns the mission file src with
// the satellites' keys and the security section filled in (comments
// kept). Keys are sealed when passphrase is set.
// keysDir is what the mission file's security.keys_dir should say ("":
// leave the default).
func Init(m *mission.Mission, src []byte, dir, keysDir string, passphrase []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the mission file is not a YAML mapping")
	}
	top := root.Content[0]
	if get(top, "security") != nil {
		return nil, mission.BadInput(fmt.Errorf("the mission file has a security section already: ipgs keys gen adds single keys"))
	}
	sats := get(top, "satellites")
	if sats == nil || sats.Kind != yaml.SequenceNode || len(sats.Content) != len(m.Satellites) {
		return nil, fmt.Errorf("satellites: not the list the mission has")
	}
	for i, sc := range m.Satellites {
		k, _, err := Gen(dir, "kem", sc.Name, passphrase)
		if err != nil {
			return nil, err
		}
		item := sats.Content[i]
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("satellites[%d]: not a mapping", i)
		}
		if get(item, "keys") != nil {
			return nil, mission.BadInput(fmt.Errorf("satellites[%d] has keys already", i))
		}
		item.Content = append(item.Content, scalar("keys"), &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{scalar(k.ID)}})
	}
	stations := &yaml.Node{Kind: yaml.SequenceNode}
	for _, st := range m.Stations {
		k, _, err := Gen(dir, "sig", st.Name, passphrase)
		if err != nil {
			return nil, err
		}
		stations.Content = append(stations.Content, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{
			scalar("station"), scalar(st.Name), scalar("key"), scalar(k.ID)}})
	}
	council, _, err := Gen(dir, "sig", "council", passphrase)
	if err != nil {
		return nil, err
	}
	kinds := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, k := range []string{"proposal", "vote", "directive", "revocation"} {
		kinds.Content = append(kinds.Content, scalar(k))
	}
	auth := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{
		scalar("name"), scalar("council"), scalar("key"), scalar(council.ID), scalar("kinds"), kinds}}}}
	sec := &yaml.Node{Kind: yaml.MappingNode}
	if keysDir != "" {
		sec.Content = append(sec.Content, scalar("keys_dir"), scalar(keysDir))
	}
	sec.Content = append(sec.Content, scalar("stations"), stations, scalar("authorities"), auth)
	k := scalar("security")
	k.HeadComment = "Trust store (ipgs keys init): station keys may command every satellite;\nthe council signs governance bundles and revocations."
	top.Content = append(top.Content, k, sec)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(v string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		n.Style = yaml.DoubleQuotedStyle // a key id of digits stays a string
	}
	return n
}
