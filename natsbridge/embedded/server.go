package embedded

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config configures a [Server]. The zero value is a server on a free
// loopback port with JetStream file storage in a new temporary directory.
type Config struct {
	// Port is the client port; zero picks a free one once, at [Start], and
	// keeps it across restarts.
	Port int
	// StoreDir is JetStream's storage directory; empty means a new
	// temporary directory, removed by [Server.Close]. A directory given here
	// is left in place.
	StoreDir string
	// ReadyTimeout bounds each start; zero means 10 seconds.
	ReadyTimeout time.Duration
}

// Server is a NATS server with JetStream running in this process.
//
// Its methods are safe for concurrent use. Close it when done: it owns the
// server's goroutines and listeners and, unless [Config.StoreDir] was given,
// its storage directory.
type Server struct {
	mu      sync.Mutex // guards ns
	ns      *server.Server
	opts    server.Options // the options of every start; Port fixed after the first
	ownsDir bool
	ready   time.Duration
}

// errStartTimeout is returned by Start and Restart when the server does not
// accept clients within Config.ReadyTimeout.
var errStartTimeout = errors.New("embedded: server not ready in time")

// Start starts a server as cfg says and waits until it accepts clients.
func Start(cfg Config) (*Server, error) {
	s := &Server{ready: cfg.ReadyTimeout}
	if s.ready <= 0 {
		s.ready = 10 * time.Second
	}
	dir := cfg.StoreDir
	if dir == "" {
		d, err := os.MkdirTemp("", "shio-nats-*")
		if err != nil {
			return nil, fmt.Errorf("embedded: %w", err)
		}
		dir, s.ownsDir = d, true
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s.opts = server.Options{
		Host:      "127.0.0.1",
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
		// No HTTP monitoring, no cluster: nothing but the client port.
		HTTPPort: 0,
	}
	if err := s.start(); err != nil {
		s.removeDir()
		return nil, err
	}
	return s, nil
}

// start starts a server with s.opts; the caller holds mu or owns s alone.
func (s *Server) start() error {
	opts := s.opts // NewServer keeps and changes the pointer it is given
	ns, err := server.NewServer(&opts)
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(s.ready) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return errStartTimeout
	}
	s.opts.Port = ns.Addr().(*net.TCPAddr).Port
	s.ns = ns
	return nil
}

// URL returns the client URL, nats://127.0.0.1:PORT. It stays the same
// across restarts.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port)
}

// StoreDir returns JetStream's storage directory.
func (s *Server) StoreDir() string { return s.opts.StoreDir }

// Stop shuts the server down and waits until it has: clients see their
// connection drop and, if they reconnect, retry the same URL. The storage
// stays. Stop on a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.ns == nil {
		return
	}
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.ns = nil
}

// Restart stops the server if it runs and starts it again on the same port
// with the same storage, waiting until it accepts clients. JetStream
// recovers its file-stored streams and consumers.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	return s.start()
}

// Close stops the server and removes its storage directory if Start made
// it. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	s.removeDir()
}

func (s *Server) removeDir() {
	if s.ownsDir {
		os.RemoveAll(s.opts.StoreDir)
		s.ownsDir = false
	}
}
