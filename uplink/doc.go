// Package uplink carries commands and data between ground and space: the
// link layer (kiss, ax25, spp), commanding, bundles and store-and-forward.
// The emulator in sim uses this same code for the other end of the link.
package uplink
