package tle

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Options tune parsing.
type Options struct {
	Source           string // named in errors
	AllowBadChecksum bool   // a checksum mismatch becomes a warning
}

// Result is what a parse produced: every element set that parsed, and an
// error for each one that did not. One bad set never hides the others.
type Result struct {
	Elements []*Elements
	Errors   []error
}

// ParseTLE reads two- and three-line element sets. Blank lines and lines
// starting with '#' are skipped. Text after column 69 is ignored.
func ParseTLE(r io.Reader, opt Options) Result {
	var res Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	type line struct {
		n    int
		text string
	}
	var pending []line // lines not yet consumed: name?, line 1
	lineNo := 0
	flushName := func(l line) {
		res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: l.n,
			Msg: fmt.Sprintf("%q is neither a TLE line nor followed by one", trunc(l.text))})
	}
	for sc.Scan() {
		lineNo++
		text := strings.TrimRight(sc.Text(), "\r \t")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		l := line{lineNo, text}
		switch {
		case strings.HasPrefix(text, "1 "):
			if len(pending) > 0 && strings.HasPrefix(pending[len(pending)-1].text, "1 ") {
				res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: pending[len(pending)-1].n,
					Msg: "line 1 not followed by line 2"})
				pending = pending[:len(pending)-1]
			}
			for len(pending) > 1 {
				flushName(pending[0])
				pending = pending[1:]
			}
			pending = append(pending, l)
		case strings.HasPrefix(text, "2 ") && len(pending) > 0 && strings.HasPrefix(pending[len(pending)-1].text, "1 "):
			name := ""
			l1 := pending[len(pending)-1]
			if len(pending) == 2 {
				name = strings.TrimSpace(strings.TrimPrefix(pending[0].text, "0 "))
			}
			pending = pending[:0]
			e, err := parsePair(name, l1.text, l.text, l1.n, opt)
			if err != nil {
				res.Errors = append(res.Errors, err)
				continue
			}
			res.Elements = append(res.Elements, e)
		case strings.HasPrefix(text, "2 "):
			res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: l.n, Msg: "line 2 without a line 1 before it"})
		default:
			for len(pending) > 0 {
				flushName(pending[0])
				pending = pending[1:]
			}
			pending = append(pending, l)
		}
	}
	for _, l := range pending {
		if strings.HasPrefix(l.text, "1 ") {
			res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: l.n, Msg: "line 1 not followed by line 2"})
		} else {
			flushName(l)
		}
	}
	if err := sc.Err(); err != nil {
		res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: lineNo + 1, Msg: err.Error()})
	}
	return res
}

// ParseLines parses one element set from its two lines (and optional name).
func ParseLines(name, line1, line2 string) (*Elements, error) {
	return parsePair(name, strings.TrimRight(line1, "\r\n "), strings.TrimRight(line2, "\r\n "), 1, Options{})
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// field reads columns [from, to] (1-based, inclusive) of a line.
type fieldReader struct {
	opt  Options
	line string
	n    int // line number in the source
	sat  string
	err  *ParseError
}

func (f *fieldReader) fail(col int, field, format string, args ...any) {
	if f.err == nil {
		f.err = &ParseError{Source: f.opt.Source, Line: f.n, Col: col, Field: field, Sat: f.sat, Msg: fmt.Sprintf(format, args...)}
	}
}

func (f *fieldReader) cols(from, to int) string {
	if len(f.line) < to {
		if len(f.line) < from {
			return ""
		}
		return f.line[from-1:]
	}
	return f.line[from-1 : to]
}

func (f *fieldReader) float(from, to int, field string) float64 {
	s := strings.TrimSpace(f.cols(from, to))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.fail(from, field, "%q (columns %d-%d) is not a number", s, from, to)
	}
	return v
}

func (f *fieldReader) int(from, to int, field string, blankOK bool) int {
	s := strings.TrimSpace(f.cols(from, to))
	if s == "" && blankOK {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		f.fail(from, field, "%q (columns %d-%d) is not a whole number", s, from, to)
	}
	return v
}

// assumedDecimal reads the TLE's "±NNNNN±E" notation: ±0.NNNNN × 10^±E.
func (f *fieldReader) assumedDecimal(from, to int, field string) float64 {
	s := strings.TrimSpace(f.cols(from, to))
	if s == "" {
		return 0
	}
	sign := ""
	if s[0] == '-' || s[0] == '+' {
		sign, s = s[:1], s[1:]
	}
	i := strings.LastIndexAny(s, "+-")
	if i <= 0 {
		v, err := strconv.ParseFloat(sign+"0."+strings.TrimSpace(s), 64)
		if err != nil {
			f.fail(from, field, "%q (columns %d-%d) is not in ±NNNNN±E form", f.cols(from, to), from, to)
		}
		return v
	}
	mant, exp := strings.TrimSpace(s[:i]), s[i:]
	v, err := strconv.ParseFloat(sign+"0."+mant+"e"+exp, 64)
	if err != nil || strings.ContainsAny(mant, ".eE+-") {
		f.fail(from, field, "%q (columns %d-%d) is not in ±NNNNN±E form", f.cols(from, to), from, to)
	}
	return v
}

