// Package station is the station engine: it works one ground station's
// part of the contact plan. Before AOS it prepares the radios (the Radio
// interface), at AOS it opens a downlink session with the satellite,
// receives and acknowledges telemetry (every packet goes to the telemetry
// sink before it is acknowledged), uplinks queued commands and follows
// their verification, closes at LOS and writes a pass report.
package station

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// Contact is one planned contact of this station.
type Contact struct {
	NORAD      int
	Name       string
	Start, End time.Time
}

// TM is one telemetry packet as received on the ground.
type TM struct {
	Sat     int           `json:"sat"`
	Station string        `json:"station"`
	No      uint32        `json:"no"`
	APID    uint16        `json:"apid"`
	Seq     uint16        `json:"seq"`
	Onboard time.Time     `json:"onboard_time"`
	Ground  time.Time     `json:"ground_time"`
	HK      *proto.HK     `json:"hk,omitempty"`
	CmdAck  *proto.CmdAck `json:"cmd_ack,omitempty"`
	Raw     []byte        `json:"raw"` // the space packet
}

// Sink stores telemetry. Packets written are durable once Sync returns:
// the engine calls Sync before it acknowledges anything to the satellite,
// so a packet is never released onboard before it is safe on the ground.
type Sink interface {
	Write(tm *TM) error
	Sync() error
}

// Radio prepares and releases the station's radio equipment around a
// pass (rig tuning, rotator pointing). The engine works without one.
type Radio interface {
	Prepare(ctx context.Context, c Contact) error
	Release(ctx context.Context, c Contact) error
}

// RadioStats is what a Radio reports about a pass (optional: a Radio that
// also has RadioStats() fills these into the pass report).
type RadioStats struct {
	PointingErrMaxDeg  float64 `json:"pointing_err_max_deg"`
	PointingErrMeanDeg float64 `json:"pointing_err_mean_deg"`
	DopplerMaxHz       float64 `json:"doppler_max_hz"`
	Retunes            int     `json:"retunes"`
	OperatorOffsetHz   float64 `json:"operator_offset_hz,omitempty"`
	UplinkDopplerMaxHz float64 `json:"uplink_doppler_max_hz,omitempty"`
	UplinkRetunes      int     `json:"uplink_retunes,omitempty"`
	// The SDR's: frames it decoded (repaired ones among them), dongle
	// retunes, its FLL's last correction and the pass's recording.
	SDRFrames    int      `json:"sdr_frames,omitempty"`
	SDRRepaired  int      `json:"sdr_repaired,omitempty"`
	SDRRetunes   int      `json:"sdr_retunes,omitempty"`
	SDRFLLHz     float64  `json:"sdr_fll_hz,omitempty"`
	SDRRecording string   `json:"sdr_recording,omitempty"`
	Errors       []string `json:"errors,omitempty"`
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
	Open(sat int, info []byte) ([]byte, error)
}

// Report is written at the end of every contact.
type Report struct {
	Station          string    `json:"station"`
	Sat              int       `json:"sat"`
	Name             string    `json:"name,omitempty"`
	Start            time.Time `json:"start"`
	End              time.Time `json:"end"`
	FramesRx         int       `json:"frames_rx"`
	FramesTx         int       `json:"frames_tx"`
	BytesRx          int       `json:"bytes_rx"`
	BytesTx          int       `json:"bytes_tx"`
	FrameErrors      int       `json:"frame_errors"` // FCS or format
	Packets          int       `json:"tm_packets"`   // new telemetry packets
	Duplicates       int       `json:"duplicates"`
	CommandsSent     int       `json:"commands_sent"`
	CommandsVerified int       `json:"commands_verified"` // reached executed or failed in this pass
	FirstNo          uint32    `json:"first_no,omitempty"`
	LastNo           uint32    `json:"last_no,omitempty"`
	Gaps             int       `json:"gaps"` // packet numbers missing between first and last
	RadioError       string    `json:"radio_error,omitempty"`
	// Link security: the handshake's bytes on the uplink and the time
	// from its first frame to the satellite's confirm (0: the association
	// of an earlier pass was resumed), and downlink frames refused.
	HandshakeBytes   int         `json:"handshake_bytes,omitempty"`
	HandshakeSeconds float64     `json:"handshake_s,omitempty"`
	SecurityRejected int         `json:"security_rejected,omitempty"`
	Radio            *RadioStats `json:"radio,omitempty"`
	// Bundles: segments each way, bundles whose custody passed each way.
	BundleSegsTx int `json:"bundle_segments_tx,omitempty"`
	BundleSegsRx int `json:"bundle_segments_rx,omitempty"`
	BundlesTx    int `json:"bundles_tx,omitempty"`
	BundlesRx    int `json:"bundles_rx,omitempty"`
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
}

