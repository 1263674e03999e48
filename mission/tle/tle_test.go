package tle

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const issName = "ISS (ZARYA)"
const iss1 = "1 25544U 98067A   20103.22561606  .00000606  00000-0  19136-4 0  9990"
const iss2 = "2 25544  51.6438 325.6416 0004180 232.7834 242.0364 15.48651577221597"

func TestParseThreeLine(t *testing.T) {
	res := ParseTLE(strings.NewReader(issName+"\n"+iss1+"\n"+iss2+"\n"), Options{Source: "iss.tle"})
	if len(res.Errors) > 0 || len(res.Elements) != 1 {
		t.Fatalf("got %d elements, errors %v", len(res.Elements), res.Errors)
	}
	e := res.Elements[0]
	if e.Name != issName || e.CatalogNumber != 25544 || e.IntlDesignator != "98067A" {
		t.Errorf("identity: %+v", e)
	}
	// day 103.22561606 of 2020: 12 April, 0.22561606 d = 19493.227584 s
	want := time.Date(2020, 4, 12, 0, 0, 0, 0, time.UTC).Add(19493227584 * time.Microsecond)
	if !e.Epoch.Equal(want) {
		t.Errorf("epoch %v, want %v", e.Epoch, want)
	}
	if e.BStar != 0.19136e-4 || e.Eccentricity != 0.000418 || e.MeanMotion != 15.48651577 || e.RevNumber != 22159 {
		t.Errorf("elements: %+v", e)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	e, err := ParseLines(issName, iss1, iss2)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Format(e)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if lines[1] != iss1 || lines[2] != iss2 {
		t.Errorf("round trip:\n%s\n%s\nwant\n%s\n%s", lines[1], lines[2], iss1, iss2)
	}
}

func TestBadInputNamesLineAndField(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"checksum", issName + "\n" + iss1[:68] + "4\n" + iss2 + "\n", "f.tle:2:69 (satellite 25544): checksum: checksum is \"4\", the line sums to 0"},
		{"number", issName + "\n" + iss1 + "\n" + iss2[:8] + " 5x.6438" + iss2[16:] + "\n", "f.tle:3:9 (satellite 25544): inclination: \"5x.6438\" (columns 9-16) is not a number"},
		{"short", iss1[:40] + "\n" + iss2 + "\n", "f.tle:1: line is 40 characters long"},
		{"orphan line 2", iss2 + "\n", "f.tle:1: line 2 without a line 1 before it"},
		{"mismatched numbers", iss1 + "\n" + strings.Replace(iss2, "25544", "25545", 1) + "\n", "catalogue number: line 2 says \"25545\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := ParseTLE(strings.NewReader(c.in), Options{Source: "f.tle"})
			if len(res.Errors) != 1 {
				t.Fatalf("want one error, got %v (elements %d)", res.Errors, len(res.Elements))
			}
			if !strings.Contains(res.Errors[0].Error(), c.want) {
				t.Errorf("error %q does not contain %q", res.Errors[0], c.want)
			}
		})
	}
}

func TestBadChecksumAllowedWarns(t *testing.T) {
	res := ParseTLE(strings.NewReader(iss1[:68]+"4\n"+iss2+"\n"), Options{Source: "f.tle", AllowBadChecksum: true})
	if len(res.Errors) != 0 || len(res.Elements) != 1 || len(res.Elements[0].Warnings) != 1 {
		t.Fatalf("errors %v, elements %d", res.Errors, len(res.Elements))
	}
}

func TestOneBadSetKeepsTheOthers(t *testing.T) {
	in := iss1 + "\n" + iss2 + "\nJUNK\n" + iss1[:68] + "5\n" + iss2 + "\n" + iss1 + "\n" + iss2 + "\n"
	res := ParseTLE(strings.NewReader(in), Options{Source: "f.tle"})
	if len(res.Elements) != 2 || len(res.Errors) != 1 {
		t.Fatalf("elements %d, errors %v", len(res.Elements), res.Errors)
	}
}

func TestImpossibleElements(t *testing.T) {
	l2 := "2 25544  51.6438 325.6416 0004180 232.7834 242.0364 25.48651577221591"
	l2 = l2[:68] + string(rune('0'+Checksum(l2)))
	_, err := ParseLines("", iss1, l2)
	if err == nil || !strings.Contains(err.Error(), "mean motion 25.48651577 rev/day is outside") {
		t.Fatalf("got %v", err)
	}
}

