// Package sim is the software-defined constellation: drones on real
// orbits with power, thermal and onboard storage, behind the links a real
// station uses (KISS over TCP per station), with a link model from the
// pass geometry and a link budget, and fault injection. It runs on an
// injected clock, so a day of operations can pass in seconds.
package sim

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/rtltcp"
	"github.com/ipgs/ipgs/sim/pty"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
	"github.com/ipgs/ipgs/uplink/station"
)

// Faults are injected on top of the link model.
type Faults struct {
	FrameLoss float64 // probability that any frame is lost, each way
	BitErrors float64 // probability that a frame arrives with a flipped bit
	// IdealLink turns the link budget off: only FrameLoss, BitErrors
	// and bursts lose frames (benchmarks of the protocols alone).
	IdealLink bool
	Outages   []Outage // a station hears nothing and is heard by nothing
	Reboots   []Reboot // onboard computer restarts
	// Error bursts: every frame is lost for BurstLength, at random times
	// BurstEvery apart on average (seeded).
	BurstEvery, BurstLength time.Duration
}

// Outage silences a station's link.
type Outage struct {
	Station  string
	From, To time.Time
}

// Reboot restarts a satellite's computer at a time.
type Reboot struct {
	NORAD int
	At    time.Time
}

// Options configure an emulator.
type Options struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements // the mission's satellites; others are ignored
	Dictionary *command.Dictionary
	Clock      clock.Clock
	Host       string // address the station ports bind to (default 127.0.0.1)
	BasePort   int    // station i listens on BasePort+i; 0: any free port
	HKPeriod   time.Duration
	StoreMax   int  // packets per satellite (default 200,000)
	DropNewest bool // overflow policy (default: drop the oldest)
	RTO        time.Duration
	Faults     Faults
	Seed       uint64
	Log        io.Writer
	// Serial also offers each station's link as KISS on a pseudo-terminal
	// (see SerialPath), opened by the station like a hardware TNC.
	Serial bool
	// Security, when set, makes the drones enforce the space link
	// security of pqlink/sdls: only frames of an association set up by a
	// trusted station are executed, and they send only protected frames.
	Security *Security
	// Bundles, when set, makes every drone with a DTN node number a
	// bundle node (see Bundles).
	Bundles *Bundles
	// UplinkAirtime makes each station's uplink carry one frame after
	// another at the link's bit rate (by default an uplink frame takes
	// no time on the air, which suits commands and acknowledgements but
	// not bundle traffic).
	UplinkAirtime bool
	// InMemory opens no TCP ports: stations connect with Dial (tests
	// on a simulated clock, where a socket would stall virtual time).
	InMemory bool
	// RTLTCP also serves each station's downlink as an emulated RTL-SDR
	// dongle on an rtl_tcp port (see RTLAddr): every frame a satellite
	// sends to the station goes on the air as FM IQ at the satellite's
	// downlink frequency with the pass's Doppler and the link budget's
	// C/N0, in noise, for whoever tunes there. Meant for real-time runs:
	// at high speed frames come faster than the air carries them and
	// the oldest are dropped.
	RTLTCP bool
}

// Bundles configure the drones' bundle agents.
type Bundles struct {
	Dir      string        // each drone's store is Dir/NORAD.db
	Contacts []cgr.Contact // the contact plan they route on
	// Deliver takes a bundle addressed to a drone (a directive) and
	// returns the command it orders, which the drone then executes like
	// a telecommand (nil: nothing to execute; an error keeps the bundle
	// for a later try). Nil: bundles for drones are kept.
	Deliver func(norad int, raw []byte, now time.Time) (*proto.Command, error)
	Quota   [3]int64
	NoSync  bool // see bstore.Options
}

// Security is the drones' side of the link security: each drone's X-Wing
// key and the station signature keys it trusts.
type Security struct {
	KEM     map[int]*keys.Private
	Trusted map[int]map[string]*keys.Public
}

// Emulator is a running constellation. Use Serve; Addr says where each
// station's TNC port is.
type Emulator struct {
	o      Options
	drones []*drone
	sts    []*gstation
	events eventQueue
	rng    *rand.Rand
	inbox  chan uplinkFrame
	held   []uplinkFrame // arrived at the step's own instant: handled next step

	done      chan struct{} // closed by Close: connection readers stop
	closeOnce sync.Once
	conns     sync.WaitGroup // every connection's reader

	burstRng             *rand.Rand // error bursts: loop-owned
	burstStart, burstEnd time.Time

	mu    sync.Mutex // guards stats
	stats Stats
}

