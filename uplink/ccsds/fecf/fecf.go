// Package fecf is the frame error control field of CCSDS TM and TC
// transfer frames (132.0-B section 4.1.6, 232.0-B section 4.1.4):
// CRC-16 with the polynomial x^16 + x^12 + x^5 + 1, preset to all ones,
// not reflected, not inverted.
package fecf

// CRC16 is the FECF of b.
func CRC16(b []byte) uint16 {
	crc := uint16(0xffff)
	for _, x := range b {
		crc ^= uint16(x) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
