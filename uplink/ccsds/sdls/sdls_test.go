package sdls

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
)

// key130 is CryptoLib's internal test key 130 (FEDCBA9876543210 x 4).
var key130, _ = hex.DecodeString("FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210")

// clearFrame is a TC frame for SCID 3, VC 0, with a segment header and
// an FECF, carrying data.
func clearFrame(data []byte) []byte {
	n := 5 + 1 + len(data) + 2
	f := []byte{0x20, 0x03, 0x00, byte(n - 1), 0x00, 0x00}
	f = append(f, data...)
	return binary.BigEndian.AppendUint16(f, fecf.CRC16(f))
}

// TestRoundTripAndReplay: a protected frame opens to its data; the same
// frame again is a replay; one from beyond the window is refused; a
// flipped bit anywhere fails the FECF or the MAC; a wrong SPI is named.
func TestRoundTripAndReplay(t *testing.T) {
	tx := &SA{SPI: 4, Key: key130, SegmentHeader: true}
	rx := &SA{SPI: 4, Key: key130, SegmentHeader: true}
	var frames [][]byte
	for i := 0; i < 10; i++ {
		p, err := tx.ApplyTC(clearFrame([]byte{byte(i), 1, 2, 3}))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, p)
	}
	if d, err := rx.ProcessTC(frames[0]); err != nil || d[0] != 0 {
		t.Fatalf("first: %v", err)
	}
	if _, err := rx.ProcessTC(frames[0]); !errors.Is(err, ErrReplay) {
		t.Fatalf("a replay: %v", err)
	}
	if _, err := rx.ProcessTC(frames[9]); !errors.Is(err, ErrReplay) {
		t.Fatalf("9 ahead of a window of 5: %v", err)
	}
	if d, err := rx.ProcessTC(frames[3]); err != nil || d[0] != 3 {
		t.Fatalf("3 ahead, inside the window: %v", err)
	}
	bad := bytes.Clone(frames[4])
	bad[len(bad)-5] ^= 1 // in the MAC
	binary.BigEndian.PutUint16(bad[len(bad)-2:], fecf.CRC16(bad[:len(bad)-2]))
	if _, err := rx.ProcessTC(bad); !errors.Is(err, ErrMAC) {
		t.Fatalf("a forged MAC: %v", err)
	}
	if d, err := rx.ProcessTC(frames[4]); err != nil || d[0] != 4 {
		t.Fatalf("the real one after a forgery: %v", err)
	}
	other := &SA{SPI: 9, Key: key130, SegmentHeader: true}
	if _, err := other.ProcessTC(frames[5]); !errors.Is(err, ErrSPI) {
		t.Fatalf("wrong SPI: %v", err)
	}
}

// cryptolib builds the helper that runs NASA CryptoLib, when
// IPGS_PEER_CRYPTOLIB names a CryptoLib checkout built with libgcrypt
// (its build/src/libcryptolib.so); docs/ccsds.md says how it was built.
func cryptolib(t *testing.T) func(args ...string) (string, error) {
	return cryptolibHelper(t, "cryptolib_helper")
}

// cryptolibHelper builds testdata/NAME.c against CryptoLib.
func cryptolibHelper(t *testing.T, name string) func(args ...string) (string, error) {
	dir := os.Getenv("IPGS_PEER_CRYPTOLIB")
	if dir == "" {
		t.Skip("IPGS_PEER_CRYPTOLIB is not set")
	}
	lib := filepath.Join(dir, "build", "src")
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("gcc", "-o", bin, "testdata/"+name+".c", "-I"+filepath.Join(dir, "include"), "-L"+lib, "-lcryptolib", "-lgcrypt").CombinedOutput(); err != nil {
		t.Fatalf("building the CryptoLib helper: %v\n%s", err, out)
	}
	return func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+lib)
		cmd.Dir = t.TempDir() // it may write sa_save_file.bin
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
}

// TestCryptoLibInterop: NASA CryptoLib protects a TC frame under SA 4
// (AES-256-GCM, key 130, the authentication mask all zero) and ipgs
// opens it; ipgs protects one and CryptoLib opens it to the same data;
// CryptoLib refuses ipgs's frame with a bit of its MAC flipped.
func TestCryptoLibInterop(t *testing.T) {
	run := cryptolib(t)
	data := []byte{0x80, 0xd2, 0xc7, 0x00, 0x08, 0x19, 0x7f, 0x0b, 0x00, 0x31, 0x00, 0x00, 0xb1, 0xfe}
	clear := clearFrame(data)
	out, err := run("apply", hex.EncodeToString(clear))
	if err != nil {
		t.Fatalf("CryptoLib apply: %v (%s)", err, out)
	}
	theirs, _ := hex.DecodeString(out)
	rx := &SA{SPI: 4, Key: key130, SegmentHeader: true, AuthMask: make([]byte, 32)}
	got, err := rx.ProcessTC(theirs)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ipgs on CryptoLib's frame %s: %X, %v", out, got, err)
	}
	tx := &SA{SPI: 4, Key: key130, SegmentHeader: true, AuthMask: make([]byte, 32)}
	tx.ApplyTC(clearFrame([]byte{0})) // IV 0: CryptoLib's SA has had it
	mine, err := tx.ApplyTC(clear)    // IV 1: the next it expects
	if err != nil {
		t.Fatal(err)
	}
	out, err = run("process", hex.EncodeToString(mine))
	if err != nil || out != hex.EncodeToString(data) {
		t.Fatalf("CryptoLib on ipgs's frame %X: %s, %v", mine, out, err)
	}
	bad := bytes.Clone(mine)
	bad[len(bad)-4] ^= 1
	binary.BigEndian.PutUint16(bad[len(bad)-2:], fecf.CRC16(bad[:len(bad)-2]))
	if out, err := run("process", hex.EncodeToString(bad)); err == nil {
		t.Fatalf("CryptoLib took a frame with a flipped MAC bit: %s", out)
	} else {
		t.Logf("CryptoLib refused the forged frame: %s", out)
	}
	t.Logf("CryptoLib's frame: %s", hex.EncodeToString(theirs))
	t.Logf("ipgs's frame:      %s", hex.EncodeToString(mine))
}

func FuzzProcessTC(f *testing.F) {
	tx := &SA{SPI: 4, Key: key130, SegmentHeader: true}
	p, _ := tx.ApplyTC(clearFrame([]byte{1, 2, 3}))
	f.Add(p)
	f.Fuzz(func(t *testing.T, b []byte) {
		rx := &SA{SPI: 4, Key: key130, SegmentHeader: true}
		if d, err := rx.ProcessTC(b); err == nil && len(d) > len(b) {
			t.Fatal("more data than frame")
		}
		Header(b, true)
	})
}
