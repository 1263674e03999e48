package ltp

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// storedPair is pair with each engine on a store in dir; restart(n)
// replaces engine n with a new one on the same store, as a process that
// crashed and started again (what it had in memory and not on disk is
// gone), and takes its sessions up again.
func storedPair(t *testing.T, l *link, dir string) (got *[][]byte, done *map[SessionID]error, restart func(n uint64)) {
	var blocks [][]byte
	outcomes := map[SessionID]error{}
	rt := func(uint64) time.Duration { return 2*l.owlt + 30*time.Second }
	up := func(_ uint64, t time.Time) bool { return !l.isDown(t) }
	mk := func(n uint64) {
		st, err := OpenStore(filepath.Join(dir, map[uint64]string{1: "earth", 2: "mars"}[n]))
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Engine: n, Send: l.sender(n), RoundTrip: rt, Up: up, Store: st, Log: t.Logf}
		if n == 1 {
			cfg.Done = func(s SessionID, err error) { outcomes[s] = err }
		} else {
			cfg.Deliver = func(_ SessionID, client uint64, b []byte) { blocks = append(blocks, bytes.Clone(b)) }
		}
		l.engines[n] = New(cfg)
		if err := l.engines[n].Restore(l.now); err != nil {
			t.Fatal(err)
		}
	}
	mk(1)
	mk(2)
	return &blocks, &outcomes, mk
}

// TestRestartsKeepRedParts sends blocks to Mars at 20 minutes' light
// time with 10 % segment loss, restarts the sender while its blocks are
// on their way, then the receiver while it holds part of them, then both
// in a three-hour outage: every block arrives once and whole, every
// export session ends acknowledged, and the stores are empty after.
func TestRestartsKeepRedParts(t *testing.T) {
	dir := t.TempDir()
	l := newLink(20*time.Minute, 256000, 0.10, 5)
	got, done, restart := storedPair(t, l, dir)
	var want [][]byte
	for i := range 4 {
		b := block(30_000+5000*i, byte(i))
		want = append(want, b)
		l.engines[1].Send(2, 1, b, -1, l.now)
	}
	l.run(t, t0.Add(10*time.Minute), nil) // segments in flight, none arrived
	restart(1)
	l.run(t, t0.Add(21*time.Minute), nil) // the first blocks' segments arriving
	if ex, im := l.engines[2].Pending(); im == 0 {
		t.Fatalf("the receiver holds no session to lose (%d exports, %d imports)", ex, im)
	}
	restart(2)
	l.down = [][2]time.Time{{t0.Add(50 * time.Minute), t0.Add(3*time.Hour + 50*time.Minute)}}
	l.run(t, t0.Add(2*time.Hour), nil)
	restart(1)
	restart(2)
	l.run(t, t0.Add(12*time.Hour), func() bool { return len(*done) == len(want) && len(*got) == len(want) })
	if len(*got) != len(want) {
		t.Fatalf("%d of %d blocks delivered", len(*got), len(want))
	}
	for _, b := range *got {
		found := false
		for _, w := range want {
			found = found || bytes.Equal(b, w)
		}
		if !found {
			t.Fatalf("a %d-byte block delivered that was not sent", len(b))
		}
	}
	for id, err := range *done {
		if err != nil {
			t.Errorf("session %v: %v", id, err)
		}
	}
	l.run(t, l.now.Add(2*time.Hour), nil) // the last report acknowledgements
	for _, side := range []string{"earth", "mars"} {
		ents, _ := os.ReadDir(filepath.Join(dir, side))
		for _, e := range ents {
			if e.Name() != "next" && e.Name()[0] != 'c' {
				t.Errorf("%s's store still holds %s", side, e.Name())
			}
		}
	}
	t.Logf("delivered %d blocks by %s, %d and %d segments sent", len(*got), l.now.Sub(t0), l.sent[1], l.sent[2])
}

