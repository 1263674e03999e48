package station

import (
	"time"

	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// TM is one telemetry packet as received on the ground.
type TM struct {
	Sat     int           `json:"sat"`
	Station string        `json:"station"`
	No      uint32        `json:"no"`
	APID    uint16        `json:"apid"`
	Seq     uint16        `json:"seq"`
	Onboard time.Time     `json:"onboard_time"`
	Ground  time.Time     `json:"ground_time"`
	HK      *proto.HK     `json:"hk,omitempty"`
	CmdAck  *proto.CmdAck `json:"cmd_ack,omitempty"`
	Raw     []byte        `json:"raw"` // the space packet
}

// Sink stores telemetry. Packets written are durable once Sync returns:
// the engine calls Sync before it acknowledges anything to the satellite,
// so a packet is never released onboard before it is safe on the ground.
type Sink interface {
	Write(tm *TM) error
	Sync() error
}

// Ingester takes decoded-to-be telemetry packets (telemetry.Store is one).
type Ingester interface {
	IngestPacket(sat int, station string, apid uint16, onboard, ground time.Time, data []byte) error
	Sync() error
}

// IngestSink is a Sink that passes every packet to an ingester (the
// telemetry store: dictionary decoding, limits, InfluxDB) after next
// (nil: none), and syncs both.
func IngestSink(next Sink, in Ingester) Sink { return &ingestSink{next, in} }

type ingestSink struct {
	next Sink
	in   Ingester
}

func (s *ingestSink) Write(tm *TM) error {
	if s.next != nil {
		if err := s.next.Write(tm); err != nil {
			return err
		}
	}
	p, _, err := spp.Decode(tm.Raw)
	if err != nil {
		return nil // the engine only stores packets it could open
	}
	return s.in.IngestPacket(tm.Sat, tm.Station, tm.APID, tm.Onboard, tm.Ground, p.Data)
}

func (s *ingestSink) Sync() error {
	if s.next != nil {
		if err := s.next.Sync(); err != nil {
			return err
		}
	}
	return s.in.Sync()
}
