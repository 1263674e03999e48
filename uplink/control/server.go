package control

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig is one NATS server of the control plane: the embedded one
// inside mission control, or one server of a cluster.
type ServerConfig struct {
	Name  string // the server's name (unique in a cluster)
	Host  string // 127.0.0.1 unless told otherwise
	Port  int    // 0: any free port
	Store string // JetStream's folder
	Users []User
	// Cluster, if set, makes the server one of a cluster: its route port
	// and the others' routes (nats-route://host:port), all sharing
	// ClusterSecret.
	Cluster       *ClusterConfig
	MaxPayload    int32 // bytes; 0: 8 MiB (a day's plan of a large network)
	Log           server.Logger
	ReadyTimeout  time.Duration // 0: 10 s
	AllowNonLocal bool          // listen off the loopback interface
}

// ClusterConfig is a server's place in a cluster.
type ClusterConfig struct {
	Name   string // the cluster's name
	Host   string
	Port   int
	Routes []string
	Secret string // the routes' shared secret (at least 32 characters)
}

// Server is a running NATS server with JetStream.
type Server struct{ s *server.Server }

// StartServer starts a server and waits until it takes connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if !cfg.AllowNonLocal {
		if ip := net.ParseIP(cfg.Host); cfg.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("control server: %s is not a loopback address (allow it explicitly to serve other machines)", cfg.Host)
		}
	}
	if cfg.Store == "" {
		return nil, errors.New("control server: no JetStream folder")
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("control server: no users: it would take anyone")
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = 8 << 20
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	o := &server.Options{
		ServerName: cfg.Name, Host: cfg.Host, Port: port,
		JetStream: true, StoreDir: cfg.Store, MaxPayload: cfg.MaxPayload, MaxPending: 64 << 20,
		NoSigs: true, NoLog: cfg.Log == nil, HTTPPort: 0,
	}
	for _, u := range cfg.Users {
		if err := u.Check(); err != nil {
			return nil, fmt.Errorf("control server: %w", err)
		}
		o.Nkeys = append(o.Nkeys, &server.NkeyUser{Nkey: u.NKey, Permissions: permissions(u)})
	}
	if c := cfg.Cluster; c != nil {
		if len(c.Routes) == 0 {
			return nil, errors.New("control server: a cluster server needs the routes of the others (JetStream's cluster is formed over them)")
		}
		if len(c.Secret) < 32 {
			return nil, errors.New("control server: a cluster needs a route secret of at least 32 characters")
		}
		if c.Host == "" {
			c.Host = cfg.Host
		}
		cport := c.Port
		if cport == 0 {
			cport = server.RANDOM_PORT
		}
		o.Cluster = server.ClusterOpts{Name: c.Name, Host: c.Host, Port: cport, Username: "route", Password: c.Secret}
		for _, r := range c.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("control server: route %q: %w", r, err)
			}
			u.User = url.UserPassword("route", c.Secret)
			o.Routes = append(o.Routes, u)
		}
	}
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("control server: %w", err)
	}
	if cfg.Log != nil {
		s.SetLogger(cfg.Log, false, false)
	}
	s.Start()
	wait := cfg.ReadyTimeout
	if wait == 0 {
		wait = 10 * time.Second
	}
	if !s.ReadyForConnections(wait) {
		s.Shutdown()
		return nil, fmt.Errorf("control server %s: not ready after %v", cfg.Name, wait)
	}
	return &Server{s: s}, nil
}

// URL is where clients connect (nats://host:port).
func (s *Server) URL() string { return s.s.ClientURL() }

// RouteURL is where the other servers of a cluster connect.
func (s *Server) RouteURL() string {
	a := s.s.ClusterAddr()
	if a == nil {
		return ""
	}
	return "nats-route://" + net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}

// Shutdown stops the server and waits for it.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// NewSecret is a random secret for a cluster's routes.
func NewSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// StartCluster starts n servers of one cluster on loopback (a test's, or
// a machine's that stands in for three), each knowing every route from
// the start (JetStream forms its cluster over them), their stores in
// store(i).
func StartCluster(n int, users []User, store func(i int) string) ([]*Server, error) {
	var ports []int
	var routes []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[len(ports)-1]))
		l.Close()
	}
	secret := NewSecret()
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg := ServerConfig{Name: fmt.Sprintf("nats-%d", i), Store: store(i), Users: users,
			Cluster: &ClusterConfig{Name: "ipgs", Port: ports[i], Routes: routes, Secret: secret}}
		wg.Go(func() { servers[i], errs[i] = StartServer(cfg) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, s := range servers {
			if s != nil {
				s.Shutdown()
			}
		}
		return nil, err
	}
	return servers, nil
}
