package coding

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// libfec builds the C helper that runs libfec (testdata/libfec_helper.c)
// and returns a function running it with args on in. Without libfec-dev
// the test is skipped, except in CI, where make deps installs it.
func libfec(t *testing.T) func(in []byte, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat("/usr/include/fec.h"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libfec-dev is not installed (make deps installs it)")
		}
		t.Skip("libfec-dev is not installed")
	}
	bin := filepath.Join(t.TempDir(), "libfec_helper")
	if out, err := exec.Command("gcc", "-O2", "-o", bin, "testdata/libfec_helper.c", "-lfec").CombinedOutput(); err != nil {
		t.Fatalf("building the libfec helper: %v\n%s", err, out)
	}
	return func(in []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Stdin = bytes.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("libfec_helper %v: %v", args, err)
		}
		return out
	}
}

func itoa(n int) string { return fmt.Sprint(n) }
