package sigmf

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	in := []complex64{0, complex(0.5, -0.5), complex(-1, 1), complex(0.25, 0.75)}
	for _, dt := range []string{CU8, CI16, CF32} {
		path := filepath.Join(t.TempDir(), "rec"+Ext)
		w, err := Create(path, dt, 250000)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		w.Capture(145.825e6, at)
		w.Write(in[:2])
		w.Capture(145.826e6, at.Add(time.Second))
		w.Write(in[2:])
		w.Annotate(Annotation{SampleStart: 1, SampleCount: 2, Label: "N0CALL>CQ:hi"})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		m, r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]complex64, 10)
		n, err := r.Read(got)
		r.Close()
		if err != nil || n != len(in) {
			t.Fatalf("%s: read %d, %v", dt, n, err)
		}
		tol := float32(1e-6)
		if dt == CU8 {
			tol = 1.0 / 127
		} else if dt == CI16 {
			tol = 1.0 / 32000
		}
		for i := range in {
			d := got[i] - in[i]
			if real(d) > tol || real(d) < -tol || imag(d) > tol || imag(d) < -tol {
				t.Fatalf("%s sample %d: %v, want %v", dt, i, got[i], in[i])
			}
		}
		if m.Global.Datatype != dt || m.Global.SampleRate != 250000 || len(m.Captures) != 2 || m.FrequencyAt(3) != 145.826e6 ||
			m.FrequencyAt(1) != 145.825e6 || len(m.Annotations) != 1 || m.Annotations[0].Label != "N0CALL>CQ:hi" {
			t.Fatalf("%s: meta %+v", dt, m)
		}
	}
}

func TestMetaErrors(t *testing.T) {
	for _, c := range []struct{ meta, want string }{
		{`{"global":{"core:datatype":"cx8","core:sample_rate":1,"core:version":"1.0.0"}}`, "global.core:datatype: datatype \"cx8\" has a sample type that is not f, i or u"},
		{`{"global":{"core:datatype":"ci16","core:sample_rate":1,"core:version":"1.0.0"}}`, "datatype \"ci16\" has no byte order"},
		{`{"global":{"core:datatype":"cu8","core:sample_rate":0,"core:version":"1.0.0"}}`, "global.core:sample_rate"},
		{`{"global":{"core:datatype":"cu8","core:sample_rate":1}}`, "global.core:version: missing"},
		{`{"global":{"core:datatype":"cu8","core:sample_rate":"fast","core:version":"1.0.0"}}`, "global.core:sample_rate: a JSON string where a float64 belongs (line 1 column 59, byte 58)"},
		{`{"global":{"core:datatype":"cu8","core:sample_rate":1,"core:version":"1.0.0"},"captures":[{"core:sample_start":5},{"core:sample_start":2}]}`, "captures[1].core:sample_start"},
		{`{"global":{"core:datatype":"cu8","core:sample_rate":1,"core:version":"1.0.0"},"captures":[{"core:sample_start":0,"core:datetime":"yesterday"}]}`, "captures[0].core:datetime"},
		{`{"global":`, "sigmf: file"},
		{`{"global":{]`, "byte 12"},
	} {
		_, err := ParseMeta([]byte(c.meta))
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.meta, err, c.want)
		}
	}
}

func TestReaderCutShort(t *testing.T) {
	r, _ := NewReader(bytes.NewReader([]byte{1, 2, 3, 4, 5}), CI16) // one sample and a byte
	buf := make([]complex64, 4)
	n, err := r.Read(buf)
	if n != 1 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
	if n, err = r.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("%d %v", n, err)
	}
}

