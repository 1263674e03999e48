package mission

import (
	"strings"
	"testing"
)

// TestDTNPeers: a station's DTN peers outside the mission parse, an ipn
// peer's number is its own, and each wrong field is named where it
// stands.
func TestDTNPeers(t *testing.T) {
	const at = "    horizon_mask: [[0, 5], [180, 15]]\n"
	withPeers := func(peers string) string {
		return strings.Replace(goodMission, at, at+"    dtn_node: \"ipn:1.0\"\n    tcpcl: \"127.0.0.1:4556\"\n    dtn_peers:\n"+peers, 1)
	}
	m, err := Parse([]byte(withPeers(`      - {node: "dtn://dtn7/", number: 900, address: "127.0.0.1:4557", tls: optional, as: "dtn://a/"}
      - {node: "ipn:77.0"}
`)), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ps := m.Stations[0].DTNPeers
	if len(ps) != 2 || ps[0].PeerNumber() != 900 || ps[1].PeerNumber() != 77 || ps[0].TLS != "optional" || ps[0].As != "dtn://a/" {
		t.Fatalf("peers %+v", ps)
	}
	for _, c := range []struct{ peer, want string }{
		{`{node: "dtn:none", number: 5}`, "dtn_peers[0].node"},
		{`{node: "dtn://x/"}`, "dtn_peers[0].number"},
		{`{node: "ipn:x.0"}`, "dtn_peers[0].node"},
		{`{node: "dtn://x/", number: 9, tls: maybe}`, "dtn_peers[0].tls"},
		{`{node: "dtn://x/", number: 9, address: "nowhere"}`, "dtn_peers[0].address"},
		{`{node: "dtn://x/", number: 9, as: "tromso"}`, "dtn_peers[0].as"},
		{`{node: "dtn://x/", number: 1}`, "dtn_peers[0].number"}, // the station's own
		{`{node: "ipn:9.0", protocol: tcpclv5}`, "dtn_peers[0].protocol"},
		{`{node: "ipn:9.0", protocol: tcpclv3}`, "dtn_peers[0].tls"},
	} {
		_, err := Parse([]byte(withPeers("      - "+c.peer+"\n")), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error at %s", c.peer, err, c.want)
		}
	}
}