// Progress is a live view of a contact, reported about every 10 s of
// (virtual) time.
type Progress struct {
	Station  string
	Sat      int
	Name     string
	Time     time.Time
	FramesRx int
	Packets  int
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
	replanned       chan struct{}   // SetContacts wakes Run's waits
}

// heard is a frame one receiver delivered.
type heard struct {
	data     string
	injected bool
	at       time.Time
}

// diversityWindow is how long a frame heard by one receiver is
// remembered to drop the other receiver's copy of it.
const diversityWindow = 3 * time.Second

// deliver queues a received frame unless the other receiver delivered
// the same bytes within diversityWindow. A repeat from the same receiver
// is the satellite sending again, and is kept.
func (e *Engine) deliver(ctx context.Context, data []byte, injected bool) bool {
	now := e.o.Clock.Now()
	e.mu.Lock()
	k := 0
	dup := false
	for _, h := range e.recent {
		if now.Sub(h.at) > diversityWindow {
			continue
		}
		e.recent[k] = h
		k++
		if h.injected != injected && h.data == string(data) {
			dup = true
		}
	}
	e.recent = e.recent[:k]
	if dup {
		e.dupes++
	} else {
		e.recent = append(e.recent, heard{string(data), injected, now})
		if injected {
			e.injected++
		}
	}
	e.mu.Unlock()
	if dup {
		return true
	}
	select {
	case e.frames <- data:
		return true
	case <-ctx.Done():
		return false
	}
}

// Inject hands the engine a frame another receiver (an SDR) heard,
// without FCS; it is handled as if the TNC had received it. A copy of a
// frame the TNC delivered moments ago is dropped, and the other way
// round. Inject waits while the engine's queue is full and drops the
// frame once the engine has stopped.
func (e *Engine) Inject(frame []byte) {
	e.mu.Lock()
	ctx := e.ctx
	e.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return
	}
	e.deliver(ctx, append([]byte(nil), frame...), true)
}

