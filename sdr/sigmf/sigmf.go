// Package sigmf reads and writes SigMF recordings: a .sigmf-meta JSON
// file describing a .sigmf-data file of IQ samples, with captures (where
// the radio was tuned, and when) and annotations (here, the frames
// decoded from it).
package sigmf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// Datatypes this package reads and writes.
const (
	CU8   = "cu8"     // unsigned 8-bit I and Q, as rtl_tcp sends
	CI16  = "ci16_le" // signed 16-bit little-endian
	CF32  = "cf32_le" // 32-bit float little-endian
	Spec  = "1.0.0"
	Ext   = ".sigmf-meta"
	DExt  = ".sigmf-data"
	maxIn = 16 << 20 // largest metadata file read
)

// Meta is a recording's metadata.
type Meta struct {
	Global      Global       `json:"global"`
	Captures    []Capture    `json:"captures"`
	Annotations []Annotation `json:"annotations"`
}

// Global is the recording-wide part.
type Global struct {
	Datatype    string  `json:"core:datatype"`
	SampleRate  float64 `json:"core:sample_rate"`
	Version     string  `json:"core:version"`
	Description string  `json:"core:description,omitempty"`
	Author      string  `json:"core:author,omitempty"`
	Recorder    string  `json:"core:recorder,omitempty"`
	HW          string  `json:"core:hw,omitempty"`
}

// Capture is a segment recorded at one tuning.
type Capture struct {
	SampleStart int64   `json:"core:sample_start"`
	Frequency   float64 `json:"core:frequency,omitempty"`
	Datetime    string  `json:"core:datetime,omitempty"`
}

// Annotation marks samples: here, a decoded frame.
type Annotation struct {
	SampleStart int64   `json:"core:sample_start"`
	SampleCount int64   `json:"core:sample_count,omitempty"`
	FreqLower   float64 `json:"core:freq_lower_edge,omitempty"`
	FreqUpper   float64 `json:"core:freq_upper_edge,omitempty"`
	Label       string  `json:"core:label,omitempty"`
	Comment     string  `json:"core:comment,omitempty"`
	Generator   string  `json:"core:generator,omitempty"`
}

// Error is metadata that did not parse or does not make sense.
type Error struct {
	Where string // a JSON path, or a byte offset
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("sigmf: %s: %s", e.Where, e.Msg) }

// ParseMeta parses and checks metadata.
func ParseMeta(b []byte) (*Meta, error) {
	if len(b) > maxIn {
		return nil, &Error{"file", fmt.Sprintf("%d bytes of metadata is over the limit", len(b))}
	}
	var m Meta
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, &Error{position(b, se.Offset), "not JSON: " + se.Error()}
		case errors.As(err, &te):
			return nil, &Error{te.Field, fmt.Sprintf("a JSON %s where a %s belongs (%s)", te.Value, te.Type, position(b, te.Offset))}
		}
		return nil, &Error{"file", err.Error()}
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// position says where byte off of b is: its line, column and byte.
func position(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("line %d column %d, byte %d", line, col, off)
}

func (m *Meta) check() error {
	g := m.Global
	if _, err := SampleSize(g.Datatype); err != nil {
		return &Error{"global.core:datatype", err.Error()}
	}
	if !(g.SampleRate > 0 && g.SampleRate < 1e11) {
		return &Error{"global.core:sample_rate", fmt.Sprintf("%v is not a sample rate", g.SampleRate)}
	}
	if g.Version == "" {
		return &Error{"global.core:version", "missing"}
	}
	var last int64 = -1
	for i, c := range m.Captures {
		w := fmt.Sprintf("captures[%d]", i)
		if c.SampleStart < 0 || c.SampleStart <= last && i > 0 {
			return &Error{w + ".core:sample_start", fmt.Sprintf("%d: captures must start at 0 or later, in order", c.SampleStart)}
		}
		last = c.SampleStart
		if math.IsNaN(c.Frequency) || math.IsInf(c.Frequency, 0) {
			return &Error{w + ".core:frequency", "not a number"}
		}
		if c.Datetime != "" {
			if _, err := time.Parse(time.RFC3339Nano, c.Datetime); err != nil {
				return &Error{w + ".core:datetime", fmt.Sprintf("%q is not an ISO 8601 time", c.Datetime)}
			}
		}
	}
	for i, a := range m.Annotations {
		if a.SampleStart < 0 || a.SampleCount < 0 {
			return &Error{fmt.Sprintf("annotations[%d]", i), "negative sample start or count"}
		}
	}
	return nil
}

