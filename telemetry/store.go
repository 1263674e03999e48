package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	ihttp "github.com/influxdata/influxdb-client-go/v2/api/http"

	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/telemetry/spool"
)

// Stats count what the store took in.
type Stats struct {
	Packets, Points, Unknown, Short, Invalid atomic.Uint64
}

// Store decodes packets, checks limits and spools the points. Ingest then
// Sync: once Sync returns, every packet ingested is durable.
type Store struct {
	Dict   *dict.Dictionary
	Spool  *spool.Spool
	Alarms *Monitor
	Stats  Stats
	// OnDecoded, if set, sees every decoded packet (the GUI's live values);
	// d is reused after the call returns.
	OnDecoded func(p *Packet, d *dict.Decoded)
	// OnAlarm, if set, sees every alarm event after it is stored (the
	// webhooks); it must not block.
	OnAlarm func(Event)

	mu  sync.Mutex
	dec dict.Decoded
	buf []byte
}

// OpenStore opens the spool and alarm log under dir.
func OpenStore(dir string, d *dict.Dictionary) (*Store, error) {
	return OpenStoreWith(dir, d, spool.Options{})
}

// OpenStoreWith is OpenStore with spool options.
func OpenStoreWith(dir string, d *dict.Dictionary, o spool.Options) (*Store, error) {
	sp, err := spool.Open(filepath.Join(dir, "spool"), o)
	if err != nil {
		return nil, err
	}
	mon, err := OpenMonitor(filepath.Join(dir, "alarms.jsonl"))
	if err != nil {
		sp.Close()
		return nil, err
	}
	s := &Store{Dict: d, Spool: sp, Alarms: mon}
	mon.OnEvent = s.alarmPoint
	return s, nil
}

// Ingest decodes p, checks its limits and spools its point.
func (s *Store) Ingest(p *Packet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The satellite's bus's dictionary; for a satellite not known, the
	// one that defines the APID.
	d := s.Dict.For(p.Sat)
	if d.Packet(p.APID) == nil {
		if x := s.Dict.ByAPID(p.APID); x != nil {
			d = x
		}
	}
	d.Decode(p.APID, p.Data, &s.dec)
	s.Stats.Packets.Add(1)
	switch {
	case s.dec.Packet == nil:
		s.Stats.Unknown.Add(1)
	case s.dec.Short:
		s.Stats.Short.Add(1)
	}
	s.Stats.Invalid.Add(uint64(s.dec.Invalid))
	if s.Alarms != nil {
		s.Alarms.Check(p, &s.dec)
	}
	if s.OnDecoded != nil {
		s.OnDecoded(p, &s.dec)
	}
	s.buf = AppendPoint(s.buf[:0], &s.dec, p)
	if _, err := s.Spool.Append(s.buf[:len(s.buf)-1]); err != nil {
		return err
	}
	s.Stats.Points.Add(1)
	return nil
}

// alarmPoint spools an alarm event as a point (called with s.mu held,
// from Check).
func (s *Store) alarmPoint(e Event) {
	a := e.Alarm
	b := append([]byte(nil), AlarmMeasurement...)
	b = append(b, ",id="...)
	b = appendEscaped(b, a.ID, escTag)
	b = append(b, ",sat="...)
	b = strconv.AppendInt(b, int64(a.Sat), 10)
	b = append(b, ",severity="...)
	b = appendEscaped(b, a.Severity, escTag)
	b = append(b, " event=\""...)
	b = appendEscaped(b, e.Kind, escString)
	b = append(b, "\",value="...)
	b = strconv.AppendFloat(b, a.Value, 'g', -1, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, e.Time.UnixNano(), 10)
	if _, err := s.Spool.Append(b); err == nil {
		s.Stats.Points.Add(1)
	}
	if s.OnAlarm != nil {
		s.OnAlarm(e)
	}
}

// Sync makes everything ingested durable.
func (s *Store) Sync() error {
	if err := s.Spool.Sync(); err != nil {
		return err
	}
	if s.Alarms != nil {
		return s.Alarms.Sync()
	}
	return nil
}