// Stats count what the emulator did.
type Stats struct {
	FramesDown, FramesUp   int
	LostDown, LostUp       int // lost on the channel (link budget, faults, not visible)
	CorruptDown, CorruptUp int // delivered with a flipped bit
	Retransmissions        int
	BurstLost              int // frames lost in error bursts
	// Link security onboard: refused uplink frames by reason, and
	// handshakes accepted.
	Security sdls.Stats
}

type gstation struct {
	idx    int       // in the mission's stations
	node   uint64    // DTN node number (0: none)
	upBusy time.Time // the uplink transmitter is busy until then
	name   string
	call   ax25.Address
	topo   geo.Topocentric
	st     mission.Station
	ln     net.Listener
	mu     sync.Mutex
	conns  map[io.ReadWriteCloser]*kiss.Writer
	pts    string      // slave path of the station's serial TNC, if any
	ptm    *os.File    // its master side
	ptq    chan []byte // frames for the serial TNC (its writer never blocks the loop)
	air    *iq.Air     // its antenna, with Options.RTLTCP
	rtl    *rtltcp.Server
	rtlLn  net.Listener
}

// rtlAir adapts the station's air to the rtl_tcp server.
type rtlAir struct{ *iq.Air }

func (a rtlAir) Fill(st rtltcp.State, dst []complex64) { a.Air.Fill(st.Freq, st.Rate, dst) }

// onAir puts a downlink frame (without FCS) on station s's air, when it
// has one, as heard at t.
func (e *Emulator) onAir(d *drone, s *gstation, frame []byte, t time.Time) {
	if s.air == nil {
		return
	}
	l, ok := lookAt(e, d, s, t)
	if !ok {
		return
	}
	down := d.down[s.idx]
	f := down.FreqHz
	doppler := -f * l.RangeRate / (geo.SpeedOfLight)
	baud := mission.BaudFor(d.bitRate)
	cn0 := down.EbN0(l.RangeKm) + 10*math.Log10(down.BitRate)
	s.air.Send(iq.Burst{Freq: f + doppler, CN0: cn0, Baud: baud, Frame: append([]byte(nil), frame...)})
}

// lookAt is the look from station s to drone d at t.
func lookAt(e *Emulator, d *drone, s *gstation, t time.Time) (geo.Look, bool) {
	r, v, err := d.prop.At(t)
	if err != nil {
		return geo.Look{}, false
	}
	re, ve := geo.TEMEToECEF(t, r, v)
	return s.topo.Look(re, ve), true
}

// RTLAddr returns the rtl_tcp address of station name's emulated dongle
// ("" without Options.RTLTCP).
func (e *Emulator) RTLAddr(name string) string {
	for _, s := range e.sts {
		if s.name == name && s.rtlLn != nil {
			return s.rtlLn.Addr().String()
		}
	}
	return ""
}

// uplinkFrame is a frame a station's TNC port received, stamped with the
// clock's time and its order on that port.
type uplinkFrame struct {
	station int
	at      time.Time
	seq     uint64
	data    []byte
}

// event is something that happens at a virtual time.
type event struct {
	at time.Time
	fn func()
}

type eventQueue []event