// Diversity reports how many frames came through Inject and how many
// copies heard by both receivers were dropped.
func (e *Engine) Diversity() (injected, duplicates int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.injected, e.dupes
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

// connectLoop keeps a TNC connection open, reading frames into e.frames.
func (e *Engine) connectLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		var c io.ReadWriteCloser
		var err error
		if e.o.Dial != nil {
			c, err = e.o.Dial(ctx)
		} else {
			c, err = (&net.Dialer{Timeout: 3 * time.Second}).DialContext(ctx, "tcp", e.o.TNC)
		}
		if err != nil {
			fmt.Fprintf(e.o.Log, "station %s: TNC %s: %v (retrying)\n", e.o.Name, e.o.TNC, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		w := kiss.NewWriter(c)
		if e.o.KISS != nil {
			if err := w.Configure(e.o.TNCPort, *e.o.KISS); err != nil {
				fmt.Fprintf(e.o.Log, "station %s: TNC %s: KISS parameters: %v\n", e.o.Name, e.o.TNC, err)
			}
		}
		e.mu.Lock()
		e.conn, e.w = c, w
		e.mu.Unlock()
		kiss.ReadData(c, 4096, func(port uint8, data []byte) bool {
			if port != e.o.TNCPort || e.o.TNCTransmitOnly {
				return true
			}
			return e.deliver(ctx, data, false)
		})
		if ctx.Err() != nil {
			c.Close()
			return
		}
		e.mu.Lock()
		e.conn, e.w = nil, nil
		e.mu.Unlock()
		c.Close()
	}
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

// contact works one contact.
func (e *Engine) contact(ctx context.Context, c Contact, rep *Report) error {
	call, ok := e.o.Sats[c.NORAD]
	if !ok {
		return fmt.Errorf("station %s: no callsign for satellite %d", e.o.Name, c.NORAD)
	}
	var nextOpen, nextAck, nextCmd, nextProgress, nextHello, helloAt, nextOffer, lastPump time.Time
	sentAt := map[uint32]time.Time{}
	var link *dtn.Link
	if node, ok := e.o.SatNodes[c.NORAD]; ok && e.o.DTN != nil {
		link = e.o.DTN.Open(node, 0)
		st0 := e.o.DTN.Stats()
		e.mu.Lock()
		e.link, e.linkSat = link, c.NORAD
		e.mu.Unlock()
		defer func() {
			e.mu.Lock()
			e.link = nil
			e.mu.Unlock()
			link.Close()
			st := e.o.DTN.Stats()
			rep.BundlesTx, rep.BundlesRx = st.Sent-st0.Sent, st.Received-st0.Received
		}()
	}
	step := 2 * time.Second
	ls, secure := e.o.Security.(LinkSecurity)
	checked := false // link security: asked at the contact's start whether the association goes on
	for {
		now := e.o.Clock.Now()
		if !now.Before(c.End) {
			break
		}
		if secure && (!checked || !ls.Established(c.NORAD)) {
			// the first step of a contact asks whether the association
			// goes on (Begin sends nothing) or needs a handshake; without
			// a confirm in 30 s, the handshake starts over
			if !now.Before(nextHello) {
				frames, err := ls.Begin(c.NORAD, now)
				if err != nil {
					fmt.Fprintf(e.o.Log, "station %s: link security: %v\n", e.o.Name, err)
				}
				n := 0
				for _, f := range frames {
					e.sendInfo(call, f, rep)
					n += len(f)
				}
				rep.HandshakeBytes += n
				if len(frames) > 0 && helloAt.IsZero() {
					helloAt = now
				}
				nextHello = now.Add(30*time.Second + e.airtime(c.NORAD, n, len(frames)))
			}
			checked = true
			if !ls.Established(c.NORAD) {
				if err := e.waitFrames(ctx, c, rep, min(step, c.End.Sub(now))); err != nil {
					return err
				}
				continue
			}
		}
		if !helloAt.IsZero() { // the confirm came
			rep.HandshakeSeconds += now.Sub(helloAt).Seconds()
			helloAt = time.Time{}
		}
		if !now.Before(nextOpen) {
			e.send(call, proto.APIDSession, []byte{proto.SessionOpen}, rep)
			nextOpen = now.Add(15 * time.Second)
		}
		if !now.Before(nextAck) {
			e.ack(c.NORAD, call, rep)
			nextAck = now.Add(3 * time.Second)
		}
		if e.o.History != nil && !now.Before(nextCmd) {
			e.uplinkCommands(c, call, now, sentAt, rep)
			nextCmd = now.Add(5 * time.Second)
		}
		if link != nil {
			if !now.Before(nextOffer) {
				link.Offer(now)
				nextOffer = now.Add(20 * time.Second)
			}
			e.pumpBundles(link, call, c.NORAD, now, &lastPump, rep)
		}
		if e.o.Progress != nil && !now.Before(nextProgress) {
			e.o.Progress(Progress{Station: e.o.Name, Sat: c.NORAD, Name: c.Name, Time: now, FramesRx: rep.FramesRx, Packets: rep.Packets})
			nextProgress = now.Add(60 * time.Second)
		}
		if err := e.waitFrames(ctx, c, rep, min(step, c.End.Sub(now))); err != nil {
			return err
		}
	}
	if !secure || ls.Established(c.NORAD) {
		if link != nil {
			e.flushBundles(link, call, e.o.Clock.Now(), rep, true)
		}
		e.ack(c.NORAD, call, rep)
		e.send(call, proto.APIDSession, []byte{proto.SessionClose}, rep)
	}
	e.gaps(c.NORAD, rep)
	return nil
}

// airtime is how long n information bytes in frames frames take on
// sat's uplink: 30 bytes a frame of AX.25, KISS-free flags and FCS, and a
// twentieth for bit stuffing. A Hello takes 4 s at 9600 bit/s and 32 s at
// 1200, so it is resent only after its Confirm had time to come back.
func (e *Engine) airtime(sat, n, frames int) time.Duration {
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	bits := 8 * float64(n+30*frames) * 1.05
	return time.Duration(bits / rate * float64(time.Second))
}

// pumpBundles sends what the uplink can carry since the last call
// (at most 2 s worth) and acknowledges received segments.
func (e *Engine) pumpBundles(link *dtn.Link, call ax25.Address, sat int, now time.Time, last *time.Time, rep *Report) {
	e.flushBundles(link, call, now, rep, true)
	rate := e.o.BitRate[sat]
	if rate <= 0 {
		rate = 9600
	}
	d := 2 * time.Second
	if !last.IsZero() {
		d = min(d, now.Sub(*last))
	}
	*last = now
	budget := rate / 8 * d.Seconds()
	buf := make([]byte, 0, 600)
	for budget > 0 {
		seg, ok := link.Snd.Next(buf[:0], now)
		if !ok {
			break
		}
		e.send(call, proto.APIDBundleSeg, seg, rep)
		rep.BundleSegsTx++
		budget -= float64(len(seg) + 6 + 16 + 10) // space packet, AX.25, flags
	}
}

// flushBundles commits received segments and acknowledges them (when
// due, or always when force).
func (e *Engine) flushBundles(link *dtn.Link, call ax25.Address, now time.Time, rep *Report, force bool) {
	if !force && !link.Rcv.Due(now, 8, time.Second) {
		return
	}
	ack, err := link.Rcv.Flush(now)
	if err != nil {
		fmt.Fprintf(e.o.Log, "station %s: bundle store: %v (segments not acknowledged)\n", e.o.Name, err)
		return
	}
	if ack != nil {
		e.send(call, proto.APIDBundleAck, ack, rep)
	}
}

// waitFrames handles arriving frames for the (virtual) duration d.
func (e *Engine) waitFrames(ctx context.Context, c Contact, rep *Report, d time.Duration) error {
	timer := e.o.Clock.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-e.frames:
			e.handle(b, rep, c.NORAD)
		case <-timer.C:
			return nil
		}
	}
}