// Close syncs and closes.
func (s *Store) Close() error {
	err := s.Sync()
	if s.Alarms != nil {
		s.Alarms.Close()
	}
	return errors.Join(err, s.Spool.Close())
}

// Influx says where points go. For InfluxDB 1.8 Bucket is
// "database/retention-policy" and Token "user:password" (or empty).
type Influx struct {
	URL, Org, Bucket, Token string
}

// Shipper sends the spool to InfluxDB in order, batch by batch, and
// acknowledges each batch in the spool once InfluxDB accepted it. It
// retries a failing server for ever (with backoff); a batch the server
// rejects as bad data (4xx) is moved to rejected.lp next to the spool, with
// the reason, so that one bad point never stops the rest.
type Shipper struct {
	Spool *spool.Spool
	To    Influx
	Batch int // points per request (default 5000)
	Log   io.Writer
	// Rejected is where refused batches go (default: the spool's parent
	// directory, rejected.lp).
	Rejected string

	// Problem, if set, is told why shipping is stuck ("" once it flows
	// again): for the operator's status line.
	Problem func(text string)

	Shipped atomic.Uint64
	Retries atomic.Uint64
}

// Run ships until ctx ends.
func (sh *Shipper) Run(ctx context.Context) error {
	if sh.Batch <= 0 {
		sh.Batch = 5000
	}
	if sh.Log == nil {
		sh.Log = io.Discard
	}
	opts := influxdb2.DefaultOptions().SetHTTPRequestTimeout(30)
	client := influxdb2.NewClientWithOptions(sh.To.URL, sh.To.Token, opts)
	defer client.Close()
	w := client.WriteAPIBlocking(sh.To.Org, sh.To.Bucket)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// the next batch is read from the spool while the last one is in flight
	type batch struct {
		body     string
		from, to uint64
		n        int
	}
	batches := make(chan batch, 1)
	readErr := make(chan error, 1)
	var reader sync.WaitGroup
	defer func() {
		cancel()
		reader.Wait() // the reader goes with Run
	}()
	reader.Go(func() {
		r := sh.Spool.NewReader(sh.Spool.State().Acked)
		defer r.Close()
		var buf []byte
		for ctx.Err() == nil {
			wake := sh.Spool.Wait()
			buf = buf[:0]
			n, from := 0, r.Seq()
			err := r.Read(func(_ uint64, rec []byte) bool {
				buf = append(append(buf, rec...), '\n')
				n++
				return n < sh.Batch
			})
			if err != nil {
				readErr <- err
				return
			}
			if n == 0 {
				select {
				case <-ctx.Done():
				case <-wake:
				case <-time.After(time.Second):
				}
				continue
			}
			select {
			case batches <- batch{string(buf[:len(buf)-1]), from, r.Seq(), n}:
			case <-ctx.Done():
			}
		}
	})
	backoff := 250 * time.Millisecond
	for {
		var b batch
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			fmt.Fprintf(sh.Log, "telemetry: %v\n", err)
			return err
		case b = <-batches:
		}
		for {
			err := w.WriteRecord(ctx, b.body)
			if err == nil {
				if backoff != 250*time.Millisecond && sh.Problem != nil {
					sh.Problem("")
				}
				backoff = 250 * time.Millisecond
				break
			}
			var he *ihttp.Error
			if errors.As(err, &he) && he.StatusCode >= 400 && he.StatusCode < 500 && he.StatusCode != 429 && he.StatusCode != 401 && he.StatusCode != 403 && he.StatusCode != 404 {
				sh.reject(b.body, he)
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sh.Retries.Add(1)
			msg := fmt.Sprintf("telemetry: InfluxDB %s: %v (retrying in %v; %d points wait in the spool)", sh.To.URL, err, backoff, sh.Spool.State().Synced-b.from)
			fmt.Fprintln(sh.Log, msg)
			if sh.Problem != nil {
				sh.Problem(msg)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second) // back within seconds of InfluxDB
		}
		if err := sh.Spool.Ack(b.to); err != nil {
			return err
		}
		sh.Shipped.Add(uint64(b.n))
	}
}

