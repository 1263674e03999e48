package mission

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ipgs/ipgs/mission/geo"
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
	// DataDir holds command history, telemetry and pass reports (default data).
	DataDir string `yaml:"data_dir"`
	// Security is the trust store: which keys may do what.
	Security SecurityConfig `yaml:"security"`

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
	TCPCL       string        `yaml:"tcpcl"`
	Terrestrial []string      `yaml:"terrestrial"`
	Radio       RadioConfig   `yaml:"radio"`
	Rotator     RotatorConfig `yaml:"rotator"`
	// Available lists the windows the station may be scheduled in (none:
	// always); Unavailable lists maintenance and reserved time.
	Available   []Window `yaml:"available"`
	Unavailable []Window `yaml:"unavailable"`
	// Link: the uplink's EIRP and the downlink receiver's G/T.
	Link LinkConfig `yaml:"link"`
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

// YAMLDoc is a decoded YAML document that can name the file and line of
// any field, for validation errors.
type YAMLDoc struct{ v validator }

// DecodeYAML decodes data into out strictly (an unknown key is an error);
// every error names source, line and field. what names the document for an
// empty file ("mission file").
func DecodeYAML(data []byte, source, what string, out any) (*YAMLDoc, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, BadInput(fmt.Errorf("%s: %s", source, cleanYAMLError(err.Error())))
	}
	if root.Kind == 0 {
		return nil, BadInput(fmt.Errorf("%s: empty %s", source, what))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var msgs []string
			for _, e := range te.Errors {
				msgs = append(msgs, located(source, &root, e))
			}
			return nil, BadInput(errors.New(strings.Join(msgs, "\n")))
		}
		return nil, BadInput(fmt.Errorf("%s: %s", source, cleanYAMLError(err.Error())))
	}
	return &YAMLDoc{validator{source: source, root: &root}}, nil
}

// At records a problem with the field at path (string keys, int indices).
func (d *YAMLDoc) At(msg string, path ...any) { d.v.at(msg, path...) }

// Err returns every problem recorded, as bad input (nil: none).
func (d *YAMLDoc) Err() error {
	if len(d.v.errs) > 0 {
		return BadInput(errors.Join(d.v.errs...))
	}
	return nil
}

var (
	lineRE     = regexp.MustCompile(`^line (\d+): (.*)$`)
	typeNameRE = regexp.MustCompile(` in type [\w.]+`)
)

// located turns a yaml.v3 "line N: msg" into "file:N: field: msg".
func located(source string, root *yaml.Node, msg string) string {
	mm := lineRE.FindStringSubmatch(msg)
	if mm == nil {
		return source + ": " + msg
	}
	line, _ := strconv.Atoi(mm[1])
	field := fieldAtLine(root, line, "")
	text := typeNameRE.ReplaceAllString(mm[2], "")
	if field != "" {
		return fmt.Sprintf("%s:%d: %s: %s", source, line, field, text)
	}
	return fmt.Sprintf("%s:%d: %s", source, line, text)
}

func cleanYAMLError(s string) string { return strings.TrimPrefix(s, "yaml: ") }

// fieldAtLine returns the dotted path of the key or item on a line.
func fieldAtLine(n *yaml.Node, line int, path string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if f := fieldAtLine(c, line, path); f != "" {
				return f
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if f := fieldAtLine(v, line, p); f != "" {
				return f
			}
			if k.Line == line {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if f := fieldAtLine(c, line, p); f != "" {
				return f
			}
		}
	default:
		if n.Line == line {
			return path
		}
	}
	return ""
}

// validator collects errors located by their field path.
type validator struct {
	source string
	root   *yaml.Node
	errs   []error
}

// at reports a problem with the field at path (e.g. "stations", 0, "lat").
func (v *validator) at(msg string, path ...any) {
	n, dotted := lookup(v.root, path)
	line := 0
	if n != nil {
		line = n.Line
	}
	if line > 0 {
		v.errs = append(v.errs, fmt.Errorf("%s:%d: %s: %s", v.source, line, dotted, msg))
	} else {
		v.errs = append(v.errs, fmt.Errorf("%s: %s: %s", v.source, dotted, msg))
	}
}

// lookup walks path (string keys, int indices) and returns the deepest
// node found and the dotted path.
func lookup(root *yaml.Node, path []any) (*yaml.Node, string) {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	var b strings.Builder
	found := n
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
			var next *yaml.Node
			if n != nil && n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						break
					}
				}
			}
			n = next
		case int:
			fmt.Fprintf(&b, "[%d]", k)
			var next *yaml.Node
			if n != nil && n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
			n = next
		}
		if n != nil {
			found = n
		}
	}
	return found, b.String()
}