// send transmits a telecommand packet, through the frame security layer
// when there is one.
func (e *Engine) send(dst ax25.Address, apid uint16, data []byte, rep *Report) {
	pkt, err := (&spp.Packet{Type: spp.TC, APID: apid, Data: data}).Encode(nil)
	if err != nil {
		return
	}
	if e.o.Security != nil {
		if pkt, err = e.o.Security.Protect(e.byCall[dst.String()], pkt); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: frame security: %v (frame not sent)\n", e.o.Name, err)
			return
		}
	}
	e.sendInfo(dst, pkt, rep)
}

// sendInfo transmits one frame with the information field info.
func (e *Engine) sendInfo(dst ax25.Address, info []byte, rep *Report) {
	b, err := (&ax25.Frame{Dst: dst, Src: e.o.Call, Info: info}).Encode(false) // KISS: the TNC adds the FCS
	if err != nil {
		return
	}
	e.mu.Lock()
	w := e.w
	if w != nil {
		if nc, ok := e.conn.(net.Conn); ok {
			nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		}
		if w.Data(e.o.TNCPort, b) != nil {
			w = nil
		}
	}
	e.mu.Unlock()
	if w != nil && rep != nil {
		rep.FramesTx++
		rep.BytesTx += len(b)
	}
}

// ack acknowledges what was received from sat since the last ack, once
// the sink has made it durable.
func (e *Engine) ack(sat int, call ax25.Address, rep *Report) {
	if e.o.Sink != nil {
		if err := e.o.Sink.Sync(); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: telemetry sink: %v (nothing acknowledged)\n", e.o.Name, err)
			return
		}
	}
	e.mu.Lock()
	rs := e.pending[sat]
	if len(rs) > proto.MaxRanges {
		e.pending[sat] = rs[proto.MaxRanges:]
		rs = rs[:proto.MaxRanges]
	} else {
		delete(e.pending, sat)
	}
	e.mu.Unlock()
	if len(rs) > 0 {
		e.send(call, proto.APIDAck, proto.EncodeAck(rs), rep)
	}

}

