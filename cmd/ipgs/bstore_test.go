package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bstore/bstoretest"
	"github.com/ipgs/ipgs/uplink/bundle"
)

// TestCorruptBundleStore (issue: one page of bundles/STATION.db
// overwritten made ipgs bundle list and ipgs station run panic): the
// command says the store is damaged, names the file and how to salvage
// it; ipgs bundle salvage keeps what can be read and the store lists
// again.
func TestCorruptBundleStore(t *testing.T) {
	dir := t.TempDir()
	mf := relayMission(t, dir)
	data := filepath.Join(dir, "data")
	path := bundleStorePath(data, "Tromso")
	os.MkdirAll(filepath.Dir(path), 0o755)
	s, err := bstore.Open(path, bstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 40 {
		b := &bundle.Bundle{
			Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
				Created: uint64(now.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: uint64(i + 1), Lifetime: 86400000},
			Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, 3000)}},
		}
		raw, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(raw, 0, now); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	bstoretest.Damage(t, path)

	args := []string{"--config", mf, "--data", data, "--station", "Tromso"}
	_, stderr, code := run(t, append([]string{"bundle", "list"}, args...)...)
	if code == 0 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "salvage") || strings.Contains(stderr, "panic") {
		t.Fatalf("bundle list of a damaged store: rc %d, %s", code, stderr)
	}
	out, stderr, code := run(t, append([]string{"bundle", "salvage"}, args...)...)
	if code != 0 || !strings.Contains(out, "kept") {
		t.Fatalf("bundle salvage: rc %d\n%s%s", code, out, stderr)
	}
	t.Logf("salvage:\n%s", out)
	out, stderr, code = run(t, append([]string{"bundle", "list"}, args...)...)
	if code != 0 {
		t.Fatalf("bundle list after salvage: rc %d\n%s%s", code, out, stderr)
	}
}