// SampleSize is the bytes of one sample of datatype: any SigMF
// datatype, complex (c) or real (r), of f64, f32, i32, i16, u32, u16, i8
// or u8, little (_le) or big-endian (_be).
func SampleSize(datatype string) (int, error) {
	t, err := parseType(datatype)
	return t.size, err
}

// sampleType is a parsed datatype.
type sampleType struct {
	complex   bool
	float     bool
	signed    bool
	bits      int
	bigEndian bool
	size      int // bytes a sample (both parts when complex)
}

func parseType(dt string) (sampleType, error) {
	var t sampleType
	if dt == "" {
		return t, errors.New("missing")
	}
	bad := func(why string) (sampleType, error) {
		return sampleType{}, fmt.Errorf("datatype %q %s: SigMF's are c or r, then f64, f32, i32, i16, u32, u16, i8 or u8, then _le or _be above 8 bits (cf32_le, ci16_be, cu8, ri8...)", dt, why)
	}
	rest := dt
	switch rest[0] {
	case 'c':
		t.complex = true
	case 'r':
	default:
		return bad("does not start with c (complex) or r (real)")
	}
	rest = rest[1:]
	if len(rest) < 2 {
		return bad("has no sample type")
	}
	switch rest[0] {
	case 'f':
		t.float, t.signed = true, true
	case 'i':
		t.signed = true
	case 'u':
	default:
		return bad("has a sample type that is not f, i or u")
	}
	rest = rest[1:]
	end := strings.IndexByte(rest, '_')
	if end < 0 {
		end = len(rest)
	}
	switch rest[:end] {
	case "8":
		t.bits = 8
	case "16":
		t.bits = 16
	case "32":
		t.bits = 32
	case "64":
		t.bits = 64
	default:
		return bad("has a size that is not 8, 16, 32 or 64")
	}
	rest = rest[end:]
	switch {
	case t.float && t.bits < 32, !t.float && t.bits == 64:
		return bad("is not a SigMF type")
	case rest == "" && t.bits == 8:
	case rest == "_le":
	case rest == "_be":
		t.bigEndian = true
	case rest == "":
		return bad("has no byte order")
	default:
		return bad("has a byte order that is not _le or _be")
	}
	t.size = t.bits / 8
	if t.complex {
		t.size *= 2
	}
	return t, nil
}

// convert returns the function turning bytes of t into complex samples
// scaled to about ±1. Real samples become complex with no imaginary
// part; NaN (a broken recorder) becomes zero.
func (t sampleType) convert() func(dst []complex64, src []byte) {
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	w := t.bits / 8
	var one func(b []byte) float32
	switch {
	case t.float && t.bits == 32:
		one = func(b []byte) float32 { return finite(math.Float32frombits(order.Uint32(b))) }
	case t.float:
		one = func(b []byte) float32 { return finite(float32(math.Float64frombits(order.Uint64(b)))) }
	case t.bits == 8 && t.signed:
		one = func(b []byte) float32 { return float32(int8(b[0])) / 128 }
	case t.bits == 8:
		one = func(b []byte) float32 { return (float32(b[0]) - 127.5) / 127.5 }
	case t.bits == 16 && t.signed:
		one = func(b []byte) float32 { return float32(int16(order.Uint16(b))) / 32768 }
	case t.bits == 16:
		one = func(b []byte) float32 { return (float32(order.Uint16(b)) - 32767.5) / 32767.5 }
	case t.signed:
		one = func(b []byte) float32 { return float32(int32(order.Uint32(b))) / (1 << 31) }
	default:
		one = func(b []byte) float32 { return float32((float64(order.Uint32(b)) - 2147483647.5) / 2147483647.5) }
	}
	if !t.complex {
		return func(dst []complex64, src []byte) {
			for i := range dst {
				dst[i] = complex(one(src[i*w:]), 0)
			}
		}
	}
	return func(dst []complex64, src []byte) {
		for i := range dst {
			dst[i] = complex(one(src[2*i*w:]), one(src[(2*i+1)*w:]))
		}
	}
}