// TestStoreTornAndBad: a torn last record (a crash mid-write) is left out
// and its segment comes again; a file that is not a session's is an
// error naming it.
func TestStoreTornAndBad(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := SessionID{Engine: 7, Number: 3}
	if err := st.saveImportData(id, 1, true, recData, 0, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := st.saveImportData(id, 1, false, recData, 5, []byte("world")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, importName(id))
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)-2], 0o600)
	e := New(Config{Engine: 1, Send: func(uint64, []byte) {}, Store: st})
	if err := e.Restore(t0); err != nil {
		t.Fatal(err)
	}
	if im := e.imports[id]; im == nil || !im.got.covers(0, 5) || im.got.covers(5, 10) {
		t.Fatalf("torn record: %+v", e.imports[id])
	}
	os.WriteFile(filepath.Join(dir, "x-zz"), []byte{1}, 0o600)
	if err := New(Config{Engine: 1, Send: func(uint64, []byte) {}, Store: st}).Restore(t0); err == nil {
		t.Fatal("a bad export file was read")
	} else {
		t.Log(err)
	}
}

// TestUDPRestartJoins: over real UDP on loopback, the sender crashes
// with its block unacknowledged and the receiver down; started again on
// its store, its engine takes the session up, the client's sending the
// block again joins it (no second session), and the block arrives once
// when the receiver is back.
func TestUDPRestartJoins(t *testing.T) {
	dir := t.TempDir()
	rt := func(uint64) time.Duration { return 200 * time.Millisecond }
	rcv, err := ListenUDP("127.0.0.1:0", nil, Config{Engine: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raddr := rcv.Addr().String()
	rcv.conn.Close() // the receiver is down
	open := func() *UDP {
		st, err := OpenStore(filepath.Join(dir, "a"))
		if err != nil {
			t.Fatal(err)
		}
		u, err := ListenUDP("127.0.0.1:0", map[uint64]string{2: raddr}, Config{Engine: 1, RoundTrip: rt, Store: st, Segment: 1000}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	b := block(50_000, 3)
	a := open()
	id := a.Send(2, 1, b, -1)
	a.conn.Close() // crashed: never ran
	a = open()
	if again := a.Send(2, 1, b, -1); again != id {
		t.Fatalf("sent again as session %v, not joined to %v", again, id)
	}
	var mu sync.Mutex
	var got [][]byte
	rcv, err = ListenUDP(raddr, map[uint64]string{1: a.Addr().String()}, Config{Engine: 2, RoundTrip: rt,
		Deliver: func(_ SessionID, _ uint64, blk []byte) { mu.Lock(); got = append(got, bytes.Clone(blk)); mu.Unlock() }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(ctx) })
	wg.Go(func() { rcv.Run(ctx) })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ex, _ := a.Pending(); ex == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if len(got) != 1 || !bytes.Equal(got[0], b) {
		t.Fatalf("%d blocks delivered, want the one block once", len(got))
	}
}

// FuzzStoreFiles: whatever a session file holds, reading it back returns
// a session or an error naming the file and the byte, and never panics.
func FuzzStoreFiles(f *testing.F) {
	var imp []byte
	imp = binary.BigEndian.AppendUint64(imp, 1)
	imp = append(imp, recData)
	imp = binary.BigEndian.AppendUint64(imp, 0)
	imp = binary.BigEndian.AppendUint32(imp, 3)
	imp = append(imp, "abc"...)
	f.Add(imp, []byte(nil))
	exp := binary.BigEndian.AppendUint64(nil, 2)
	exp = binary.BigEndian.AppendUint64(exp, 1)
	exp = binary.BigEndian.AppendUint64(exp, 3)
	f.Add(append(exp, "abcd"...), binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, 0), 2))
	f.Fuzz(func(t *testing.T, b, claims []byte) {
		if im, err := readImport("i-1-1", SessionID{1, 1}, b); err == nil {
			if im.redEnd > maxBlock || len(im.data) > len(b)+maxBlock {
				t.Fatal("an import past its bounds")
			}
		} else if !strings.Contains(err.Error(), "i-1-1: byte") {
			t.Fatalf("error without the file and byte: %v", err)
		}
		if x, err := readExport("x-1", b, claims); err == nil {
			if x.red > len(x.block) || !x.claimed.covers(0, 0) {
				t.Fatal("an export past its block")
			}
		} else if !strings.Contains(err.Error(), "x-1: byte") {
			t.Fatalf("error without the file and byte: %v", err)
		}
	})
}
