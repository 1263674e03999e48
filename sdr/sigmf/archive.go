package sigmf

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ArchiveExt is a SigMF archive's name: a tar of a recording's
// metadata and data.
const ArchiveExt = ".sigmf"

// OpenArchive opens the recording in a SigMF archive without unpacking
// it: the data is read where it lies in the tar. An archive of several
// recordings opens its first and says so in an error only when the
// names do not pair.
func OpenArchive(p string) (*Meta, *Reader, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	m, r, err := openArchive(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	r.closer = f
	return m, r, nil
}

func openArchive(f *os.File) (*Meta, *Reader, error) {
	type entry struct{ off, size int64 }
	metas := map[string][]byte{}
	datas := map[string]entry{}
	var order []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			at, _ := f.Seek(0, io.SeekCurrent)
			return nil, nil, &Error{fmt.Sprintf("byte %d", at), fmt.Sprintf("not a tar archive as a .sigmf must be: %v", err)}
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		switch {
		case strings.HasSuffix(name, Ext):
			if h.Size > maxIn {
				return nil, nil, &Error{name, fmt.Sprintf("%d bytes of metadata is over the limit", h.Size)}
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, nil, &Error{name, fmt.Sprintf("cut short: %v", err)}
			}
			base := strings.TrimSuffix(name, Ext)
			metas[base] = b
			order = append(order, base)
		case strings.HasSuffix(name, DExt):
			// tar.Reader leaves the file at the entry's first byte.
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, nil, err
			}
			datas[strings.TrimSuffix(name, DExt)] = entry{off, h.Size}
		}
	}
	if len(order) == 0 {
		return nil, nil, errors.New("no .sigmf-meta in the archive")
	}
	for _, base := range order {
		d, ok := datas[base]
		if !ok {
			continue
		}
		m, err := ParseMeta(metas[base])
		if err != nil {
			return nil, nil, fmt.Errorf("%s%s: %w", base, Ext, err)
		}
		r, _ := NewReader(io.NewSectionReader(f, d.off, d.size), m.Global.Datatype)
		return m, r, nil
	}
	return nil, nil, fmt.Errorf("no .sigmf-data beside %s%s in the archive", order[0], Ext)
}