func (q eventQueue) Len() int                 { return len(q) }
func (q eventQueue) Less(i, j int) bool       { return q[i].at.Before(q[j].at) }
func (q eventQueue) Swap(i, j int)            { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)              { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any                { old := *q; e := old[len(old)-1]; *q = old[:len(old)-1]; return e }
func (e *Emulator) at(t time.Time, fn func()) { heap.Push(&e.events, event{t, fn}) }

// New builds the constellation and opens the station ports.
func New(o Options) (*Emulator, error) {
	if o.Mission == nil {
		return nil, errors.New("sim: no mission")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.HKPeriod <= 0 {
		o.HKPeriod = 10 * time.Second
	}
	if o.StoreMax <= 0 {
		o.StoreMax = 200000
	}
	if o.RTO <= 0 {
		o.RTO = max(60*time.Second, time.Duration(0.1*o.Clock.Factor()*float64(time.Second)))
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Dictionary == nil {
		o.Dictionary = command.Default()
	}
	e := &Emulator{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x1955)), inbox: make(chan uplinkFrame, 4096), done: make(chan struct{})}
	byID := map[int]*tle.Elements{}
	for _, el := range o.Elements {
		byID[el.CatalogNumber] = el
	}
	now := o.Clock.Now()
	calls := station.SatCallsigns(o.Mission)
	for _, sc := range o.Mission.Satellites {
		el := byID[sc.NORAD]
		if el == nil {
			return nil, fmt.Errorf("sim: no element set for %s (%d)", sc.Name, sc.NORAD)
		}
		p, err := sgp4.New(el)
		if err != nil {
			return nil, fmt.Errorf("sim: %s: %w", sc.Name, err)
		}
		d := &drone{
			norad: sc.NORAD, name: sc.Name, call: calls[sc.NORAD], prop: p, dict: o.Dictionary,
			bitRate: sc.LinkRate(),
			capWh:   40, socWh: 30, tempC: 10, hkPeriod: o.HKPeriod, nextHK: now, nextNo: 1,
			seq: map[uint16]uint16{}, storeMax: o.StoreMax, dropOld: !o.DropNewest, session: -1, cmdSeen: map[uint32]bool{},
		}
		if o.Bundles != nil && sc.DTNNode != "" {
			num, err := mission.IPNNode(sc.DTNNode)
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: %s: %w", sc.Name, err)
			}
			if err := os.MkdirAll(o.Bundles.Dir, 0o755); err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: %w", err)
			}
			st, err := bstore.Open(filepath.Join(o.Bundles.Dir, fmt.Sprintf("%d.db", sc.NORAD)), bstore.Options{Quota: o.Bundles.Quota, NoSync: o.Bundles.NoSync})
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: %s: %w", sc.Name, err)
			}
			d.node = dtn.NewNode(uint64(num), st, o.Log)
			d.node.Now = o.Clock.Now
			d.node.SetContacts(o.Bundles.Contacts)
			if o.Bundles.Deliver != nil {
				norad, deliver := sc.NORAD, o.Bundles.Deliver
				d.node.Deliver = func(raw []byte, _ bstore.Entry) error {
					now := o.Clock.Now()
					c, err := deliver(norad, raw, now)
					if err == nil && c != nil {
						d.command(now, *c) // runs in the emulator's loop, as received frames do
					}
					return err
				}
			}
			d.node.Redeliver()
		}
		for j := range o.Mission.Stations {
			down, up := mission.Budgets(&sc, &o.Mission.Stations[j])
			d.down, d.up = append(d.down, down), append(d.up, up)
		}
		if o.Security != nil {
			k := o.Security.KEM[sc.NORAD]
			if k == nil {
				return nil, fmt.Errorf("sim: link security: no X-Wing key for %s (%d)", sc.Name, sc.NORAD)
			}
			d.sec = &sdls.Onboard{Sat: sc.NORAD, KEM: k, Trusted: o.Security.Trusted[sc.NORAD]}
			d.secSPI = map[int]uint16{}
		}
		e.drones = append(e.drones, d)
	}
	sts := o.Mission.PassStations()
	for i, sc := range o.Mission.Stations {
		port := 0
		if o.BasePort > 0 {
			port = o.BasePort + i
		}
		var ln net.Listener
		if !o.InMemory {
			var err error
			if ln, err = net.Listen("tcp", net.JoinHostPort(o.Host, fmt.Sprint(port))); err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: station %s: %w", sc.Name, err)
			}
		}
		node := 0
		if sc.DTNNode != "" {
			node, _ = mission.IPNNode(sc.DTNNode)
		}
		e.sts = append(e.sts, &gstation{
			node: uint64(node), idx: i,
			name: sc.Name, call: station.Callsign(o.Mission, i), topo: geo.NewTopocentric(sts[i].Location),
			st: sts[i], ln: ln, conns: map[io.ReadWriteCloser]*kiss.Writer{},
		})
		if o.Serial {
			m, path, err := pty.Open()
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: station %s: serial TNC: %w", sc.Name, err)
			}
			st := e.sts[len(e.sts)-1]
			st.ptm, st.pts, st.ptq = m, path, make(chan []byte, 1024)
		}
		if o.RTLTCP {
			ln, err := rtltcp.Listen(o.Host, 0)
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("sim: station %s: %w", sc.Name, err)
			}
			st := e.sts[len(e.sts)-1]
			st.air = &iq.Air{Seed: o.Seed + uint64(i)}
			st.rtl, st.rtlLn = &rtltcp.Server{Source: rtlAir{st.air}}, ln
		}
	}
	return e, nil
}

