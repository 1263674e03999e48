package passes

import (
	"math"
	"strconv"
	"time"
)

// appendTime appends t as TimeLayout does for UTC rounded to the
// millisecond ("2006-01-02T15:04:05.000Z"), without time.Format's layout
// interpretation: at millions of passes the CSV writer spent more time in
// AppendFormat than in the search. Years outside 0..9999 go the slow way.
func appendTime(b []byte, t time.Time) []byte {
	ms := t.Round(time.Millisecond).UnixMilli()
	days := floorDiv(ms, 86400000)
	rem := int(ms - days*86400000)
	y, m, d := civil(days)
	if y < 0 || y > 9999 {
		return t.UTC().Round(time.Millisecond).AppendFormat(b, TimeLayout)
	}
	b = append4(b, int(y))
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, rem/3600000)
	b = append(b, ':')
	b = append2(b, rem/60000%60)
	b = append(b, ':')
	b = append2(b, rem/1000%60)
	r := rem % 1000
	return append(b, '.', byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10), 'Z')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Hinnant's days-to-civil algorithm).
func civil(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(b []byte, v int) []byte { return append(b, digitPairs[2*v], digitPairs[2*v+1]) }

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

func append4(b []byte, v int) []byte { return append2(append2(b, v/100), v%100) }

// appendFixed4 appends v as strconv.AppendFloat(b, v, 'f', 4, 64) does.
// The fast path scales to an integer; it is exact unless v·10⁴ lies within
// rounding error of a half, and those (and negatives, large values, NaN)
// go to strconv.
func appendFixed4(b []byte, v float64) []byte {
	if !(v >= 0 && v < 1e9) {
		return strconv.AppendFloat(b, v, 'f', 4, 64)
	}
	x := v * 1e4
	if f := x - math.Floor(x); math.Abs(f-0.5) < 1e-6 {
		return strconv.AppendFloat(b, v, 'f', 4, 64)
	}
	n := int64(math.Round(x))
	if w := n / 10000; w < 1000 {
		switch {
		case w >= 100:
			b = append(b, byte('0'+w/100))
			b = append2(b, int(w%100))
		case w >= 10:
			b = append2(b, int(w))
		default:
			b = append(b, byte('0'+w))
		}
	} else {
		b = strconv.AppendInt(b, w, 10)
	}
	f := int(n % 10000)
	return append(append2(append(b, '.'), f/100), digitPairs[2*(f%100)], digitPairs[2*(f%100)+1])
}
