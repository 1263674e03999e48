package dtn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
)

// A node that runs in its own process (ipgs station run) trades bundles
// with local applications (ipgs gov) through two folders: applications
// post bundles in the outbox, the node submits them to its store and
// removes the files; the node writes the bundles delivered to it in the
// inbox. Files are written to a temporary name, synced and renamed, so
// a crash leaves either a whole file or none.

// WriteFile writes a bundle file into dir atomically and durably, named
// after the bundle id; it returns the path.
func WriteFile(dir string, raw []byte) (string, error) {
	_, e, err := bstore.Describe(raw)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, FileName(e.ID))
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return path, nil
}

// FileName is the file name of a bundle id ("ipn:1.7/848620847247/3" →
// "ipn1.7-848620847247-3.bundle").
func FileName(id string) string {
	return strings.NewReplacer(":", "", "/", "-").Replace(id) + ".bundle"
}

// ReadFolder returns the bundles in dir's *.bundle files, by file name.
func ReadFolder(dir string) (raws [][]byte, names []string, err error) {
	names, err = filepath.Glob(filepath.Join(dir, "*.bundle"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	for _, f := range names {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		raws = append(raws, b)
	}
	return raws, names, nil
}

// TakeOutbox submits the bundles posted in dir and removes their files.
// A file that is not a bundle the store takes is moved to dir/refused
// with a .why file beside it. It returns how many were taken.
func (n *Node) TakeOutbox(dir string, now time.Time) (int, error) {
	raws, names, err := ReadFolder(dir)
	if err != nil {
		return 0, err
	}
	taken := 0
	for i, raw := range raws {
		_, err := n.Submit(raw, now)
		switch {
		case err == nil:
			taken++
			n.logf("dtn: node %d: took %s from the outbox\n", n.Num, filepath.Base(names[i]))
		case errors.Is(err, bstore.ErrDuplicate):
		default:
			rdir := filepath.Join(dir, "refused")
			os.MkdirAll(rdir, 0o755)
			base := filepath.Base(names[i])
			os.WriteFile(filepath.Join(rdir, base+".why"), []byte(err.Error()+"\n"), 0o644)
			if err := os.Rename(names[i], filepath.Join(rdir, base)); err != nil {
				return taken, err
			}
			n.logf("dtn: node %d: refused %s from the outbox: %v\n", n.Num, base, err)
			continue
		}
		if err := os.Remove(names[i]); err != nil {
			return taken, err
		}
	}
	return taken, nil
}

// ServeAdmin answers administrative requests on a Unix socket at path
// until ctx ends: one request line per connection, "list" (the held
// bundles) or "route ID" (Explain). ipgs bundle list|route ask a running
// station this way.
func (n *Node) ServeAdmin(ctx context.Context, path string, now func() time.Time) error {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		ln.Close()
		os.Remove(path)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(c, n.Admin(strings.TrimSpace(line), now()))
		}()
	}
}

// Admin answers one administrative request (see ServeAdmin).
func (n *Node) Admin(req string, now time.Time) string {
	cmd, arg, _ := strings.Cut(req, " ")
	switch cmd {
	case "list":
		return n.List(now)
	case "route":
		s, err := n.Explain(strings.TrimSpace(arg), now)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return s
	}
	return fmt.Sprintf("error: unknown request %q (list, route ID)\n", cmd)
}

// List describes the held bundles and their next hops.
func (n *Node) List(now time.Time) string {
	held, as := n.Routes(now)
	used, quota := n.Store.Usage()
	var b strings.Builder
	fmt.Fprintf(&b, "node %d holds %d bundles (bulk %d/%d, normal %d/%d, expedited %d/%d bytes)\n", n.Num, len(held),
		used[0], quota[0], used[1], quota[1], used[2], quota[2])
	for _, e := range held {
		next := "no route: " + as[e.ID].Reason
		switch {
		case e.DestNode == n.Num:
			next = "for this node: awaiting local delivery"
		case as[e.ID].Route != nil:
			r := as[e.ID].Route
			next = fmt.Sprintf("next hop node %d, delivery by %s", r.Entry, r.Latest.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(&b, "%-32s %-12s → %-12s %7d B  %-9s expires %s  %s\n", e.ID, e.Source, e.Dest, e.Size, bstore.ClassName(e.Class), e.Expires.UTC().Format("2006-01-02T15:04Z"), next)
	}
	if rs := n.Store.Reports(); len(rs) > 0 {
		fmt.Fprintf(&b, "status reports received (%d):\n", len(rs))
		for _, r := range rs {
			fmt.Fprintf(&b, "%-32s %-9s by %-12s at %s  %s\n", r.Subject, r.Status, r.By, r.At.UTC().Format(time.RFC3339), r.Reason)
		}
	}
	return b.String()
}

// AskAdmin sends a request to a node's admin socket and returns the
// answer.
func AskAdmin(path, req string) (string, error) {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, req+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}
