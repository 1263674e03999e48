package proto

import (
	"fmt"

	"github.com/ipgs/ipgs/uplink/spp"
)

// Bare bundle framing. Over AX.25 a bundle segment or its
// acknowledgement goes to the satellite without a space packet around
// it: one byte, 0xE0 with the kind in its low bits, then the slcl data.
// A space packet's first byte has its version, 000, in the top three
// bits, so a receiver tells the two apart by that byte. Of the 6 bytes a
// space packet header costs, 5 are saved: the frame's length already
// says the data's, and slcl numbers its own segments (issue 27: over
// AX.25 the headers had held goodput to 0.946 of the payload rate).
// CCSDS links keep space packets (their frames carry packets).
const (
	BareLen  = 1
	bareMark = 0xE0
	bareSeg  = 0
	bareAck  = 1
)

// EncodeBare frames data of apid bare (APIDBundleSeg or APIDBundleAck);
// ok is false for any other APID, which travels in a space packet.
func EncodeBare(apid uint16, data []byte) (b []byte, ok bool) {
	var kind byte
	switch apid {
	case APIDBundleSeg:
		kind = bareSeg
	case APIDBundleAck:
		kind = bareAck
	default:
		return nil, false
	}
	b = make([]byte, 0, BareLen+len(data))
	return append(append(b, bareMark|kind), data...), true
}

// DecodeBare reads a bare frame's APID and data; ok is false when info is
// not bare (a space packet, or an unknown kind).
func DecodeBare(info []byte) (apid uint16, data []byte, ok bool) {
	if len(info) < BareLen || info[0]&0xE0 != bareMark {
		return 0, nil, false
	}
	switch info[0] &^ 0xE0 {
	case bareSeg:
		return APIDBundleSeg, info[BareLen:], true
	case bareAck:
		return APIDBundleAck, info[BareLen:], true
	}
	return 0, nil, false
}

// DecodeInfo reads an information field: a bare bundle segment or ack
// (as a packet of type typ, the direction it came) or one whole space
// packet.
func DecodeInfo(info []byte, typ spp.Type) (*spp.Packet, error) {
	if apid, data, ok := DecodeBare(info); ok {
		return &spp.Packet{Type: typ, APID: apid, Data: data}, nil
	}
	p, rest, err := spp.Decode(info)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d bytes after the space packet", len(rest))
	}
	return p, nil
}