// catalogNumber reads a 5-character catalogue number, in digits or Alpha-5
// (a letter standing for 10..33 followed by four digits).
func (f *fieldReader) catalogNumber(from, to int) int {
	s := strings.TrimSpace(f.cols(from, to))
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' && s[0] != 'I' && s[0] != 'O' {
		c := int(s[0]-'A') + 10
		if s[0] > 'I' {
			c--
		}
		if s[0] > 'O' {
			c--
		}
		rest, err := strconv.Atoi(s[1:])
		if err != nil || len(s) != 5 {
			f.fail(from, "catalogue number", "%q is not a catalogue number", s)
			return 0
		}
		return c*10000 + rest
	}
	return f.int(from, to, "catalogue number", false)
}

// Checksum returns the modulo-10 checksum of the first 68 columns of a line.
func Checksum(line string) int {
	sum := 0
	for i := 0; i < len(line) && i < 68; i++ {
		switch c := line[i]; {
		case c >= '0' && c <= '9':
			sum += int(c - '0')
		case c == '-':
			sum++
		}
	}
	return sum % 10
}

func parsePair(name, l1, l2 string, n1 int, opt Options) (*Elements, error) {
	e := &Elements{Name: name}
	r1 := &fieldReader{opt: opt, line: l1, n: n1}
	r2 := &fieldReader{opt: opt, line: l2, n: n1 + 1}
	for _, r := range []*fieldReader{r1, r2} {
		if len(r.line) < 68 {
			return nil, &ParseError{Source: opt.Source, Line: r.n, Sat: name,
				Msg: fmt.Sprintf("line is %d characters long, a TLE line needs 69", len(r.line))}
		}
		if !isASCII(r.line) {
			return nil, &ParseError{Source: opt.Source, Line: r.n, Sat: name, Msg: "line has non-ASCII characters"}
		}
	}
	e.CatalogNumber = r1.catalogNumber(3, 7)
	sat := strings.TrimSpace(r1.cols(3, 7))
	r1.sat, r2.sat = sat, sat
	if s2 := strings.TrimSpace(r2.cols(3, 7)); s2 != sat {
		r2.fail(3, "catalogue number", "line 2 says %q, line 1 says %q", s2, sat)
	}
	if c := r1.cols(8, 8); c != "" {
		e.Classification = c[0]
	}
	e.IntlDesignator = strings.TrimSpace(r1.cols(10, 17))
	e.Epoch = r1.epoch()
	e.MeanMotionDot = r1.float(34, 43, "mean motion derivative")
	e.MeanMotionDDot = r1.assumedDecimal(45, 52, "mean motion second derivative")
	e.BStar = r1.assumedDecimal(54, 61, "B*")
	e.EphemerisType = r1.int(63, 63, "ephemeris type", true)
	e.ElementSetNo = r1.int(65, 68, "element set number", true)

	e.Inclination = r2.float(9, 16, "inclination")
	e.RAAN = r2.float(18, 25, "RAAN")
	e.Eccentricity = r2.float(27, 33, "eccentricity")
	if s := strings.TrimSpace(r2.cols(27, 33)); strings.ContainsAny(s, ".+-eE") {
		r2.fail(27, "eccentricity", "%q must be digits with an assumed leading decimal point", s)
	}
	e.Eccentricity /= 1e7
	e.ArgPerigee = r2.float(35, 42, "argument of perigee")
	e.MeanAnomaly = r2.float(44, 51, "mean anomaly")
	e.MeanMotion = r2.float(53, 63, "mean motion")
	e.RevNumber = r2.int(64, 68, "revolution number", true)

	// checksums last: a garbled field is better named than the checksum
	// it also breaks
	for _, r := range []*fieldReader{r1, r2} {
		if len(r.line) >= 69 {
			want := Checksum(r.line)
			c := r.line[68]
			switch {
			case c == ' ' && opt.AllowBadChecksum:
				e.Warnings = append(e.Warnings, fmt.Sprintf("%s:%d: satellite %s: no checksum", opt.Source, r.n, sat))
			case c < '0' || c > '9' || int(c-'0') != want:
				msg := fmt.Sprintf("checksum is %q, the line sums to %d", string(c), want)
				if !opt.AllowBadChecksum {
					r.fail(69, "checksum", "%s", msg)
				} else {
					e.Warnings = append(e.Warnings, fmt.Sprintf("%s:%d:69: satellite %s: %s", opt.Source, r.n, sat, msg))
				}
			}
		} else if !opt.AllowBadChecksum {
			r.fail(69, "checksum", "missing")
		}
	}
	for _, r := range []*fieldReader{r1, r2} {
		if r.err != nil {
			return nil, r.err
		}
	}
	if err := e.Check(); err != nil {
		return nil, &ParseError{Source: opt.Source, Line: n1 + 1, Sat: sat, Msg: err.Error()}
	}
	return e, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\t') {
			return false
		}
	}
	return true
}