func TestAlpha5(t *testing.T) {
	l1 := "1 A0001U 98067A   20103.22561606  .00000606  00000-0  19136-4 0  999"
	l2 := "2 A0001  51.6438 325.6416 0004180 232.7834 242.0364 15.48651577221597"
	l1 += string(rune('0' + Checksum(l1)))
	l2 = l2[:68] + string(rune('0'+Checksum(l2)))
	e, err := ParseLines("", l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	if e.CatalogNumber != 100001 {
		t.Errorf("A0001 = %d, want 100001", e.CatalogNumber)
	}
}

const ommJSON = `[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2020-04-12T05:24:53.227584","MEAN_MOTION":15.48651577,
"ECCENTRICITY":0.000418,"INCLINATION":51.6438,"RA_OF_ASC_NODE":325.6416,"ARG_OF_PERICENTER":232.7834,"MEAN_ANOMALY":242.0364,
"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":25544,"ELEMENT_SET_NO":999,"REV_AT_EPOCH":22159,"BSTAR":1.9136e-5,
"MEAN_MOTION_DOT":6.06e-6,"MEAN_MOTION_DDOT":0}]`

const ommXML = `<?xml version="1.0" encoding="UTF-8"?>
<ndm><omm id="CCSDS_OMM_VERS" version="2.0"><header><CREATION_DATE/><ORIGINATOR/></header><body><segment>
<metadata><OBJECT_NAME>BIGSAT</OBJECT_NAME><OBJECT_ID>2024-001A</OBJECT_ID><CENTER_NAME>EARTH</CENTER_NAME></metadata>
<data><meanElements><EPOCH>2025-03-01T00:00:00.000000</EPOCH><MEAN_MOTION>15.05491974</MEAN_MOTION><ECCENTRICITY>.0001</ECCENTRICITY>
<INCLINATION>53</INCLINATION><RA_OF_ASC_NODE>0</RA_OF_ASC_NODE><ARG_OF_PERICENTER>90</ARG_OF_PERICENTER><MEAN_ANOMALY>0</MEAN_ANOMALY></meanElements>
<tleParameters><NORAD_CAT_ID>712345</NORAD_CAT_ID><BSTAR>.0001</BSTAR><MEAN_MOTION_DOT>.00001</MEAN_MOTION_DOT><MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT></tleParameters>
</data></segment></body></omm></ndm>`

func TestOMM(t *testing.T) {
	res := Parse([]byte(ommJSON), Options{Source: "gp.json"})
	if len(res.Errors) > 0 || len(res.Elements) != 1 {
		t.Fatalf("json: %v", res.Errors)
	}
	fromTLE, _ := ParseLines(issName, iss1, iss2)
	j := res.Elements[0]
	if !j.Epoch.Equal(fromTLE.Epoch) || j.MeanMotion != fromTLE.MeanMotion || j.BStar != fromTLE.BStar {
		t.Errorf("OMM JSON differs from the TLE: %+v vs %+v", j, fromTLE)
	}
	res = Parse([]byte(ommXML), Options{Source: "gp.xml"})
	if len(res.Errors) > 0 || len(res.Elements) != 1 {
		t.Fatalf("xml: %v", res.Errors)
	}
	if x := res.Elements[0]; x.CatalogNumber != 712345 || x.Name != "BIGSAT" || x.Inclination != 53 {
		t.Errorf("xml: %+v", x)
	}
	if _, err := Format(res.Elements[0]); err == nil {
		t.Errorf("a 6-digit catalogue number must not be written as a TLE")
	}
}

func TestOMMErrors(t *testing.T) {
	bad := strings.Replace(ommJSON, `"MEAN_MOTION":15.48651577`, `"MEAN_MOTION":"fast"`, 1)
	res := Parse([]byte(bad), Options{Source: "gp.json"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), `gp.json (satellite 25544): MEAN_MOTION: record 1: "fast" is not a number`) {
		t.Errorf("got %v", res.Errors)
	}
	bad = strings.Replace(ommXML, "<EPOCH>2025-03-01T00:00:00.000000</EPOCH>", "", 1)
	res = Parse([]byte(bad), Options{Source: "gp.xml"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "gp.xml:2 (satellite 712345): EPOCH: missing") {
		t.Errorf("got %v", res.Errors)
	}
}

func FuzzTLE(f *testing.F) {
	f.Add(issName + "\n" + iss1 + "\n" + iss2 + "\n")
	f.Add(iss1 + "\n" + iss2)
	f.Add("1 A0001U\n2 A0001\n")
	f.Fuzz(func(t *testing.T, s string) {
		res := ParseTLE(strings.NewReader(s), Options{AllowBadChecksum: len(s)%2 == 0})
		for _, e := range res.Elements {
			if e.Check() != nil {
				t.Fatalf("accepted impossible elements %+v", e)
			}
		}
	})
}

func FuzzOMM(f *testing.F) {
	f.Add([]byte(ommJSON))
	f.Add([]byte(ommXML))
	f.Add([]byte(ommKVN))
	f.Add([]byte(`{"NORAD_CAT_ID":"1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res := Parse(b, Options{})
		for _, e := range res.Elements {
			if e.Check() != nil {
				t.Fatalf("accepted impossible elements %+v", e)
			}
		}
	})
}

// Many records in one XML document: each error names its own record's line.
// (Line numbers were once found by counting from the document's start at
// every record, quadratic in the records; the fuzzer hung on it.)
func TestOMMXMLManyRecordsLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("<ndm>\n")
	const n = 20000
	for i := 0; i < n; i++ {
		b.WriteString("<omm>\n<NORAD_CAT_ID>1</NORAD_CAT_ID>\n</omm>\n")
	}
	b.WriteString("</ndm>\n")
	res := Parse([]byte(b.String()), Options{Source: "big.xml"})
	if len(res.Errors) != n {
		t.Fatalf("%d errors, want %d", len(res.Errors), n)
	}
	for i, err := range res.Errors {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2+3*i {
			t.Fatalf("record %d: %v, want line %d", i, err, 2+3*i)
		}
	}
}

// ommKVN is an OMM in keyword = value form with a covariance, laid out
// as CCSDS 502.0-B-3's example OMM is (values of our own).
const ommKVN = `CCSDS_OMM_VERS = 2.0
COMMENT this is a comment
CREATION_DATE = 2026-12-04T10:00:00
ORIGINATOR = IPGS
OBJECT_NAME = DRONE-01
OBJECT_ID = 2026-001A
CENTER_NAME = EARTH
REF_FRAME = TEME
TIME_SYSTEM = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH = 2026-12-03T21:15:31.123456
MEAN_MOTION = 15.48919755 [rev/day]
ECCENTRICITY = 0.0006703
INCLINATION = 51.6416 [deg]
RA_OF_ASC_NODE = 247.4627 [deg]
ARG_OF_PERICENTER = 130.5360 [deg]
MEAN_ANOMALY = 325.0288 [deg]
EPHEMERIS_TYPE = 0
CLASSIFICATION_TYPE = U
NORAD_CAT_ID = 90001
ELEMENT_SET_NO = 999
REV_AT_EPOCH = 123
BSTAR = 0.00010270
MEAN_MOTION_DOT = 0.00002182
MEAN_MOTION_DDOT = 0.0
COV_REF_FRAME = TEME
CX_X = 3.331349476038534e-04
CY_X = 4.618927349220216e-04
CY_Y = 6.782421679971363e-04
CZ_X = -3.070007847730449e-04
CZ_Y = -4.221234189514228e-04
CZ_Z = 3.231931992380369e-04
CX_DOT_X = -3.349365033922630e-07
CX_DOT_Y = -4.686084221046758e-07
CX_DOT_Z = 2.484949578400095e-07
CX_DOT_X_DOT = 4.296022805587290e-10
CY_DOT_X = -2.211832501084875e-07
CY_DOT_Y = -2.864186892102733e-07
CY_DOT_Z = 1.798098699846038e-07
CY_DOT_X_DOT = 2.608899201686016e-10
CY_DOT_Y_DOT = 1.767514756338532e-10
CZ_DOT_X = -3.041346050686871e-07
CZ_DOT_Y = -4.989496988610662e-07
CZ_DOT_Z = 3.540310904497689e-07
CZ_DOT_X_DOT = 1.869263192954590e-10
CZ_DOT_Y_DOT = 1.008862586240695e-10
CZ_DOT_Z_DOT = 6.224444338635500e-10
`

// TestOMMCovariance: an OMM's covariance is kept, from KVN, JSON and
// XML alike, and a negative variance is refused by name.
func TestOMMCovariance(t *testing.T) {
	res := Parse([]byte(ommKVN), Options{Source: "drone.omm"})
	if len(res.Errors) > 0 || len(res.Elements) != 1 {
		t.Fatalf("%v", res.Errors)
	}
	e := res.Elements[0]
	if e.CatalogNumber != 90001 || e.MeanMotion != 15.48919755 || e.Covariance == nil || e.Covariance.Frame != "TEME" {
		t.Fatalf("%+v", e)
	}
	c := e.Covariance
	if c.At(0, 0) != 3.331349476038534e-04 || c.At(1, 0) != c.At(0, 1) || c.At(5, 5) != 6.224444338635500e-10 || c.At(3, 4) != 2.608899201686016e-10 {
		t.Errorf("covariance %+v", c.Lower)
	}
	// The same record as JSON and XML.
	var js, xs strings.Builder
	js.WriteString("[{")
	xs.WriteString("<ndm><omm><body><segment><data>")
	first := true
	for _, l := range strings.Split(ommKVN, "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(l, "COMMENT") {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if i := strings.Index(v, " ["); i > 0 {
			v = v[:i]
		}
		if !first {
			js.WriteString(",")
		}
		first = false
		fmt.Fprintf(&js, "%q:%q", k, v)
		fmt.Fprintf(&xs, "<%s>%s</%s>", k, v, k)
	}
	js.WriteString("}]")
	xs.WriteString("</data></segment></body></omm></ndm>")
	for _, in := range []string{js.String(), xs.String()} {
		res := Parse([]byte(in), Options{Source: "x"})
		if len(res.Elements) != 1 || res.Elements[0].Covariance == nil || *res.Elements[0].Covariance != *c {
			t.Errorf("%.20s...: %v %+v", in, res.Errors, res.Elements)
		}
	}
	bad := strings.Replace(ommKVN, "CY_Y = 6.78", "CY_Y = -6.78", 1)
	res = Parse([]byte(bad), Options{Source: "bad.omm"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "CY_Y") || !strings.Contains(res.Errors[0].Error(), "bad.omm:1") {
		t.Errorf("%v", res.Errors)
	}
}
