// Package station is the station engine: it works one ground station's
// part of the contact plan. Before AOS it prepares the radios (the Radio
// interface), at AOS it opens a downlink session with the satellite,
// receives and acknowledges telemetry (every packet goes to the telemetry
// sink before it is acknowledged), uplinks queued commands and follows
// their verification, closes at LOS and writes a pass report.
package station

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/proto"
)

// Contact is one planned contact of this station.
type Contact struct {
	NORAD      int
	Name       string
	Start, End time.Time
	// Link is the part of the contact where the downlink closes (its
	// predicted frame error rate low enough, LinkWindows): the session
	// opens and ends there, so the satellite keeps its airtime off the
	// poor ends of the pass. Zero: the whole contact.
	LinkFrom, LinkTo time.Time
}

// Radio prepares and releases the station's radio equipment around a
// pass (rig tuning, rotator pointing). The engine works without one.
type Radio interface {
	Prepare(ctx context.Context, c Contact) error
	Release(ctx context.Context, c Contact) error
}

// FrameSecurity protects every uplinked frame (the space-link security
// seam: SDLS-style authentication and encryption plug in here). Protect
// gets the encoded space packet and returns what goes into the AX.25
// information field.
type FrameSecurity interface {
	Protect(sat int, packet []byte) ([]byte, error)
}

// LinkSecurity is frame security with a handshake and protected downlink
// (pqlink/sdls.Ground is one): at the start of a contact the engine sends
// what Begin returns and waits for the association before anything else;
// every downlink information field goes through Open, and only what it
// returns is used.
type LinkSecurity interface {
	FrameSecurity
	Begin(sat int, now time.Time) ([][]byte, error)
	Established(sat int) bool
	// Renewing: the SA works, but a new handshake is due (an
	// unauthenticated notice said the satellite lost it).
	Renewing(sat int) bool
	Open(sat int, info []byte) ([]byte, error)
}

// Options configure an engine.
type Options struct {
	Name string
	Call ax25.Address
	TNC  string // host:port of a KISS TCP TNC (when Dial is nil)
	// Dial opens the TNC link (a serial TNC, for one); nil dials TNC over TCP.
	Dial func(ctx context.Context) (io.ReadWriteCloser, error)
	// TNCPort is this station's port on a multi-port KISS TNC; frames of
	// other ports are left alone.
	TNCPort uint8
	// KISS, when set, is sent to the TNC port every time the link opens.
	KISS     *kiss.Params
	Contacts []Contact
	Sats     map[int]ax25.Address // callsign of each satellite
	History  *command.History     // nil: no commanding
	// Claim, if set, is asked before a pending command is first uplinked
	// in a contact: false leaves it to the station that holds it (the
	// control plane gives each command to one station at a time).
	Claim    func(id uint32, sat int, contactEnd time.Time) bool
	Sink     Sink
	Radio    Radio
	Security FrameSecurity // nil: frames go unprotected
	Clock    clock.Clock
	Reports  func(Report) // called at the end of every contact
	Progress func(p Progress)
	Log      io.Writer
	// DTN, when set, relays bundles on every contact with a satellite
	// that has a node number in SatNodes, at BitRate (bit/s, per
	// satellite; default 9600) on the uplink.
	DTN      *dtn.Node
	SatNodes map[int]uint64
	BitRate  map[int]float64
	// TNCTransmitOnly ignores what the TNC receives: the downlink comes
	// only through Inject (an SDR receiving it, with a TNC or radio that
	// only transmits).
	TNCTransmitOnly bool
	// Until, when later than the last contact, keeps Run going (idle, and
	// open to SetContacts) until then: the end of the planned window.
	Until time.Time
	// Archive, when set, keeps every frame the engine does not work: from
	// a source no satellite of the mission has, or not an AX.25 frame at
	// all (a spacecraft speaking another link): with the time, and why.
	Archive func(at time.Time, frame []byte, why string)
	// CCSDS are the satellites that speak CCSDS TM and TC (their link
	// profiles); the others speak AX.25.
	CCSDS map[int]link.Profile
}

// Engine runs a station.
type Engine struct {
	o               Options
	mu              sync.Mutex
	conn            io.ReadWriteCloser
	w               *kiss.Writer
	frames          chan []byte
	seen            map[int]map[uint32]bool // packet numbers received, per satellite
	pending         map[int][]proto.Range   // numbers to acknowledge, per satellite
	byCall          map[string]int
	link            *dtn.Link       // the contact's bundle link; guarded by mu
	linkSat         int             // its satellite; guarded by mu
	ctx             context.Context // Run's, for Inject; guarded by mu
	recent          []heard         // frames received lately, for diversity; guarded by mu
	injected, dupes int             // frames from Inject, and copies dropped; guarded by mu
	contacts        []Contact       // the plan, by start; guarded by mu
	// what a silent pass is diagnosed with; guarded by mu
	heardAt    time.Time     // the last frame from a receiver
	between    int           // frames heard outside contacts since the last contact
	offset     time.Duration // ground time minus onboard time of the last packet
	offsetSeen bool
	replanned  chan struct{}     // SetContacts wakes Run's waits
	cc         map[int]*ccsdsSat // CCSDS satellites' links; guarded by mu
	// txFree is when the TNC will have sent every frame handed to it so
	// far (its queue drains at the uplink's bit rate); guarded by mu
	txFree time.Time
}

