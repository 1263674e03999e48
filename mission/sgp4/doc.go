// Package sgp4 is ipgs's own implementation of the SGP4/SDP4 orbit
// propagator for two-line element sets, written from the published
// algorithm: D. A. Vallado, P. Crawford, R. Hujsak, T. S. Kelso,
// "Revisiting Spacetrack Report #3", AIAA 2006-6753, with the WGS72 gravity
// model and the improved ('i') operation mode.
//
// Positions and velocities are in the TEME frame, in km and km/s. A
// Propagator holds no mutable state: the deep-space resonance integrator
// restarts from epoch on every call, which gives bit-identical results
// whatever order times are asked in, and lets many goroutines share one
// Propagator.
package sgp4
