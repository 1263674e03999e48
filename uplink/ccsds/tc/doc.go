// Package tc is the CCSDS telecommand uplink: TC transfer frames (CCSDS
// 232.0-B) with their control commands (Unlock, Set V(R)), and the
// communications link transmission unit with the BCH(63,56) code (CCSDS
// 231.0-B) that carries them on the channel.
package tc
