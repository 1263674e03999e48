// Package bstoretest damages bundle stores for tests.
package bstoretest

import (
	"bytes"
	"os"
	"testing"

	"github.com/ipgs/ipgs/uplink/bstore"
)

// Damage overwrites the first page of the bundle store at path whose loss
// the store notices: a page in use (which one depends on the store's
// history), as a disk fault or a stray write would. The store must be
// closed.
func Damage(t testing.TB, path string) {
	t.Helper()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for page := 2; (page+1)*4096 <= len(good); page++ {
		b := bytes.Clone(good)
		copy(b[page*4096:(page+1)*4096], bytes.Repeat([]byte{0xA5}, 4096))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := bstore.Open(path, bstore.Options{})
		if err != nil {
			t.Logf("bundle store %s: page %d overwritten", path, page)
			return
		}
		s.Close()
	}
	t.Fatalf("%s: no page of the bundle store is in use", path)
}
