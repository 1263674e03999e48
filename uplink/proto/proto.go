// Package proto is ipgs's space-link protocol on top of CCSDS space
// packets inside AX.25 UI frames: session control, housekeeping,
// selective acknowledgement of telemetry and telecommands with their
// verification. The station engine and the emulator both use it.
//
// Every telemetry packet the satellite stores carries a 32-bit packet
// number as the first four bytes of its data field; the satellite keeps a
// packet until the ground acknowledges its number, so a packet is either
// on the ground or still onboard.
package proto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/spp"
)

// APIDs.
const (
	APIDSession      = 1   // TC: open or close a downlink session
	APIDCmdAck       = 2   // TM: command verification (stored, numbered)
	APIDAck          = 3   // TC: selective acknowledgement of TM packet numbers
	APIDCommand      = 10  // TC: a command
	APIDBundleSeg    = 20  // TC and TM: a bundle segment (uplink/slcl)
	APIDBundleAck    = 21  // TC and TM: acknowledgement of bundle segments
	APIDHousekeeping = 100 // TM: housekeeping (stored, numbered)
)

// Session operations. A SessionOpen may carry the contact's planned end
// (EncodeSessionOpen): the satellite then sends nothing that would reach
// the ground after it, instead of talking to a station that stopped
// listening.
const (
	SessionOpen  = 1
	SessionClose = 2
)

// EncodeSessionOpen is a SessionOpen naming the contact's end (zero: none).
func EncodeSessionOpen(end time.Time) []byte {
	if end.IsZero() {
		return []byte{SessionOpen}
	}
	return binary.BigEndian.AppendUint64([]byte{SessionOpen}, uint64(end.UnixMilli()))
}

// SessionEnd is the contact end a SessionOpen names (zero: none given).
func SessionEnd(data []byte) time.Time {
	if len(data) < 9 || data[0] != SessionOpen {
		return time.Time{}
	}
	ms := binary.BigEndian.Uint64(data[1:])
	if ms == 0 || ms > 1<<53 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}

// Command verification stages reported by the satellite.
const (
	StageReceived = 1
	StageExecuted = 2
	StageFailed   = 3
)

var errShort = errors.New("too short")

// Error is a message that did not decode.
type Error struct {
	Msg string
	Err error
	N   int // bytes present
}

func (e *Error) Error() string { return fmt.Sprintf("proto: %s: %v (%d bytes)", e.Msg, e.Err, e.N) }
func (e *Error) Unwrap() error { return e.Err }

// HK is a housekeeping record.
type HK struct {
	No        uint32 // packet number
	BatteryMV uint16
	SoC       uint8 // %
	SolarCW   uint16
	TempCC    int16 // 0.01 °C
	Mode      uint8
	Sunlit    uint8 // sunlit fraction x 255
	Stored    uint32
	Reboots   uint16
	Generated uint32 // telemetry packets generated since launch
}

// HKLen is the length of an encoded HK.
const HKLen = 4 + 2 + 1 + 2 + 2 + 1 + 1 + 4 + 2 + 4

func (h *HK) Encode() []byte {
	b := make([]byte, 0, HKLen)
	b = binary.BigEndian.AppendUint32(b, h.No)
	b = binary.BigEndian.AppendUint16(b, h.BatteryMV)
	b = append(b, h.SoC)
	b = binary.BigEndian.AppendUint16(b, h.SolarCW)
	b = binary.BigEndian.AppendUint16(b, uint16(h.TempCC))
	b = append(b, h.Mode, h.Sunlit)
	b = binary.BigEndian.AppendUint32(b, h.Stored)
	b = binary.BigEndian.AppendUint16(b, h.Reboots)
	b = binary.BigEndian.AppendUint32(b, h.Generated)
	return b
}

// DecodeHK parses a housekeeping data field.
func DecodeHK(b []byte) (HK, error) {
	if len(b) < HKLen {
		return HK{}, &Error{"housekeeping", errShort, len(b)}
	}
	return HK{
		No: binary.BigEndian.Uint32(b[0:]), BatteryMV: binary.BigEndian.Uint16(b[4:]), SoC: b[6],
		SolarCW: binary.BigEndian.Uint16(b[7:]), TempCC: int16(binary.BigEndian.Uint16(b[9:])),
		Mode: b[11], Sunlit: b[12], Stored: binary.BigEndian.Uint32(b[13:]), Reboots: binary.BigEndian.Uint16(b[17:]),
		Generated: binary.BigEndian.Uint32(b[19:]),
	}, nil
}

// CmdAck reports a command's verification stage.
type CmdAck struct {
	No     uint32 // packet number
	CmdID  uint32
	Stage  uint8
	Reason string // why it failed
}

func (a *CmdAck) Encode() []byte {
	r := a.Reason
	if len(r) > 200 {
		r = r[:200]
	}
	b := binary.BigEndian.AppendUint32(nil, a.No)
	b = binary.BigEndian.AppendUint32(b, a.CmdID)
	b = append(b, a.Stage, byte(len(r)))
	return append(b, r...)
}

