package ltp

// span is the bytes lo..hi-1 of a block.
type span struct{ lo, hi int }

// ranges is a set of bytes: sorted, disjoint, non-adjacent spans.
type ranges []span

// add returns r with lo..hi-1 added.
func (r ranges) add(lo, hi int) ranges {
	if hi <= lo {
		return r
	}
	out := make(ranges, 0, len(r)+1)
	i := 0
	for ; i < len(r) && r[i].hi < lo; i++ {
		out = append(out, r[i])
	}
	for ; i < len(r) && r[i].lo <= hi; i++ {
		lo, hi = min(lo, r[i].lo), max(hi, r[i].hi)
	}
	out = append(out, span{lo, hi})
	return append(out, r[i:]...)
}

// covers reports whether every byte of lo..hi-1 is in r.
func (r ranges) covers(lo, hi int) bool {
	if hi <= lo {
		return true
	}
	for _, s := range r {
		if s.lo <= lo && hi <= s.hi {
			return true
		}
	}
	return false
}

// clip returns the parts of r inside lo..hi-1.
func (r ranges) clip(lo, hi int) ranges {
	var out ranges
	for _, s := range r {
		if a, b := max(s.lo, lo), min(s.hi, hi); a < b {
			out = append(out, span{a, b})
		}
	}
	return out
}

// gaps returns the parts of lo..hi-1 not in r.
func (r ranges) gaps(lo, hi int) ranges {
	var out ranges
	at := lo
	for _, s := range r.clip(lo, hi) {
		if s.lo > at {
			out = append(out, span{at, s.lo})
		}
		at = s.hi
	}
	if at < hi {
		out = append(out, span{at, hi})
	}
	return out
}
