package radio

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// LoadOffsets reads the operator's downlink offsets kept in path (a JSON
// object: NORAD number → Hz); a missing file is no offsets.
func LoadOffsets(path string) (map[int]float64, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[int]float64{}, nil
	}
	if err != nil {
		return nil, err
	}
	var raw map[string]float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[int]float64{}
	for k, v := range raw {
		n, err := strconv.Atoi(k)
		if err != nil || n <= 0 || math.IsNaN(v) || math.Abs(v) > 25000 {
			return nil, fmt.Errorf("%s: %q: %g Hz: want a NORAD number and at most 25 kHz", path, k, v)
		}
		out[n] = v
	}
	return out, nil
}

// SaveOffsets writes offsets to path atomically.
func SaveOffsets(path string, offsets map[int]float64) error {
	raw := map[string]float64{}
	for n, v := range offsets {
		raw[strconv.Itoa(n)] = v
	}
	b, _ := json.MarshalIndent(raw, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