// New returns an engine.
func New(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	e := &Engine{o: o, frames: make(chan []byte, 1024), seen: map[int]map[uint32]bool{}, pending: map[int][]proto.Range{}, byCall: map[string]int{}}
	for id, a := range o.Sats {
		e.byCall[a.String()] = id
	}
	e.cc = map[int]*ccsdsSat{}
	for sat, p := range o.CCSDS {
		e.cc[sat] = e.newCCSDS(sat, p)
	}
	e.contacts = sortedContacts(o.Contacts)
	e.replanned = make(chan struct{}, 1)
	return e
}

func sortedContacts(cs []Contact) []Contact {
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b Contact) int { return a.Start.Compare(b.Start) })
	return cs
}

// SetContacts replaces the engine's plan (a re-plan). A contact under way
// goes on to its end as planned; from then on the engine works the new
// plan's contacts that have not ended. A contact it is preparing for (the
// radios are set up 30 s ahead) that the new plan drops is released.
func (e *Engine) SetContacts(cs []Contact) {
	e.mu.Lock()
	e.contacts = sortedContacts(cs)
	e.mu.Unlock()
	select {
	case e.replanned <- struct{}{}:
	default:
	}
}

// Contacts returns the plan the engine works.
func (e *Engine) Contacts() []Contact {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.contacts)
}

// nextContact is the plan's first contact that starts at or after from
// and has not ended at now.
func (e *Engine) nextContact(from, now time.Time) (Contact, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.contacts {
		if !c.Start.Before(from) && c.End.After(now) {
			return c, true
		}
	}
	return Contact{}, false
}

// errReplanned ends a wait for a contact that a re-plan may have changed.
var errReplanned = errors.New("re-planned")

// Received returns the packet numbers received from each satellite.
func (e *Engine) Received() map[int][]uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[int][]uint32{}
	for sat, m := range e.seen {
		for no := range m {
			out[sat] = append(out[sat], no)
		}
	}
	return out
}

// Run works the plan until the last contact ends or ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	e.ctx = ctx
	e.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.connectLoop(ctx)
	}()
	defer func() {
		cancel()
		e.mu.Lock()
		if e.conn != nil {
			e.conn.Close()
		}
		e.mu.Unlock()
		wg.Wait()
	}()
	var from time.Time // contacts starting before this are worked or over
	for {
		c, ok := e.nextContact(from, e.o.Clock.Now())
		if !ok {
			// the plan is worked: wait out the window for a re-plan
			if err := e.waitReplan(ctx, e.o.Until); err == errReplanned {
				continue
			} else if err != nil {
				return err
			}
			break
		}
		err := e.waitReplan(ctx, c.Start.Add(-30*time.Second))
		if err == errReplanned {
			continue
		}
		if err != nil {
			return err
		}
		rep := Report{Station: e.o.Name, Sat: c.NORAD, Name: c.Name, Start: c.Start, End: c.End}
		if e.o.Radio != nil {
			if err := e.o.Radio.Prepare(ctx, c); err != nil {
				rep.RadioError = err.Error()
				fmt.Fprintf(e.o.Log, "station %s: radio: %v\n", e.o.Name, err)
			}
		}
		for {
			if err = e.waitReplan(ctx, c.Start); err != errReplanned {
				break
			}
			if n, ok := e.nextContact(from, e.o.Clock.Now()); !ok || n != c {
				break // the contact being prepared is no longer next
			}
		}
		if err == errReplanned {
			if e.o.Radio != nil {
				e.o.Radio.Release(context.WithoutCancel(ctx), c)
			}
			fmt.Fprintf(e.o.Log, "station %s: re-planned: %s at %s dropped\n", e.o.Name, c.Name, c.Start.UTC().Format("15:04:05"))
			continue
		}
		if err != nil {
			return err
		}
		from = c.End
		err = e.contact(ctx, c, &rep)
		if e.o.Radio != nil {
			if rerr := e.o.Radio.Release(context.WithoutCancel(ctx), c); rerr != nil && rep.RadioError == "" {
				rep.RadioError = rerr.Error()
			}
			if sr, ok := e.o.Radio.(interface{ RadioStats() RadioStats }); ok {
				st := sr.RadioStats()
				rep.Radio = &st
			}
		}
		if e.o.Reports != nil {
			e.o.Reports(rep)
		}
		if err != nil {
			return err
		}
	}
	// drain what is still in flight for a moment
	return e.idleUntil(ctx, e.o.Clock.Now().Add(30*time.Second))
}

// idleUntil handles frames (telemetry still arriving) until t.
func (e *Engine) idleUntil(ctx context.Context, t time.Time) error {
	return e.idle(ctx, t, nil)
}

// waitReplan is idleUntil that returns errReplanned early when the plan
// changes.
func (e *Engine) waitReplan(ctx context.Context, t time.Time) error {
	return e.idle(ctx, t, e.replanned)
}

func (e *Engine) idle(ctx context.Context, t time.Time, replanned <-chan struct{}) error {
	timer := e.o.Clock.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		d := t.Sub(e.o.Clock.Now())
		if d <= 0 {
			return nil
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-replanned:
			return errReplanned
		case b := <-e.frames:
			e.handle(b, nil, -1)
		case <-timer.C:
		}
	}
}