func finite(v float32) float32 {
	if v != v || v > 1e6 || v < -1e6 {
		return 0
	}
	return v
}

// DataPath is the data file beside a metadata file.
func DataPath(meta string) string { return strings.TrimSuffix(meta, Ext) + DExt }

// Open opens a recording given by any of its names: its metadata
// (.sigmf-meta), its data (.sigmf-data, the metadata beside it) or an
// archive of both (.sigmf).
func Open(path string) (*Meta, *Reader, error) {
	switch {
	case strings.HasSuffix(path, ArchiveExt):
		return OpenArchive(path)
	case strings.HasSuffix(path, DExt):
		path = strings.TrimSuffix(path, DExt) + Ext
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("%s: a SigMF data file needs its metadata beside it: %w", path, err)
		}
	case !strings.HasSuffix(path, Ext):
		return nil, nil, fmt.Errorf("%s: not a SigMF recording (a .sigmf-meta, .sigmf-data or .sigmf archive); raw IQ needs its sample rate and format given", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := ParseMeta(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Open(DataPath(path))
	if err != nil {
		return nil, nil, err
	}
	r, _ := NewReader(f, m.Global.Datatype)
	r.closer = f
	return m, r, nil
}

// FrequencyAt is the centre frequency of the capture holding sample n.
func (m *Meta) FrequencyAt(n int64) float64 {
	f := 0.0
	for _, c := range m.Captures {
		if c.SampleStart > n {
			break
		}
		f = c.Frequency
	}
	return f
}

// Reader reads samples of a datatype as complex64, scaled to about ±1.
type Reader struct {
	r      io.Reader
	size   int
	conv   func(dst []complex64, src []byte)
	buf    []byte
	n      int64 // samples read
	closer io.Closer
}

// NewReader reads samples of datatype from r.
func NewReader(r io.Reader, datatype string) (*Reader, error) {
	t, err := parseType(datatype)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, size: t.size, conv: t.convert()}, nil
}

// Read fills dst with up to len(dst) samples; at the end it returns
// io.EOF. A last sample cut short is dropped.
func (r *Reader) Read(dst []complex64) (int, error) {
	need := len(dst) * r.size
	if cap(r.buf) < need {
		r.buf = make([]byte, need)
	}
	n, err := io.ReadFull(r.r, r.buf[:need])
	k := n / r.size
	r.conv(dst[:k], r.buf[:k*r.size])
	r.n += int64(k)
	if k > 0 && (err == io.ErrUnexpectedEOF || err == io.EOF) {
		err = nil
	} else if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return k, err
}

// Samples is how many samples have been read.
func (r *Reader) Samples() int64 { return r.n }

// Close closes the data file when Open opened it.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// FromCU8 converts rtl_tcp's unsigned 8-bit pairs (127.5 is zero).
func FromCU8(dst []complex64, src []byte) {
	for i := range dst {
		dst[i] = complex((float32(src[2*i])-127.5)/127.5, (float32(src[2*i+1])-127.5)/127.5)
	}
}

// FromCI16 converts little-endian signed 16-bit pairs.
func FromCI16(dst []complex64, src []byte) {
	for i := range dst {
		re := int16(uint16(src[4*i]) | uint16(src[4*i+1])<<8)
		im := int16(uint16(src[4*i+2]) | uint16(src[4*i+3])<<8)
		dst[i] = complex(float32(re)/32768, float32(im)/32768)
	}
}

// AppendCU8 appends x as unsigned 8-bit pairs, clipped to ±1.
func AppendCU8(dst []byte, x []complex64) []byte {
	q := func(v float32) byte {
		v = v*127.5 + 127.5
		switch {
		case v < 0:
			return 0
		case v >= 254.5:
			return 255
		}
		return byte(v + 0.5) // to nearest
	}
	for _, v := range x {
		dst = append(dst, q(real(v)), q(imag(v)))
	}
	return dst
}

// AppendCI16 appends x as little-endian signed 16-bit pairs.
func AppendCI16(dst []byte, x []complex64) []byte {
	q := func(v float32) uint16 {
		s := math.Round(float64(v) * 32767)
		return uint16(int16(math.Max(-32768, math.Min(32767, s))))
	}
	for _, v := range x {
		re, im := q(real(v)), q(imag(v))
		dst = append(dst, byte(re), byte(re>>8), byte(im), byte(im>>8))
	}
	return dst
}

// AppendCF32 appends x as little-endian 32-bit floats.
func AppendCF32(dst []byte, x []complex64) []byte {
	for _, v := range x {
		for _, f := range []float32{real(v), imag(v)} {
			u := math.Float32bits(f)
			dst = append(dst, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
		}
	}
	return dst
}

// Writer records IQ samples to a .sigmf-data file and, on Close, writes
// the .sigmf-meta beside it with its captures and annotations.
type Writer struct {
	Meta   Meta
	path   string
	f      *os.File
	buf    []byte
	n      int64
	append func([]byte, []complex64) []byte
}

// Create starts a recording at metaPath (its data file beside it).
func Create(metaPath, datatype string, rate float64) (*Writer, error) {
	if !strings.HasSuffix(metaPath, Ext) {
		return nil, fmt.Errorf("sigmf: %s does not end in %s", metaPath, Ext)
	}
	w := &Writer{path: metaPath, Meta: Meta{Global: Global{Datatype: datatype, SampleRate: rate, Version: Spec, Recorder: "ipgs"}}}
	switch datatype {
	case CU8:
		w.append = AppendCU8
	case CI16:
		w.append = AppendCI16
	case CF32:
		w.append = AppendCF32
	default:
		_, err := SampleSize(datatype)
		return nil, err
	}
	f, err := os.Create(DataPath(metaPath))
	if err != nil {
		return nil, err
	}
	w.f = f
	w.Meta.Captures = []Capture{}
	w.Meta.Annotations = []Annotation{}
	return w, nil
}

// Capture marks that the samples from now on are at freq Hz, from t.
func (w *Writer) Capture(freq float64, t time.Time) {
	c := Capture{SampleStart: w.n, Frequency: freq, Datetime: t.UTC().Format(time.RFC3339Nano)}
	if k := len(w.Meta.Captures); k > 0 && w.Meta.Captures[k-1].SampleStart == w.n {
		w.Meta.Captures[k-1] = c
		return
	}
	w.Meta.Captures = append(w.Meta.Captures, c)
}

// Annotate adds an annotation.
func (w *Writer) Annotate(a Annotation) { w.Meta.Annotations = append(w.Meta.Annotations, a) }

// Write appends samples.
func (w *Writer) Write(x []complex64) error {
	w.buf = w.append(w.buf[:0], x)
	w.n += int64(len(x))
	_, err := w.f.Write(w.buf)
	return err
}

// Samples is how many samples have been written.
func (w *Writer) Samples() int64 { return w.n }

// Close finishes the data file and writes the metadata.
func (w *Writer) Close() error {
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if merr := WriteMeta(w.path, &w.Meta); err == nil {
		err = merr
	}
	return err
}

// WriteMeta writes metadata to path atomically.
func WriteMeta(path string, m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