// DecodeCmdAck parses a command verification.
func DecodeCmdAck(b []byte) (CmdAck, error) {
	if len(b) < 10 || len(b) < 10+int(b[9]) {
		return CmdAck{}, &Error{"command verification", errShort, len(b)}
	}
	a := CmdAck{No: binary.BigEndian.Uint32(b), CmdID: binary.BigEndian.Uint32(b[4:]), Stage: b[8], Reason: string(b[10 : 10+int(b[9])])}
	if a.Stage < StageReceived || a.Stage > StageFailed {
		return CmdAck{}, &Error{"command verification", fmt.Errorf("unknown stage %d", a.Stage), len(b)}
	}
	return a, nil
}

// PacketNo reads the packet number of a stored TM packet's data field.
func PacketNo(data []byte) (uint32, error) {
	if len(data) < 4 {
		return 0, &Error{"packet number", errShort, len(data)}
	}
	return binary.BigEndian.Uint32(data), nil
}

// Range is an inclusive range of packet numbers.
type Range struct{ Lo, Hi uint32 }

// MaxRanges is how many ranges fit one acknowledgement.
const MaxRanges = 24

// EncodeAck encodes at most MaxRanges ranges.
func EncodeAck(rs []Range) []byte {
	if len(rs) > MaxRanges {
		rs = rs[:MaxRanges]
	}
	b := []byte{byte(len(rs))}
	for _, r := range rs {
		b = binary.BigEndian.AppendUint32(b, r.Lo)
		b = binary.BigEndian.AppendUint32(b, r.Hi)
	}
	return b
}

// DecodeAck parses an acknowledgement.
func DecodeAck(b []byte) ([]Range, error) {
	if len(b) < 1 || len(b) < 1+8*int(b[0]) {
		return nil, &Error{"acknowledgement", errShort, len(b)}
	}
	n := int(b[0])
	if n > MaxRanges {
		return nil, &Error{"acknowledgement", fmt.Errorf("%d ranges, at most %d", n, MaxRanges), len(b)}
	}
	rs := make([]Range, n)
	for i := range rs {
		rs[i] = Range{binary.BigEndian.Uint32(b[1+8*i:]), binary.BigEndian.Uint32(b[5+8*i:])}
		if rs[i].Hi < rs[i].Lo {
			return nil, &Error{"acknowledgement", fmt.Errorf("range %d..%d is reversed", rs[i].Lo, rs[i].Hi), len(b)}
		}
	}
	return rs, nil
}

// Command is a telecommand.
type Command struct {
	ID     uint32
	Opcode uint16
	At     time.Time // onboard execution time; zero: at once
	Args   []byte
}

func (c *Command) Encode() []byte {
	b := binary.BigEndian.AppendUint32(nil, c.ID)
	b = binary.BigEndian.AppendUint16(b, c.Opcode)
	var at uint32
	if !c.At.IsZero() {
		at, _ = spp.CUC(c.At)
	}
	b = binary.BigEndian.AppendUint32(b, at)
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Args)))
	return append(b, c.Args...)
}

// DecodeCommand parses a telecommand.
func DecodeCommand(b []byte) (Command, error) {
	if len(b) < 12 {
		return Command{}, &Error{"command", errShort, len(b)}
	}
	n := int(binary.BigEndian.Uint16(b[10:]))
	if len(b) < 12+n {
		return Command{}, &Error{"command", fmt.Errorf("arguments: header says %d bytes, %d present", n, len(b)-12), len(b)}
	}
	c := Command{ID: binary.BigEndian.Uint32(b), Opcode: binary.BigEndian.Uint16(b[4:]), Args: append([]byte(nil), b[12:12+n]...)}
	if at := binary.BigEndian.Uint32(b[6:]); at != 0 {
		c.At = spp.FromCUC(at, 0)
	}
	return c, nil
}

// Frame wraps a space packet in an AX.25 UI frame; fcs appends the frame
// check sequence (on the air it is there; between a host and its KISS TNC
// it is not: the TNC adds and checks it).
func Frame(src, dst ax25.Address, p *spp.Packet, fcs bool) ([]byte, error) {
	info, err := p.Encode(nil)
	if err != nil {
		return nil, err
	}
	f := ax25.Frame{Dst: dst, Src: src, Info: info}
	return f.Encode(fcs)
}

// Unframe checks and opens an AX.25 frame carrying one space packet; fcs
// says whether the frame ends in a frame check sequence to verify.
func Unframe(b []byte, fcs bool) (*ax25.Frame, *spp.Packet, error) {
	f, err := ax25.Decode(b, fcs)
	if err != nil {
		return nil, nil, err
	}
	p, rest, err := spp.Decode(f.Info)
	if err != nil {
		return f, nil, err
	}
	if len(rest) != 0 {
		return f, nil, fmt.Errorf("proto: %d bytes after the space packet", len(rest))
	}
	return f, p, nil
}
