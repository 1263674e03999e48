package mission

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Mission is a mission file (mission.yaml): what the ground segment
// operates. Every section is optional except stations and satellites, and
// later versions add fields without changing the meaning of old ones.
// Unknown fields are an error, so that a misspelt key never passes silently.
type Mission struct {
	Version    int               `yaml:"version"`
	Name       string            `yaml:"name"`
	Stations   []StationConfig   `yaml:"stations"`
	Satellites []SatelliteConfig `yaml:"satellites"`
	Catalog    CatalogConfig     `yaml:"catalog"`
	Telemetry  TelemetryConfig   `yaml:"telemetry"`
	Scheduling SchedulingConfig  `yaml:"scheduling"`
	// Commands is the command dictionary file (relative to the mission file).
	Commands string `yaml:"commands"`
	// Buses are the kinds of spacecraft the mission flies, each with its
	// own telemetry and command dictionaries (YAML, or XTCE .xml); a
	// satellite names its bus, and one without flies on the mission's
	// default dictionaries.
	Buses []BusConfig `yaml:"buses"`
	// DataDir holds command history, telemetry and pass reports (default data).
	DataDir string `yaml:"data_dir"`
	// Security is the trust store: which keys may do what.
	Security SecurityConfig `yaml:"security"`
	// Relays are the deep-space relays (lunar and Martian orbiters).
	Relays []RelayConfig `yaml:"relays"`

	path string // the file it was loaded from
	dir  string
}

// StationConfig is one ground station.
type StationConfig struct {
	Name         string       `yaml:"name"`
	Lat          float64      `yaml:"lat"`   // WGS84 degrees
	Lon          float64      `yaml:"lon"`   // WGS84 degrees, east positive
	AltM         float64      `yaml:"alt_m"` // metres above the ellipsoid
	MinElevation *float64     `yaml:"min_elevation"`
	HorizonMask  [][2]float64 `yaml:"horizon_mask"` // [azimuth, elevation] pairs, degrees
	Callsign     string       `yaml:"callsign"`
	DTNNode      string       `yaml:"dtn_node"` // e.g. ipn:1.0
	// TCPCL is where this station's bundle agent accepts TCPCLv4
	// sessions from other ground stations (host:port); Terrestrial names
	// the stations it has a ground link to (it dials theirs).
	TCPCL       string   `yaml:"tcpcl"`
	Terrestrial []string `yaml:"terrestrial"`
	// LTP is where this station's LTP engine (RFC 5326, engine number =
	// its node number) takes segments on UDP (host:port), for dtn_peers of
	// protocol ltp.
	LTP string `yaml:"ltp"`
	// DTNPeers are bundle agents outside the mission (other DTN
	// implementations: ION, HDTN, dtn7-go...) this station exchanges
	// bundles with over TCPCLv4.
	DTNPeers []DTNPeerConfig `yaml:"dtn_peers"`
	Radio    RadioConfig     `yaml:"radio"`
	Rotator  RotatorConfig   `yaml:"rotator"`
	// Available lists the windows the station may be scheduled in (none:
	// always); Unavailable lists maintenance and reserved time.
	Available   []Window `yaml:"available"`
	Unavailable []Window `yaml:"unavailable"`
	// Link: the uplink's EIRP and the downlink receiver's G/T.
	Link LinkConfig `yaml:"link"`
	// Capabilities: the bands it hears, its modems, whether it may
	// transmit; the scheduler gives it only satellites it can work.
	Capabilities *Capabilities `yaml:"capabilities"`
}

// DTNPeerConfig is a bundle agent outside the mission that a station
// has a ground link to.
type DTNPeerConfig struct {
	// Node is its node id: ipn:N.0, or dtn://name/ (RFC 9171 4.2.5.1.1:
	// the trailing slash is part of it).
	Node string `yaml:"node"`
	// Number is the node number ipgs's routers know it by: an ipn peer's
	// own (which may be left out), or any number no node of the mission
	// has for a dtn peer.
	Number int `yaml:"number"`
	// Address is where to dial it (host:port); empty, it dials the
	// station's tcpcl address.
	Address string `yaml:"address"`
	// Protocol is tcpclv4 (RFC 9174, the default), tcpclv3 (RFC 7242,
	// what NASA's ION speaks; it has no TLS, so it needs tls: optional) or
	// ltp (RFC 5326 over UDP: Address is the peer engine's, whose number
	// is the peer's node number; the station needs an ltp address).
	Protocol string `yaml:"protocol"`
	// As is the node id the station gives this peer (default its
	// dtn_node): a dtn://name/ one for a peer that does not take ipn:N.0
	// node ids (dtn7-go 0.9.1 wants ipn service numbers of 1 or more).
	As string `yaml:"as"`
	// TLS is required (the default) or optional: the peer may have none
	// (RFC 9174 4.3 leaves that policy to each entity). A peer without
	// TLS is not authenticated: name only one on a network you trust.
	TLS string `yaml:"tls"`
}

