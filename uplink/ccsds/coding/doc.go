// Package coding is CCSDS TM synchronisation and channel coding (CCSDS
// 131.0-B): the attached sync marker and frame synchronisation that
// tolerates bit errors in it, the pseudo-randomiser, Reed-Solomon
// (255,223) in the dual basis with interleaving depth 1 to 8, and the
// rate-1/2 constraint-length-7 convolutional code with a soft-decision
// Viterbi decoder.
//
// Each is checked against an implementation ipgs did not write: Phil
// Karn's libfec (encode_rs_ccsds and decode_rs_ccsds, viterbi27 with the
// CCSDS polynomials), run by the tests through a small C helper built
// when libfec-dev is installed, and against the books' own figures (the
// randomiser's first bytes).
package coding
