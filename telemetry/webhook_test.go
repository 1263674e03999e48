package telemetry

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWebhooks: a red alarm raised by a packet the store ingests is
// posted to the red URL, a yellow one to the yellow URL, with the token;
// a server error is tried again; nothing is posted for a severity
// without a URL. The server is a real HTTP server on 127.0.0.1.
func TestWebhooks(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	fails := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/red" && fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var msg struct {
			Event string
			Text  string
			Alarm Alarm
		}
		if err := json.Unmarshal(b, &msg); err != nil {
			t.Errorf("%s: %v", b, err)
		}
		got[r.URL.Path] = append(got[r.URL.Path], msg.Event+" "+msg.Alarm.ID+" "+msg.Text)
	}))
	defer srv.Close()
	urls, err := ParseWebhooks([]string{"red=" + srv.URL + "/red", "yellow=" + srv.URL + "/yellow"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseWebhooks([]string{"purple=" + srv.URL}); err == nil {
		t.Error("an unknown severity was taken")
	}
	if _, err := ParseWebhooks([]string{"red=ftp://x"}); err == nil {
		t.Error("an ftp URL was taken")
	}
	wh := &Webhooks{URLs: urls, Token: "s3cret", Station: "Tromso", Retry: 10 * time.Millisecond}
	s, err := OpenStore(filepath.Join(t.TempDir(), "store"), exampleDict(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.OnAlarm = wh.Notify
	ctx, cancel := context.WithCancel(context.Background())
	var run sync.WaitGroup
	run.Go(func() { wh.Run(ctx) })
	defer func() { cancel(); run.Wait() }()
	p := hkPacket(90001, 1)
	binary.BigEndian.PutUint16(p.Data[4:], 6000) // 6.0 V: red
	if err := s.Ingest(p); err != nil {
		t.Fatal(err)
	}
	p = hkPacket(90001, 2)
	binary.BigEndian.PutUint16(p.Data[4:], 6800) // 6.8 V: yellow
	if err := s.Ingest(p); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		r, y := len(got["/red"]), len(got["/yellow"])
		mu.Unlock()
		if r >= 1 && y >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("posted: %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("posted: %q", got)
	if !strings.Contains(got["/red"][0], "raised 90001/hk/battery RED raised") {
		t.Errorf("red: %q", got["/red"])
	}
}
