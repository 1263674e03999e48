package ltp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/iontest"
)

// TestIONInterop exchanges LTP blocks with NASA ION's LTP engine (4.1.x,
// built beside the project: IPGS_PEER_ION names its install prefix, see
// docs/dtn.md) over UDP, with ION's own test programs at the other end:
//   - ION's ltpdriver sends three 20,000-byte blocks, all red, to client
//     service 1 of ipgs's engine (number 1): all three arrive whole;
//   - ipgs sends three 20,000-byte red blocks to client service 2 of ION's
//     engine (number 900), where ltpcounter counts them: all three
//     sessions end acknowledged and ltpcounter reports 60,000 bytes.
func TestIONInterop(t *testing.T) {
	iontest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	ionPort := freeUDPPort(t)
	var mu sync.Mutex
	var got [][]byte
	done := map[SessionID]error{}
	u, err := ListenUDP("127.0.0.1:0", map[uint64]string{900: fmt.Sprintf("127.0.0.1:%d", ionPort)}, Config{
		Engine: 1, Segment: 1024,
		RoundTrip: func(uint64) time.Duration { return 3 * time.Second },
		Deliver: func(_ SessionID, client uint64, b []byte) {
			mu.Lock()
			defer mu.Unlock()
			if client == 1 {
				got = append(got, bytes.Clone(b))
			}
		},
		Done: func(s SessionID, err error) {
			mu.Lock()
			defer mu.Unlock()
			done[s] = err
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { u.Run(runCtx) })
	defer wg.Wait()
	defer stopRun()

	rc := iontest.Node900(10000000) + iontest.LTPSpan(u.Addr().Port, ionPort, 10000, 1)
	ion := iontest.Start(t, rc)

	// ION → ipgs
	out := ion.CmdContext(ctx, "", "ltpdriver", "1", "1", "3", "0", "20000")
	t.Logf("ltpdriver: %s", strings.TrimSpace(out))
	iontest.Poll(t, 60*time.Second, "three blocks from ION", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 3
	})
	mu.Lock()
	for i, b := range got {
		if len(b) != 20000 {
			t.Errorf("block %d from ION: %d bytes, want 20000", i, len(b))
		}
	}
	mu.Unlock()

	// ipgs → ION
	counter := make(chan string, 1)
	go func() {
		counter <- ion.CmdContext(ctx, "", "ltpcounter", "2", "59999")
	}()
	time.Sleep(2 * time.Second) // ltpcounter opens its client service
	var sent []SessionID
	for i := range 3 {
		b := bytes.Repeat([]byte{byte('a' + i)}, 20000)
		sent = append(sent, u.Send(900, 2, b, -1))
	}
	iontest.Poll(t, 90*time.Second, "ION acknowledging three red parts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range sent {
			if _, ok := done[s]; !ok {
				return false
			}
		}
		return true
	})
	mu.Lock()
	for _, s := range sent {
		if done[s] != nil {
			t.Errorf("session %v: %v", s, done[s])
		}
	}
	mu.Unlock()
	select {
	case out := <-counter:
		t.Logf("ltpcounter: %s", strings.TrimSpace(out))
		if !strings.Contains(out, "60000") {
			t.Errorf("ltpcounter did not count 60000 bytes")
		}
	case <-time.After(60 * time.Second):
		t.Error("ltpcounter did not finish")
	}
	t.Logf("datagrams ipgs could not decode: %d", u.Errors)
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
