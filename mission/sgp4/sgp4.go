package sgp4

import (
	"math"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/tle"
)

const (
	twoPi   = 2 * math.Pi
	deg2rad = math.Pi / 180
	x2o3    = 2.0 / 3.0
	temp4   = 1.5e-12

	// WGS72 gravity model, as SGP4 was fitted with.
	mu            = 398600.8 // km^3/s^2
	EarthRadiusKm = 6378.135 // km
	j2            = 0.001082616
	j3            = -0.00000253881
	j4            = -0.00000165597
	j3oj2         = j3 / j2
)

var (
	xke       = 60.0 / math.Sqrt(EarthRadiusKm*EarthRadiusKm*EarthRadiusKm/mu)
	vkmpersec = EarthRadiusKm * xke / 60.0
)

// Propagator propagates one element set. It is immutable after New and safe
// for concurrent use.
type Propagator struct {
	satnum int
	epoch  time.Time

	// mean elements at epoch, SGP4 units (radians, radians/minute)
	bstar, ecco, argpo, inclo, mo, noKozai, nodeo float64
	noUnkozai                                     float64
	aNear                                         float64 // (xke/noUnkozai)^(2/3), the near-Earth semi-major axis

	deep, isimp bool

	// near-Earth
	aycof, con41, cc1, cc4, cc5, d2, d3, d4, delmo, eta, argpdot, omgcof float64
	sinmao, t2cof, t3cof, t4cof, t5cof, x1mth2, x7thm1, mdot, nodedot    float64
	xlcof, xmcof, nodecf                                                 float64

	// deep space
	irez                                                                 int
	d2201, d2211, d3210, d3222, d4410, d4422, d5220, d5232, d5421, d5433 float64
	dedt, del1, del2, del3, didt, dmdt, dnodt, domdt                     float64
	e3, ee2, peo, pgho, pho, pinco, plo                                  float64
	se2, se3, sgh2, sgh3, sgh4, sh2, sh3, si2, si3, sl2, sl3, sl4        float64
	gsto, xfact, xgh2, xgh3, xgh4, xh2, xh3, xi2, xi3                    float64
	xl2, xl3, xl4, xlamo, zmol, zmos                                     float64
}

// New prepares elements for propagation. It fails, with an *Error, on
// elements the model cannot represent (the same checks SGP4 makes at epoch).
func New(e *tle.Elements) (*Propagator, error) {
	const xpdotp = 1440.0 / twoPi // rev/day -> rad/min
	p := &Propagator{
		satnum:  e.CatalogNumber,
		epoch:   e.Epoch,
		bstar:   e.BStar,
		ecco:    e.Eccentricity,
		argpo:   e.ArgPerigee * deg2rad,
		inclo:   e.Inclination * deg2rad,
		mo:      e.MeanAnomaly * deg2rad,
		noKozai: e.MeanMotion / xpdotp,
		nodeo:   e.RAAN * deg2rad,
	}
	if !(p.noKozai > 0) || math.IsInf(p.noKozai, 0) {
		return nil, &Error{Sat: p.satnum, Err: ErrMeanMotion}
	}
	if !(p.ecco >= 0 && p.ecco < 1) {
		return nil, &Error{Sat: p.satnum, Err: ErrEccentricity}
	}
	p.init(referenceEpoch(e.Epoch))
	if _, _, err := p.Propagate(0); err != nil {
		return nil, err
	}
	return p, nil
}

// Epoch returns the epoch of the element set.
func (p *Propagator) Epoch() time.Time { return p.epoch }

// CatalogNumber returns the satellite's catalogue number.
func (p *Propagator) CatalogNumber() int { return p.satnum }

// DeepSpace reports whether the SDP4 deep-space model is used (orbital
// period of 225 minutes or more).
func (p *Propagator) DeepSpace() bool { return p.deep }

// MeanMotion returns the un-Kozai'd mean motion in rad/min.
func (p *Propagator) MeanMotion() float64 { return p.noUnkozai }

// Eccentricity returns the mean eccentricity at epoch.
func (p *Propagator) Eccentricity() float64 { return p.ecco }

// SemiMajorAxis returns the mean semi-major axis at epoch, in km.
func (p *Propagator) SemiMajorAxis() float64 {
	return math.Pow(xke/p.noUnkozai, x2o3) * EarthRadiusKm
}