// Addr returns the TCP address of station name's TNC port ("" with
// Options.InMemory).
func (e *Emulator) Addr(name string) string {
	for _, s := range e.sts {
		if s.name == name && s.ln != nil {
			return s.ln.Addr().String()
		}
	}
	return ""
}

// Dial connects to station name's TNC port in memory, as a TCP client
// of Addr would (KISS both ways).
func (e *Emulator) Dial(name string) (net.Conn, error) {
	for i, s := range e.sts {
		if s.name == name {
			ground, onboard := net.Pipe()
			if !e.serveConn(i, s, onboard) {
				ground.Close()
				return nil, errors.New("sim: emulator closed")
			}
			return ground, nil
		}
	}
	return nil, fmt.Errorf("sim: no station %q", name)
}

// SerialPath returns the serial TNC device of station name ("" without
// Options.Serial).
func (e *Emulator) SerialPath(name string) string {
	for _, s := range e.sts {
		if s.name == name {
			return s.pts
		}
	}
	return ""
}

// Callsigns returns the callsign of each satellite by NORAD number.
func (e *Emulator) Callsigns() map[int]ax25.Address {
	m := map[int]ax25.Address{}
	for _, d := range e.drones {
		m[d.norad] = d.call
	}
	return m
}

// SetContacts hands every drone's bundle node a new contact plan (a
// re-plan).
func (e *Emulator) SetContacts(cs []cgr.Contact) {
	for _, d := range e.drones {
		if d.node != nil {
			d.node.SetContacts(cs)
		}
	}
}

// Close closes the station ports and connections and waits for their
// readers. Serve closes the emulator when it returns.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() { e.close() })
	return nil
}

func (e *Emulator) close() {
	close(e.done)
	for _, d := range e.drones {
		if d.node != nil {
			d.node.Store.Close()
		}
	}
	for _, s := range e.sts {
		if s.ln != nil {
			s.ln.Close()
		}
		if s.rtlLn != nil {
			s.rtlLn.Close()
		}
		if s.ptm != nil {
			s.ptm.Close()
		}
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	}
	e.conns.Wait()
}

// Stats returns the counters so far.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	st := e.stats
	e.mu.Unlock()
	for _, d := range e.drones {
		if d.sec != nil {
			st.Security.Add(d.sec.Counts())
		}
	}
	return st
}

func (e *Emulator) count(f func(*Stats)) {
	e.mu.Lock()
	f(&e.stats)
	e.mu.Unlock()
}

// Serve runs the constellation until ctx ends. It always returns a non-nil
// error: ctx.Err() after a normal stop.
func (e *Emulator) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	for i, s := range e.sts {
		if s.ln != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.accept(i, s)
			}()
		}
		if s.rtl != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.rtl.Serve(ctx, s.rtlLn)
			}()
		}
		if s.ptm != nil {
			wg.Add(2)
			go func() {
				defer wg.Done()
				e.readSerial(ctx, i, s)
			}()
			go func() {
				defer wg.Done()
				w := kiss.NewWriter(s.ptm)
				for {
					select {
					case b := <-s.ptq:
						// nobody reading the serial line: the frame is lost
						s.ptm.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
						w.Data(0, b)
					case <-ctx.Done():
						return
					}
				}
			}()
		}
	}
	defer func() {
		e.Close()
		wg.Wait()
	}()
	last := e.o.Clock.Now()
	// steps of about a virtual second (at most 2,000 a wall second):
	// retransmission timers and acknowledgements must see each other's
	// effects. The first step comes half a step and a nanosecond late,
	// so that steps fall between the whole milliseconds the contact plan
	// and the stations keep: on a simulated clock nothing the ground does
	// happens at the instant of a step, and the day is the same every run.
	tick := max(time.Second, time.Duration(float64(500*time.Microsecond)*e.o.Clock.Factor()))
	timer := e.o.Clock.NewTimer(tick/2 + 1)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		now := e.o.Clock.Now()
		timer.Reset(tick)
		e.step(last, now)
		last = now
	}
}

func (e *Emulator) accept(idx int, s *gstation) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !e.serveConn(idx, s, c) {
			c.Close()
			return
		}
	}
}

