package mission

import "fmt"

// Space link protocols a satellite may speak.
const (
	ProtocolAX25  = "ax25"
	ProtocolCCSDS = "ccsds"
)

// CCSDSConfig is a CCSDS satellite's link profile: the managed parameters
// of its TM and TC channels, its coding, and its security association's
// numbers.
type CCSDSConfig struct {
	SCID uint16 `yaml:"scid"` // spacecraft id, 10 bits
	// TM (downlink) and TC (uplink) virtual channels that carry the
	// mission's packets (default 0); key management (the handshake that
	// keys the security associations) goes on the next channel of each.
	TMVC uint8 `yaml:"tm_vc"`
	TCVC uint8 `yaml:"tc_vc"`
	// FrameLength is the TM transfer frame's length in bytes (default
	// 223 times the interleaving depth with Reed-Solomon, else 223).
	FrameLength int `yaml:"frame_length"`
	// FECF: TM frames end in a CRC-16 (default on).
	FECF *bool `yaml:"fecf"`
	// Coding is the TM channel coding: none, rs, conv or rs+conv
	// (default rs+conv: Reed-Solomon (255,223) inside the rate-1/2
	// convolutional code, CCSDS's concatenated code).
	Coding string `yaml:"coding"`
	// Interleave is the Reed-Solomon interleaving depth, 1 to 8 (default 1).
	Interleave int `yaml:"interleave"`
	// Randomize applies the pseudo-randomiser (default on).
	Randomize *bool `yaml:"randomize"`
	// SPI is the security parameter index of the satellite's SDLS
	// associations (default 1; each station's gets its own, from it up).
	SPI uint16 `yaml:"spi"`
}

// SpeaksCCSDS reports whether the satellite's link is CCSDS.
func (s *SatelliteConfig) SpeaksCCSDS() bool { return s.Protocol == ProtocolCCSDS }

// CCSDSProfile returns the satellite's CCSDS parameters with the defaults
// filled in (nil for an AX.25 satellite).
func (s *SatelliteConfig) CCSDSProfile() *CCSDSConfig {
	if !s.SpeaksCCSDS() {
		return nil
	}
	c := CCSDSConfig{}
	if s.CCSDS != nil {
		c = *s.CCSDS
	}
	if c.Coding == "" {
		c.Coding = "rs+conv"
	}
	if c.Interleave == 0 {
		c.Interleave = 1
	}
	if c.FrameLength == 0 {
		c.FrameLength = 223
		if c.UsesRS() {
			c.FrameLength = 223 * c.Interleave
		}
	}
	on := true
	if c.FECF == nil {
		c.FECF = &on
	}
	if c.Randomize == nil {
		c.Randomize = &on
	}
	if c.SPI == 0 {
		c.SPI = 1
	}
	return &c
}

// UsesRS and UsesConv say which codes the profile's coding names.
func (c *CCSDSConfig) UsesRS() bool   { return c.Coding == "rs" || c.Coding == "rs+conv" }
func (c *CCSDSConfig) UsesConv() bool { return c.Coding == "conv" || c.Coding == "rs+conv" }

func (s *SatelliteConfig) validateProtocol(v *validator, path ...any) {
	switch s.Protocol {
	case "", ProtocolAX25:
		if s.CCSDS != nil {
			v.at("ccsds parameters for a satellite that does not speak ccsds (protocol: ccsds)", append(path, "ccsds")...)
		}
		return
	case ProtocolCCSDS:
	default:
		v.at(fmt.Sprintf("protocol %q: want ax25 or ccsds", s.Protocol), append(path, "protocol")...)
		return
	}
	c := s.CCSDSProfile()
	at := func(msg, key string) { v.at(msg, append(path, "ccsds", key)...) }
	if c.SCID > 0x3ff {
		at(fmt.Sprintf("spacecraft id %d does not fit in 10 bits (0-1023)", c.SCID), "scid")
	}
	if c.TMVC > 5 {
		at(fmt.Sprintf("TM virtual channel %d: 0 to 5 (the next one carries key management, 7 is idle)", c.TMVC), "tm_vc")
	}
	if c.TCVC > 62 {
		at(fmt.Sprintf("TC virtual channel %d: 0 to 62 (the next one carries key management)", c.TCVC), "tc_vc")
	}
	switch c.Coding {
	case "none", "rs", "conv", "rs+conv":
	default:
		at(fmt.Sprintf("coding %q: want none, rs, conv or rs+conv", c.Coding), "coding")
	}
	if c.Interleave < 1 || c.Interleave > 8 {
		at(fmt.Sprintf("interleaving depth %d: 1 to 8", c.Interleave), "interleave")
	}
	switch {
	case c.UsesRS() && c.FrameLength != 223*c.Interleave:
		at(fmt.Sprintf("frame length %d: Reed-Solomon at depth %d carries frames of %d bytes", c.FrameLength, c.Interleave, 223*c.Interleave), "frame_length")
	case c.FrameLength < 64 || c.FrameLength > 2048:
		at(fmt.Sprintf("frame length %d: 64 to 2048 bytes", c.FrameLength), "frame_length")
	}
}

// validateSCIDs: a station tells CCSDS satellites apart by spacecraft id.
func (m *Mission) validateSCIDs(v *validator) {
	seen := map[uint16]int{}
	for i := range m.Satellites {
		c := m.Satellites[i].CCSDSProfile()
		if c == nil {
			continue
		}
		if j, dup := seen[c.SCID]; dup {
			v.at(fmt.Sprintf("spacecraft id %d is also satellites[%d]'s", c.SCID, j), "satellites", i, "ccsds", "scid")
		}
		seen[c.SCID] = i
	}
}