// MinutesSince returns the minutes from epoch to t, computed from whole
// nanoseconds so that no precision is lost however far t is from epoch.
func (p *Propagator) MinutesSince(t time.Time) float64 {
	d := t.Sub(p.epoch)
	if d == math.MaxInt64 || d == math.MinInt64 { // time.Sub saturates after ~292 years
		return float64(t.Unix()-p.epoch.Unix()) / 60
	}
	min := d / time.Minute
	rest := d % time.Minute
	return float64(min) + float64(rest)/float64(time.Minute)
}

// At returns the TEME position (km) and velocity (km/s) at t.
func (p *Propagator) At(t time.Time) (r, v geo.Vec, err error) {
	return p.Propagate(p.MinutesSince(t))
}

func (p *Propagator) init(epoch float64) {
	const (
		ss        = 78.0/EarthRadiusKm + 1.0
		qzms2ttmp = (120.0 - 78.0) / EarthRadiusKm
	)
	qzms2t := qzms2ttmp * qzms2ttmp * qzms2ttmp * qzms2ttmp

	// initl: recover the original mean motion and semi-major axis.
	ecco := p.ecco
	eccsq := ecco * ecco
	omeosq := 1.0 - eccsq
	rteosq := math.Sqrt(omeosq)
	cosio := math.Cos(p.inclo)
	cosio2 := cosio * cosio
	ak := math.Pow(xke/p.noKozai, x2o3)
	d1 := 0.75 * j2 * (3.0*cosio2 - 1.0) / (rteosq * omeosq)
	del := d1 / (ak * ak)
	adel := ak * (1.0 - del*del - del*(1.0/3.0+134.0*del*del/81.0))
	del = d1 / (adel * adel)
	p.noUnkozai = p.noKozai / (1.0 + del)
	ao := math.Pow(xke/p.noUnkozai, x2o3)
	p.aNear = ao
	sinio := math.Sin(p.inclo)
	po := ao * omeosq
	con42 := 1.0 - 5.0*cosio2
	p.con41 = -con42 - cosio2 - cosio2
	posq := po * po
	rp := ao * (1.0 - ecco)
	p.gsto = gstime(epoch + 2433281.5)

	if !(omeosq >= 0.0 || p.noUnkozai >= 0.0) {
		return
	}
	if rp < 220.0/EarthRadiusKm+1.0 {
		p.isimp = true
	}
	sfour := ss
	qzms24 := qzms2t
	perige := (rp - 1.0) * EarthRadiusKm
	// For perigees below 156 km the s and qoms2t constants change.
	if perige < 156.0 {
		sfour = perige - 78.0
		if perige < 98.0 {
			sfour = 20.0
		}
		q := (120.0 - sfour) / EarthRadiusKm
		qzms24 = q * q * q * q
		sfour = sfour/EarthRadiusKm + 1.0
	}
	pinvsq := 1.0 / posq
	tsi := 1.0 / (ao - sfour)
	p.eta = ao * ecco * tsi
	etasq := p.eta * p.eta
	eeta := ecco * p.eta
	psisq := math.Abs(1.0 - etasq)
	coef := qzms24 * math.Pow(tsi, 4.0)
	coef1 := coef / math.Pow(psisq, 3.5)
	cc2 := coef1 * p.noUnkozai * (ao*(1.0+1.5*etasq+eeta*(4.0+etasq)) +
		0.375*j2*tsi/psisq*p.con41*(8.0+3.0*etasq*(8.0+etasq)))
	p.cc1 = p.bstar * cc2
	cc3 := 0.0
	if ecco > 1.0e-4 {
		cc3 = -2.0 * coef * tsi * j3oj2 * p.noUnkozai * sinio / ecco
	}
	p.x1mth2 = 1.0 - cosio2
	p.cc4 = 2.0 * p.noUnkozai * coef1 * ao * omeosq *
		(p.eta*(2.0+0.5*etasq) + ecco*(0.5+2.0*etasq) -
			j2*tsi/(ao*psisq)*(-3.0*p.con41*(1.0-2.0*eeta+etasq*(1.5-0.5*eeta))+
				0.75*p.x1mth2*(2.0*etasq-eeta*(1.0+etasq))*math.Cos(2.0*p.argpo)))
	p.cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75*(etasq+eeta) + eeta*etasq)
	cosio4 := cosio2 * cosio2
	temp1 := 1.5 * j2 * pinvsq * p.noUnkozai
	temp2 := 0.5 * temp1 * j2 * pinvsq
	temp3 := -0.46875 * j4 * pinvsq * pinvsq * p.noUnkozai
	p.mdot = p.noUnkozai + 0.5*temp1*rteosq*p.con41 +
		0.0625*temp2*rteosq*(13.0-78.0*cosio2+137.0*cosio4)
	p.argpdot = -0.5*temp1*con42 + 0.0625*temp2*(7.0-114.0*cosio2+395.0*cosio4) +
		temp3*(3.0-36.0*cosio2+49.0*cosio4)
	xhdot1 := -temp1 * cosio
	p.nodedot = xhdot1 + (0.5*temp2*(4.0-19.0*cosio2)+2.0*temp3*(3.0-7.0*cosio2))*cosio
	xpidot := p.argpdot + p.nodedot
	p.omgcof = p.bstar * cc3 * math.Cos(p.argpo)
	p.xmcof = 0.0
	if ecco > 1.0e-4 {
		p.xmcof = -x2o3 * coef * p.bstar / eeta
	}
	p.nodecf = 3.5 * omeosq * xhdot1 * p.cc1
	p.t2cof = 1.5 * p.cc1
	if math.Abs(cosio+1.0) > 1.5e-12 {
		p.xlcof = -0.25 * j3oj2 * sinio * (3.0 + 5.0*cosio) / (1.0 + cosio)
	} else {
		p.xlcof = -0.25 * j3oj2 * sinio * (3.0 + 5.0*cosio) / temp4
	}
	p.aycof = -0.5 * j3oj2 * sinio
	delmotemp := 1.0 + p.eta*math.Cos(p.mo)
	p.delmo = delmotemp * delmotemp * delmotemp
	p.sinmao = math.Sin(p.mo)
	p.x7thm1 = 7.0*cosio2 - 1.0

	if twoPi/p.noUnkozai >= 225.0 {
		p.deep = true
		p.isimp = true
		c := p.dscom(epoch, ecco, p.argpo, 0, p.inclo, p.nodeo, p.noUnkozai)
		p.dsinit(&c, 0, 0, xpidot, eccsq)
	}

	if !p.isimp {
		cc1sq := p.cc1 * p.cc1
		p.d2 = 4.0 * ao * tsi * cc1sq
		temp := p.d2 * tsi * p.cc1 / 3.0
		p.d3 = (17.0*ao + sfour) * temp
		p.d4 = 0.5 * temp * ao * tsi * (221.0*ao + 31.0*sfour) * p.cc1
		p.t3cof = p.d2 + 2.0*cc1sq
		p.t4cof = 0.25 * (3.0*p.d3 + p.cc1*(12.0*p.d2+10.0*cc1sq))
		p.t5cof = 0.2 * (3.0*p.d4 + 12.0*p.cc1*p.d3 + 6.0*p.d2*p.d2 + 15.0*cc1sq*(2.0*p.d2+cc1sq))
	}
}