// PeerNumber is the node number the peer is routed by (0: none could be
// made).
func (p DTNPeerConfig) PeerNumber() int {
	if p.Number > 0 {
		return p.Number
	}
	n, _ := IPNNode(p.Node)
	return n
}

// RadioConfig names the station's radio endpoints.
type RadioConfig struct {
	Rig    string `yaml:"rig"`     // rigctld host:port
	TNC    string `yaml:"tnc"`     // KISS: tcp://host:port or serial:/dev/tty...
	RTLTCP string `yaml:"rtl_tcp"` // rtl_tcp host:port
	// Duplex says how the rig works the uplink: "rx" (default: receive
	// only, downlink Doppler), "half" (split: receive on the current VFO,
	// transmit on the split VFO) or "full" (satellite mode: RXVFO receives
	// while TXVFO transmits; rigctld must run with -o).
	Duplex string `yaml:"duplex"`
	RXVFO  string `yaml:"rx_vfo"` // full duplex; default Main
	TXVFO  string `yaml:"tx_vfo"` // full duplex; default Sub
	// TNCPort is the KISS port (0-15) of this station's radio on a
	// multi-port TNC.
	TNCPort int         `yaml:"tnc_port"`
	KISS    *KISSConfig `yaml:"kiss"`
}

// KISSConfig are the channel-access parameters sent to a KISS TNC when the
// link opens (absent: the TNC keeps its own).
type KISSConfig struct {
	TXDelayMS   int  `yaml:"txdelay_ms"`  // keyup to data, 10 ms units on the wire
	Persistence int  `yaml:"persistence"` // p-persistence 0-255 (p = (n+1)/256)
	SlotTimeMS  int  `yaml:"slottime_ms"`
	TXTailMS    int  `yaml:"txtail_ms"`
	FullDuplex  bool `yaml:"full_duplex"`
}

// RotatorConfig names the rotator endpoint and its mechanics.
type RotatorConfig struct {
	Address  string  `yaml:"address"` // rotctld host:port
	SlewDegS float64 `yaml:"slew_deg_s"`
	SettleS  float64 `yaml:"settle_s"`
}

// Window is a time interval [From, To).
type Window struct {
	From   time.Time `yaml:"from"`
	To     time.Time `yaml:"to"`
	Reason string    `yaml:"reason"`
}

// SatelliteConfig is one satellite of the constellation.
type SatelliteConfig struct {
	Name       string   `yaml:"name"`
	NORAD      int      `yaml:"norad"`
	TLESources []string `yaml:"tle_sources"` // files (relative to the mission file) or URLs
	DownlinkHz float64  `yaml:"downlink_hz"`
	UplinkHz   float64  `yaml:"uplink_hz"`
	Modem      string   `yaml:"modem"`    // afsk1200, g3ruh9600
	BitRate    float64  `yaml:"bit_rate"` // bit/s; default from the modem
	Priority   *float64 `yaml:"priority"` // scheduling weight, > 0; default 1
	Callsign   string   `yaml:"callsign"`
	DTNNode    string   `yaml:"dtn_node"` // e.g. ipn:101.0
	Keys       []string `yaml:"keys"`     // key ids (fingerprints)
	// Demand is met before the scheduling objective (per day of window).
	Demand DemandConfig `yaml:"demand"`
	// Link: the downlink's EIRP, the uplink receiver's G/T, the losses.
	Link LinkConfig `yaml:"link"`
	// Protocol is the space link it speaks: ax25 (the default: AX.25 UI
	// frames, each carrying a space packet) or ccsds (CCSDS TM and TC
	// frames, with the parameters of CCSDS).
	Protocol string       `yaml:"protocol"`
	CCSDS    *CCSDSConfig `yaml:"ccsds"`
	// Bus names the satellite's bus (its dictionaries); empty: the
	// mission's default ones.
	Bus string `yaml:"bus"`
	// Transmitters are its radios as SatNOGS DB lists them (ipgs tle
	// transmitters imports them); ipgs tle check warns of inactive ones.
	Transmitters []Transmitter `yaml:"transmitters"`
}

// BusConfig is a kind of spacecraft: its telemetry and command
// dictionaries, files relative to the mission file, YAML or XTCE.
type BusConfig struct {
	Name      string `yaml:"name"`
	Telemetry string `yaml:"telemetry"`
	Commands  string `yaml:"commands"`
}

// BusOf is the bus of satellite norad (nil: the default dictionaries).
func (m *Mission) BusOf(norad int) *BusConfig {
	for i := range m.Satellites {
		if m.Satellites[i].NORAD == norad && m.Satellites[i].Bus != "" {
			for j := range m.Buses {
				if m.Buses[j].Name == m.Satellites[i].Bus {
					return &m.Buses[j]
				}
			}
		}
	}
	return nil
}