func addRange(rs []proto.Range, no uint32) []proto.Range {
	if n := len(rs); n > 0 && rs[n-1].Hi+1 == no {
		rs[n-1].Hi = no
		return rs
	}
	return append(rs, proto.Range{Lo: no, Hi: no})
}

// uplinkCommands sends the satellite's pending commands, again after 10 s
// without a receipt.
func (e *Engine) uplinkCommands(c Contact, call ax25.Address, now time.Time, sentAt map[uint32]time.Time, rep *Report) {
	pend, err := e.o.History.Pending(c.NORAD)
	if err != nil {
		fmt.Fprintf(e.o.Log, "station %s: command history: %v\n", e.o.Name, err)
		return
	}
	for _, cmd := range pend {
		if t, ok := sentAt[cmd.ID]; ok && now.Sub(t) < 10*time.Second {
			continue
		}
		tc := proto.Command{ID: cmd.ID, Opcode: cmd.Opcode, At: cmd.At, Args: cmd.Payload}
		e.send(call, proto.APIDCommand, tc.Encode(), rep)
		if _, again := sentAt[cmd.ID]; !again {
			rep.CommandsSent++
			if cmd.State() == command.Queued {
				e.o.History.Stage(cmd.ID, c.NORAD, command.Sent, now, e.o.Name, "")
			}
		}
		sentAt[cmd.ID] = now
	}
}

// handle processes one received frame. rep may be nil between contacts.
func (e *Engine) handle(b []byte, rep *Report, contactSat int) {
	now := e.o.Clock.Now()
	if rep != nil {
		rep.FramesRx++
		rep.BytesRx += len(b)
	}
	bad := func() {
		if rep != nil {
			rep.FrameErrors++
		}
	}
	f, err := ax25.Decode(b, false) // the TNC checked and removed the FCS
	if err != nil {
		bad()
		return
	}
	sat, ok := e.byCall[f.Src.String()]
	if !ok {
		return
	}
	info := f.Info
	if ls, ok := e.o.Security.(LinkSecurity); ok {
		// nothing unverified goes further: forged, replayed and plain
		// frames are counted and dropped; a confirm completes a handshake
		if info, err = ls.Open(sat, info); err != nil {
			if rep != nil {
				rep.SecurityRejected++
			}
			return
		}
		if info == nil {
			return
		}
	}
	p, rest, err := spp.Decode(info)
	if err != nil || len(rest) != 0 {
		bad()
		return
	}
	if p.Type != spp.TM {
		return
	}
	if p.APID == proto.APIDBundleSeg || p.APID == proto.APIDBundleAck {
		e.mu.Lock()
		link := e.link
		if e.linkSat != sat {
			link = nil
		}
		e.mu.Unlock()
		if link == nil {
			return // no contact with it: resent later
		}
		if p.APID == proto.APIDBundleAck {
			if err := link.Snd.OnAck(p.Data, now); err != nil {
				bad()
			}
			return
		}
		if err := link.Rcv.Receive(p.Data, now); err != nil {
			bad()
			return
		}
		if rep != nil {
			rep.BundleSegsRx++
			if call, ok := e.o.Sats[sat]; ok {
				e.flushBundles(link, call, now, rep, false)
			}
		}
		return
	}
	no, err := proto.PacketNo(p.Data)
	if err != nil {
		return
	}
	e.mu.Lock()
	if e.seen[sat] == nil {
		e.seen[sat] = map[uint32]bool{}
	}
	dup := e.seen[sat][no]
	e.mu.Unlock()
	if dup {
		if rep != nil && sat == contactSat {
			rep.Duplicates++
		}
		e.mu.Lock()
		e.pending[sat] = addRange(e.pending[sat], no) // acknowledge again: the first ack was lost
		e.mu.Unlock()
		return
	}
	raw, _ := p.Encode(nil)
	tm := &TM{Sat: sat, Station: e.o.Name, No: no, APID: p.APID, Seq: p.Seq, Onboard: p.Time, Ground: now, Raw: raw}
	switch p.APID {
	case proto.APIDHousekeeping:
		if h, err := proto.DecodeHK(p.Data); err == nil {
			tm.HK = &h
		}
	case proto.APIDCmdAck:
		if a, err := proto.DecodeCmdAck(p.Data); err == nil {
			tm.CmdAck = &a
			e.verification(sat, &a, now, rep)
		}
	}
	if e.o.Sink != nil {
		if err := e.o.Sink.Write(tm); err != nil {
			fmt.Fprintf(e.o.Log, "station %s: telemetry sink: %v (packet %d of %d stays onboard)\n", e.o.Name, err, no, sat)
			return // not acknowledged: the satellite keeps it
		}
	}
	e.mu.Lock()
	e.seen[sat][no] = true
	if sat == contactSat {
		e.pending[sat] = addRange(e.pending[sat], no)
	}
	e.mu.Unlock()
	if rep != nil && sat == contactSat {
		rep.Packets++
		if rep.FirstNo == 0 || no < rep.FirstNo {
			rep.FirstNo = no
		}
		rep.LastNo = max(rep.LastNo, no)
	}
}