// serveConn makes c a client of station idx's TNC port and reads its
// frames in a goroutine that Close joins. It reports false once the
// emulator is closed.
func (e *Emulator) serveConn(idx int, s *gstation, c net.Conn) bool {
	s.mu.Lock()
	select {
	case <-e.done:
		s.mu.Unlock()
		return false
	default:
	}
	s.conns[c] = kiss.NewWriter(c)
	e.conns.Add(1)
	s.mu.Unlock()
	go func() {
		defer e.conns.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
		e.readFrames(idx, c)
	}()
	return true
}

// readFrames passes the KISS data frames read from r to the loop, each
// stamped with the clock's time and its order, until r ends or the
// emulator closes.
func (e *Emulator) readFrames(idx int, r io.Reader) {
	var seq uint64
	kiss.ReadData(r, 4096, func(_ uint8, data []byte) bool {
		seq++
		select {
		case e.inbox <- uplinkFrame{idx, e.o.Clock.Now(), seq, data}:
			return true
		case <-e.done:
			return false
		}
	})
}

// readSerial reads KISS from a station's pseudo-terminal. While no
// station has the other side open the master reads fail with EIO: wait.
func (e *Emulator) readSerial(ctx context.Context, idx int, s *gstation) {
	e.readFrames(idx, retryReader{ctx, s.ptm})
}

type retryReader struct {
	ctx context.Context
	r   io.Reader
}

func (r retryReader) Read(b []byte) (int, error) {
	for {
		n, err := r.r.Read(b)
		if n > 0 || err == nil {
			return n, nil
		}
		if r.ctx.Err() != nil {
			return 0, io.EOF
		}
		if errors.Is(err, os.ErrClosed) {
			return 0, io.EOF
		}
		time.Sleep(20 * time.Millisecond) // EIO: nobody on the other side yet
	}
}

// look returns whether drone d is in contact with station s at t, and
// the range (km).
func (e *Emulator) look(d *drone, s *gstation, t time.Time) (bool, float64) {
	for _, o := range e.o.Faults.Outages {
		if o.Station == s.name && !t.Before(o.From) && t.Before(o.To) {
			return false, 0
		}
	}
	r, v, err := d.prop.At(t)
	if err != nil {
		return false, 0
	}
	re, ve := geo.TEMEToECEF(t, r, v)
	l := s.topo.Look(re, ve)
	return l.ElDeg >= s.st.Threshold(l.AzDeg), l.RangeKm
}

// channel decides what happens to a frame of n bytes over a link at range
// km: lost, corrupted (delivered with a bit flipped) or clean.
func (e *Emulator) channel(b mission.LinkBudget, rangeKm float64, n int, t time.Time) (lost, corrupt bool) {
	if e.inBurst(t) {
		e.count(func(st *Stats) { st.BurstLost++ })
		return true, false
	}
	fer := mission.FER(mission.BER(b.EbN0(rangeKm)), 8*n)
	if e.o.Faults.IdealLink {
		fer = 0
	}
	if e.rng.Float64() < e.o.Faults.FrameLoss {
		return true, false
	}
	if e.rng.Float64() < fer {
		// a frame with bit errors: the receiver's FCS rejects it; half the
		// time the demodulator loses it altogether
		if e.rng.Float64() < 0.5 {
			return true, false
		}
		return false, true
	}
	if e.rng.Float64() < e.o.Faults.BitErrors {
		return false, true
	}
	return false, false
}

// inBurst reports whether t falls in an error burst. Burst starts are a
// seeded sequence with exponential gaps of mean BurstEvery.
func (e *Emulator) inBurst(t time.Time) bool {
	f := e.o.Faults
	if f.BurstEvery <= 0 || f.BurstLength <= 0 {
		return false
	}
	for e.burstEnd.Before(t) {
		if e.burstRng == nil {
			e.burstRng = rand.New(rand.NewPCG(e.o.Seed, 0xB0057))
			e.burstStart = t
		}
		gap := time.Duration(e.burstRng.ExpFloat64() * float64(f.BurstEvery))
		e.burstStart = e.burstEnd.Add(gap)
		if e.burstStart.Before(t.Add(-f.BurstLength)) {
			e.burstStart = t.Add(gap)
		}
		e.burstEnd = e.burstStart.Add(f.BurstLength)
	}
	return !t.Before(e.burstStart) && t.Before(e.burstEnd)
}

