package coding

import "fmt"

// Shortened codes: a mission may send fewer than 223 data bytes per
// codeword (131.0-B section 4.3.7, "virtual fill"): the codeword's first
// 223-k symbols are taken as zeros by both ends and not sent. Some
// missions also send the symbols in the conventional basis rather than
// Berlekamp's dual basis. RSEncodeShort and RSDecodeShort are one
// codeword (no interleaving) of k data bytes and 32 check bytes, in
// either basis.

// RSEncodeShort appends to out the codeword of data (1 to 223 bytes):
// data, then its 32 check bytes.
func RSEncodeShort(out, data []byte, conventional bool) ([]byte, error) {
	k := len(data)
	if k < 1 || k > rsK {
		return out, fmt.Errorf("rs: %d data bytes: a shortened codeword holds 1 to %d", k, rsK)
	}
	var word [rsK]byte
	for i, d := range data {
		word[rsK-k+i] = basisIn(d, conventional)
	}
	var parity [RSParity]byte
	rsEncode(word[:], parity[:])
	out = append(out, data...)
	for _, p := range parity {
		out = append(out, basisOut(p, conventional))
	}
	return out, nil
}

// RSDecodeShort corrects a shortened codeword (k data bytes and 32 check
// bytes, k from 1 to 223) in place and returns its data and the symbols
// corrected. A correction that would fall in the virtual fill means the
// codeword was beyond correction: an error, and cw is left as it came.
func RSDecodeShort(cw []byte, conventional bool) ([]byte, int, error) {
	k := len(cw) - RSParity
	if k < 1 || k > rsK {
		return nil, 0, fmt.Errorf("rs: a %d-byte shortened codeword: want 33 to 255 bytes", len(cw))
	}
	var full [rsN]byte
	fill := rsK - k
	for i, c := range cw {
		full[fill+i] = basisIn(c, conventional)
	}
	n, err := rsDecode(full[:])
	if err != nil {
		return nil, 0, err
	}
	for _, z := range full[:fill] {
		if z != 0 {
			return nil, 0, ErrUncorrectable
		}
	}
	if n > 0 {
		for i := range cw {
			cw[i] = basisOut(full[fill+i], conventional)
		}
	}
	return cw[:k], n, nil
}

func basisIn(b byte, conventional bool) byte {
	if conventional {
		return b
	}
	return fromDual[b]
}

func basisOut(b byte, conventional bool) byte {
	if conventional {
		return b
	}
	return toDual[b]
}
