package fecf

import "testing"

// TestCheckValue: the CRC of "123456789" is 0x29B1, this CRC's check
// value (CRC-16/CCITT-FALSE).
func TestCheckValue(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x29b1 {
		t.Fatalf("CRC16 = %04X, want 29B1", got)
	}
}
