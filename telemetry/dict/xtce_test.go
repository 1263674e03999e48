package dict

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestJPSSFromXTCE reads a real spacecraft's XTCE database (JPSS-1's
// attitude and ephemeris packets, from lasp/space_packet_parser) and
// decodes the spacecraft's own 7200 packets with it. The values are
// checked against physics, not against ipgs: the spacecraft id is
// NOAA-20's (159), the secondary header's day (CCSDS day segmented: days
// since 1958) is 9 April 2021, the file's date, the
// attitude quaternion has unit norm, and the GPS position and velocity
// are a polar orbiter's (about 7200 km from the centre, 7.4 km/s).
func TestJPSSFromXTCE(t *testing.T) {
	data, err := os.ReadFile("testdata/xtce/jpss1_geolocation_xtce_v1.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, notes, err := ParseXTCE(data, "jpss1_geolocation_xtce_v1.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		t.Logf("not mapped: %s", n)
	}
	p := d.Packet(11)
	if p == nil || p.Name != "JPSS_ATT_EPHEM" || len(p.Fields) != 20 {
		t.Fatalf("packet %+v", p)
	}
	raw, err := os.ReadFile("testdata/xtce/J01_G011_LZ_2021-04-09T00-00-00Z_V01.DAT1")
	if err != nil {
		t.Fatal(err)
	}
	var dec Decoded
	n := 0
	for len(raw) >= 6 {
		apid := binary.BigEndian.Uint16(raw) & 0x7ff
		size := 6 + int(binary.BigEndian.Uint16(raw[4:])) + 1
		if size > len(raw) {
			t.Fatalf("packet %d cut short", n)
		}
		d.Decode(apid, raw[6:size], &dec)
		raw = raw[size:]
		n++
		if dec.Packet == nil || dec.Short || dec.Invalid > 0 {
			t.Fatalf("packet %d: %+v", n, dec)
		}
		v := map[string]float64{}
		for _, x := range dec.Values {
			v[x.Field.Name] = x.Num
		}
		q := math.Sqrt(v["ADCFAQ1"]*v["ADCFAQ1"] + v["ADCFAQ2"]*v["ADCFAQ2"] + v["ADCFAQ3"]*v["ADCFAQ3"] + v["ADCFAQ4"]*v["ADCFAQ4"])
		r := math.Sqrt(v["ADGPSPOSX"]*v["ADGPSPOSX"] + v["ADGPSPOSY"]*v["ADGPSPOSY"] + v["ADGPSPOSZ"]*v["ADGPSPOSZ"])
		s := math.Sqrt(v["ADGPSVELX"]*v["ADGPSVELX"] + v["ADGPSVELY"]*v["ADGPSVELY"] + v["ADGPSVELZ"]*v["ADGPSVELZ"])
		day := time.Date(1958, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(v["DOY"]))
		if v["ADAESCID"] != 159 || day.Format("2006-01-02") != "2021-04-09" || math.Abs(q-1) > 1e-4 || r < 7.1e6 || r > 7.3e6 || s < 7.2e3 || s > 7.6e3 {
			t.Fatalf("packet %d: SCID %v, day %v (%s), |q| %v, |r| %.0f m, |v| %.0f m/s", n, v["ADAESCID"], v["DOY"], day.Format("2006-01-02"), q, r, s)
		}
	}
	if n != 7200 {
		t.Errorf("%d packets, want 7200", n)
	}
}

// TestIDEXFromXTCE: a database with run-time sized waveforms and binary
// data maps what it can and names each thing it cannot.
func TestIDEXFromXTCE(t *testing.T) {
	data, err := os.ReadFile("testdata/xtce/idex_combined_science_definition.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, notes, err := ParseXTCE(data, "idex.xml")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(notes, "\n")
	if !strings.Contains(all, "known only at run time") {
		t.Errorf("notes do not name the run-time sized data:\n%s", all)
	}
	fields, states := 0, 0
	for _, p := range d.Packets {
		fields += len(p.Fields)
		for _, f := range p.Fields {
			if len(f.States) > 0 {
				states++
			}
		}
	}
	t.Logf("%d packets, %d fields (%d with states); %d notes:\n%s", len(d.Packets), fields, states, len(notes), all)
	if len(d.Packets) == 0 || fields < 100 || states == 0 {
		t.Errorf("%d packets, %d fields, %d with states", len(d.Packets), fields, states)
	}
}

// TestBusBFromXTCE: the example's second bus decodes what Encode wrote:
// the 2 mV battery step, the little-endian temperature through its
// spline, the mode's codes, the one-bit heater.
func TestBusBFromXTCE(t *testing.T) {
	data, err := os.ReadFile("../../examples/bus-b.xtce.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, notes, err := ParseXTCE(data, "bus-b.xtce.xml")
	if err != nil || len(notes) != 0 {
		t.Fatalf("%v %v", err, notes)
	}
	p := d.Packet(200)
	if p == nil || p.Name != "hk_b" {
		t.Fatalf("%+v", p)
	}
	b, err := p.Encode(map[string]float64{"packet_no": 7, "battery": 7.802, "soc": 64, "temp": -12.34, "heater": 1, "solar": 3.5, "sunlit": 1, "stored": 12, "reboots": 1, "generated": 99},
		map[string]string{"mode": "SCIENCE"})
	if err != nil {
		t.Fatal(err)
	}
	// packet_no 7, battery 3901 (2 mV), soc 64, temp -1234 LSB first, mode 5, heater 1 in the top bit
	if want := []byte{0, 0, 0, 7, 0x0f, 0x3d, 64, 0x2e, 0xfb, 5, 0x80}; !bytes.Equal(b[:11], want) {
		t.Fatalf("% x, want % x", b[:11], want)
	}
	var dec Decoded
	d.Decode(200, b, &dec)
	got := map[string]string{}
	for _, v := range dec.Values {
		if v.State != "" {
			got[v.Field.Name] = v.State
		} else {
			got[v.Field.Name] = strconv.FormatFloat(v.Num, 'f', 3, 64)
		}
	}
	for k, want := range map[string]string{"battery": "7.802", "temp": "-12.340", "mode": "SCIENCE", "heater": "ON", "sunlit": "1.000", "generated": "99.000"} {
		if got[k] != want {
			t.Errorf("%s = %s, want %s", k, got[k], want)
		}
	}
}