func (m *Mission) validate(v *validator) {
	if m.Version != 0 && m.Version != 1 {
		v.at(fmt.Sprintf("version %d is not supported (this ipgs reads version 1)", m.Version), "version")
	}
	if len(m.Stations) == 0 {
		v.at("at least one station is required", "stations")
	}
	names := map[string]int{}
	for i, s := range m.Stations {
		if strings.TrimSpace(s.Name) == "" {
			v.at("name is empty", "stations", i, "name")
		} else if j, dup := names[s.Name]; dup {
			v.at(fmt.Sprintf("station %q is also stations[%d]", s.Name, j), "stations", i, "name")
		}
		names[s.Name] = i
		s.Link.validate(v, "stations", i, "link")
		if !(s.Lat >= -90 && s.Lat <= 90) {
			v.at(fmt.Sprintf("latitude %g is outside [-90, 90]", s.Lat), "stations", i, "lat")
		}
		if !(s.Lon >= -180 && s.Lon <= 360) {
			v.at(fmt.Sprintf("longitude %g is outside [-180, 360]", s.Lon), "stations", i, "lon")
		}
		if !(s.AltM >= -500 && s.AltM <= 100000) {
			v.at(fmt.Sprintf("altitude %g m is outside [-500, 100000]", s.AltM), "stations", i, "alt_m")
		}
		if s.MinElevation != nil && !(*s.MinElevation >= -5 && *s.MinElevation < 90) {
			v.at(fmt.Sprintf("minimum elevation %g is outside [-5, 90)", *s.MinElevation), "stations", i, "min_elevation")
		}
		if _, err := NewHorizonMask(maskPoints(s.HorizonMask)); err != nil {
			v.at(err.Error(), "stations", i, "horizon_mask")
		}
		if _, err := IPNNode(s.DTNNode); s.DTNNode != "" && err != nil {
			v.at(err.Error(), "stations", i, "dtn_node")
		}
		if s.TCPCL != "" {
			if _, _, err := net.SplitHostPort(s.TCPCL); err != nil {
				v.at(fmt.Sprintf("tcpcl %q: want host:port", s.TCPCL), "stations", i, "tcpcl")
			}
		}
		for j, peer := range s.Terrestrial {
			k := slices.IndexFunc(m.Stations, func(o StationConfig) bool { return o.Name == peer })
			switch {
			case k < 0:
				v.at(fmt.Sprintf("%q is not a station of this mission", peer), "stations", i, "terrestrial", j)
			case k == i:
				v.at("a station cannot link to itself", "stations", i, "terrestrial", j)
			case s.DTNNode == "" || m.Stations[k].DTNNode == "":
				v.at(fmt.Sprintf("a ground link to %s needs a dtn_node at both stations", peer), "stations", i, "terrestrial", j)
			case m.Stations[k].TCPCL == "":
				v.at(fmt.Sprintf("%s has no tcpcl address to dial", peer), "stations", i, "terrestrial", j)
			}
		}
		switch s.Radio.Duplex {
		case "", "rx", "half", "full":
		default:
			v.at(fmt.Sprintf("duplex %q: want rx, half or full", s.Radio.Duplex), "stations", i, "radio", "duplex")
		}
		if s.Radio.TNCPort < 0 || s.Radio.TNCPort > 15 {
			v.at(fmt.Sprintf("KISS port %d is outside 0-15", s.Radio.TNCPort), "stations", i, "radio", "tnc_port")
		}
		if k := s.Radio.KISS; k != nil {
			for _, f := range []struct {
				key string
				ms  int
			}{{"txdelay_ms", k.TXDelayMS}, {"slottime_ms", k.SlotTimeMS}, {"txtail_ms", k.TXTailMS}} {
				if f.ms < 0 || f.ms > 2550 {
					v.at(fmt.Sprintf("%d ms is outside 0-2550 (KISS sends 10 ms units in one byte)", f.ms), "stations", i, "radio", "kiss", f.key)
				}
			}
			if k.Persistence < 0 || k.Persistence > 255 {
				v.at(fmt.Sprintf("persistence %d is outside 0-255", k.Persistence), "stations", i, "radio", "kiss", "persistence")
			}
		}
		if s.Rotator.SlewDegS < 0 || s.Rotator.SettleS < 0 {
			v.at("slew rate and settle time must not be negative", "stations", i, "rotator")
		}
		for _, w := range []struct {
			key string
			ws  []Window
		}{{"available", s.Available}, {"unavailable", s.Unavailable}} {
			for j, win := range w.ws {
				if win.From.IsZero() || win.To.IsZero() {
					v.at("a window needs both from and to (RFC 3339)", "stations", i, w.key, j)
				} else if !win.To.After(win.From) {
					v.at(fmt.Sprintf("window ends (%s) before it starts (%s)", win.To.Format(time.RFC3339), win.From.Format(time.RFC3339)), "stations", i, w.key, j)
				}
			}
		}
	}
	m.validateSecurity(v)
	if len(m.Satellites) == 0 {
		v.at("at least one satellite is required", "satellites")
	}
	ids := map[int]int{}
	for i, s := range m.Satellites {
		if s.NORAD <= 0 {
			v.at(fmt.Sprintf("NORAD id %d must be a positive number", s.NORAD), "satellites", i, "norad")
		} else if j, dup := ids[s.NORAD]; dup {
			v.at(fmt.Sprintf("NORAD id %d is also satellites[%d]", s.NORAD, j), "satellites", i, "norad")
		}
		ids[s.NORAD] = i
		if s.DownlinkHz < 0 || s.UplinkHz < 0 {
			v.at("frequencies must not be negative", "satellites", i)
		}
		s.Link.validate(v, "satellites", i, "link")
		if s.Modem != "" {
			if _, ok := Modems[s.Modem]; !ok {
				v.at(fmt.Sprintf("unknown modem %q (known: afsk1200, g3ruh9600, bpsk1200, gmsk9600)", s.Modem), "satellites", i, "modem")
			}
		}
		if s.Priority != nil && !(*s.Priority > 0) {
			v.at(fmt.Sprintf("priority %g must be positive", *s.Priority), "satellites", i, "priority")
		}
		if _, err := IPNNode(s.DTNNode); s.DTNNode != "" && err != nil {
			v.at(err.Error(), "satellites", i, "dtn_node")
		}
		if s.Demand.ContactsPerDay < 0 || s.Demand.SecondsPerDay < 0 {
			v.at("demands must not be negative", "satellites", i, "demand")
		}
		if len(s.TLESources) == 0 && len(m.Catalog.Sources) == 0 {
			v.at("no tle_sources, and no catalog.sources to find it in", "satellites", i)
		}
	}
	if m.Catalog.StaleDays != nil && !(*m.Catalog.StaleDays > 0) {
		v.at("stale_days must be positive", "catalog", "stale_days")
	}
	if e := m.Scheduling.MinElevation; e != nil && !(*e >= -5 && *e < 90) {
		v.at(fmt.Sprintf("minimum elevation %g is outside [-5, 90)", *e), "scheduling", "min_elevation")
	}
	if m.Scheduling.MinContactS < 0 {
		v.at("min_contact_s must not be negative", "scheduling", "min_contact_s")
	}
	if m.Scheduling.MaxStationsPerSat < 0 {
		v.at("max_stations_per_sat must not be negative", "scheduling", "max_stations_per_sat")
	}
}