// epoch reads columns 19-32: two-digit year (57-99 → 19xx) and day of year
// with fraction, converted exactly to nanoseconds.
func (f *fieldReader) epoch() time.Time {
	yy := f.int(19, 20, "epoch year", false)
	s := strings.TrimSpace(f.cols(21, 32))
	day, frac, _ := strings.Cut(s, ".")
	d, err := strconv.Atoi(day)
	if err != nil || d < 1 || d > 366 {
		f.fail(21, "epoch day", "%q is not a day of year", s)
		return time.Time{}
	}
	ns, err := fractionOfDayNanos(frac)
	if err != nil {
		f.fail(21, "epoch day", "%q: %v", s, err)
		return time.Time{}
	}
	year := 2000 + yy
	if yy >= 57 {
		year = 1900 + yy
	}
	return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d-1).Add(time.Duration(ns))
}

// fractionOfDayNanos turns the decimal digits after the point into
// nanoseconds. 86400e9 is divisible by 10^11, so up to 11 digits are exact.
func fractionOfDayNanos(digits string) (int64, error) {
	if digits == "" {
		return 0, nil
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, fmt.Errorf("fraction has a non-digit")
		}
	}
	if len(digits) > 11 {
		digits = digits[:11]
	}
	v, _ := strconv.ParseInt(digits, 10, 64)
	unit := int64(86400e9)
	for range len(digits) {
		unit /= 10
	}
	return v * unit, nil
}

// Format writes e as a three-line element set (title line when named).
// Values that do not fit the TLE columns (catalogue numbers over 339999)
// are an error: such objects exist only as OMM.
func Format(e *Elements) (string, error) {
	cat, err := alpha5(e.CatalogNumber)
	if err != nil {
		return "", err
	}
	day := float64(e.Epoch.YearDay()) + float64(e.Epoch.Sub(time.Date(e.Epoch.Year(), e.Epoch.Month(), e.Epoch.Day(), 0, 0, 0, 0, time.UTC)))/86400e9
	class := e.Classification
	if class == 0 {
		class = 'U'
	}
	l1 := fmt.Sprintf("1 %5s%c %-8s %02d%012.8f %s %s %s %d %4d",
		cat, class, e.IntlDesignator, e.Epoch.Year()%100, day,
		ndot(e.MeanMotionDot), expo(e.MeanMotionDDot), expo(e.BStar), e.EphemerisType, e.ElementSetNo%10000)
	ecc := fmt.Sprintf("%07d", int64(math.Round(e.Eccentricity*1e7)))
	l2 := fmt.Sprintf("2 %5s %8.4f %8.4f %7s %8.4f %8.4f %11.8f%5d",
		cat, e.Inclination, e.RAAN, ecc, e.ArgPerigee, e.MeanAnomaly, e.MeanMotion, e.RevNumber%100000)
	l1 += strconv.Itoa(Checksum(l1))
	l2 += strconv.Itoa(Checksum(l2))
	var b bytes.Buffer
	if e.Name != "" {
		b.WriteString(e.Name + "\n")
	}
	b.WriteString(l1 + "\n" + l2 + "\n")
	return b.String(), nil
}

func alpha5(n int) (string, error) {
	if n < 0 || n > 339999 {
		return "", fmt.Errorf("catalogue number %d does not fit a TLE", n)
	}
	if n < 100000 {
		return fmt.Sprintf("%05d", n), nil
	}
	c := byte('A' + n/10000 - 10)
	if c >= 'I' {
		c++
	}
	if c >= 'O' {
		c++
	}
	return fmt.Sprintf("%c%04d", c, n%10000), nil
}

func ndot(v float64) string {
	s := fmt.Sprintf("%.8f", v)
	if v < 0 {
		return "-" + strings.TrimPrefix(s, "-0")
	}
	return " " + strings.TrimPrefix(s, "0")
}

func expo(v float64) string {
	if v == 0 {
		return " 00000-0"
	}
	sign := " "
	if v < 0 {
		sign, v = "-", -v
	}
	e := int(math.Floor(math.Log10(v))) + 1
	m := int64(math.Round(v / math.Pow(10, float64(e)) * 1e5))
	if m >= 100000 {
		m /= 10
		e++
	}
	es := "-"
	if e >= 0 {
		es = "+"
	}
	if e < -9 || e > 9 {
		return " 00000-0"
	}
	return fmt.Sprintf("%s%05d%s%d", sign, m, es, abs(e))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
