package telemetry

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/telemetry/influxd"
	"github.com/ipgs/ipgs/telemetry/influxd/influxdtest"
	"github.com/ipgs/ipgs/telemetry/spool"
)

var epoch = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func exampleDict(t testing.TB) *dict.Dictionary {
	d, err := dict.Load("../examples/telemetry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// hkPacket is housekeeping packet no of sat, 10 s apart onboard.
func hkPacket(sat int, no uint32) *Packet {
	b := binary.BigEndian.AppendUint32(nil, no)
	b = binary.BigEndian.AppendUint16(b, uint16(7000+no%1000))
	b = append(b, byte(40+no%50))
	b = binary.BigEndian.AppendUint16(b, 1500)
	b = binary.BigEndian.AppendUint16(b, uint16(int16(2000)))
	b = append(b, 0, 128)
	b = binary.BigEndian.AppendUint32(b, 5)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, no)
	on := epoch.Add(time.Duration(no) * 10 * time.Second)
	return &Packet{Sat: sat, Station: "tromso", APID: 100, Onboard: on, Ground: on.Add(2 * time.Second), Data: b}
}

func TestAppendPoint(t *testing.T) {
	d := exampleDict(t)
	var dec dict.Decoded
	p := hkPacket(90001, 3)
	d.Decode(p.APID, p.Data, &dec)
	got := string(AppendPoint(nil, &dec, p))
	want := `hk,apid=100,sat=90001,station=tromso packet_no=3i,battery=7.003,soc=43i,solar=15.0,temp=20.0,mode="NOMINAL",mode_raw=0i,sunlit=0.501960784313725,stored=5i,reboots=0i,generated=3i,delay_s=2.000 ` + strconv.FormatInt(p.Onboard.UnixNano(), 10) + "\n"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	p = &Packet{Sat: 1, Station: "a b,c", APID: 9, Ground: epoch, Data: []byte{0xde, 0xad}}
	d.Decode(9, p.Data, &dec)
	got = string(AppendPoint(nil, &dec, p))
	if want := `unknown_apid,apid=9,sat=1,station=a\ b\,c data="dead" ` + strconv.FormatInt(epoch.UnixNano(), 10) + "\n"; got != want {
		t.Fatalf("unknown APID:\ngot  %s\nwant %s", got, want)
	}
}

func TestAlarms(t *testing.T) {
	d := exampleDict(t)
	dir := t.TempDir()
	m, err := OpenMonitor(filepath.Join(dir, "alarms.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var dec dict.Decoded
	check := func(mv uint16, at time.Time) {
		p := hkPacket(90001, 1)
		binary.BigEndian.PutUint16(p.Data[4:], mv)
		p.Onboard, p.Ground = at, at
		d.Decode(100, p.Data, &dec)
		m.Check(p, &dec)
	}
	check(7400, epoch)
	check(6800, epoch.Add(time.Minute)) // yellow
	check(6300, epoch.Add(2*time.Minute))
	if a := m.Alarms(); len(a) != 1 || a[0].Severity != "red" || a[0].Field != "battery" {
		t.Fatalf("%+v", a)
	}
	check(7400, epoch.Add(3*time.Minute)) // back in limits: cleared, still to acknowledge
	if a := m.Alarms(); len(a) != 1 || a[0].Cleared.IsZero() {
		t.Fatalf("after clearing: %+v", a)
	}
	if err := m.Ack("90001/hk/battery", "op", epoch.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if a := m.Alarms(); len(a) != 0 {
		t.Fatalf("after ack: %+v", a)
	}
	// stale: a contact with no packets for over a minute
	m.Progress(90002, "tromso", epoch, 0)
	m.Progress(90002, "tromso", epoch.Add(30*time.Second), 5)
	m.Progress(90002, "tromso", epoch.Add(60*time.Second), 5)
	if a := m.Alarms(); len(a) != 0 {
		t.Fatalf("stale after 30 s: %+v", a)
	}
	m.Progress(90002, "tromso", epoch.Add(100*time.Second), 5)
	m.Close()
	a, err := ReadAlarms(filepath.Join(dir, "alarms.jsonl"))
	if err != nil || len(a) != 1 || a[0].Severity != "stale" {
		t.Fatalf("from the log: %+v %v", a, err)
	}
}

// count returns the number of hk points per satellite in InfluxDB.
func count(t *testing.T, s *influxd.Server) map[string]int64 {
	t.Helper()
	c := influxdb2.NewClient(s.URL(), "")
	defer c.Close()
	res, err := c.QueryAPI("").Query(context.Background(), fmt.Sprintf(`from(bucket: %q)
  |> range(start: 2026-01-01T00:00:00Z, stop: 2100-01-01T00:00:00Z)
  |> filter(fn: (r) => r._measurement == "hk" and r._field == "packet_no")
  |> group(columns: ["sat"])
  |> count()`, s.Bucket()))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for res.Next() {
		out[res.Record().ValueByKey("sat").(string)] = res.Record().Value().(int64)
	}
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	return out
}

// TestIngestSurvivesOutagesAndCrashes is the fault test: a station process
// ingesting telemetry is killed with SIGKILL mid-stream and restarted,
// and InfluxDB is killed for a while and restarted; afterwards every packet
// decoded is in InfluxDB exactly once. As on the air, the satellite resends
// whatever the station had not made durable (acknowledged) before the crash.
func TestIngestSurvivesOutagesAndCrashes(t *testing.T) {
	if os.Getenv("IPGS_INGEST_CHILD") != "" {
		t.Skip("child")
	}
	srv := influxdtest.Start(t)
	dir := t.TempDir()
	const sats, perSat = 3, 4000
	// run the station as a child process: this test binary in ingest mode
	run := func(from, killAt int) int {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIngestChild$", "-test.v")
		cmd.Stderr = os.Stderr
		cmd.Env = append(os.Environ(), "IPGS_INGEST_CHILD="+dir, "IPGS_INGEST_FROM="+strconv.Itoa(from),
			"IPGS_INGEST_TOTAL="+strconv.Itoa(perSat), "IPGS_INFLUX="+srv.URL()+"|"+srv.Bucket())
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := from
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "synced "); ok {
				acked, _ = strconv.Atoi(n)
				if killAt > 0 && acked >= killAt {
					cmd.Process.Signal(syscall.SIGKILL) // mid-stream, mid-shipping
					break
				}
			}
		}
		cmd.Wait()
		return acked
	}
	acked := run(0, perSat/2) // killed mid-stream
	t.Logf("station killed after %d packets per satellite were durable", acked)
	if acked == 0 || acked >= perSat {
		t.Fatalf("the kill came at %d of %d: adjust the timing", acked, perSat)
	}
	srv.Stop() // InfluxDB goes away too
	ctx := context.Background()
	go func() {
		time.Sleep(3 * time.Second)
		if err := srv.Restart(ctx); err != nil {
			t.Error(err)
		}
	}()
	// the station comes back: the satellites resend from the last
	// acknowledged packet (a few already in the spool arrive twice)
	if n := run(max(0, acked-50), 0); n != perSat {
		t.Fatalf("second run ended at %d", n)
	}
	got := count(t, srv)
	for s := 0; s < sats; s++ {
		if n := got[strconv.Itoa(90001+s)]; n != perSat {
			t.Errorf("satellite %d: %d points in InfluxDB, want %d", 90001+s, n, perSat)
		}
	}
	t.Logf("points per satellite in InfluxDB: %v", got)
}

// TestIngestChild is the station process of the fault test.
func TestIngestChild(t *testing.T) {
	dir := os.Getenv("IPGS_INGEST_CHILD")
	if dir == "" {
		t.Skip("run by TestIngestSurvivesOutagesAndCrashes")
	}
	from, _ := strconv.Atoi(os.Getenv("IPGS_INGEST_FROM"))
	total, _ := strconv.Atoi(os.Getenv("IPGS_INGEST_TOTAL"))
	url, bucket, _ := strings.Cut(os.Getenv("IPGS_INFLUX"), "|")
	st, err := OpenStore(dir, exampleDict(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Spool.Recovery != "" {
		fmt.Println("recovered:", st.Spool.Recovery)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sh := &Shipper{Spool: st.Spool, To: Influx{URL: url, Bucket: bucket}, Batch: 500, Log: os.Stderr, Rejected: filepath.Join(dir, "rejected.lp")}
	shipped := make(chan error, 1)
	go func() { shipped <- sh.Run(ctx) }()
	for no := from; no < total; no++ {
		for s := 0; s < 3; s++ {
			if err := st.Ingest(hkPacket(90001+s, uint32(no))); err != nil {
				t.Fatal(err)
			}
		}
		if no%20 == 19 {
			if err := st.Sync(); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("synced %d\n", no+1)
			time.Sleep(5 * time.Millisecond) // a pass's pace, compressed
		}
	}
	st.Sync()
	fmt.Printf("synced %d\n", total)
	for st.Spool.State().Acked < st.Spool.State().Synced {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-shipped
	st.Close()
}

func TestParseLineRoundTrip(t *testing.T) {
	d := exampleDict(t)
	var dec dict.Decoded
	p := hkPacket(90001, 3)
	p.Station = `a b,c=d\`
	d.Decode(p.APID, p.Data, &dec)
	line := AppendPoint(nil, &dec, p)
	pt, err := ParseLine(line[:len(line)-1])
	if err != nil {
		t.Fatal(err)
	}
	if pt.Measurement != "hk" || pt.Tags["station"] != p.Station || pt.Fields["battery"] != 7.003 || pt.Fields["mode"] != "NOMINAL" ||
		pt.Fields["soc"] != int64(43) || !pt.Time.Equal(p.Onboard) {
		t.Fatalf("%+v", pt)
	}
	for _, bad := range []string{"", "m", "m,t fields", "m f=", "m f=\"x", "m f=1 x", "m f=12zi"} {
		if _, err := ParseLine([]byte(bad)); err == nil || !strings.Contains(err.Error(), "byte") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`hk,apid=100,sat=1 a=1.5,b=2i,c="x\"y",d=true 1700000000000000000`))
	f.Add([]byte(`m\ x,t\,a=v\=1 f=1`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseLine(b)
	})
}

func TestQuerySpoolAndInflux(t *testing.T) {
	d := exampleDict(t)
	st, err := OpenStore(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for no := uint32(0); no < 30; no++ {
		st.Ingest(hkPacket(90001, no))
		st.Ingest(hkPacket(90002, no))
	}
	st.Sync()
	q := Query{Sat: "90002", Field: "battery", Since: epoch.Add(100 * time.Second), Until: epoch.Add(200 * time.Second)}
	got, err := QuerySpool(st.Spool, q)
	if err != nil || len(got) != 10 || got[0].Value != 7.01 || got[0].Sat != "90002" {
		t.Fatalf("spool: %v %+v", err, got)
	}
	srv := influxdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sh := &Shipper{Spool: st.Spool, To: Influx{URL: srv.URL(), Bucket: srv.Bucket()}}
	go sh.Run(ctx)
	for st.Spool.State().Acked < st.Spool.State().Synced {
		time.Sleep(20 * time.Millisecond)
	}
	fromInflux, err := QueryInflux(ctx, Influx{URL: srv.URL(), Bucket: srv.Bucket()}, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromInflux) != len(got) || !fromInflux[0].Time.Equal(got[0].Time) || fromInflux[9].Value != got[9].Value {
		t.Fatalf("InfluxDB and the spool disagree:\n%+v\n%+v", fromInflux, got)
	}
}

// TestShipperReportsProblem: with InfluxDB down, the shipper tells the
// operator's status line why the points wait (and keeps them).
func TestShipperReportsProblem(t *testing.T) {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	sp.Append([]byte("hk,sat=90001 battery=7.4 1795348774923492431"))
	sp.Sync()
	got := make(chan string, 10)
	sh := &Shipper{Spool: sp, To: Influx{URL: "http://127.0.0.1:1", Org: "o", Bucket: "b"}, Problem: func(s string) { got <- s }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go sh.Run(ctx)
	select {
	case s := <-got:
		if !strings.Contains(s, "127.0.0.1:1") || !strings.Contains(s, "1 points wait") {
			t.Errorf("problem %q", s)
		}
	case <-ctx.Done():
		t.Fatal("no problem reported with InfluxDB down")
	}
	if st := sp.State(); st.Acked != 0 {
		t.Errorf("acked %d points InfluxDB never took", st.Acked)
	}
}

// TestExportMixedTypes (issue: ipgs tm export failed on InfluxDB 1.8.3
// with HTTP 500 "expected float cursor type, got
// *reads.integerMultiShardArrayCursor": the Flux query grouped fields of
// mixed types into one table): every field of the example dictionary's
// housekeeping, integers and floats, comes back from the real server as
// the spool has it.
func TestExportMixedTypes(t *testing.T) {
	d := exampleDict(t)
	st, err := OpenStore(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for no := uint32(0); no < 20; no++ {
		st.Ingest(hkPacket(90002, no))
	}
	st.Sync()
	q := Query{Sat: "90002", Since: epoch, Until: epoch.Add(time.Hour)}
	want, err := QuerySpool(st.Spool, q)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, s := range want {
		kinds[fmt.Sprintf("%T", s.Value)] = true
	}
	if len(kinds) < 2 {
		t.Fatalf("the packets carry only %v: not a mixed-type test", kinds)
	}
	srv := influxdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	to := Influx{URL: srv.URL(), Bucket: srv.Bucket()}
	sh := &Shipper{Spool: st.Spool, To: to}
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	for st.Spool.State().Acked < st.Spool.State().Synced {
		time.Sleep(20 * time.Millisecond)
	}
	for _, limit := range []int{0, 7} {
		q.Limit = limit
		got, err := QueryInflux(ctx, to, q)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		w := want
		if limit > 0 {
			w = want[len(want)-limit:]
		}
		if len(got) != len(w) {
			t.Fatalf("limit %d: %d samples from InfluxDB, %d in the spool", limit, len(got), len(w))
		}
		for i := range w {
			if !got[i].Time.Equal(w[i].Time) || got[i].Field != w[i].Field || fmt.Sprint(got[i].Value) != fmt.Sprint(w[i].Value) {
				t.Fatalf("limit %d, sample %d: InfluxDB %+v, spool %+v", limit, i, got[i], w[i])
			}
		}
	}
	t.Logf("%d samples of %d kinds (%v) read back alike", len(want), len(kinds), kinds)
	cancel()
	<-done
}

// TestShipperInfluxRestart: InfluxDB killed (SIGKILL) while the shipper
// works and started again on its data: the points that arrived meanwhile
// wait in the spool, the shipper says why, and in the end InfluxDB holds
// every point exactly once.
func TestShipperInfluxRestart(t *testing.T) {
	d := exampleDict(t)
	st, err := OpenStore(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := influxdtest.Start(t)
	to := Influx{URL: srv.URL(), Bucket: srv.Bucket()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	problems := make(chan string, 100)
	sh := &Shipper{Spool: st.Spool, To: to, Problem: func(s string) { problems <- s }}
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	ingest := func(from, to uint32) {
		for no := from; no < to; no++ {
			st.Ingest(hkPacket(90003, no))
		}
		st.Sync()
	}
	shipped := func() bool { s := st.Spool.State(); return s.Acked >= s.Synced }
	wait := func(what string, ok func() bool) {
		for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	ingest(0, 100)
	wait("the first points shipped", shipped)
	srv.Stop() // kill -9
	ingest(100, 200)
	select {
	case p := <-problems:
		t.Logf("with InfluxDB down: %s", p)
	case <-time.After(30 * time.Second):
		t.Fatal("the shipper never said InfluxDB is down")
	}
	if shipped() {
		t.Fatal("points acknowledged while InfluxDB was down")
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	wait("the points of the outage shipped", shipped)
	n, err := CountPoints(ctx, to, "hk", "battery", epoch.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n["90003"] != 200 {
		t.Fatalf("InfluxDB holds %d points of 90003, 200 were stored", n["90003"])
	}
	cancel()
	<-done
}
