package tc

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBCHAgainstSpacePyLibrary checks the CLTU codeblocks' BCH bytes
// against Stefan Korner's SpacePyLibrary (UTIL/BCH.py), an independent
// implementation not in Debian: set IPGS_PEER_SPACEPY to a checkout of
// it (docs/ccsds.md says how it was run). 300 random blocks.
func TestBCHAgainstSpacePyLibrary(t *testing.T) {
	dir := os.Getenv("IPGS_PEER_SPACEPY")
	if dir == "" {
		t.Skip("IPGS_PEER_SPACEPY is not set")
	}
	script := `import sys, random
sys.path.insert(0, sys.argv[1])
import UTIL.BCH as B
random.seed(7)
for _ in range(300):
    blk = [random.randrange(256) for _ in range(7)]
    s = B.encodeStart()
    for b in blk:
        s = B.encodeStep(s, b)
    print(bytes(blk).hex(), "%02x" % B.encodeStop(s))
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, filepath.Clean(dir)).Output()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		blk, _ := hex.DecodeString(fs[0])
		want, _ := hex.DecodeString(fs[1])
		if got := bchParity(blk); got != want[0] {
			t.Fatalf("block % X: BCH byte %02X, SpacePyLibrary's %02X", blk, got, want[0])
		}
		n++
	}
	if n != 300 {
		t.Fatalf("%d blocks compared", n)
	}
}
