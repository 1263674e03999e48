package mission

import (
	"strings"
	"testing"
)

// TestBudgetsDefaults: without link parameters the budgets are the
// emulator's numbers of the first round; a station's and a satellite's
// parameters replace them one by one.
func TestBudgetsDefaults(t *testing.T) {
	sc := &SatelliteConfig{Modem: "g3ruh9600"}
	down, up := Budgets(sc, nil)
	if down != (LinkBudget{EIRPdBW: -7, GTdBK: -17, FreqHz: 437e6, BitRate: 9600, LossesdB: 3}) ||
		up != (LinkBudget{EIRPdBW: 17, GTdBK: -28, FreqHz: 145.9e6, BitRate: 9600, LossesdB: 3}) {
		t.Fatalf("defaults: down %+v up %+v", down, up)
	}
	gt, eirp := -10.0, 20.0
	down, up = Budgets(sc, &StationConfig{Link: LinkConfig{GTdBK: &gt, EIRPdBW: &eirp}})
	if down.GTdBK != -10 || up.EIRPdBW != 20 || down.EIRPdBW != -7 || up.GTdBK != -28 {
		t.Fatalf("station parameters: down %+v up %+v", down, up)
	}
	// 1,000 km at 9,600 bit/s with the defaults: a clean link
	if e := down.EbN0(1000); e < 20 || e > 27 {
		t.Errorf("Eb/N0 at 1,000 km %.1f dB", e)
	}
}

func TestLinkValidation(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"    link: {eirp_dbw: .nan}\n", "satellites[0].link.eirp_dbw"},
		{"    link: {gt_dbk: .inf}\n", "satellites[0].link.gt_dbk"},
		{"    link: {losses_db: -3}\n", "satellites[0].link.losses_db"},
	} {
		doc := "stations:\n  - {name: A, lat: 1, lon: 2}\nsatellites:\n  - name: S\n    norad: 1\n" + c.yaml
		_, err := Parse([]byte(doc), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one naming %s", c.yaml, err, c.want)
		}
	}
}