// DemandConfig is a satellite's minimum contact per day.
type DemandConfig struct {
	ContactsPerDay float64 `yaml:"contacts_per_day"`
	SecondsPerDay  float64 `yaml:"seconds_per_day"`
}

// CatalogConfig says where element sets come from.
type CatalogConfig struct {
	Sources   []string `yaml:"sources"`    // files or URLs shared by all satellites
	StaleDays *float64 `yaml:"stale_days"` // default 3
	CacheDir  string   `yaml:"cache_dir"`  // default: data/catalog beside the mission file
	// Synthetic says the element sets describe made-up orbits (the
	// example constellation's): each run re-epochs them to the start of
	// its first day, as a catalogue publishing fresh sets would, so a
	// run is never flown on old elements.
	Synthetic bool `yaml:"synthetic"`
}

// TelemetryConfig says where telemetry is stored.
type TelemetryConfig struct {
	URL      string `yaml:"url"`
	Org      string `yaml:"org"`
	Bucket   string `yaml:"bucket"`
	TokenEnv string `yaml:"token_env"` // name of the environment variable holding the token
	SpoolDir string `yaml:"spool_dir"`
	// Dictionary is the telemetry dictionary (relative to the mission file).
	Dictionary string `yaml:"dictionary"`
}

// SecurityConfig is the mission's trust store. Keys are named by id
// (fingerprint); their public halves live in KeysDir. A satellite's
// key-exchange (X-Wing) key is its satellites[].keys entry.
type SecurityConfig struct {
	// KeysDir holds key files (default: <data_dir>/keys).
	KeysDir string `yaml:"keys_dir"`
	// Stations are the station signature keys and what they may command.
	Stations []StationGrant `yaml:"stations"`
	// Authorities are the keys that may sign governance bundles.
	Authorities []AuthorityGrant `yaml:"authorities"`
	// Revoked lists key ids no longer trusted (signed revocations in
	// KeysDir/revocations are applied as well).
	Revoked []string `yaml:"revoked"`
	// Receipts is how many distinct stations must have signed a receipt
	// for a proposal or ballot before it is judged (default 1; 2 or more
	// and one compromised station cannot vouch alone).
	Receipts int `yaml:"receipts"`
}

// StationGrant lets a station key command satellites in a time window
// (rotation: the old and the new key overlap).
type StationGrant struct {
	Station    string    `yaml:"station"`
	Key        string    `yaml:"key"`
	Satellites []int     `yaml:"satellites"` // NORAD ids; empty: every satellite
	NotBefore  time.Time `yaml:"not_before"`
	NotAfter   time.Time `yaml:"not_after"`
}

// AuthorityGrant lets a key sign governance bundles of some kinds.
type AuthorityGrant struct {
	Name      string    `yaml:"name"`
	Key       string    `yaml:"key"`
	Kinds     []string  `yaml:"kinds"` // proposal, vote, directive, revocation
	NotBefore time.Time `yaml:"not_before"`
	NotAfter  time.Time `yaml:"not_after"`
}

// SchedulingConfig is the contact-scheduling policy.
type SchedulingConfig struct {
	MinElevation      *float64 `yaml:"min_elevation"` // default for stations without one; default 10
	MinContactS       float64  `yaml:"min_contact_s"` // default 120
	MaxStationsPerSat int      `yaml:"max_stations_per_sat"`
}

// Modems ipgs knows, with their default bit rates.
var Modems = map[string]float64{"afsk1200": 1200, "g3ruh9600": 9600, "bpsk1200": 1200, "gmsk9600": 9600}

// Path is the file the mission was loaded from.
func (m *Mission) Path() string { return m.path }

// Resolve turns a path written in the mission file into one usable from
// the working directory (URLs are returned unchanged).
func (m *Mission) Resolve(p string) string {
	if p == "" || isURL(p) || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(m.dir, p)
}

func isURL(s string) bool {
	if strings.HasPrefix(s, "spacetrack:") || strings.HasPrefix(s, "celestrak-sup:") {
		return true // element-set services the catalogue knows by name
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Load reads and validates a mission file.
func Load(path string) (*Mission, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, BadInput(err)
	}
	m, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	m.dir = filepath.Dir(path)
	return m, nil
}

// Parse decodes and validates mission file contents; source names the
// file in errors.
func Parse(data []byte, source string) (*Mission, error) {
	m := &Mission{path: source, dir: "."}
	doc, err := DecodeYAML(data, source, "mission file", m)
	if err != nil {
		return nil, err
	}
	m.validate(&doc.v)
	if err := doc.Err(); err != nil {
		return nil, err
	}
	return m, nil
}
