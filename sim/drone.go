package sim

import (
	"math"
	"sort"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/telemetry/dict"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// Modes.
const (
	ModeNominal = 0
	ModeSafe    = 1
	ModeScience = 2
)

var modeLoadW = map[uint8]float64{ModeNominal: 5, ModeSafe: 2, ModeScience: 9}

// stored is a telemetry packet kept onboard until acknowledged.
type stored struct {
	no     uint32
	frame  []byte // AX.25 info: the encoded space packet
	sentAt time.Time
	sent   int    // transmissions
	txSeq  uint64 // order of its last transmission
	lost   bool   // a later transmission was acknowledged and this was not
	urgent bool   // command verification: sent before housekeeping
}

// drone is one emulated satellite. Only the emulator's loop touches it.
type drone struct {
	sec     *sdls.Onboard  // link security (nil: none)
	secSPI  map[int]uint16 // station index → SPI of its association
	norad   int
	name    string
	call    ax25.Address
	prop    *sgp4.Propagator
	dict    *command.Dictionary
	hk      *dict.Packet // a bus flown by its dictionary: its housekeeping packet
	bitRate float64
	down    []mission.LinkBudget // satellite → ground, by station
	up      []mission.LinkBudget // ground → satellite, by station

	// onboard state
	mode      uint8
	socWh     float64 // battery energy
	capWh     float64
	tempC     float64
	heater    bool // SET_HEATER on: warms towards the setpoint
	setpointC float64
	sunlit    float64
	solarW    float64
	hkPeriod  time.Duration
	nextHK    time.Time
	nextNo    uint32 // next packet number
	seq       map[uint16]uint16
	reboots   uint16
	generated uint32

	store     []*stored // by packet number
	storeMax  int
	dropOld   bool
	overflow  int // packets dropped by the overflow policy
	txCounter uint64
	session   int // station index with an open session, -1: none
	sessionAt time.Time
	// sessionEnd is the contact's end the station named (zero: none);
	// lastUp is when the station last sent anything in the session.
	sessionEnd, lastUp time.Time
	sunAt              time.Time // when sunlit was last computed
	// acks are bundle acknowledgements committed and waiting for the
	// downlink, oldest first
	acks     [][]byte
	cmdSeen  map[uint32]bool // command ids received (dedup)
	order    []uint32        // command ids in the order first received
	timed    []timedCmd      // time-tagged commands waiting
	log      []string        // onboard log (LOG command)
	executed int

	// CCSDS link (nil: the drone speaks AX.25)
	cc     *link.Onboard
	prof   link.Profile
	ccSAs  map[uint16]*frameSAs // frame-form SAs by SPI
	lastTM time.Time            // when its last TM frame ended

	// bundles (nil node: not a DTN node)
	node        *dtn.Node
	link        *dtn.Link // bundle link of the open session
	linkStation int
	nextOffer   time.Time
	bundleTurn  bool
}

type timedCmd struct {
	at  time.Time
	cmd proto.Command
}

func (d *drone) power(now time.Time, dt time.Duration) {
	// sunlight changes over the ten seconds or so of a penumbra: looking
	// every sunEvery is enough, and SGP4 and the Sun's position for every
	// drone at every step were a ninth of a 500-drone day's CPU
	if d.sunAt.IsZero() || now.Sub(d.sunAt) >= sunEvery || now.Before(d.sunAt) {
		r, _, err := d.prop.At(now)
		if err == nil {
			d.sunlit = geo.SunlitFraction(r, geo.SunPosition(now))
		}
		d.sunAt = now
	}
	d.solarW = 12 * 0.65 * d.sunlit
	load := modeLoadW[d.mode]
	if d.session >= 0 {
		load += 3 // transmitter
	}
	if d.heater {
		load += 2
	}
	h := dt.Hours()
	d.socWh = math.Max(0, math.Min(d.capWh, d.socWh+(d.solarW-load)*h))
	if d.soc() < 0.15 && d.mode != ModeSafe {
		d.mode = ModeSafe
	}
	target, tau := -15+40*d.sunlit, 1800.0
	if d.heater && d.tempC < d.setpointC {
		// the heater's thermostat: full power below the setpoint, which
		// warms a small board by degrees a minute
		target, tau = max(target, d.setpointC), 240
	}
	d.tempC += (target - d.tempC) * (1 - math.Exp(-dt.Seconds()/tau))
}

func (d *drone) soc() float64 { return d.socWh / d.capWh }

// sunEvery is how often a drone looks where the Sun is.
const sunEvery = 5 * time.Second

// Session timing: the station stops listening at the contact's end, and
// a session it stopped hearing from (its close lost, its contact cut
// short) is over after sessionQuiet: the station sends an
// acknowledgement every 3 s and reopens the session every 15 s while it
// listens. endGuard keeps the last frames clear of the station's final
// acknowledgement.
const (
	sessionQuiet = 20 * time.Second
	endGuard     = 1500 * time.Millisecond
)

// sessionOpenAt says whether a frame sent at t, reaching the ground
// after flight (its airtime and the propagation), falls in the session;
// a session gone quiet is closed.
func (d *drone) sessionOpenAt(t time.Time, flight time.Duration) bool {
	if d.session < 0 {
		return false
	}
	if !d.lastUp.IsZero() && t.Sub(d.lastUp) > sessionQuiet {
		d.session = -1
		return false
	}
	return d.sessionEnd.IsZero() || !t.Add(flight).After(d.sessionEnd.Add(-endGuard))
}

// keep stores a telemetry packet under the next packet number. The data
// field must start with that number.
func (d *drone) keep(now time.Time, apid uint16, data func(no uint32) []byte) {
	no := d.nextNo
	d.nextNo++
	d.generated++
	s := d.seq[apid]
	d.seq[apid] = (s + 1) & spp.MaxSeq
	p := &spp.Packet{Type: spp.TM, APID: apid, Seq: s, Time: now, Data: data(no)}
	b, err := p.Encode(nil)
	if err != nil {
		return
	}
	if len(d.store) >= d.storeMax {
		d.overflow++
		if !d.dropOld {
			return // drop-newest: this packet is not kept
		}
		d.store = d.store[1:]
	}
	d.store = append(d.store, &stored{no: no, frame: b, urgent: apid == proto.APIDCmdAck})
}

func (d *drone) housekeeping(now time.Time) {
	if d.hk != nil {
		d.keep(now, d.hk.APID, d.busHousekeeping)
		return
	}
	d.keep(now, proto.APIDHousekeeping, func(no uint32) []byte {
		h := proto.HK{
			No: no, BatteryMV: uint16(6600 + 1800*d.soc()), SoC: uint8(math.Round(100 * d.soc())),
			SolarCW: uint16(d.solarW * 100), TempCC: int16(math.Round(d.tempC * 100)), Mode: d.mode,
			Sunlit: uint8(math.Round(255 * d.sunlit)), Stored: uint32(len(d.store)), Reboots: d.reboots,
			Generated: d.generated + 1,
		}
		return h.Encode()
	})
}

func (d *drone) verify(now time.Time, id uint32, stage uint8, reason string) {
	d.keep(now, proto.APIDCmdAck, func(no uint32) []byte {
		a := proto.CmdAck{No: no, CmdID: id, Stage: stage, Reason: reason}
		return a.Encode()
	})
}

// acknowledge drops acknowledged packets from the store. A packet sent
// before one that is acknowledged, but not acknowledged itself, is marked
// lost for retransmission now (selective-ack recovery): the timer only
// covers lost acknowledgements.
func (d *drone) acknowledge(rs []proto.Range) int {
	acked := func(no uint32) bool {
		for _, r := range rs {
			if no >= r.Lo && no <= r.Hi {
				return true
			}
		}
		return false
	}
	var newest uint64
	for _, s := range d.store {
		if s.sent > 0 && acked(s.no) {
			newest = max(newest, s.txSeq)
		}
	}
	n := 0
	out := d.store[:0]
	for _, s := range d.store {
		if acked(s.no) {
			n++
			continue
		}
		if s.sent > 0 && s.txSeq < newest {
			s.lost = true
		}
		out = append(out, s)
	}
	for i := len(out); i < len(d.store); i++ {
		d.store[i] = nil
	}
	d.store = out
	return n
}

// nextToSend returns the oldest stored packet that is known lost, never
// sent, or whose last transmission is older than rto.
// Command verifications go first.
func (d *drone) nextToSend(now time.Time, rto time.Duration) *stored {
	var first *stored
	for _, s := range d.store {
		if s.lost || s.sent == 0 || now.Sub(s.sentAt) >= rto {
			if s.urgent {
				return s
			}
			if first == nil {
				first = s
			}
		}
	}
	return first
}

// command handles a received telecommand: verify receipt at once (a
// command id seen before is verified again but never run twice), then
// execute now or at its time tag.
func (d *drone) command(now time.Time, c proto.Command) {
	if d.cmdSeen[c.ID] {
		d.verify(now, c.ID, proto.StageReceived, "duplicate")
		return
	}
	d.cmdSeen[c.ID] = true
	d.order = append(d.order, c.ID)
	d.verify(now, c.ID, proto.StageReceived, "")
	if !c.At.IsZero() && c.At.After(now) {
		d.timed = append(d.timed, timedCmd{c.At, c})
		sort.Slice(d.timed, func(i, j int) bool { return d.timed[i].at.Before(d.timed[j].at) })
		return
	}
	d.execute(now, c)
}

func (d *drone) runTimed(now time.Time) {
	for len(d.timed) > 0 && !d.timed[0].at.After(now) {
		c := d.timed[0].cmd
		d.timed = d.timed[1:]
		d.execute(now, c)
	}
}

func (d *drone) execute(now time.Time, c proto.Command) {
	def, ok := d.dict.ByOpcode(c.Opcode)
	if !ok {
		d.verify(now, c.ID, proto.StageFailed, "unknown opcode")
		return
	}
	vals, err := def.Decode(c.Args)
	if err != nil {
		d.verify(now, c.ID, proto.StageFailed, err.Error())
		return
	}
	switch def.Name {
	case "SET_MODE":
		switch vals[0].Text {
		case "science":
			if d.soc() < 0.4 {
				d.verify(now, c.ID, proto.StageFailed, "battery below 40% for science mode")
				return
			}
			d.mode = ModeScience
		case "safe":
			d.mode = ModeSafe
		default:
			d.mode = ModeNominal
		}
	case "SET_HK_PERIOD":
		d.hkPeriod = time.Duration(vals[0].Num) * time.Second
	case "LOG":
		d.log = append(d.log, vals[0].Text)
	case "SET_HEATER":
		// the onboard software is stricter than the dictionary
		if vals[0].Text == "true" && vals[1].Num > 30 {
			d.verify(now, c.ID, proto.StageFailed, "heater setpoint above the 30 degC thermal limit")
			return
		}
		d.heater, d.setpointC = vals[0].Text == "true", vals[1].Num
	case "REBOOT":
		d.reboot(now)
	}
	d.executed++
	d.verify(now, c.ID, proto.StageExecuted, "")
}

// reboot restarts the onboard computer: the session and the transmit
// timers are lost; the store, counters and time-tagged queue are in
// non-volatile memory and survive.
func (d *drone) reboot(now time.Time) {
	d.reboots++
	d.session = -1
	if d.sec != nil {
		d.sec.Reboot() // keys survive a reset, associations do not
	}
	if d.cc != nil {
		d.cc.Reboot()
		clear(d.ccSAs)
	}
	for _, s := range d.store {
		s.sent, s.lost = 0, false
	}
	if d.mode == ModeScience {
		d.mode = ModeNominal
	}
}