// referenceEpoch returns the epoch as days since 1949 December 31 00:00 UT,
// rounded the way the reference implementation rounds it (day of year ->
// month, day, h, m, s -> Julian date + fraction, summed). The lunar-solar
// terms of highly eccentric deep-space orbits are sensitive to that rounding
// at the millimetre level. Minutes since epoch never use this value: they
// come from whole nanoseconds (MinutesSince).
func referenceEpoch(t time.Time) float64 {
	t = t.UTC()
	year := t.Year()
	midnight := time.Date(year, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	days := float64(t.YearDay()) + float64(t.Sub(midnight))/float64(24*time.Hour)

	// days2mdhms
	lmonth := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if year%4 == 0 {
		lmonth[1] = 29
	}
	dayofyr := int(math.Floor(days))
	i, inttemp := 1, 0
	for dayofyr > inttemp+lmonth[i-1] && i < 12 {
		inttemp += lmonth[i-1]
		i++
	}
	mon, day := i, dayofyr-inttemp
	temp := (days - float64(dayofyr)) * 24.0
	hr := math.Floor(temp)
	temp = (temp - hr) * 60.0
	minute := math.Floor(temp)
	sec := (temp - minute) * 60.0

	// jday
	y, m := float64(year), float64(mon)
	jd := 367.0*y - math.Floor((7*(y+math.Floor((m+9)/12.0)))*0.25) +
		math.Floor(275*m/9.0) + float64(day) + 1721013.5
	jdFrac := (sec + minute*60.0 + hr*3600.0) / 86400.0
	if math.Abs(jdFrac) > 1.0 {
		dtt := math.Floor(jdFrac)
		jd += dtt
		jdFrac -= dtt
	}
	return jd + jdFrac - 2433281.5
}

// fmod2pi is C's fmod(x, 2π): the result has the sign of x. It is
// computed as x - 2π·trunc(x/2π), within an ulp of x of the exact value
// and several times faster than math.Mod.
func fmod2pi(x float64) float64 {
	return x - twoPi*math.Trunc(x/twoPi)
}

// gstime is Greenwich sidereal time (IAU 1982) at a UT1 Julian date.
func gstime(jdut1 float64) float64 {
	tut1 := (jdut1 - 2451545.0) / 36525.0
	temp := -6.2e-6*tut1*tut1*tut1 + 0.093104*tut1*tut1 +
		(876600.0*3600+8640184.812866)*tut1 + 67310.54841 // seconds
	temp = math.Mod(temp*deg2rad/240.0, twoPi)
	if temp < 0.0 {
		temp += twoPi
	}
	return temp
}

// Propagate returns the TEME position (km) and velocity (km/s) tsince
// minutes after epoch.
func (p *Propagator) Propagate(tsince float64) (r, v geo.Vec, err error) {
	t := tsince
	fail := func(e error) (geo.Vec, geo.Vec, error) {
		return geo.Vec{}, geo.Vec{}, &Error{Sat: p.satnum, Minutes: tsince, Err: e}
	}
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return fail(ErrElementsRejected)
	}

	// secular gravity and atmospheric drag
	xmdf := p.mo + p.mdot*t
	argpdf := p.argpo + p.argpdot*t
	nodedf := p.nodeo + p.nodedot*t
	argpm := argpdf
	mm := xmdf
	t2 := t * t
	nodem := nodedf + p.nodecf*t2
	tempa := 1.0 - p.cc1*t
	tempe := p.bstar * p.cc4 * t
	templ := p.t2cof * t2

	if !p.isimp {
		delomg := p.omgcof * t
		delmtemp := 1.0 + p.eta*math.Cos(xmdf)
		delm := p.xmcof * (delmtemp*delmtemp*delmtemp - p.delmo)
		temp := delomg + delm
		mm = xmdf + temp
		argpm = argpdf - temp
		t3 := t2 * t
		t4 := t3 * t
		tempa = tempa - p.d2*t2 - p.d3*t3 - p.d4*t4
		tempe = tempe + p.bstar*p.cc5*(math.Sin(mm)-p.sinmao)
		templ = templ + p.t3cof*t3 + t4*(p.t4cof+t*p.t5cof)
	}

	nm := p.noUnkozai
	em := p.ecco
	inclm := p.inclo
	if p.deep {
		em, argpm, inclm, mm, nodem, nm = p.dspace(t, em, argpm, inclm, mm, nodem)
	}

	if nm <= 0.0 {
		return fail(ErrMeanMotion)
	}
	var am float64
	if p.deep {
		am = math.Pow(xke/nm, x2o3) * tempa * tempa
	} else {
		am = p.aNear * tempa * tempa // nm is the constant un-Kozai'd mean motion
	}
	nm = xke / (am * math.Sqrt(am))
	em = em - tempe

	if em >= 1.0 || em < -0.001 || math.IsNaN(em) {
		return fail(ErrEccentricity)
	}
	if em < 1.0e-6 {
		em = 1.0e-6
	}
	mm = mm + p.noUnkozai*templ
	xlm := mm + argpm + nodem

	nodem = fmod2pi(nodem)
	argpm = fmod2pi(argpm)
	xlm = fmod2pi(xlm)
	mm = fmod2pi(xlm - argpm - nodem)

	sinim := math.Sin(inclm)
	cosim := math.Cos(inclm)

	// lunar-solar periodics
	ep := em
	xincp := inclm
	argpp := argpm
	nodep := nodem
	mp := mm
	sinip := sinim
	cosip := cosim
	aycof, xlcof := p.aycof, p.xlcof
	con41, x1mth2, x7thm1 := p.con41, p.x1mth2, p.x7thm1
	if p.deep {
		ep, xincp, nodep, argpp, mp = p.dpper(t, false, ep, xincp, nodep, argpp, mp)
		if xincp < 0.0 {
			xincp = -xincp
			nodep = nodep + math.Pi
			argpp = argpp - math.Pi
		}
		if ep < 0.0 || ep > 1.0 {
			return fail(ErrPerturbedEcc)
		}
		sinip = math.Sin(xincp)
		cosip = math.Cos(xincp)
		aycof = -0.5 * j3oj2 * sinip
		if math.Abs(cosip+1.0) > 1.5e-12 {
			xlcof = -0.25 * j3oj2 * sinip * (3.0 + 5.0*cosip) / (1.0 + cosip)
		} else {
			xlcof = -0.25 * j3oj2 * sinip * (3.0 + 5.0*cosip) / temp4
		}
	}

	// long period periodics
	axnl := ep * math.Cos(argpp)
	temp := 1.0 / (am * (1.0 - ep*ep))
	aynl := ep*math.Sin(argpp) + temp*aycof
	xl := mp + argpp + nodep + temp*xlcof*axnl

	// Kepler's equation
	u := fmod2pi(xl - nodep)
	eo1 := u
	tem5 := 9999.9
	var sineo1, coseo1 float64
	for ktr := 1; math.Abs(tem5) >= 1.0e-12 && ktr <= 10; ktr++ {
		sineo1, coseo1 = math.Sincos(eo1)
		tem5 = 1.0 - coseo1*axnl - sineo1*aynl
		tem5 = (u - aynl*coseo1 + axnl*sineo1 - eo1) / tem5
		if math.Abs(tem5) >= 0.95 {
			if tem5 > 0.0 {
				tem5 = 0.95
			} else {
				tem5 = -0.95
			}
		}
		eo1 = eo1 + tem5
	}

	// short period preliminary quantities
	ecose := axnl*coseo1 + aynl*sineo1
	esine := axnl*sineo1 - aynl*coseo1
	el2 := axnl*axnl + aynl*aynl
	pl := am * (1.0 - el2)
	if pl < 0.0 {
		return fail(ErrSemiLatusRectum)
	}
	rl := am * (1.0 - ecose)
	rdotl := math.Sqrt(am) * esine / rl
	rvdotl := math.Sqrt(pl) / rl
	betal := math.Sqrt(1.0 - el2)
	temp = esine / (1.0 + betal)
	sinu := am / rl * (sineo1 - aynl - axnl*temp)
	cosu := am / rl * (coseo1 - axnl + aynl*temp)
	su := math.Atan2(sinu, cosu)
	sin2u := (cosu + cosu) * sinu
	cos2u := 1.0 - 2.0*sinu*sinu
	temp = 1.0 / pl
	temp1 := 0.5 * j2 * temp
	temp2 := temp1 * temp

	if p.deep {
		cosisq := cosip * cosip
		con41 = 3.0*cosisq - 1.0
		x1mth2 = 1.0 - cosisq
		x7thm1 = 7.0*cosisq - 1.0
	}
	mrt := rl*(1.0-1.5*temp2*betal*con41) + 0.5*temp1*x1mth2*cos2u
	su = su - 0.25*temp2*x7thm1*sin2u
	xnode := nodep + 1.5*temp2*cosip*sin2u
	xinc := xincp + 1.5*temp2*cosip*sinip*cos2u
	mvt := rdotl - nm*temp1*x1mth2*sin2u/xke
	rvdot := rvdotl + nm*temp1*(x1mth2*cos2u+1.5*con41)/xke

	// orientation vectors
	sinsu, cossu := math.Sincos(su)
	snod, cnod := math.Sincos(xnode)
	sini, cosi := math.Sincos(xinc)
	xmx := -snod * cosi
	xmy := cnod * cosi
	ux := xmx*sinsu + cnod*cossu
	uy := xmy*sinsu + snod*cossu
	uz := sini * sinsu
	vx := xmx*cossu - cnod*sinsu
	vy := xmy*cossu - snod*sinsu
	vz := sini * cossu

	r = geo.Vec{X: mrt * ux, Y: mrt * uy, Z: mrt * uz}.Scale(EarthRadiusKm)
	v = geo.Vec{
		X: mvt*ux + rvdot*vx,
		Y: mvt*uy + rvdot*vy,
		Z: mvt*uz + rvdot*vz,
	}.Scale(vkmpersec)

	if mrt < 1.0 {
		return fail(ErrDecayed)
	}
	if math.IsNaN(r.X) || math.IsNaN(v.X) {
		return fail(ErrElementsRejected)
	}
	return r, v, nil
}
