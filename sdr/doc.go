// Package sdr is the station's radio hardware side: serial KISS TNCs,
// Hamlib rig and rotator control, rtl_tcp IQ and the software modems.
package sdr