func maskPoints(pairs [][2]float64) []MaskPoint {
	pts := make([]MaskPoint, len(pairs))
	for i, p := range pairs {
		pts[i] = MaskPoint{AzDeg: p[0], ElDeg: p[1]}
	}
	return pts
}

// DefaultMinElevation is the station minimum elevation when neither the
// station nor the scheduling policy gives one.
const DefaultMinElevation = 10.0

// PassStations returns the stations as pass prediction uses them.
func (m *Mission) PassStations() []Station {
	def := DefaultMinElevation
	if m.Scheduling.MinElevation != nil {
		def = *m.Scheduling.MinElevation
	}
	out := make([]Station, len(m.Stations))
	for i, s := range m.Stations {
		minEl := def
		if s.MinElevation != nil {
			minEl = *s.MinElevation
		}
		mask, _ := NewHorizonMask(maskPoints(s.HorizonMask)) // validated on load
		out[i] = Station{
			Name:         s.Name,
			Location:     geo.Geodetic{LatDeg: s.Lat, LonDeg: s.Lon, AltM: s.AltM},
			MinElevation: minEl,
			Mask:         mask,
		}
	}
	return out
}

// StaleAfter is the age past which element sets are flagged.
func (m *Mission) StaleAfter() time.Duration {
	d := 3.0
	if m.Catalog.StaleDays != nil {
		d = *m.Catalog.StaleDays
	}
	return time.Duration(d * float64(24*time.Hour))
}