func (e *Engine) verification(sat int, a *proto.CmdAck, now time.Time, rep *Report) {
	if e.o.History == nil {
		return
	}
	stage := map[uint8]string{proto.StageReceived: command.Received, proto.StageExecuted: command.Executed, proto.StageFailed: command.Failed}[a.Stage]
	if a.Stage == proto.StageReceived && a.Reason == "duplicate" {
		return
	}
	e.o.History.Stage(a.CmdID, sat, stage, now, e.o.Name, a.Reason)
	if rep != nil && command.Final(stage) {
		rep.CommandsVerified++
	}
}

// gaps counts packet numbers missing between the pass's first and last.
func (e *Engine) gaps(sat int, rep *Report) {
	if rep.Packets == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for no := rep.FirstNo; no <= rep.LastNo; no++ {
		if !e.seen[sat][no] {
			rep.Gaps++
		}
	}
}

// FileSink appends telemetry as JSON lines, buffered; Sync flushes and
// fsyncs.
type FileSink struct {
	mu    sync.Mutex
	f     syncWriter
	buf   *bufio.Writer
	dirty bool
	// NoSync skips the fsync (accelerated simulations only: there a
	// millisecond of fsync is many seconds of virtual time).
	NoSync bool
}

type syncWriter interface {
	io.Writer
	Sync() error
}

// NewFileSink writes to f (an *os.File).
func NewFileSink(f syncWriter) *FileSink {
	return &FileSink{f: f, buf: bufio.NewWriterSize(f, 256<<10)}
}

func (s *FileSink) Write(tm *TM) error {
	b, err := json.Marshal(tm)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = true
	_, err = s.buf.Write(append(b, '\n'))
	return err
}

// Sync makes everything written durable.
func (s *FileSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	if err := s.buf.Flush(); err != nil {
		return err
	}
	s.dirty = false
	if s.NoSync {
		return nil
	}
	return s.f.Sync()
}

// Ingester takes decoded-to-be telemetry packets (telemetry.Store is one).
type Ingester interface {
	IngestPacket(sat int, station string, apid uint16, onboard, ground time.Time, data []byte) error
	Sync() error
}

// IngestSink is a Sink that passes every packet to an ingester (the
// telemetry store: dictionary decoding, limits, InfluxDB) after next
// (nil: none), and syncs both.
func IngestSink(next Sink, in Ingester) Sink { return &ingestSink{next, in} }

type ingestSink struct {
	next Sink
	in   Ingester
}

func (s *ingestSink) Write(tm *TM) error {
	if s.next != nil {
		if err := s.next.Write(tm); err != nil {
			return err
		}
	}
	p, _, err := spp.Decode(tm.Raw)
	if err != nil {
		return nil // the engine only stores packets it could open
	}
	return s.in.IngestPacket(tm.Sat, tm.Station, tm.APID, tm.Onboard, tm.Ground, p.Data)
}

func (s *ingestSink) Sync() error {
	if s.next != nil {
		if err := s.next.Sync(); err != nil {
			return err
		}
	}
	return s.in.Sync()
}
