package trust

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
)

var t0 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// setup makes keys and a mission whose trust store uses them: Tromso's
// old key until t0+30d, its new key from t0+20d (a 10-day overlap), Perth
// for DRONE-01 only, and a council that may sign revocations.
func setup(t *testing.T) (*Store, map[string]*keys.Private) {
	t.Helper()
	dir := t.TempDir()
	ks := map[string]*keys.Private{}
	for _, n := range []struct{ name, kind string }{{"tromso-old", "sig"}, {"tromso-new", "sig"}, {"perth", "sig"}, {"council", "sig"}, {"drone1", "kem"}} {
		k, _, err := Gen(dir, n.kind, n.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		ks[n.name] = k
	}
	src, err := os.ReadFile("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(src) + fmt.Sprintf(`
security:
  stations:
    - {station: Tromso, key: %s, not_after: %s}
    - {station: Tromso, key: %s, not_before: %s}
    - {station: Perth, key: %s, satellites: [90001]}
  authorities:
    - {name: council, key: %s, kinds: [revocation, directive]}
`, ks["tromso-old"].ID, t0.Add(30*24*time.Hour).Format(time.RFC3339), ks["tromso-new"].ID, t0.Add(20*24*time.Hour).Format(time.RFC3339),
		ks["perth"].ID, ks["council"].ID)
	y = strings.Replace(y, "norad: 90001,", "norad: 90001, keys: ["+ks["drone1"].ID+"],", 1)
	mpath := filepath.Join(dir, "mission.yaml")
	os.WriteFile(mpath, []byte(y), 0o644)
	m, err := mission.Load(mpath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(m, dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, ks
}

func TestGrantsAndRotation(t *testing.T) {
	s, ks := setup(t)
	old, nw, perth := ks["tromso-old"].ID, ks["tromso-new"].ID, ks["perth"].ID
	for _, c := range []struct {
		key  string
		sat  int
		at   time.Time
		want error
	}{
		{old, 90005, t0, nil},
		{nw, 90005, t0, ErrNotGranted},                           // not yet
		{nw, 90005, t0.Add(25 * 24 * time.Hour), nil},            // overlap
		{old, 90005, t0.Add(25 * 24 * time.Hour), nil},           // overlap
		{old, 90005, t0.Add(31 * 24 * time.Hour), ErrNotGranted}, // retired
		{perth, 90001, t0, nil},
		{perth, 90002, t0, ErrNotGranted},
		{ks["council"].ID, 90001, t0, ErrNotGranted},
		{strings.Repeat("ab", 16), 90001, t0, ErrUnknownKey},
	} {
		if err := s.MayCommand(c.key, c.sat, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s... %d at %s: %v, want %v", c.key[:8], c.sat, c.at.Format("01-02"), err, c.want)
		}
	}
	if id, _ := s.StationKey("Tromso", t0.Add(25*24*time.Hour)); id != nw {
		t.Errorf("during the overlap Tromso signs with %s, want the new key", id)
	}
	if k, err := s.SatKey(90001); err != nil || k.ID != ks["drone1"].ID {
		t.Errorf("satellite key: %v", err)
	}
	if n := len(s.StationKeys(90002, t0)); n != 1 {
		t.Errorf("%d stations may command 90002, want 1 (Tromso's old key)", n)
	}
}

func TestSignedRevocation(t *testing.T) {
	s, ks := setup(t)
	perth := ks["perth"].ID
	if _, _, err := s.Revoke(perth, "stolen", ks["perth"], t0); !errors.Is(err, ErrNotGranted) {
		t.Fatalf("a station revoking: %v", err)
	}
	_, path, err := s.Revoke(perth, "stolen laptop", ks["council"], t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MayCommand(perth, 90001, t0); err != nil {
		t.Errorf("before the revocation takes effect: %v", err)
	}
	// reloaded from disk: the signed revocation holds
	s2, err := Load(s.m, s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.MayCommand(perth, 90001, t0.Add(2*time.Hour)); !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), "stolen laptop") {
		t.Errorf("after: %v", err)
	}
	// a tampered revocation bundle is refused when loading
	b, _ := os.ReadFile(path)
	if !strings.HasSuffix(path, ".bundle") || !bytes.Contains(b, []byte("stolen laptop")) {
		t.Fatalf("the revocation is not a readable bundle: %s", path)
	}
	// altered by someone who recomputes the CRCs: the signature fails
	bd, err := bundle.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	pl := bd.Payload()
	pl.Data = bytes.Replace(pl.Data, []byte("stolen laptop"), []byte("stolen laptoq"), 1)
	forged, _ := bd.Encode()
	os.WriteFile(path, forged, 0o644)
	// set aside, and named; the store loads (a file anyone can drop must
	// not stop a station)
	s3, err := Load(s.m, s.Dir)
	if err != nil || !errors.Is(s3.Unreadable[path], bpsec.ErrVerify) {
		t.Errorf("forged revocation: load %v, set aside %v", err, s3.Unreadable)
	}
}

// TestRevocationNotLifted (issue: a later signed revocation lifted a key
// listed in security.revoked, the map being overwritten): a key stays
// revoked from the earliest revocation that names it, whatever comes
// after.
func TestRevocationNotLifted(t *testing.T) {
	s, ks := setup(t)
	perth := ks["perth"].ID
	s.m.Security.Revoked = append(s.m.Security.Revoked, perth)
	if _, _, err := s.Revoke(perth, "again, later", ks["council"], t0.Add(10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*Store{mustLoad(t, s)} { // as a station loads it
		if r, ok := st.Revoked(perth, t0); !ok || r.Reason != "listed in the mission file" {
			t.Errorf("perth at t0: revoked %v (%+v); want revoked by the mission file", ok, r)
		}
	}
}

func mustLoad(t *testing.T, s *Store) *Store {
	t.Helper()
	s2, err := Load(s.m, s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

// TestCorruptKeyFile (issue: one corrupt key file made keys list fail
// outright): the other keys load and list, the damaged file is listed
// as unreadable and is not trusted.
func TestCorruptKeyFile(t *testing.T) {
	s, ks := setup(t)
	bad := filepath.Join(s.Dir, "broken.pub")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	s2, err := Load(s.m, s.Dir)
	if err != nil {
		t.Fatalf("one damaged key file: %v", err)
	}
	if len(s2.Keys) != len(ks) || s2.Unreadable[bad] == nil {
		t.Fatalf("%d keys, unreadable %v; want %d and %s", len(s2.Keys), s2.Unreadable, len(ks), bad)
	}
	var b bytes.Buffer
	s2.List(&b, t0)
	if !strings.Contains(b.String(), "UNREADABLE") || !strings.Contains(b.String(), "broken.pub") || !strings.Contains(b.String(), ks["perth"].ID) {
		t.Fatalf("list:\n%s", b.String())
	}
}

// twoAuthorities is a trust store in which the council and the board may
// each sign revocations.
func twoAuthorities(t *testing.T) (string, *mission.Mission, map[string]*keys.Private) {
	t.Helper()
	dir := t.TempDir()
	ks := map[string]*keys.Private{}
	for _, name := range []string{"council", "board", "perth"} {
		k, _, err := Gen(dir, "sig", name, nil)
		if err != nil {
			t.Fatal(err)
		}
		ks[name] = k
	}
	src, err := os.ReadFile("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(src) + fmt.Sprintf(`
security:
  stations:
    - {station: Perth, key: %s}
  authorities:
    - {name: council, key: %s, kinds: [revocation]}
    - {name: board, key: %s, kinds: [revocation]}
`, ks["perth"].ID, ks["council"].ID, ks["board"].ID)
	mpath := filepath.Join(dir, "mission.yaml")
	os.WriteFile(mpath, []byte(y), 0o644)
	m, err := mission.Load(mpath)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m, ks
}

// TestBackdatedRevocation (issue: a revoked authority kept its powers by
// backdating: revocations were judged at the time their signer chose, so
// the council, once revoked by the board, signed a revocation of the
// board dated before its own and freed itself): a revocation is judged
// when this node learned it, and takes effect no later than then; the
// revoked council revokes nothing; two authorities that revoke each other
// in what a node learns at once are both revoked, whatever the order of
// the files.
func TestBackdatedRevocation(t *testing.T) {
	dir, m, ks := twoAuthorities(t)
	l1 := time.Now().UTC().Truncate(time.Second)
	s, err := LoadAt(m, dir, l1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Revoke(ks["council"].ID, "key stolen", ks["board"], l1); err != nil {
		t.Fatal(err)
	}
	// the revoked council answers with a revocation of the board, dated
	// a year before its own revocation
	s2, _ := LoadAt(m, dir, l1.Add(time.Minute))
	s2.revoked = map[string]Revocation{} // (the attacker's own store, which ignores the revocation)
	if _, _, err := s2.Revoke(ks["board"].ID, "retaliation", ks["council"], l1.AddDate(-1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	later := l1.Add(time.Hour)
	st, err := LoadAt(m, dir, later)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Revoked(ks["board"].ID, later); ok {
		t.Error("the revoked council revoked the board with a backdated revocation")
	}
	if _, ok := st.Revoked(ks["council"].ID, later); !ok {
		t.Error("the council is not revoked")
	}
	var refused []string
	for f, err := range st.Unreadable {
		refused = append(refused, filepath.Base(f)+": "+err.Error())
	}
	t.Logf("set aside: %q", refused)

	// a node that learns both at once: both are revoked
	fresh := t.TempDir()
	for _, f := range []string{"*.pub", "*.key"} {
		files, _ := filepath.Glob(filepath.Join(dir, f))
		for _, src := range files {
			b, _ := os.ReadFile(src)
			os.WriteFile(filepath.Join(fresh, filepath.Base(src)), b, 0o600)
		}
	}
	os.MkdirAll(filepath.Join(fresh, "revocations"), 0o755)
	bundles, _ := filepath.Glob(filepath.Join(dir, "revocations", "*.bundle"))
	for _, src := range bundles {
		b, _ := os.ReadFile(src)
		os.WriteFile(filepath.Join(fresh, "revocations", filepath.Base(src)), b, 0o644)
	}
	fs, err := LoadAt(m, fresh, later)
	if err != nil {
		t.Fatal(err)
	}
	_, c := fs.Revoked(ks["council"].ID, later)
	_, b := fs.Revoked(ks["board"].ID, later)
	if !c || !b {
		t.Errorf("learned at once: council revoked %v, board revoked %v; want both", c, b)
	}
}