// Priority returns a satellite's scheduling weight (default 1).
func (s *SatelliteConfig) Weight() float64 {
	if s.Priority == nil {
		return 1
	}
	return *s.Priority
}

// Sources returns every element source of the mission, resolved: each
// satellite's own, then the shared ones, without repeats.
func (m *Mission) Sources() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		r := m.Resolve(s)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for _, s := range m.Satellites {
		for _, src := range s.TLESources {
			add(src)
		}
	}
	for _, src := range m.Catalog.Sources {
		add(src)
	}
	return out
}

// IPNNode returns the node number of an ipn endpoint ("ipn:101.0" → 101).
func IPNNode(eid string) (int, error) {
	rest, ok := strings.CutPrefix(eid, "ipn:")
	if !ok {
		return 0, fmt.Errorf("DTN node id %q must be an ipn:NODE.SERVICE endpoint", eid)
	}
	node, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(node)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("DTN node id %q: node %q is not a positive number", eid, node)
	}
	return n, nil
}

// BitRate returns a satellite's link rate: bit_rate, else the modem's, else 9600.
func (s *SatelliteConfig) LinkRate() float64 {
	if s.BitRate > 0 {
		return s.BitRate
	}
	if r, ok := Modems[s.Modem]; ok {
		return r
	}
	return 9600
}

// Baud is the FM packet modem ipgs's SDR receiver uses for the
// satellite's link rate: 9600 (G3RUH) from 4800 bit/s up, else 1200 (AFSK).
func (s *SatelliteConfig) Baud() int {
	return BaudFor(s.LinkRate())
}

// BaudFor is Baud for a link rate in bit/s.
func BaudFor(bitRate float64) int {
	if bitRate >= 4800 {
		return 9600
	}
	return 1200
}

func isKeyID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (m *Mission) validateSecurity(v *validator) {
	sec := m.Security
	names := map[string]bool{}
	for _, st := range m.Stations {
		names[st.Name] = true
	}
	norads := map[int]bool{}
	for _, sc := range m.Satellites {
		norads[sc.NORAD] = true
	}
	for i, g := range sec.Stations {
		if !names[g.Station] {
			v.at(fmt.Sprintf("station %q is not in stations", g.Station), "security", "stations", i, "station")
		}
		if !isKeyID(g.Key) {
			v.at(fmt.Sprintf("key %q is not a key id (32 hex digits, as ipgs keys list shows)", g.Key), "security", "stations", i, "key")
		}
		for _, n := range g.Satellites {
			if !norads[n] {
				v.at(fmt.Sprintf("satellite %d is not in satellites", n), "security", "stations", i, "satellites")
			}
		}
		if !g.NotBefore.IsZero() && !g.NotAfter.IsZero() && !g.NotAfter.After(g.NotBefore) {
			v.at("not_after must come after not_before", "security", "stations", i)
		}
	}
	kinds := map[string]bool{"proposal": true, "vote": true, "directive": true, "revocation": true}
	for i, a := range sec.Authorities {
		if !isKeyID(a.Key) {
			v.at(fmt.Sprintf("key %q is not a key id", a.Key), "security", "authorities", i, "key")
		}
		if len(a.Kinds) == 0 {
			v.at("an authority needs at least one kind (proposal, vote, directive, revocation)", "security", "authorities", i, "kinds")
		}
		for _, k := range a.Kinds {
			if !kinds[k] {
				v.at(fmt.Sprintf("unknown kind %q (proposal, vote, directive, revocation)", k), "security", "authorities", i, "kinds")
			}
		}
	}
	for i, id := range sec.Revoked {
		if !isKeyID(id) {
			v.at(fmt.Sprintf("%q is not a key id", id), "security", "revoked", i)
		}
	}
	for i, sc := range m.Satellites {
		for j, id := range sc.Keys {
			if !isKeyID(id) {
				v.at(fmt.Sprintf("%q is not a key id", id), "satellites", i, "keys", j)
			}
		}
	}
}

// TerrestrialLinks lists the ground links between stations, each pair
// once (named by either station), in the order of the stations.
func (m *Mission) TerrestrialLinks() [][2]string {
	var out [][2]string
	seen := map[[2]string]bool{}
	for _, s := range m.Stations {
		for _, p := range s.Terrestrial {
			k := [2]string{min(s.Name, p), max(s.Name, p)}
			if !seen[k] {
				seen[k] = true
				out = append(out, [2]string{s.Name, p})
			}
		}
	}
	return out
}
