package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/telemetry/influxd"
)

// BenchOptions configure RunBench.
type BenchOptions struct {
	Dictionary string // telemetry dictionary (the example's)
	Dir        string // influxd's data and the spools go here
	Points     int    // points per measurement (default 300,000)
	Rounds     int    // alternating rounds (default 3)
	Out        io.Writer
}

// RunBench measures decode-and-store throughput into a real InfluxDB
// against that server's own ceiling in the same run: pre-formatted line
// protocol posted in 5,000-line batches over HTTP. Rounds alternate so
// that a noisy machine weighs on both alike; medians are reported.
func RunBench(ctx context.Context, o BenchOptions) error {
	if o.Points <= 0 {
		o.Points = 300_000
	}
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	d, err := dict.Load(o.Dictionary)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.Dir); err != nil {
		return err
	}
	srv := &influxd.Server{Dir: filepath.Join(o.Dir, "influxd")}
	fmt.Fprintf(o.Out, "starting influxd in %s\n", srv.Dir)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop()
	// the same points for both: housekeeping of 10 satellites
	pkts := make([]*Packet, o.Points)
	for i := range pkts {
		pkts[i] = benchPacket(90001+i%10, uint32(i/10))
	}
	var ceil, ours []float64
	for r := 0; r < o.Rounds; r++ {
		db := fmt.Sprintf("ceiling%d", r)
		if err := srv.CreateDatabase(ctx, db); err != nil {
			return err
		}
		c, err := ceiling(ctx, srv.URL(), db+"/autogen", d, pkts)
		if err != nil {
			return err
		}
		db = fmt.Sprintf("ipgs%d", r)
		if err := srv.CreateDatabase(ctx, db); err != nil {
			return err
		}
		s, err := ingest(ctx, Influx{URL: srv.URL(), Bucket: db + "/autogen"}, filepath.Join(o.Dir, db), d, pkts)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "round %d: server ceiling %.0f points/s, ipgs decode+spool+ship %.0f points/s (%.2fx)\n", r+1, c, s, s/c)
		ceil, ours = append(ceil, c), append(ours, s)
	}
	mc, mo := median(ceil), median(ours)
	fmt.Fprintf(o.Out, "ingest: %d points x %d rounds: ipgs %.0f points/s = %.2fx the server's ceiling (%.0f points/s, pre-formatted 5,000-line batches)\n",
		o.Points, o.Rounds, mo, mo/mc, mc)
	return nil
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func benchPacket(sat int, no uint32) *Packet {
	b := make([]byte, 23)
	b[0], b[1], b[2], b[3] = byte(no>>24), byte(no>>16), byte(no>>8), byte(no)
	mv := 7000 + no%1000
	b[4], b[5], b[6] = byte(mv>>8), byte(mv), byte(40+no%50)
	b[7], b[8], b[9], b[10] = 5, 220, 7, 208
	b[12] = 200
	on := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(no) * time.Second)
	return &Packet{Sat: sat, Station: "bench", APID: 100, Onboard: on, Ground: on.Add(time.Second), Data: b}
}

// ceiling posts pre-formatted line protocol in 5,000-line batches.
func ceiling(ctx context.Context, url, bucket string, d *dict.Dictionary, pkts []*Packet) (float64, error) {
	var batches [][]byte
	var dec dict.Decoded
	var b []byte
	for i, p := range pkts {
		d.Decode(p.APID, p.Data, &dec)
		b = AppendPoint(b, &dec, p)
		if (i+1)%5000 == 0 || i == len(pkts)-1 {
			batches = append(batches, b)
			b = nil
		}
	}
	start := time.Now()
	for _, batch := range batches {
		req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v2/write?bucket="+bucket+"&precision=ns", bytes.NewReader(batch))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return 0, fmt.Errorf("ceiling write: %s", resp.Status)
		}
	}
	return float64(len(pkts)) / time.Since(start).Seconds(), nil
}

// ingest runs the station's path: decode, limits, spool (synced every
// 5,000 packets), shipped to InfluxDB, until InfluxDB acknowledged all.
func ingest(ctx context.Context, to Influx, dir string, d *dict.Dictionary, pkts []*Packet) (float64, error) {
	st, err := OpenStore(dir, d)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sh := &Shipper{Spool: st.Spool, To: to, Log: os.Stderr, Rejected: filepath.Join(dir, "rejected.lp")}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- sh.Run(sctx) }()
	for i, p := range pkts {
		if err := st.Ingest(p); err != nil {
			return 0, err
		}
		if (i+1)%5000 == 0 {
			if err := st.Sync(); err != nil {
				return 0, err
			}
		}
	}
	if err := st.Sync(); err != nil {
		return 0, err
	}
	for {
		s := st.Spool.State()
		if s.Acked >= s.Synced {
			break
		}
		select {
		case err := <-done:
			return 0, fmt.Errorf("shipper stopped: %v", err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	el := time.Since(start)
	cancel()
	<-done
	return float64(len(pkts)) / el.Seconds(), nil
}
