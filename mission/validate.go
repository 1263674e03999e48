package mission

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

func (m *Mission) validate(v *validator) {
	if m.Version != 0 && m.Version != 1 {
		v.at(fmt.Sprintf("version %d is not supported (this ipgs reads version 1)", m.Version), "version")
	}
	if len(m.Stations) == 0 {
		v.at("at least one station is required", "stations")
	}
	names := map[string]int{}
	buses := map[string]bool{}
	for i, b := range m.Buses {
		switch {
		case b.Name == "":
			v.at("a bus needs a name", "buses", i, "name")
		case buses[b.Name]:
			v.at(fmt.Sprintf("bus %q is defined twice", b.Name), "buses", i, "name")
		case b.Telemetry == "" && b.Commands == "":
			v.at("a bus needs a telemetry or a commands dictionary", "buses", i)
		}
		buses[b.Name] = true
	}
	for i, s := range m.Satellites {
		if s.Bus != "" && !buses[s.Bus] {
			v.at(fmt.Sprintf("bus %q is not one of the mission's buses", s.Bus), "satellites", i, "bus")
		}
	}
	for i, s := range m.Stations {
		if s.Capabilities != nil {
			s.Capabilities.check(v, i)
		}
		uniqueName(v, names, s.Name, "station", "stations", i)
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
		if s.LTP != "" {
			if _, _, err := net.SplitHostPort(s.LTP); err != nil {
				v.at(fmt.Sprintf("ltp %q: want host:port", s.LTP), "stations", i, "ltp")
			}
			if s.DTNNode == "" {
				v.at("an LTP engine needs the station's dtn_node (its engine number)", "stations", i, "ltp")
			}
		}
		for j, p := range s.DTNPeers {
			_, ipnErr := IPNNode(p.Node)
			switch {
			case s.DTNNode == "" || s.TCPCL == "" && p.Address == "":
				v.at("a DTN peer needs this station's dtn_node, and its tcpcl address or the peer's to dial", "stations", i, "dtn_peers", j)
			case strings.HasPrefix(p.Node, "ipn:") && ipnErr != nil:
				v.at(ipnErr.Error(), "stations", i, "dtn_peers", j, "node")
			case !strings.HasPrefix(p.Node, "ipn:") && !(strings.HasPrefix(p.Node, "dtn://") && len(p.Node) > 6):
				v.at(fmt.Sprintf("node %q: want ipn:N.0 or dtn://name/", p.Node), "stations", i, "dtn_peers", j, "node")
			case p.PeerNumber() <= 0:
				v.at(fmt.Sprintf("a dtn: peer needs a number (the node number ipgs routes %s by)", p.Node), "stations", i, "dtn_peers", j, "number")
			case m.nodeTaken(p.PeerNumber()):
				v.at(fmt.Sprintf("number %d is a node of this mission", p.PeerNumber()), "stations", i, "dtn_peers", j, "number")
			}
			if _, asErr := IPNNode(p.As); p.As != "" && asErr != nil && !(strings.HasPrefix(p.As, "dtn://") && len(p.As) > 6) {
				v.at(fmt.Sprintf("as %q: want ipn:N.0 or dtn://name/", p.As), "stations", i, "dtn_peers", j, "as")
			}
			if p.Address != "" {
				if _, _, err := net.SplitHostPort(p.Address); err != nil {
					v.at(fmt.Sprintf("address %q: want host:port", p.Address), "stations", i, "dtn_peers", j, "address")
				}
			}
			switch p.TLS {
			case "", "required", "optional":
			default:
				v.at(fmt.Sprintf("tls %q: want required or optional", p.TLS), "stations", i, "dtn_peers", j, "tls")
			}
			switch p.Protocol {
			case "", "tcpclv4":
			case "tcpclv3":
				if p.TLS != "optional" {
					v.at("TCPCL version 3 has no TLS: say tls: optional to take a peer that cannot authenticate", "stations", i, "dtn_peers", j, "tls")
				}
			case "ltp":
				if s.LTP == "" {
					v.at("an LTP peer needs the station's own ltp address (host:port)", "stations", i, "dtn_peers", j, "protocol")
				}
				if p.Address == "" {
					v.at("an LTP peer needs its engine's address (host:port)", "stations", i, "dtn_peers", j, "address")
				}
			default:
				v.at(fmt.Sprintf("protocol %q: want tcpclv4, tcpclv3 or ltp", p.Protocol), "stations", i, "dtn_peers", j, "protocol")
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
	nodes := map[int]string{}
	for _, s := range m.Stations {
		if n, err := IPNNode(s.DTNNode); err == nil {
			nodes[n] = s.Name
		}
	}
	for _, s := range m.Satellites {
		if n, err := IPNNode(s.DTNNode); err == nil {
			nodes[n] = s.Name
		}
	}
	m.validateRelays(v, nodes)
	m.validateSCIDs(v)
	if len(m.Satellites) == 0 && len(m.Relays) == 0 {
		v.at("at least one satellite (or deep-space relay) is required", "satellites")
	}
	ids := map[int]int{}
	satNames := map[string]int{}
	for i, s := range m.Satellites {
		uniqueName(v, satNames, s.Name, "satellite", "satellites", i)
		if s.NORAD <= 0 {
			v.at(fmt.Sprintf("NORAD id %d must be a positive number", s.NORAD), "satellites", i, "norad")
		} else if j, dup := ids[s.NORAD]; dup {
			v.at(fmt.Sprintf("NORAD id %d is also satellites[%d]", s.NORAD, j), "satellites", i, "norad")
		}
		ids[s.NORAD] = i
		// a number out of range, NaN and ±Inf are all refused here: they
		// would surface later as a plan that cannot be written
		inRange(v, s.DownlinkHz, 0, 3e11, "Hz", "satellites", i, "downlink_hz")
		inRange(v, s.UplinkHz, 0, 3e11, "Hz", "satellites", i, "uplink_hz")
		if s.BitRate != 0 {
			inRange(v, s.BitRate, 1, 1e10, "bit/s", "satellites", i, "bit_rate")
		}
		s.Link.validate(v, "satellites", i, "link")
		s.validateProtocol(v, "satellites", i)
		if s.Modem != "" {
			if _, ok := Modems[s.Modem]; !ok {
				v.at(fmt.Sprintf("unknown modem %q (known: afsk1200, g3ruh9600, bpsk1200, gmsk9600)", s.Modem), "satellites", i, "modem")
			}
		}
		if s.Priority != nil && !(*s.Priority > 0 && *s.Priority <= 1e6) {
			v.at(fmt.Sprintf("priority %g must be a positive number up to 1e6", *s.Priority), "satellites", i, "priority")
		}
		if _, err := IPNNode(s.DTNNode); s.DTNNode != "" && err != nil {
			v.at(err.Error(), "satellites", i, "dtn_node")
		}
		inRange(v, s.Demand.ContactsPerDay, 0, 1e4, "contacts", "satellites", i, "demand", "contacts_per_day")
		inRange(v, s.Demand.SecondsPerDay, 0, 86400, "s", "satellites", i, "demand", "seconds_per_day")
		if len(s.TLESources) == 0 && len(m.Catalog.Sources) == 0 {
			v.at("no tle_sources, and no catalog.sources to find it in", "satellites", i)
		}
	}
	if m.Catalog.StaleDays != nil && !(*m.Catalog.StaleDays > 0 && *m.Catalog.StaleDays <= 3650) {
		v.at(fmt.Sprintf("stale_days %g must be a positive number of days up to 3650", *m.Catalog.StaleDays), "catalog", "stale_days")
	}
	if e := m.Scheduling.MinElevation; e != nil && !(*e >= -5 && *e < 90) {
		v.at(fmt.Sprintf("minimum elevation %g is outside [-5, 90)", *e), "scheduling", "min_elevation")
	}
	inRange(v, m.Scheduling.MinContactS, 0, 86400, "s", "scheduling", "min_contact_s")
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
	if sec.Receipts < 0 || sec.Receipts > len(m.Stations) {
		v.at(fmt.Sprintf("receipts %d: between 1 and the %d stations (0: one)", sec.Receipts, len(m.Stations)), "security", "receipts")
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

// inRange refuses x outside [lo, hi], NaN and ±Inf included, at path.
func inRange(v *validator, x, lo, hi float64, units string, path ...any) {
	if !(x >= lo && x <= hi) {
		v.at(fmt.Sprintf("%g %s is outside [%g, %g]", x, units, lo, hi), path...)
	}
}

// uniqueName refuses an empty name, or one that list[i] shares with an
// earlier item (seen maps names to their index).
func uniqueName(v *validator, seen map[string]int, name, what, list string, i int) {
	if strings.TrimSpace(name) == "" {
		v.at("name is empty", list, i, "name")
	} else if j, dup := seen[name]; dup {
		v.at(fmt.Sprintf("%s %q is also %s[%d]", what, name, list, j), list, i, "name")
	}
	seen[name] = i
}

// nodeTaken says whether a station or satellite of the mission is DTN
// node n.
func (m *Mission) nodeTaken(n int) bool {
	for _, s := range m.Stations {
		if k, err := IPNNode(s.DTNNode); err == nil && k == n {
			return true
		}
	}
	for _, s := range m.Satellites {
		if k, err := IPNNode(s.DTNNode); err == nil && k == n {
			return true
		}
	}
	return false
}
