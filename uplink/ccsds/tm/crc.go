package tm

// CRC16 is the frame error control field's code (132.0-B section 4.1.6):
// CRC-16 with the polynomial x^16 + x^12 + x^5 + 1, preset to all ones,
// not reflected, not inverted.
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
