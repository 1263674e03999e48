// Package rtltcp speaks the rtl_tcp protocol of RTL-SDR dongles: a 12-byte
// header ("RTL0", tuner type, gain count, big-endian), then unsigned 8-bit
// interleaved IQ from the server, and 5-byte commands (a code and a
// big-endian 32-bit value) from the client. The Client tunes a remote
// dongle and reads its samples; the Server is the emulator's dongle.
package rtltcp

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/ipgs/ipgs/sdr/sigmf"
)

// Command codes.
const (
	SetFrequency      = 0x01
	SetSampleRate     = 0x02
	SetGainMode       = 0x03 // 0 automatic, 1 manual
	SetGain           = 0x04 // tenths of a dB
	SetFreqCorrection = 0x05 // ppm
	SetIFGain         = 0x06
	SetTestMode       = 0x07
	SetAGCMode        = 0x08
	SetDirectSampling = 0x09
	SetOffsetTuning   = 0x0a
	SetRTLXtal        = 0x0b
	SetTunerXtal      = 0x0c
	SetGainByIndex    = 0x0d
	SetBiasTee        = 0x0e
)

// Tuner types in the header.
const (
	TunerUnknown = 0
	TunerE4000   = 1
	TunerR820T   = 5
)

// Header is what the server sends first.
type Header struct {
	Tuner uint32
	Gains uint32
}

// Error is a protocol error: what was wrong and at which byte of the stream.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("rtl_tcp: byte %d: %s", e.Offset, e.Msg) }

// ParseHeader checks the 12-byte header.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < 12 {
		return Header{}, &Error{int64(len(b)), fmt.Sprintf("header cut short at %d of 12 bytes", len(b))}
	}
	if string(b[:4]) != "RTL0" {
		return Header{}, &Error{0, fmt.Sprintf("magic %q, want \"RTL0\": not an rtl_tcp server", b[:4])}
	}
	h := Header{Tuner: binary.BigEndian.Uint32(b[4:]), Gains: binary.BigEndian.Uint32(b[8:])}
	if h.Tuner > 64 {
		return h, &Error{4, fmt.Sprintf("tuner type %d", h.Tuner)}
	}
	if h.Gains > 1024 {
		return h, &Error{8, fmt.Sprintf("%d gains", h.Gains)}
	}
	return h, nil
}

// AppendHeader appends h.
func AppendHeader(b []byte, h Header) []byte {
	b = append(b, "RTL0"...)
	b = binary.BigEndian.AppendUint32(b, h.Tuner)
	return binary.BigEndian.AppendUint32(b, h.Gains)
}

// Command is one 5-byte command.
type Command struct {
	Code  byte
	Value uint32
}

func (c Command) String() string {
	names := map[byte]string{SetFrequency: "frequency", SetSampleRate: "sample rate", SetGainMode: "gain mode",
		SetGain: "gain", SetFreqCorrection: "ppm", SetIFGain: "IF gain", SetTestMode: "test mode", SetAGCMode: "AGC",
		SetDirectSampling: "direct sampling", SetOffsetTuning: "offset tuning", SetRTLXtal: "RTL xtal",
		SetTunerXtal: "tuner xtal", SetGainByIndex: "gain index", SetBiasTee: "bias tee"}
	if n, ok := names[c.Code]; ok {
		return fmt.Sprintf("%s %d", n, int32(c.Value))
	}
	return fmt.Sprintf("command 0x%02x %d", c.Code, c.Value)
}

// ReadCommands reads commands from r until it ends, calling fn with each.
// A command code it does not know is an error naming its byte; a stream
// that ends inside a command is an error too.
func ReadCommands(r io.Reader, fn func(Command)) error {
	var b [5]byte
	var off int64
	for {
		n, err := io.ReadFull(r, b[:])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return &Error{off + int64(n), fmt.Sprintf("command cut short after %d of 5 bytes", n)}
			}
			return err
		}
		if b[0] < SetFrequency || b[0] > SetBiasTee {
			return &Error{off, fmt.Sprintf("unknown command 0x%02x", b[0])}
		}
		fn(Command{b[0], binary.BigEndian.Uint32(b[1:])})
		off += 5
	}
}

// Client is a connection to an rtl_tcp server.
type Client struct {
	Header Header
	conn   net.Conn
	r      *bufio.Reader
	wmu    sync.Mutex
	buf    []byte
	n      int64
}

// Dial connects to addr and reads the header.
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c, err := NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// NewClient reads the header from conn.
func NewClient(conn net.Conn) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 1<<16)}
	var h [12]byte
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.ReadFull(c.r, h[:])
	conn.SetReadDeadline(time.Time{})
	if err != nil && n == 0 {
		return nil, fmt.Errorf("rtl_tcp: no header: %w", err)
	}
	if c.Header, err = ParseHeader(h[:n]); err != nil {
		return nil, err
	}
	return c, nil
}

// Send sends a command.
func (c *Client) Send(code byte, value uint32) error {
	var b [5]byte
	b[0] = code
	binary.BigEndian.PutUint32(b[1:], value)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(b[:])
	return err
}

// Tune sets the centre frequency in Hz.
func (c *Client) Tune(hz float64) error { return c.Send(SetFrequency, uint32(hz+0.5)) }

// SetRate sets the sample rate.
func (c *Client) SetRate(sps float64) error { return c.Send(SetSampleRate, uint32(sps+0.5)) }

// SetGain sets a manual gain in dB, or automatic gain if auto.
func (c *Client) SetGain(db float64, auto bool) error {
	if auto {
		return c.Send(SetGainMode, 0)
	}
	if err := c.Send(SetGainMode, 1); err != nil {
		return err
	}
	return c.Send(SetGain, uint32(int32(db*10)))
}

// SetPPM sets the frequency correction.
func (c *Client) SetPPM(ppm int) error { return c.Send(SetFreqCorrection, uint32(int32(ppm))) }

// Read fills dst with samples scaled to about ±1. It waits for the
// whole block, so I and Q never fall out of step.
func (c *Client) Read(dst []complex64) (int, error) {
	need := 2 * len(dst)
	if cap(c.buf) < need {
		c.buf = make([]byte, need)
	}
	n, err := io.ReadFull(c.r, c.buf[:need])
	k := n / 2
	sigmf.FromCU8(dst[:k], c.buf[:2*k])
	c.n += int64(k)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return k, err
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