func (sh *Shipper) reject(batch string, he *ihttp.Error) {
	path := sh.Rejected
	if path == "" {
		path = "rejected.lp"
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		fmt.Fprintf(f, "# %s: InfluxDB refused this batch: %d %s\n", time.Now().UTC().Format(time.RFC3339), he.StatusCode, he.Message)
		f.WriteString(batch + "\n")
		f.Sync()
		f.Close()
	}
	fmt.Fprintf(sh.Log, "telemetry: InfluxDB refused a batch (%d %s); kept in %s\n", he.StatusCode, he.Message, path)
}

// IngestPacket is Ingest with the packet's parts (the station engine's
// Ingester).
func (s *Store) IngestPacket(sat int, station string, apid uint16, onboard, ground time.Time, data []byte) error {
	return s.Ingest(&Packet{Sat: sat, Station: station, APID: apid, Onboard: onboard, Ground: ground, Data: data})
}

// Record spools a point of its own (pass statistics, for one): tags and
// fields in the order given; field values may be float64, int, int64,
// string or bool.
func (s *Store) Record(measurement string, tags [][2]string, fields []Field, t time.Time) error {
	b := appendEscaped(nil, measurement, escMeasurement)
	for _, kv := range tags {
		if kv[1] == "" {
			continue
		}
		b = append(b, ',')
		b = appendEscaped(b, kv[0], escTag)
		b = append(b, '=')
		b = appendEscaped(b, kv[1], escTag)
	}
	n := 0
	for _, f := range fields {
		var v []byte
		switch x := f.Value.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			v = strconv.AppendFloat(nil, x, 'g', -1, 64)
			if !hasDotOrExp(x) {
				v = append(v, ".0"...)
			}
		case int:
			v = append(strconv.AppendInt(nil, int64(x), 10), 'i')
		case int64:
			v = append(strconv.AppendInt(nil, x, 10), 'i')
		case bool:
			v = strconv.AppendBool(nil, x)
		case string:
			v = append(appendEscaped([]byte{'"'}, x, escString), '"')
		default:
			return fmt.Errorf("telemetry: field %s: %T is not a storable value", f.Key, f.Value)
		}
		if n == 0 {
			b = append(b, ' ')
		} else {
			b = append(b, ',')
		}
		n++
		b = appendEscaped(b, f.Key, escTag)
		b = append(b, '=')
		b = append(b, v...)
	}
	if n == 0 {
		return fmt.Errorf("telemetry: point %s has no fields", measurement)
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, t.UnixNano(), 10)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.Spool.Append(b); err != nil {
		return err
	}
	s.Stats.Points.Add(1)
	return nil
}

// Field is a field of a point.
type Field struct {
	Key   string
	Value any
}

// Reading is one decoded field value checked against its limits.
type Reading struct {
	Sat      int
	Packet   string
	Field    string
	Value    float64
	Text     string // a state's name
	Units    string
	Severity dict.Severity
	Limits   dict.Limits // in force for the packet's mode (charts draw them)
	At       time.Time   // onboard
}

// Readings calls fn with each valid value of a decoded packet, checked
// against the limits of the packet's mode (live displays).
func Readings(p *Packet, d *dict.Decoded, fn func(Reading)) {
	if d.Packet == nil {
		return
	}
	mode := d.ModeState()
	for i := range d.Values {
		v := &d.Values[i]
		if !v.OK {
			continue
		}
		sev, _ := v.Field.Check(v.Num, mode)
		fn(Reading{Sat: p.Sat, Packet: d.Packet.Name, Field: v.Field.Name, Value: v.Num, Text: v.State, Units: v.Field.Units, Severity: sev, Limits: v.Field.LimitsIn(mode), At: p.Onboard})
	}
}
