package bstore

import (
	"encoding/binary"
	"os"
)

// scanPages reads a store file page by page, as a disk fsck would, and
// returns every value on a leaf page that decodes as a bundle: what a
// damaged branch page hides from a walk of the tree. It trusts nothing it
// reads: every offset is checked against the file.
func scanPages(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 64 {
		return nil
	}
	const (
		headerLen  = 16 // page id, flags, count, overflow
		elementLen = 16 // flags, pos, ksize, vsize
		leafFlag   = 0x02
		bucketFlag = 0x01
	)
	pageSize := int(binary.LittleEndian.Uint32(data[headerLen+8:]))
	if pageSize < 512 || pageSize > 1<<16 || pageSize&(pageSize-1) != 0 {
		pageSize = 4096
	}
	var out [][]byte
	for p := 2; (p+1)*pageSize <= len(data); p++ {
		page := data[p*pageSize:]
		if binary.LittleEndian.Uint64(page) != uint64(p) || binary.LittleEndian.Uint16(page[8:])&leafFlag == 0 {
			continue
		}
		count := int(binary.LittleEndian.Uint16(page[10:]))
		span := (1 + int(binary.LittleEndian.Uint32(page[12:]))) * pageSize // with its overflow pages
		if span > len(page) {
			span = len(page)
		}
		page = page[:span]
		for i := 0; i < count; i++ {
			at := headerLen + i*elementLen
			if at+elementLen > len(page) {
				break
			}
			e := page[at:]
			flags := binary.LittleEndian.Uint32(e)
			pos, ks, vs := int(binary.LittleEndian.Uint32(e[4:])), int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
			start := at + pos + ks
			if flags&bucketFlag != 0 || pos < 0 || ks < 0 || vs <= 0 || start < 0 || start+vs > len(page) || vs > MaxStoredBundle {
				continue
			}
			v := page[start : start+vs]
			if _, _, err := Describe(v); err == nil {
				out = append(out, append([]byte(nil), v...))
			}
		}
	}
	return out
}

// MaxStoredBundle bounds what the page scan takes for a bundle.
const MaxStoredBundle = 16 << 20
