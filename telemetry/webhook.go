package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Webhooks post alarm events to a URL per severity (red, yellow, stale,
// or "*" for any), as JSON: {"event": raised|changed|cleared|acked,
// "time", "alarm": {...}, "station", "text"}. Events are queued without
// blocking the telemetry path; each is tried three times, a few seconds
// apart, then dropped with a line in Log. A token, when set, goes as a
// bearer token.
type Webhooks struct {
	URLs    map[string]string
	Token   string
	Station string
	Client  *http.Client // nil: a client with a 10 s timeout
	Log     io.Writer
	// Retry is the wait between tries (0: 3 s).
	Retry time.Duration

	mu    sync.Mutex
	queue []Event
	wake  chan struct{}
	once  sync.Once
}

// ParseWebhooks reads SEVERITY=URL pairs (http or https URLs).
func ParseWebhooks(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		sev, u, ok := strings.Cut(p, "=")
		sev = strings.ToLower(strings.TrimSpace(sev))
		if !ok || (sev != "red" && sev != "yellow" && sev != "stale" && sev != "*") {
			return nil, fmt.Errorf("webhook %q: want SEVERITY=URL with SEVERITY red, yellow, stale or *", p)
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("webhook %q: %q is not an http or https URL", p, u)
		}
		out[sev] = u
	}
	return out, nil
}

func (w *Webhooks) init() { w.once.Do(func() { w.wake = make(chan struct{}, 1) }) }

// maxQueued bounds the events waiting (the oldest go first).
const maxQueued = 1000

// Notify queues e for its severity's URL; it never blocks.
func (w *Webhooks) Notify(e Event) {
	if w.url(e.Alarm.Severity) == "" {
		return
	}
	w.init()
	w.mu.Lock()
	w.queue = append(w.queue, e)
	if len(w.queue) > maxQueued {
		w.queue = w.queue[len(w.queue)-maxQueued:]
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Webhooks) url(sev string) string {
	if u := w.URLs[sev]; u != "" {
		return u
	}
	return w.URLs["*"]
}

// Run posts queued events until ctx ends.
func (w *Webhooks) Run(ctx context.Context) {
	w.init()
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	retry := w.Retry
	if retry <= 0 {
		retry = 3 * time.Second
	}
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		w.mu.Unlock()
		for _, e := range batch {
			var err error
			for try := range 3 {
				if err = w.post(ctx, client, e); err == nil || ctx.Err() != nil {
					break
				}
				if try < 2 {
					select {
					case <-ctx.Done():
					case <-time.After(retry):
					}
				}
			}
			if err != nil && w.Log != nil {
				fmt.Fprintf(w.Log, "alarm webhook: %s %s: %v (dropped after 3 tries)\n", e.Kind, e.Alarm.ID, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
	}
}

func (w *Webhooks) post(ctx context.Context, client *http.Client, e Event) error {
	body, _ := json.Marshal(struct {
		Event   string    `json:"event"`
		Time    time.Time `json:"time"`
		Station string    `json:"station,omitempty"`
		Text    string    `json:"text"`
		Alarm   Alarm     `json:"alarm"`
	}{e.Kind, e.Time, w.Station, fmt.Sprintf("%s %s alarm %s: %s", strings.ToUpper(e.Alarm.Severity), e.Kind, e.Alarm.ID, e.Alarm.Reading()), e.Alarm})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url(e.Alarm.Severity), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}
