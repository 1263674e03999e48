// Package influxd runs a local InfluxDB 1.8 server (the influxd the
// project's setup builds into bin/) on loopback, with its data in a
// directory of ours: for the demo, the tests and benchmarks. It serves the
// 2.x-compatible /api/v2/write and Flux /api/v2/query endpoints, where a
// bucket is "database/retention-policy" and a token "user:password".
package influxd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a running (or stopped) influxd.
type Server struct {
	Bin      string // the influxd binary
	Dir      string // data, WAL and meta live here
	Port     int    // HTTP port on 127.0.0.1 (0: a free one)
	Database string // created on start (default "ipgs")
	Log      io.Writer

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// URL is the server's HTTP address.
func (s *Server) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", s.Port) }

// Bucket is the 2.x-style bucket of the database's default policy.
func (s *Server) Bucket() string { return s.db() + "/autogen" }

func (s *Server) db() string {
	if s.Database == "" {
		return "ipgs"
	}
	return s.Database
}

// Find returns the influxd binary: $IPGS_INFLUXD, bin/influxd in this or a
// parent directory (the project's setup puts it there), or influxd on PATH.
func Find() (string, error) {
	if p := os.Getenv("IPGS_INFLUXD"); p != "" {
		return p, nil
	}
	dir, _ := os.Getwd()
	for dir != "" {
		p := filepath.Join(dir, "bin", "influxd")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if p, err := exec.LookPath("influxd"); err == nil {
		return p, nil
	}
	return "", errors.New("influxd not found: run make deps (it builds influxd 1.8.3 into bin/) or set IPGS_INFLUXD")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// config is influxd's configuration: everything on loopback, Flux on,
// no reporting, data under dir.
func (s *Server) config(rpcPort int) string {
	return fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
  wal-fsync-delay = "0s"
  query-log-enabled = false
  cache-max-memory-size = "512m"
[http]
  enabled = true
  bind-address = "127.0.0.1:%d"
  auth-enabled = false
  log-enabled = false
  flux-enabled = true
  max-body-size = 0
[logging]
  level = "warn"
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`, rpcPort, filepath.Join(s.Dir, "meta"), filepath.Join(s.Dir, "data"), filepath.Join(s.Dir, "wal"), s.Port)
}

// Start starts influxd and waits until it answers and the database exists.
// A port someone else holds is given up for another free one.
func (s *Server) Start(ctx context.Context) error {
	if s.Bin == "" {
		b, err := Find()
		if err != nil {
			return err
		}
		s.Bin = b
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if s.Port == 0 || attempt > 0 {
			if s.Port, err = freePort(); err != nil {
				return err
			}
		}
		if err = s.launch(ctx); err == nil {
			return s.createDB(ctx)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("influxd on %s: %w", s.URL(), err)
}

// launch starts influxd on s.Port and waits for it to answer.
func (s *Server) launch(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	rpc, err := freePort()
	if err != nil {
		return err
	}
	conf := filepath.Join(s.Dir, "influxdb.conf")
	if err := os.WriteFile(conf, []byte(s.config(rpc)), 0o644); err != nil {
		return err
	}
	cmd := exec.Command(s.Bin, "-config", conf)
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("influxd: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := s.waitReady(ctx, exited); err != nil {
		cmd.Process.Kill()
		<-exited
		return err
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

func (s *Server) waitReady(ctx context.Context, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited while starting (port taken?)")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := http.Get(s.URL() + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				select {
				case <-exited:
					return errors.New("another server answered on the port")
				default:
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("did not answer /ping within 60 s")
}

func (s *Server) createDB(ctx context.Context) error { return s.CreateDatabase(ctx, s.db()) }

// CreateDatabase creates database name (bucket name + "/autogen").
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	return s.influxQL(ctx, `CREATE DATABASE "`+name+`"`)
}

// Reset empties the server's database. (Its series are dropped; dropping
// and creating the database makes influxd 1.8's 2.x write endpoint answer
// "database not found" for a while.)
func (s *Server) Reset(ctx context.Context) error {
	return s.influxQL(ctx, `DROP SERIES FROM /.*/`, s.db())
}

func (s *Server) influxQL(ctx context.Context, q string, db ...string) error {
	form := url.Values{"q": {q}}
	if len(db) > 0 {
		form.Set("db", db[0])
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/query", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("influxd: %s: %w", q, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("influxd: %s: %s: %s", q, resp.Status, b)
	}
	return nil
}

// Stop kills influxd (SIGKILL: the tests want a server that vanishes; its
// WAL brings back what it acknowledged).
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// Restart starts the server again on the same port with the same data.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	var err error
	for i := 0; i < 50; i++ {
		if err = s.launch(ctx); err == nil || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond) // the port may linger a moment
	}
	return fmt.Errorf("influxd would not start again on %s: %w", s.URL(), err)
}