func FuzzParseMeta(f *testing.F) {
	f.Add([]byte(`{"global":{"core:datatype":"cu8","core:sample_rate":250000,"core:version":"1.0.0"},"captures":[{"core:sample_start":0,"core:frequency":145.8e6,"core:datetime":"2026-11-22T10:00:00Z"}],"annotations":[{"core:sample_start":10,"core:sample_count":5}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMeta(b)
		if err == nil {
			if _, err := SampleSize(m.Global.Datatype); err != nil || m.Global.SampleRate <= 0 {
				t.Fatalf("accepted %+v", m.Global)
			}
			m.FrequencyAt(100)
		}
	})
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{0, 255, 127, 128, 1}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		dt := []string{CU8, CI16, CF32}[kind%3]
		r, _ := NewReader(bytes.NewReader(b), dt)
		buf := make([]complex64, 3)
		for {
			n, err := r.Read(buf)
			for _, v := range buf[:n] {
				if real(v) != real(v) || imag(v) != imag(v) {
					t.Fatal("NaN sample")
				}
			}
			if err != nil {
				break
			}
		}
	})
}

// TestDatatypes reads one sample of each SigMF datatype.
func TestDatatypes(t *testing.T) {
	for _, c := range []struct {
		dt   string
		in   []byte
		want complex64
	}{
		{"ci8", []byte{0x40, 0xC0}, complex(0.5, -0.5)},
		{"cu8", []byte{255, 0}, complex(1, -1)},
		{"ri8", []byte{0x40}, complex(0.5, 0)},
		{"ci16_le", []byte{0, 0x40, 0, 0xC0}, complex(0.5, -0.5)},
		{"ci16_be", []byte{0x40, 0, 0xC0, 0}, complex(0.5, -0.5)},
		{"cu16_le", []byte{0xFF, 0xFF, 0, 0}, complex(1, -1)},
		{"ci32_be", []byte{0x40, 0, 0, 0, 0xC0, 0, 0, 0}, complex(0.5, -0.5)},
		{"cf32_be", []byte{0x3F, 0, 0, 0, 0xBF, 0, 0, 0}, complex(0.5, -0.5)},
		{"cf64_le", []byte{0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0, 0, 0, 0, 0, 0, 0xE0, 0xBF}, complex(0.5, -0.5)},
		{"rf64_be", []byte{0x3F, 0xE0, 0, 0, 0, 0, 0, 0}, complex(0.5, 0)},
	} {
		r, err := NewReader(bytes.NewReader(c.in), c.dt)
		if err != nil {
			t.Fatalf("%s: %v", c.dt, err)
		}
		got := make([]complex64, 2)
		n, err := r.Read(got)
		if n != 1 || err != nil || got[0] != c.want {
			t.Errorf("%s: %d samples %v (%v), want %v", c.dt, n, got[:n], err, c.want)
		}
	}
}

// TestOpenForms: a recording opens by its metadata, its data or as an
// archive; anything else is refused saying what a recording is.
func TestOpenForms(t *testing.T) {
	dir := t.TempDir()
	meta := filepath.Join(dir, "rec"+Ext)
	w, err := Create(meta, CI16, 48000)
	if err != nil {
		t.Fatal(err)
	}
	w.Capture(145.8e6, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
	x := []complex64{complex(0.5, -0.25), complex(-0.5, 0.25), 0}
	if err := w.Write(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The archive as SigMF's tools make it: a folder of the two files.
	arch := filepath.Join(dir, "rec"+ArchiveExt)
	f, _ := os.Create(arch)
	tw := tar.NewWriter(f)
	for _, name := range []string{"rec" + Ext, "rec" + DExt} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		tw.WriteHeader(&tar.Header{Name: "rec/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	tw.Close()
	f.Close()
	for _, p := range []string{meta, DataPath(meta), arch} {
		m, r, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got := make([]complex64, 8)
		n, _ := r.Read(got)
		r.Close()
		if m.FrequencyAt(0) != 145.8e6 || n != 3 || got[0] != x[0] || got[1] != x[1] {
			t.Errorf("%s: %v %v", p, m.FrequencyAt(0), got[:n])
		}
	}
	raw := filepath.Join(dir, "x.cu8")
	os.WriteFile(raw, []byte{1, 2}, 0o644)
	if _, _, err := Open(raw); err == nil || !strings.Contains(err.Error(), "x.cu8: not a SigMF recording") {
		t.Errorf("raw file: %v", err)
	}
	bad := filepath.Join(dir, "bad"+Ext)
	os.WriteFile(bad, []byte("{\n  \"global\": {\n    \"core:datatype\": cu8\n}"), 0o644)
	if _, _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "bad.sigmf-meta: sigmf: line 3 column") {
		t.Errorf("bad JSON: %v", err)
	}
}
