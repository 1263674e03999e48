package passes

// scratch holds one worker's buffers, reused from satellite to satellite.
// Entries of nodes, polys and grid belong to the satellite whose
// generation they carry; a new satellite takes the next generation, so
// nothing needs clearing.
type scratch struct {
	gen      uint32
	nodes    []node
	polys    []interval
	grid     []gridPoint
	lambda   []float64
	cosWatch []float64
	found    [][]Pass
}

// next returns a fresh generation, clearing the buffers on the (distant)
// wrap-around so that no stale entry can match.
func (sc *scratch) next() uint32 {
	sc.gen++
	if sc.gen == 0 {
		clear(sc.nodes)
		clear(sc.polys)
		clear(sc.grid)
		sc.gen = 1
	}
	return sc.gen
}

// grow returns s with length at least n, keeping its contents.
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}
