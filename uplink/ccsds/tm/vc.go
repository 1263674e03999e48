package tm

import (
	"encoding/binary"
	"fmt"
)

// IdleAPID is the APID of idle packets (133.0-B): fill, never delivered.
const IdleAPID = 0x7ff

// Master is a master channel: the spacecraft's frames of every virtual
// channel, one master channel frame count, and the OCF each frame
// carries (nil: none).
type Master struct {
	Layout Layout
	SCID   uint16
	OCF    func() *uint32
	count  uint8
}

func (m *Master) frame(dst []byte, vcid, vcCount uint8, fhp uint16, data []byte) ([]byte, error) {
	f := &Frame{SCID: m.SCID, VCID: vcid, MCCount: m.count, VCCount: vcCount, FHP: fhp, Data: data}
	if m.OCF != nil {
		f.OCF = m.OCF()
	}
	m.count++
	return m.Layout.Encode(dst, f)
}

// Idle appends an idle frame (virtual channel 7, idle data), sent when
// there is nothing else, so that the channel keeps its frame rate.
func (m *Master) Idle(dst []byte) ([]byte, error) {
	return m.frame(dst, 7, m.count, FHPIdle, nil)
}

// Packer packs space packets into a virtual channel's frames, a packet
// running on from one frame into the next where it must.
type Packer struct {
	Master *Master
	VCID   uint8
	// Reserve is the bytes at the end of every frame's data field kept
	// free of packets: the room a security header and trailer (SDLS)
	// take when the frame is protected.
	Reserve int
	count   uint8
	buf     []byte
	starts  []int // offsets in buf where packets start
}

// Add queues a space packet (its primary header first).
func (p *Packer) Add(packet []byte) {
	p.starts = append(p.starts, len(p.buf))
	p.buf = append(p.buf, packet...)
}

// Pending is the bytes queued and not yet in a frame.
func (p *Packer) Pending() int { return len(p.buf) }

// Frames appends every full frame the queue makes; with flush, the last
// partial one too, filled with an idle packet.
func (p *Packer) Frames(dst []byte, flush bool) ([]byte, error) {
	n := p.Master.Layout.DataLen(p.Master.OCF != nil) - p.Reserve
	if n < 8 {
		return dst, fmt.Errorf("tm: %d data bytes a frame once %d are reserved", n, p.Reserve)
	}
	if flush && len(p.buf)%n != 0 {
		space := n - len(p.buf)%n
		if space < 7 { // an idle packet is 7 bytes at least: it runs on
			space += n
		}
		idle := binary.BigEndian.AppendUint16(nil, IdleAPID) // version 0, TM, no secondary header
		idle = binary.BigEndian.AppendUint16(idle, 0xc000)   // unsegmented, count 0
		idle = binary.BigEndian.AppendUint16(idle, uint16(space-7))
		p.Add(append(idle, make([]byte, space-6)...))
	}
	var err error
	for len(p.buf) >= n {
		fhp := uint16(FHPNone)
		for len(p.starts) > 0 && p.starts[0] < n {
			if fhp == FHPNone {
				fhp = uint16(p.starts[0])
			}
			p.starts = p.starts[1:]
		}
		if dst, err = p.Master.frame(dst, p.VCID, p.count, fhp, p.buf[:n]); err != nil {
			return dst, err
		}
		p.count++
		p.buf = p.buf[n:]
		for i := range p.starts {
			p.starts[i] -= n
		}
	}
	if len(p.buf) == 0 {
		p.buf = nil // let the backing array go
	}
	return dst, nil
}

// Extractor takes a virtual channel's frames in the order received and
// returns the space packets they carry. A gap in the virtual channel
// frame count (frames lost) drops the packet under way, and extraction
// starts again at the next frame's first header pointer; idle packets
// are dropped.
type Extractor struct {
	expect uint8
	have   bool
	synced bool
	buf    []byte
	// Lost counts frames the count says were lost; Dropped the bytes of
	// packets that could not be completed.
	Lost, Dropped int
}

// Add takes a frame of the channel and returns the packets it completed.
func (x *Extractor) Add(f *Frame) [][]byte {
	if x.have && f.VCCount != x.expect {
		x.Lost += int(f.VCCount - x.expect)
		x.drop()
	}
	x.have, x.expect = true, f.VCCount+1
	switch {
	case f.FHP == FHPIdle:
		return nil
	case !x.synced:
		if f.FHP == FHPNone {
			return nil
		}
		x.buf, x.synced = append(x.buf[:0], f.Data[f.FHP:]...), true
	default:
		// the pointer must fall where the packet under way ends (or at 0
		// with none under way); if not, believe the pointer
		if f.FHP != FHPNone {
			end := 0
			if len(x.buf) > 0 {
				end = x.need() - len(x.buf)
			}
			if (len(x.buf) == 0 || x.need() >= 0) && end != int(f.FHP) {
				x.drop()
				x.buf, x.synced = append(x.buf[:0], f.Data[f.FHP:]...), true
				return x.packets()
			}
		}
		x.buf = append(x.buf, f.Data...)
	}
	return x.packets()
}

// need is the length of the packet under way (-1: its header is not all
// there yet).
func (x *Extractor) need() int {
	if len(x.buf) < 6 {
		return -1
	}
	return 7 + int(binary.BigEndian.Uint16(x.buf[4:]))
}

func (x *Extractor) drop() {
	x.Dropped += len(x.buf)
	x.buf, x.synced = x.buf[:0], false
}

func (x *Extractor) packets() [][]byte {
	var out [][]byte
	for {
		n := x.need()
		if n < 0 || len(x.buf) < n {
			return out
		}
		if x.buf[0]>>5 != 0 { // not packet version 0: lost the thread
			x.drop()
			return out
		}
		if binary.BigEndian.Uint16(x.buf)&0x7ff != IdleAPID {
			out = append(out, append([]byte(nil), x.buf[:n]...))
		}
		x.buf = x.buf[n:]
	}
}
