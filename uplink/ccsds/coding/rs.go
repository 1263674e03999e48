package coding

import (
	"errors"
	"fmt"
)

// Reed-Solomon (255,223) as CCSDS 131.0-B section 4 writes it: GF(2^8)
// from x^8 + x^7 + x^2 + x + 1, generator roots alpha^(11j) for j = 112
// to 143, 32 check symbols correcting up to 16 symbol errors, symbols in
// Berlekamp's dual basis on the wire.
const (
	rsN      = 255
	rsK      = 223
	RSParity = rsN - rsK
	rsPoly   = 0x187
	rsFCR    = 112
	rsPrim   = 11
)

// GF(2^8) tables: exp[i] = alpha^i, log[alpha^i] = i (log[0] undefined).
var gfExp, gfLog = func() ([512]byte, [256]int) {
	var e [512]byte
	var l [256]int
	x := 1
	for i := 0; i < 255; i++ {
		e[i] = byte(x)
		l[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= rsPoly
		}
	}
	for i := 255; i < 512; i++ {
		e[i] = e[i-255]
	}
	return e, l
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

// gen is the generator polynomial's coefficients, highest power first
// (gen[0] = 1).
var gen = func() []byte {
	g := []byte{1}
	for j := 0; j < RSParity; j++ {
		root := gfExp[((rsFCR+j)*rsPrim)%255]
		next := make([]byte, len(g)+1)
		for i, c := range g {
			next[i] ^= c
			next[i+1] ^= gfMul(c, root)
		}
		g = next
	}
	return g
}()

// The dual basis: toDual maps a symbol in the conventional basis to its
// CCSDS (dual basis) form, fromDual back. The transform's rows are those
// CCSDS 131.0-B Annex F gives.
var toDual, fromDual = func() ([256]byte, [256]byte) {
	rows := [8]byte{0x8d, 0xef, 0xec, 0x86, 0xfa, 0x99, 0xaf, 0x7b}
	var t, inv [256]byte
	for x := 0; x < 256; x++ {
		var y byte
		for k := 0; k < 8; k++ {
			if x&(1<<k) != 0 {
				y ^= rows[7-k]
			}
		}
		t[x] = y
		inv[y] = byte(x)
	}
	return t, inv
}()

// rsEncode computes the 32 check symbols of 223 data symbols, both in the
// conventional basis.
func rsEncode(data []byte, parity []byte) {
	clear(parity[:RSParity])
	for _, d := range data {
		fb := d ^ parity[0]
		copy(parity, parity[1:RSParity])
		parity[RSParity-1] = 0
		if fb != 0 {
			for j := 0; j < RSParity; j++ {
				parity[j] ^= gfMul(fb, gen[j+1])
			}
		}
	}
}

// ErrUncorrectable is a codeword with more errors than the code corrects.
var ErrUncorrectable = errors.New("rs: more than 16 symbol errors")

// rsDecode corrects a 255-symbol codeword (conventional basis) in place
// and returns how many symbols it changed.
func rsDecode(cw []byte) (int, error) {
	// syndromes S_j = c(alpha^((fcr+j)*prim))
	var s [RSParity]byte
	nonzero := false
	for j := 0; j < RSParity; j++ {
		root := ((rsFCR + j) * rsPrim) % 255
		var acc byte
		for _, c := range cw {
			acc = gfMul(acc, gfExp[root]) ^ c
		}
		s[j] = acc
		nonzero = nonzero || acc != 0
	}
	if !nonzero {
		return 0, nil
	}
	// Berlekamp-Massey: the error locator lambda
	lambda := make([]byte, RSParity+1)
	b := make([]byte, RSParity+1)
	lambda[0], b[0] = 1, 1
	l, m := 0, 1
	var bd byte = 1
	for n := 0; n < RSParity; n++ {
		d := s[n]
		for i := 1; i <= l; i++ {
			d ^= gfMul(lambda[i], s[n-i])
		}
		if d == 0 {
			m++
			continue
		}
		coef := gfMul(d, gfExp[255-gfLog[bd]])
		t := append([]byte(nil), lambda...)
		for i := 0; i+m <= RSParity; i++ {
			lambda[i+m] ^= gfMul(coef, b[i])
		}
		if 2*l <= n {
			l = n + 1 - l
			b, bd, m = t, d, 1
		} else {
			m++
		}
	}
	if l > RSParity/2 {
		return 0, ErrUncorrectable
	}
	// Chien search over the codeword's positions: position p (0 first,
	// highest power) is x^(254-p); an error there when
	// lambda(alpha^-(254-p)*prim^-1 ...) vanishes. With prim = 11 the
	// locator's roots are X^-1 where X = alpha^(prim*(254-p)).
	var pos []int
	var xinv []int // log of X^-1
	for p := 0; p < rsN; p++ {
		e := (rsPrim * (254 - p)) % 255
		inv := (255 - e) % 255
		var acc byte
		for i := 0; i <= l; i++ {
			if lambda[i] != 0 {
				acc ^= gfExp[(gfLog[lambda[i]]+inv*i)%255]
			}
		}
		if acc == 0 {
			pos = append(pos, p)
			xinv = append(xinv, inv)
		}
	}
	if len(pos) != l {
		return 0, ErrUncorrectable
	}
	// Forney: omega = S(x) lambda(x) mod x^32, e = X^(1-fcr) omega(X^-1) / lambda'(X^-1)
	omega := make([]byte, RSParity)
	for i := 0; i < RSParity; i++ {
		var acc byte
		for j := 0; j <= i && j <= l; j++ {
			acc ^= gfMul(s[i-j], lambda[j])
		}
		omega[i] = acc
	}
	for k, p := range pos {
		xi := xinv[k]
		var num, den byte
		for i := 0; i < RSParity; i++ {
			if omega[i] != 0 {
				num ^= gfExp[(gfLog[omega[i]]+xi*i)%255]
			}
		}
		for i := 1; i <= l; i += 2 { // the formal derivative: odd terms
			if lambda[i] != 0 {
				den ^= gfExp[(gfLog[lambda[i]]+xi*(i-1))%255]
			}
		}
		if den == 0 {
			return 0, ErrUncorrectable
		}
		// X^(1-fcr) with X = alpha^(prim*(254-p)), as a power of alpha
		xe := (rsPrim * (254 - p)) % 255
		pw := ((1-rsFCR)*xe%255 + 255*255) % 255
		mag := gfMul(gfMul(num, gfExp[pw]), gfExp[255-gfLog[den]])
		cw[p] ^= mag
	}
	return len(pos), nil
}

// RSEncode appends to out the codeblock of data (223*depth bytes), with
// Reed-Solomon check symbols interleaved at depth I (1 to 8) as CCSDS
// transmits them: data symbol i belongs to codeword i mod I, and the
// check symbols follow, likewise interleaved. Symbols are in the dual
// basis on the wire.
func RSEncode(out, data []byte, depth int) ([]byte, error) {
	if depth < 1 || depth > 8 || len(data) != rsK*depth {
		return out, fmt.Errorf("rs: %d data bytes at depth %d: want 223 x depth, depth 1 to 8", len(data), depth)
	}
	out = append(out, data...)
	var word [rsK]byte
	var parity [RSParity]byte
	checks := make([]byte, RSParity*depth)
	for w := 0; w < depth; w++ {
		for i := 0; i < rsK; i++ {
			word[i] = fromDual[data[i*depth+w]]
		}
		rsEncode(word[:], parity[:])
		for j := 0; j < RSParity; j++ {
			checks[j*depth+w] = toDual[parity[j]]
		}
	}
	return append(out, checks...), nil
}

// RSDecode corrects a codeblock (255*depth bytes, dual basis, interleaved
// at depth) in place and returns its data (the first 223*depth bytes) and
// the symbols corrected; a codeword beyond correction is an error that
// names it, and the block is left as it came.
func RSDecode(block []byte, depth int) ([]byte, int, error) {
	if depth < 1 || depth > 8 || len(block) != rsN*depth {
		return nil, 0, fmt.Errorf("rs: a %d-byte block at depth %d: want 255 x depth, depth 1 to 8", len(block), depth)
	}
	fixed := 0
	var cws [8][rsN]byte
	for w := 0; w < depth; w++ {
		cw := &cws[w]
		for i := 0; i < rsN; i++ {
			cw[i] = fromDual[block[i*depth+w]]
		}
		n, err := rsDecode(cw[:])
		if err != nil {
			return nil, 0, fmt.Errorf("rs: codeword %d of %d: %w", w+1, depth, err)
		}
		fixed += n
	}
	if fixed > 0 { // every codeword decoded: only now is the block changed
		for w := 0; w < depth; w++ {
			for i := 0; i < rsN; i++ {
				block[i*depth+w] = toDual[cws[w][i]]
			}
		}
	}
	return block[:rsK*depth], fixed, nil
}
