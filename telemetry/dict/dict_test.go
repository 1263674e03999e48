package dict

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"
)

func example(t testing.TB) *Dictionary {
	d, err := Load("../../examples/telemetry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// hk is a housekeeping packet as the drones send it (uplink/proto.HK).
func hk(no uint32, mv uint16, soc uint8, tempCC int16, mode uint8) []byte {
	b := binary.BigEndian.AppendUint32(nil, no)
	b = binary.BigEndian.AppendUint16(b, mv)
	b = append(b, soc)
	b = binary.BigEndian.AppendUint16(b, 1234)
	b = binary.BigEndian.AppendUint16(b, uint16(tempCC))
	b = append(b, mode, 255)
	b = binary.BigEndian.AppendUint32(b, 17)
	b = binary.BigEndian.AppendUint16(b, 2)
	return binary.BigEndian.AppendUint32(b, 99)
}

func TestDecodeHK(t *testing.T) {
	d := example(t)
	var out Decoded
	d.Decode(100, hk(7, 7412, 88, -1250, 1), &out)
	if out.Packet == nil || out.Packet.Name != "hk" || out.Short || out.Invalid != 0 {
		t.Fatalf("%+v", out)
	}
	got := map[string]Value{}
	for _, v := range out.Values {
		got[v.Field.Name] = v
	}
	for name, want := range map[string]float64{"packet_no": 7, "battery": 7.412, "soc": 88, "solar": 12.34, "temp": -12.5, "sunlit": 1, "stored": 17, "generated": 99} {
		if v := got[name]; math.Abs(v.Num-want) > 1e-9 || !v.OK {
			t.Errorf("%s = %v (ok %v), want %v", name, v.Num, v.OK, want)
		}
	}
	if got["mode"].State != "SAFE" || out.ModeState() != "SAFE" {
		t.Errorf("mode %+v", got["mode"])
	}
	// 6.3 V is red in NOMINAL but only yellow in SAFE
	bat := got["battery"].Field
	if s, _ := bat.Check(6.3, ""); s != Red {
		t.Errorf("6.3 V nominal: %v", s)
	}
	if s, _ := bat.Check(6.3, "SAFE"); s != Yellow {
		t.Errorf("6.3 V in safe mode: %v", s)
	}
}

// Unknown APIDs, short packets and invalid raw values are reported, kept,
// never dropped silently.
func TestDecodeBadInput(t *testing.T) {
	d := example(t)
	var out Decoded
	d.Decode(555, []byte{1, 2, 3}, &out)
	if out.Packet != nil || out.APID != 555 {
		t.Fatalf("unknown APID: %+v", out)
	}
	d.Decode(100, hk(1, 7400, 50, 0, 0)[:12], &out)
	if !out.Short || len(out.Values) != 6 {
		t.Fatalf("short packet: short %v, %d values", out.Short, len(out.Values))
	}
	d.Decode(100, hk(1, 7400, 150, 0, 9), &out) // 150 % and mode 9
	if out.Invalid != 2 {
		t.Fatalf("%d invalid values, want 2 (soc 150, mode 9)", out.Invalid)
	}
}

func TestBitFields(t *testing.T) {
	d, err := Parse([]byte(`packets:
  - name: bits
    apid: 7
    fields:
      - {name: a, type: uint3, offset: 0, bit: 0}
      - {name: b, type: int5, offset: 0, bit: 3}
      - {name: c, type: uint12, offset: 1, bit: 4}
      - {name: d, type: uint64, offset: 3, bit: 4}
      - {name: e, type: uint16, offset: 12, order: little}
      - {name: f, type: float32, offset: 14}
      - {name: s, type: string, offset: 18, length: 4}
`), "bits.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte{0b101_11110, 0x0A, 0xBC, 0xD1, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xF0, 0x34, 0x12, 0, 0, 0, 0, 'a', 'b', 0, 0}
	binary.BigEndian.PutUint32(data[14:], math.Float32bits(-1.5))
	var out Decoded
	d.Decode(7, data, &out)
	want := map[string]uint64{"a": 5, "b": uint64(0xFFFFFFFFFFFFFFFE), "c": 0xABC, "d": 0x123456789ABCDEFF, "e": 0x1234}
	for _, v := range out.Values {
		if w, ok := want[v.Field.Name]; ok && v.Raw != w {
			t.Errorf("%s = %#x, want %#x", v.Field.Name, v.Raw, w)
		}
		if v.Field.Name == "f" && v.Num != -1.5 {
			t.Errorf("f = %v", v.Num)
		}
		if v.Field.Name == "s" && string(v.Str) != "ab" {
			t.Errorf("s = %q", v.Str)
		}
	}
}

// A bad dictionary names file, line and field.
func TestBadDictionary(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"packets:\n  - name: hk\n    apid: 5000\n    fields: [{name: a, type: uint8, offset: 0}]\n", "d.yaml:3: packets[0].apid: APID 5000 is outside 0-2047"},
		{"packets:\n  - name: hk\n    apid: 1\n    fields:\n      - {name: a, type: uint65, offset: 0}\n", "d.yaml:5: packets[0].fields[0].type: type \"uint65\""},
		{"packets:\n  - name: hk\n    apid: 1\n    fields:\n      - {name: a, type: uint8, offest: 0}\n", "d.yaml:5: packets[0].fields[0].name: field offest not found"},
		{"packets:\n  - name: hk\n    apid: 1\n    fields:\n      - name: a\n        type: uint8\n        offset: 0\n        limits: {yellow: [1, 9], red: [2, 8]}\n", "d.yaml:8: packets[0].fields[0].limits: the red range must contain the yellow one"},
	} {
		_, err := Parse([]byte(c.yaml), "d.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v\nwant %s", err, c.want)
		}
	}
}

func BenchmarkDecodeHK(b *testing.B) {
	d := example(b)
	pkt := hk(7, 7412, 88, -1250, 1)
	var out Decoded
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(100, pkt, &out)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

func FuzzDecode(f *testing.F) {
	d, err := Load("../../examples/telemetry.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint16(100), hk(1, 7400, 50, 0, 0))
	f.Add(uint16(2), []byte{0, 0, 0, 1, 0, 0, 0, 9, 2})
	f.Fuzz(func(t *testing.T, apid uint16, data []byte) {
		var out Decoded
		d.Decode(apid, data, &out)
		for _, v := range out.Values {
			if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
				t.Fatalf("%s: %v", v.Field.Name, v.Num)
			}
		}
	})
}

func FuzzDictionary(f *testing.F) {
	b, _ := os.ReadFile("../../examples/telemetry.yaml")
	f.Add(b)
	f.Add([]byte("packets:\n  - {name: x, apid: 1, fields: [{name: a, type: uint3, offset: 9, bit: 7}]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b, "fuzz.yaml")
		if err != nil {
			return
		}
		var out Decoded
		data := make([]byte, 300)
		for _, p := range d.Packets {
			d.Decode(p.APID, data, &out)
			d.Decode(p.APID, data[:3], &out)
		}
	})
}
