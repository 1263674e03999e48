// Package serialtnc opens a KISS TNC on a serial port with
// github.com/jacobsa/go-serial, the way ipgs talks to hardware TNCs (and to
// the emulator's pseudo-terminals).
//
// The port is opened with a read timeout (MinimumReadSize 0 and an
// inter-character timeout), never in blocking mode, whose Close hangs. An
// idle read then returns io.EOF, which means "nothing yet", not "closed";
// Conn hides those and returns only real errors, such as the
// "input/output error" of a device that went away, on which the caller
// reopens.
package serialtnc

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jacobsa/go-serial/serial"
)

// Options for Open.
type Options struct {
	Port     string // e.g. /dev/ttyUSB0 or /dev/pts/5
	BaudRate uint   // default 9600
	// IdleTimeout is the inter-character read timeout (default 100 ms).
	IdleTimeout time.Duration
}

// Conn is an open serial TNC. Read blocks until data arrives, Close is
// called or the device fails.
type Conn struct {
	port   io.ReadWriteCloser
	name   string
	mu     sync.Mutex
	closed bool
}

// Open opens the port.
func Open(o Options) (*Conn, error) {
	if o.BaudRate == 0 {
		o.BaudRate = 9600
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 100 * time.Millisecond
	}
	p, err := serial.Open(serial.OpenOptions{
		PortName: o.Port, BaudRate: o.BaudRate, DataBits: 8, StopBits: 1,
		MinimumReadSize:       0,
		InterCharacterTimeout: uint(max(o.IdleTimeout.Milliseconds(), 100)),
	})
	if err != nil {
		return nil, fmt.Errorf("serial TNC %s: %w", o.Port, err)
	}
	return &Conn{port: p, name: o.Port}, nil
}

// Read returns the next bytes; idle timeouts are waited through.
func (c *Conn) Read(b []byte) (int, error) {
	for {
		n, err := c.port.Read(b)
		if n > 0 {
			return n, nil
		}
		if errors.Is(err, io.EOF) || err == nil {
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if closed {
				return 0, io.EOF
			}
			continue // nothing yet
		}
		return 0, fmt.Errorf("serial TNC %s: %w", c.name, err)
	}
}

// Write sends bytes.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.port.Write(b)
	if err != nil {
		return n, fmt.Errorf("serial TNC %s: %w", c.name, err)
	}
	return n, nil
}

// Close closes the port; a Read in progress returns io.EOF within the idle
// timeout.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.port.Close()
}
