package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// Client is one user's connection to the control plane.
type Client struct {
	Name string
	nc   *nats.Conn
	js   jetstream.JetStream
	errs chan error // the server's asynchronous errors (permission violations)
}

// Connect dials the control plane as the user name with its key: urls
// may list every server of a cluster (comma-separated); the client moves
// to another when one is lost, and keeps trying for ever.
func Connect(urls, name string, key nkeys.KeyPair) (*Client, error) {
	pub, err := key.PublicKey()
	if err != nil {
		return nil, err
	}
	c := &Client{Name: name, errs: make(chan error, 16)}
	c.nc, err = nats.Connect(urls,
		nats.Name(name),
		nats.Nkey(pub, key.Sign),
		nats.CustomInboxPrefix(inbox(name)),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100*time.Millisecond),
		nats.ReconnectJitter(50*time.Millisecond, 50*time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("control plane %s as %s: %w", urls, name, err)
	}
	if c.js, err = jetstream.New(c.nc); err != nil {
		c.nc.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection, sending what it buffered first.
func (c *Client) Close() {
	c.nc.Drain()
	c.nc.Close()
}

// Errors are the server's asynchronous errors on this connection, such
// as a publish its permissions refused ("Permissions Violation").
func (c *Client) Errors() <-chan error { return c.errs }

// Conn is the NATS connection.
func (c *Client) Conn() *nats.Conn { return c.nc }

// JetStream is the client's JetStream context.
func (c *Client) JetStream() jetstream.JetStream { return c.js }

// ErrRefused wraps the service's refusals.
var ErrRefused = errors.New("refused")

// Ask makes a request of the control service and decodes its answer
// into out (nil: none wanted). A refusal is an error wrapping
// ErrRefused, with the service's reason. The request carries an id, so
// asking again after a lost answer does it once.
func (c *Client) Ask(ctx context.Context, verb string, req Request, out any) error {
	if req.ID == "" {
		req.ID = nats.NewInbox()[len(nats.InboxPrefix):]
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	subj := "ipgs.req." + c.Name + "." + verb
	var msg *nats.Msg
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err = c.nc.RequestWithContext(actx, subj, b)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", verb, ctx.Err())
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, nats.ErrConnectionReconnecting) {
			return fmt.Errorf("%s: %w", verb, err)
		}
		// no service right now (a server lost, the service restarting):
		// ask again, the request id keeps it to once
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", verb, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	var rep Reply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return fmt.Errorf("%s: the service's answer: %w", verb, err)
	}
	if !rep.OK {
		return fmt.Errorf("%s: %w: %s", verb, ErrRefused, rep.Error)
	}
	if out != nil && len(rep.Body) > 0 {
		return json.Unmarshal(rep.Body, out)
	}
	return nil
}

// publish puts one message in a stream, with an id so that a message
// published again (after a lost acknowledgement, or at a restart) is
// kept once. It tries until ctx ends.
func (c *Client) publish(ctx context.Context, subj string, v any, id string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = c.js.Publish(pctx, subj, b, jetstream.WithMsgID(id))
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", subj, ctx.Err())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", subj, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// follow calls fn with every message of stream under filter, from the
// first (or from the last of each subject, with last) and then as they
// come, until ctx ends: an ordered consumer, which starts again where it
// was when a server is lost.
func (c *Client) follow(ctx context.Context, stream string, filter []string, last bool, fn func(jetstream.Msg)) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: filter}
	if last {
		cfg.DeliverPolicy = jetstream.DeliverLastPerSubjectPolicy
	}
	var cons jetstream.Consumer
	for {
		var err error
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		cons, err = c.js.OrderedConsumer(cctx, stream, cfg)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	it, err := cons.Messages()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			continue
		}
		fn(m)
	}
}

// Follow calls fn with every message of stream under filter (from the
// newest of each subject, with last), and then as they come, until ctx
// ends: an ordered consumer, which starts again where it was when a
// server is lost.
func Follow(ctx context.Context, c *Client, stream string, filter []string, last bool, fn func(jetstream.Msg)) error {
	return c.follow(ctx, stream, filter, last, fn)
}
