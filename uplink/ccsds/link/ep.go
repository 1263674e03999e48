package link

import (
	"encoding/binary"
	"fmt"
)

// Key management travels as SDLS extended procedures PDUs (355.1-B):
// a tag octet (procedure type: 1 a command, 0 a reply; the user flag;
// the service group; the procedure identifier), the data field's length
// in bits, and the data. The post-quantum handshake is key management's
// over-the-air rekeying (service group 00, procedure 0001) with the user
// flag set: the mission's own form of it, a key encapsulated to the
// spacecraft's X-Wing key and signed by the station, instead of keys
// wrapped under a master key.

// KeyAPID is the APID of the space packets that carry the PDUs (NASA
// CryptoLib's choice for its extended procedures).
const KeyAPID = 128

const (
	sgKeyManagement = 0
	pidOTAR         = 1
)

// EPWrap makes a PDU of a handshake message: a command (up) or a reply
// (down).
func EPWrap(reply bool, msg []byte) []byte {
	tag := byte(1<<6 | sgKeyManagement<<4 | pidOTAR) // user-defined OTAR
	if !reply {
		tag |= 1 << 7
	}
	out := []byte{tag}
	out = binary.BigEndian.AppendUint16(out, uint16(8*len(msg)))
	return append(out, msg...)
}

// EPOpen reads a PDU back: whether it is a reply, and its message.
func EPOpen(b []byte) (reply bool, msg []byte, err error) {
	if len(b) < 3 {
		return false, nil, fmt.Errorf("link: a %d-byte EP PDU (3 bytes of header)", len(b))
	}
	if b[0]&0x7f != 1<<6|sgKeyManagement<<4|pidOTAR {
		return false, nil, fmt.Errorf("link: EP PDU tag %02X: not the mission's OTAR", b[0])
	}
	bits := int(binary.BigEndian.Uint16(b[1:]))
	if bits%8 != 0 || bits/8 != len(b)-3 {
		return false, nil, fmt.Errorf("link: EP PDU length %d bits with %d bytes of data", bits, len(b)-3)
	}
	return b[0]>>7 == 0, b[3:], nil
}