func flipBit(b []byte, rng *rand.Rand) []byte {
	c := append([]byte(nil), b...)
	if len(c) > 0 {
		i := rng.IntN(len(c) * 8)
		c[i/8] ^= 1 << (i % 8)
	}
	return c
}

// step advances the constellation from last to now.
func (e *Emulator) step(last, now time.Time) {
	dt := now.Sub(last)
	// uplink frames that arrived since the last step, in the order they
	// were sent (by time, then station, then order on the port); one
	// stamped with this very instant waits for the next step, whether or
	// not its reader got to it before this step did
	frames := e.held
	e.held = nil
	for {
		select {
		case f := <-e.inbox:
			frames = append(frames, f)
			continue
		default:
		}
		break
	}
	slices.SortStableFunc(frames, func(a, b uplinkFrame) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.station != b.station {
			return a.station - b.station
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, f := range frames {
		if f.at.Before(now) {
			e.uplink(now, f)
		} else {
			e.held = append(e.held, f)
		}
	}
	for _, r := range e.o.Faults.Reboots {
		if !r.At.Before(last) && r.At.Before(now) {
			for _, d := range e.drones {
				if d.norad == r.NORAD {
					d.reboot(r.At)
					fmt.Fprintf(e.o.Log, "sim: %s rebooted at %s\n", d.name, r.At.Format(time.RFC3339))
				}
			}
		}
	}
	for _, d := range e.drones {
		d.power(now, dt)
		for !d.nextHK.After(now) {
			d.housekeeping(d.nextHK)
			d.nextHK = d.nextHK.Add(d.hkPeriod)
		}
		d.runTimed(now)
		e.downlink(d, last, now)
	}
	// deliveries due
	for e.events.Len() > 0 && !e.events[0].at.After(now) {
		ev := heap.Pop(&e.events).(event)
		ev.fn()
	}
}

// uplink handles a frame a station transmitted at now.
func (e *Emulator) uplink(now time.Time, f uplinkFrame) {
	s := e.sts[f.station]
	// the station's KISS data has no FCS: its TNC adds one for the air
	fr, err := ax25.Decode(f.data, false)
	if err != nil {
		return // a station sent garbage: nothing receives it
	}
	air := append(append([]byte(nil), f.data...), 0, 0)
	fcs := ax25.FCS(f.data)
	air[len(f.data)], air[len(f.data)+1] = byte(fcs), byte(fcs>>8)
	for _, d := range e.drones {
		if fr.Dst.Call != d.call.Call || fr.Dst.SSID != d.call.SSID {
			continue
		}
		e.count(func(st *Stats) { st.FramesUp++ })
		up, rng := e.look(d, s, now)
		if !up {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		lost, corrupt := e.channel(d.up[s.idx], rng, len(air), now)
		if lost {
			e.count(func(st *Stats) { st.LostUp++ })
			return
		}
		data := air
		if corrupt {
			e.count(func(st *Stats) { st.CorruptUp++ })
			data = flipBit(data, e.rng)
		}
		// the station's transmitter sends one frame after another at the
		// link's bit rate
		sent := now
		if e.o.UplinkAirtime {
			if s.upBusy.Before(now) {
				s.upBusy = now
			}
			s.upBusy = s.upBusy.Add(time.Duration(float64(8*(len(air)+10)) / d.bitRate * float64(time.Second)))
			sent = s.upBusy
		}
		arrive := sent.Add(time.Duration(rng / geo.SpeedOfLight * float64(time.Second)))
		idx := f.station
		e.at(arrive, func() { e.receive(d, idx, data, arrive) })
		return
	}
}

// receive is a frame arriving onboard.
func (e *Emulator) receive(d *drone, stIdx int, data []byte, now time.Time) {
	fr, err := ax25.Decode(data, true) // on the air: FCS
	if err != nil {
		return // damaged: dropped, never executed
	}
	info := fr.Info
	if d.sec != nil {
		payload, reply, spi, err := d.sec.Receive(info, now)
		if err == nil && spi != 0 {
			d.secSPI[stIdx] = spi // this station's association: downlink to it goes under it
		}
		if reply != nil {
			// the confirm goes down at once, ahead of anything queued
			e.sendNow(d, stIdx, reply, now)
		}
		if err != nil || payload == nil {
			return // refused (counted by the security layer) or a hello fragment
		}
		info = payload
	}
	p, rest, err := spp.Decode(info)
	if err != nil || len(rest) != 0 || p.Type != spp.TC {
		return // format error: dropped, never executed
	}
	switch p.APID {
	case proto.APIDSession:
		if len(p.Data) < 1 {
			return
		}
		switch p.Data[0] {
		case proto.SessionOpen:
			d.session, d.sessionAt = stIdx, now
			e.openBundleLink(d, stIdx, now)
		case proto.SessionClose:
			if d.session == stIdx {
				d.session = -1
				if d.link != nil {
					d.link.Close()
					d.link = nil
				}
			}
		}
	case proto.APIDBundleSeg:
		if d.link != nil && d.linkStation == stIdx {
			d.link.Rcv.Receive(p.Data, now)
		}
	case proto.APIDBundleAck:
		if d.link != nil && d.linkStation == stIdx {
			d.link.Snd.OnAck(p.Data, now)
		}
	case proto.APIDAck:
		if rs, err := proto.DecodeAck(p.Data); err == nil {
			d.acknowledge(rs)
		}
	case proto.APIDCommand:
		if c, err := proto.DecodeCommand(p.Data); err == nil {
			d.command(now, c)
		}
	}
}

// downlink transmits stored packets to the station with an open session,
// at the link's bit rate, while it is in view.
func (e *Emulator) downlink(d *drone, last, now time.Time) {
	if d.session < 0 {
		return
	}
	s := e.sts[d.session]
	t := last
	if t.Before(d.sessionAt) {
		t = d.sessionAt
	}
	for t.Before(now) {
		up, rng := e.look(d, s, t)
		if !up {
			return
		}
		if d.sec != nil && !d.sec.Established(d.secSPI[d.session]) {
			return // no association: nothing goes down that the ground could not verify
		}
		info, pk := e.bundleFrame(d, t)
		if info == nil {
			if pk = d.nextToSend(t, e.o.RTO); pk == nil {
				return
			}
			info = pk.frame
		}
		if d.sec != nil {
			var err error
			if info, err = d.sec.Protect(d.secSPI[d.session], info); err != nil {
				return
			}
		}
		fr := ax25.Frame{Dst: s.call, Src: d.call, Info: info}
		b, err := fr.Encode(true)
		if err != nil {
			return
		}
		if pk != nil {
			if pk.sent > 0 {
				e.count(func(st *Stats) { st.Retransmissions++ })
			}
			pk.sent++
			pk.sentAt = t
			d.txCounter++
			pk.txSeq, pk.lost = d.txCounter, false
		}
		airtime := time.Duration(float64(8*(len(b)+10)) / d.bitRate * float64(time.Second)) // flags, KISS, preamble
		e.onAir(d, s, b[:len(b)-2], t)
		t = t.Add(airtime)
		e.count(func(st *Stats) { st.FramesDown++ })
		lost, corrupt := e.channel(d.down[s.idx], rng, len(b), t)
		if lost {
			e.count(func(st *Stats) { st.LostDown++ })
			continue
		}
		if corrupt {
			e.count(func(st *Stats) { st.CorruptDown++ })
			b = flipBit(b, e.rng)
		}
		delay := time.Duration(rng / geo.SpeedOfLight * float64(time.Second))
		out := b
		e.at(t.Add(delay), func() {
			// the ground TNC checks the FCS, drops a damaged frame and
			// hands the host the frame without it (KISS)
			if _, err := ax25.Decode(out, true); err == nil {
				s.send(out[:len(out)-2])
			}
		})
	}
}

// openBundleLink starts the drone's bundle link with station stIdx.
func (e *Emulator) openBundleLink(d *drone, stIdx int, now time.Time) {
	if d.node == nil || e.sts[stIdx].node == 0 {
		return
	}
	if d.link != nil && d.linkStation == stIdx {
		return // the station reopens its session every few seconds
	}
	if d.link != nil {
		d.link.Close()
	}
	d.link, d.linkStation = d.node.Open(e.sts[stIdx].node, 0), stIdx
	d.link.Offer(now)
	d.nextOffer = now.Add(20 * time.Second)
}

// bundleFrame returns the next bundle frame for the downlink, if any: an
// acknowledgement when one is due, else a segment every other frame
// while telemetry is waiting too (so neither starves the other).
func (e *Emulator) bundleFrame(d *drone, t time.Time) ([]byte, *stored) {
	l := d.link
	if l == nil || d.linkStation != d.session {
		return nil, nil
	}
	if !t.Before(d.nextOffer) {
		d.node.Expire(t)
		l.Offer(t)
		d.nextOffer = t.Add(20 * time.Second)
	}
	if l.Rcv.Due(t, 8, time.Second) {
		if ack, err := l.Rcv.Flush(t); err == nil && ack != nil {
			return d.tmPacket(proto.APIDBundleAck, ack, t), nil
		}
	}
	d.bundleTurn = !d.bundleTurn
	var pk *stored
	if !d.bundleTurn {
		if pk = d.nextToSend(t, e.o.RTO); pk != nil {
			return nil, nil // telemetry's turn
		}
	}
	if seg, ok := l.Snd.Next(nil, t); ok {
		return d.tmPacket(proto.APIDBundleSeg, seg, t), nil
	}
	return nil, nil
}

// tmPacket encodes an unnumbered telemetry packet.
func (d *drone) tmPacket(apid uint16, data []byte, now time.Time) []byte {
	s := d.seq[apid]
	d.seq[apid] = (s + 1) & spp.MaxSeq
	b, _ := (&spp.Packet{Type: spp.TM, APID: apid, Seq: s, Time: now, Data: data}).Encode(nil)
	return b
}

// Bundles returns a drone's bundle node (nil: none), for tests and the
// demo's accounting. Only use it while the emulator is stopped, or for
// its thread-safe methods.
func (e *Emulator) Bundles(norad int) *dtn.Node {
	for _, d := range e.drones {
		if d.norad == norad {
			return d.node
		}
	}
	return nil
}

// sendNow transmits one frame (information field info) from d to station
// stIdx at once, through the channel like any downlink frame.
func (e *Emulator) sendNow(d *drone, stIdx int, info []byte, now time.Time) {
	s := e.sts[stIdx]
	up, rng := e.look(d, s, now)
	if !up {
		return
	}
	b, err := (&ax25.Frame{Dst: s.call, Src: d.call, Info: info}).Encode(true)
	if err != nil {
		return
	}
	e.count(func(st *Stats) { st.FramesDown++ })
	e.onAir(d, s, b[:len(b)-2], now)
	if lost, corrupt := e.channel(d.down[s.idx], rng, len(b), now); lost {
		e.count(func(st *Stats) { st.LostDown++ })
		return
	} else if corrupt {
		e.count(func(st *Stats) { st.CorruptDown++ })
		b = flipBit(b, e.rng)
	}
	at := now.Add(time.Duration(float64(8*(len(b)+10))/d.bitRate*float64(time.Second)) + time.Duration(rng/geo.SpeedOfLight*float64(time.Second)))
	e.at(at, func() {
		if _, err := ax25.Decode(b, true); err == nil {
			s.send(b[:len(b)-2])
		}
	})
}

// send writes a frame to every client of the station's TNC port.
func (s *gstation) send(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, w := range s.conns {
		if nc, ok := c.(net.Conn); ok {
			nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		}
		if err := w.Data(0, b); err != nil {
			c.Close()
			delete(s.conns, c)
		}
	}
	if s.ptq != nil {
		select {
		case s.ptq <- b:
		default: // the serial line is backed up: this frame is lost, as on air
		}
	}
}

// Onboard reports a satellite's store and counters (for tests and the
// summary).
type Onboard struct {
	NORAD     int
	Name      string
	Generated uint32
	Stored    []uint32 // packet numbers still onboard
	Overflow  int
	Executed  int
	Reboots   uint16
	SoC       float64
	Mode      uint8
	Received  []uint32 // command ids received onboard
	Log       []string // the onboard log (LOG commands)
}

// Onboard returns the state of every satellite. Call it only when Serve
// has returned (it reads loop-owned state).
func (e *Emulator) Onboard() []Onboard {
	var out []Onboard
	for _, d := range e.drones {
		o := Onboard{NORAD: d.norad, Name: d.name, Generated: d.generated, Overflow: d.overflow, Executed: d.executed,
			Reboots: d.reboots, SoC: d.soc(), Mode: d.mode, Log: append([]string(nil), d.log...)}
		for _, s := range d.store {
			o.Stored = append(o.Stored, s.no)
		}
		for id := range d.cmdSeen {
			o.Received = append(o.Received, id)
		}
		slices.Sort(o.Received)
		out = append(out, o)
	}
	return out
}
