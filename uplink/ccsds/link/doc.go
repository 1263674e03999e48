// Package link is a CCSDS space link as a satellite profile sets it up,
// both ends of it: the station's (TM frames in, with the CLCW driving
// FOP-1, packets extracted; telecommand packets out in TC frames under
// COP-1) and the spacecraft's (FARM-1 and TM frames with the CLCW), SDLS
// on the mission's channels when the link is secured, key management on
// a channel of its own, and the channel coding on the air.
//
// The mission's packets go on one TM and one TC virtual channel (the
// profile's); key management (the post-quantum handshake that keys the
// SDLS associations, in the form of SDLS extended procedures PDUs) goes
// in the clear on the next channel of each, since it must work before
// any key is shared and authenticates itself.
package link
