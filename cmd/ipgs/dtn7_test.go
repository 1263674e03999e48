package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// TestDTN7Interop (issue 22) exchanges bundles between ipgs station run
// and dtn7-go's dtnd (v0.9.1, an independent BPv7 and TCPCLv4
// implementation in Go, built beside the project: IPGS_PEER_DTN7 names
// its binary; docs/dtn.md says how). The mission names dtnd as Tromso's
// DTN peer dtn://dtn7/ with TLS optional (dtnd's TCPCLv4 has no TLS), and
// Tromso dials it:
//   - a bundle dropped in Tromso's outbox for dtn://dtn7/inbox reaches
//     dtnd's REST client, its payload intact, with the previous node and
//     hop count Tromso forwarded it with;
//   - dtnd's status reports of its reception and delivery come back to
//     Tromso's administrative endpoint and ipgs bundle list shows them;
//   - a bundle dtnd builds for ipn:1.1 reaches Tromso's inbox.
func TestDTN7Interop(t *testing.T) {
	dtnd := os.Getenv("IPGS_PEER_DTN7")
	if dtnd == "" {
		t.Skip("IPGS_PEER_DTN7 is not set (the path of dtn7-go's dtnd, v0.9.1)")
	}
	dir := t.TempDir()
	base := freePorts(t, 3)
	tcpclPort, dtnPort, restPort := base, base+1, base+2
	mf := relayMission(t, dir)
	b, _ := os.ReadFile(mf)
	m := strings.Replace(string(b), "    dtn_node: \"ipn:1.0\"\n", fmt.Sprintf(`    dtn_node: "ipn:1.0"
    tcpcl: "127.0.0.1:%d"
    dtn_peers:
      - {node: "dtn://dtn7/", number: 900, address: "127.0.0.1:%d", tls: optional, as: "dtn://tromso/"}
`, tcpclPort, dtnPort), 1)
	os.WriteFile(mf, []byte(m), 0o644)
	conf := filepath.Join(dir, "dtnd.toml")
	os.WriteFile(conf, fmt.Appendf(nil, `[core]
store = %q
inspect-all-bundles = true
node-id = "dtn://dtn7/"
[logging]
level = "debug"
[discovery]
ipv4 = false
ipv6 = false
[agents]
[agents.webserver]
address = "127.0.0.1:%d"
websocket = false
rest = true
[[listen]]
protocol = "tcpclv4"
endpoint = "127.0.0.1:%d"
[routing]
algorithm = "epidemic"
`, filepath.Join(dir, "dtn7store"), restPort, dtnPort), 0o644)
	logf, _ := os.Create(filepath.Join(dir, "dtnd.log"))
	cmd := exec.Command(dtnd, conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rest := func(path string, in, out any) error {
		body, _ := json.Marshal(in)
		r, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/rest/%s", restPort, path), "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer r.Body.Close()
		return json.NewDecoder(r.Body).Decode(out)
	}
	var reg struct{ UUID, Error string }
	poll(t, 20*time.Second, "dtnd's REST agent", func() bool {
		return rest("register", map[string]string{"endpoint_id": "dtn://dtn7/inbox"}, &reg) == nil && reg.UUID != ""
	})

	data := filepath.Join(dir, "data")
	st := startProc(t, dir, "Tromso", "station", "run", "--config", mf, "--data", data, "--station", "Tromso",
		"--tnc", "127.0.0.1:1", "--rig", "none", "--rotator", "none", "--duration", "5m")
	t.Cleanup(func() {
		if t.Failed() {
			l, _ := os.ReadFile(filepath.Join(dir, "dtnd.log"))
			t.Logf("--- Tromso:\n%s\n--- dtnd (last 4 kB):\n%s", st.output(), l[max(0, len(l)-4096):])
		}
	})
	poll(t, 30*time.Second, "Tromso's TCPCL session with dtnd", func() bool {
		return strings.Contains(st.output(), "ground session with dtn://dtn7/")
	})

	// ipgs → dtn7
	now := time.Now()
	out := &bundle.Bundle{
		// it asks for reports of reception and delivery, to Tromso by the
		// name dtnd knows it by (dtnd takes no ipn:N.0)
		Primary: bundle.Primary{Flags: bundle.FlagReportReception | bundle.FlagReportDelivery, CRCType: bundle.CRC32C,
			Dest: bundle.EID{Scheme: 1, SSP: "//dtn7/inbox"}, Source: bundle.IPN(1, 1), ReportTo: bundle.EID{Scheme: 1, SSP: "//tromso/"},
			Created: uint64(now.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: 1, Lifetime: uint64(time.Hour.Milliseconds())},
		Blocks: []bundle.Block{bundle.HopCountBlock(2, 16, 0), {Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("ballot from Tromso to dtn7")}},
	}
	raw, err := out.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dtn.WriteFile(outboxDir(data, "Tromso"), raw); err != nil {
		t.Fatal(err)
	}
	type block struct {
		BlockTypeCode uint64          `json:"blockTypeCode"`
		Data          json.RawMessage `json:"data"`
	}
	var got struct {
		Error   string
		Bundles []struct {
			PrimaryBlock    json.RawMessage `json:"primaryBlock"`
			CanonicalBlocks []block         `json:"canonicalBlocks"`
		}
	}
	poll(t, 30*time.Second, "dtnd to deliver Tromso's bundle", func() bool {
		return rest("fetch", map[string]string{"uuid": reg.UUID}, &got) == nil && len(got.Bundles) > 0
	})
	blocks := map[uint64]string{}
	for _, k := range got.Bundles[0].CanonicalBlocks {
		blocks[k.BlockTypeCode] = string(k.Data)
	}
	t.Logf("dtnd delivered: primary %s, blocks %v", got.Bundles[0].PrimaryBlock, blocks)
	payload, _ := base64.StdEncoding.DecodeString(strings.Trim(blocks[bundle.TypePayload], `"`))
	if string(payload) != "ballot from Tromso to dtn7" {
		t.Errorf("payload %q", payload)
	}
	if !strings.Contains(blocks[bundle.TypePreviousNode], "dtn://tromso/") || !strings.Contains(blocks[bundle.TypeHopCount], `"count":1`) {
		t.Errorf("previous node %s, hop count %s: want dtn://tromso/ (the id Tromso gives dtnd) and a count of 1", blocks[bundle.TypePreviousNode], blocks[bundle.TypeHopCount])
	}

	// dtnd's status reports come back to Tromso's administrative endpoint,
	// and ipgs bundle list shows them
	var list string
	poll(t, 30*time.Second, "dtnd's status reports in ipgs bundle list", func() bool {
		list, _, _ = run(t, "bundle", "list", "--config", mf, "--data", data, "--station", "Tromso")
		return strings.Contains(list, "delivered by dtn://dtn7/") && strings.Contains(list, "received  by dtn://dtn7/")
	})
	t.Logf("ipgs bundle list:\n%s", list)

	// dtn7 → ipgs
	var built struct{ Error string }
	if err := rest("build", map[string]any{"uuid": reg.UUID, "arguments": map[string]any{
		"destination": "ipn:1.1", "source": "dtn://dtn7/inbox", "creation_timestamp_now": true, "lifetime": "1h",
		"payload_block": "directive from dtn7 to Tromso"}}, &built); err != nil || built.Error != "" {
		t.Fatalf("dtnd build: %v %s", err, built.Error)
	}
	var in []byte
	poll(t, 30*time.Second, "Tromso to deliver dtnd's bundle", func() bool {
		files, _ := filepath.Glob(filepath.Join(inboxDir(data, "Tromso"), "*"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				in = b
				return true
			}
		}
		return false
	})
	ib, err := bundle.Decode(in)
	if err != nil {
		t.Fatalf("Tromso's inbox: %v", err)
	}
	prev, _ := ib.PreviousNode()
	t.Logf("Tromso delivered %s from %s: %q, previous node %v", ib.Primary.ID(), ib.Primary.Source, ib.Payload().Data, prev)
	if string(ib.Payload().Data) != "directive from dtn7 to Tromso" || ib.Primary.Source.String() != "dtn://dtn7/inbox" {
		t.Errorf("not the bundle dtnd built")
	}
}
