// Package sim is the software-defined constellation: drones on real
// orbits with power, thermal and onboard storage, behind the links a real
// station uses (KISS over TCP per station), with a link model from the
// pass geometry and a link budget, and fault injection. It runs on an
// injected clock, so a day of operations can pass in seconds.
package sim

import (
	"errors"
	"fmt"
	"io"
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
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/station"
)

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

// Security is the drones' side of the link security: each drone's X-Wing
// key and the station signature keys it trusts.
type Security struct {
	KEM     map[int]*keys.Private
	Trusted map[int]map[string]*keys.Public
	// May, if set, judges a station key for a drone at a time (the trust
	// store's grants and revocations), at every Hello and uplink frame.
	May func(sat int, stationKey string, t time.Time) error
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
	// RetransmittedLost were resent because a later packet was
	// acknowledged and they were not; RetransmittedTimeout because no
	// acknowledgement came within the timeout.
	RetransmittedLost, RetransmittedTimeout int
	BurstLost                               int // frames lost in error bursts
	// CCSDS downlink frames damaged on the channel: corrected by their
	// code (with the Reed-Solomon symbols it fixed), or not.
	Corrected, Uncorrectable, RSSymbolsFixed int
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
	buses, err := loadBuses(o.Mission)
	if err != nil {
		return nil, err
	}
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
		if b := buses[sc.Bus]; b != nil {
			if b.commands != nil {
				d.dict = b.commands
			}
			d.hk = b.hk
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
			st, err := bstore.Open(filepath.Join(o.Bundles.Dir, fmt.Sprintf("%d.db", sc.NORAD)), bstore.Options{Quota: o.Bundles.Quota, NoSync: o.Bundles.NoSync, Names: dtn.MissionNames(o.Mission)})
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
			if may := o.Security.May; may != nil {
				sat := sc.NORAD
				d.sec.May = func(id string, t time.Time) error { return may(sat, id, t) }
			}
			d.secSPI = map[int]uint16{}
		}
		if p, ok := link.FromMission(&sc); ok {
			d.prof, d.cc, d.ccSAs = p, link.NewOnboard(p, o.Security != nil), map[uint16]*frameSAs{}
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
		if d.cc != nil {
			c := d.cc.Stats
			st.Security.Add(sdls.Stats{Forged: c.MACFailed, Replayed: c.Replayed, Unauthenticated: c.Unprotected, UnknownSPI: c.NoSA})
		}
	}
	return st
}

func (e *Emulator) count(f func(*Stats)) {
	e.mu.Lock()
	f(&e.stats)
	e.mu.Unlock()
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
	Order     []uint32 // the same in the order they were first received
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
		o.Order = slices.Clone(d.order)
		out = append(out, o)
	}
	return out
}
