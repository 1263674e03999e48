package recording

import (
	"bufio"
	"os"
)

// file is a raw file read through a buffer.
type file struct {
	*bufio.Reader
	f *os.File
}

func openFile(path string) (*file, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &file{bufio.NewReaderSize(f, 1<<16), f}, nil
}

func (f *file) Close() error { return f.f.Close() }
