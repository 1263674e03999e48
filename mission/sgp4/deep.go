package sgp4

import "math"

// dscomOut carries the lunar-solar quantities computed once at epoch and
// consumed by dsinit.
type dscomOut struct {
	sinim, cosim, emsq, em, nm float64
	s1, s2, s3, s4, s5         float64
	ss1, ss2, ss3, ss4, ss5    float64
	sz1, sz3, sz11, sz13       float64
	sz21, sz23, sz31, sz33     float64
	z1, z3, z11, z13           float64
	z21, z23, z31, z33         float64
}

// dscom computes the deep-space common terms (solar and lunar) at epoch and
// stores the periodic coefficients in p.
func (p *Propagator) dscom(epoch, ep, argpp, tc, inclp, nodep, np float64) dscomOut {
	const (
		zes    = 0.01675
		zel    = 0.05490
		c1ss   = 2.9864797e-6
		c1l    = 4.7968065e-7
		zsinis = 0.39785416
		zcosis = 0.91744867
		zcosgs = 0.1945905
		zsings = -0.98088458
	)
	var o dscomOut
	o.nm = np
	o.em = ep
	snodm, cnodm := math.Sin(nodep), math.Cos(nodep)
	sinomm, cosomm := math.Sin(argpp), math.Cos(argpp)
	o.sinim, o.cosim = math.Sin(inclp), math.Cos(inclp)
	o.emsq = o.em * o.em
	betasq := 1.0 - o.emsq
	rtemsq := math.Sqrt(betasq)

	day := epoch + 18261.5 + tc/1440.0
	xnodce := math.Mod(4.5236020-9.2422029e-4*day, twoPi)
	stem, ctem := math.Sin(xnodce), math.Cos(xnodce)
	zcosil := 0.91375164 - 0.03568096*ctem
	zsinil := math.Sqrt(1.0 - zcosil*zcosil)
	zsinhl := 0.089683511 * stem / zsinil
	zcoshl := math.Sqrt(1.0 - zsinhl*zsinhl)
	gam := 5.8351514 + 0.0019443680*day
	zx := 0.39785416 * stem / zsinil
	zy := zcoshl*ctem + 0.91744867*zsinhl*stem
	zx = math.Atan2(zx, zy)
	zx = gam + zx - xnodce
	zcosgl, zsingl := math.Cos(zx), math.Sin(zx)

	// solar terms first, then lunar
	zcosg, zsing := zcosgs, zsings
	zcosi, zsini := zcosis, zsinis
	zcosh, zsinh := cnodm, snodm
	cc := c1ss
	xnoi := 1.0 / o.nm

	var s6, s7, ss6, ss7, z2, z12, z22, z32, sz2, sz12, sz22, sz32 float64
	for lsflg := 1; lsflg <= 2; lsflg++ {
		a1 := zcosg*zcosh + zsing*zcosi*zsinh
		a3 := -zsing*zcosh + zcosg*zcosi*zsinh
		a7 := -zcosg*zsinh + zsing*zcosi*zcosh
		a8 := zsing * zsini
		a9 := zsing*zsinh + zcosg*zcosi*zcosh
		a10 := zcosg * zsini
		a2 := o.cosim*a7 + o.sinim*a8
		a4 := o.cosim*a9 + o.sinim*a10
		a5 := -o.sinim*a7 + o.cosim*a8
		a6 := -o.sinim*a9 + o.cosim*a10

		x1 := a1*cosomm + a2*sinomm
		x2 := a3*cosomm + a4*sinomm
		x3 := -a1*sinomm + a2*cosomm
		x4 := -a3*sinomm + a4*cosomm
		x5 := a5 * sinomm
		x6 := a6 * sinomm
		x7 := a5 * cosomm
		x8 := a6 * cosomm

		o.z31 = 12.0*x1*x1 - 3.0*x3*x3
		z32 = 24.0*x1*x2 - 6.0*x3*x4
		o.z33 = 12.0*x2*x2 - 3.0*x4*x4
		o.z1 = 3.0*(a1*a1+a2*a2) + o.z31*o.emsq
		z2 = 6.0*(a1*a3+a2*a4) + z32*o.emsq
		o.z3 = 3.0*(a3*a3+a4*a4) + o.z33*o.emsq
		o.z11 = -6.0*a1*a5 + o.emsq*(-24.0*x1*x7-6.0*x3*x5)
		z12 = -6.0*(a1*a6+a3*a5) + o.emsq*(-24.0*(x2*x7+x1*x8)-6.0*(x3*x6+x4*x5))
		o.z13 = -6.0*a3*a6 + o.emsq*(-24.0*x2*x8-6.0*x4*x6)
		o.z21 = 6.0*a2*a5 + o.emsq*(24.0*x1*x5-6.0*x3*x7)
		z22 = 6.0*(a4*a5+a2*a6) + o.emsq*(24.0*(x2*x5+x1*x6)-6.0*(x4*x7+x3*x8))
		o.z23 = 6.0*a4*a6 + o.emsq*(24.0*x2*x6-6.0*x4*x8)
		o.z1 = o.z1 + o.z1 + betasq*o.z31
		z2 = z2 + z2 + betasq*z32
		o.z3 = o.z3 + o.z3 + betasq*o.z33
		o.s3 = cc * xnoi
		o.s2 = -0.5 * o.s3 / rtemsq
		o.s4 = o.s3 * rtemsq
		o.s1 = -15.0 * o.em * o.s4
		o.s5 = x1*x3 + x2*x4
		s6 = x2*x3 + x1*x4
		s7 = x2*x4 - x1*x3

		if lsflg == 1 {
			o.ss1, o.ss2, o.ss3, o.ss4, o.ss5 = o.s1, o.s2, o.s3, o.s4, o.s5
			ss6, ss7 = s6, s7
			o.sz1, sz2, o.sz3 = o.z1, z2, o.z3
			o.sz11, sz12, o.sz13 = o.z11, z12, o.z13
			o.sz21, sz22, o.sz23 = o.z21, z22, o.z23
			o.sz31, sz32, o.sz33 = o.z31, z32, o.z33
			zcosg, zsing = zcosgl, zsingl
			zcosi, zsini = zcosil, zsinil
			zcosh = zcoshl*cnodm + zsinhl*snodm
			zsinh = snodm*zcoshl - cnodm*zsinhl
			cc = c1l
		}
	}

	p.zmol = math.Mod(4.7199672+0.22997150*day-gam, twoPi)
	p.zmos = math.Mod(6.2565837+0.017201977*day, twoPi)

	// solar periodic coefficients
	p.se2 = 2.0 * o.ss1 * ss6
	p.se3 = 2.0 * o.ss1 * ss7
	p.si2 = 2.0 * o.ss2 * sz12
	p.si3 = 2.0 * o.ss2 * (o.sz13 - o.sz11)
	p.sl2 = -2.0 * o.ss3 * sz2
	p.sl3 = -2.0 * o.ss3 * (o.sz3 - o.sz1)
	p.sl4 = -2.0 * o.ss3 * (-21.0 - 9.0*o.emsq) * zes
	p.sgh2 = 2.0 * o.ss4 * sz32
	p.sgh3 = 2.0 * o.ss4 * (o.sz33 - o.sz31)
	p.sgh4 = -18.0 * o.ss4 * zes
	p.sh2 = -2.0 * o.ss2 * sz22
	p.sh3 = -2.0 * o.ss2 * (o.sz23 - o.sz21)

	// lunar periodic coefficients
	p.ee2 = 2.0 * o.s1 * s6
	p.e3 = 2.0 * o.s1 * s7
	p.xi2 = 2.0 * o.s2 * z12
	p.xi3 = 2.0 * o.s2 * (o.z13 - o.z11)
	p.xl2 = -2.0 * o.s3 * z2
	p.xl3 = -2.0 * o.s3 * (o.z3 - o.z1)
	p.xl4 = -2.0 * o.s3 * (-21.0 - 9.0*o.emsq) * zel
	p.xgh2 = 2.0 * o.s4 * z32
	p.xgh3 = 2.0 * o.s4 * (o.z33 - o.z31)
	p.xgh4 = -18.0 * o.s4 * zel
	p.xh2 = -2.0 * o.s2 * z22
	p.xh3 = -2.0 * o.s2 * (o.z23 - o.z21)
	return o
}

// dpper applies the lunar-solar periodics. At init (init == true) it only
// evaluates them; peo..pho stay zero, as in the reference.
func (p *Propagator) dpper(t float64, init bool, ep, inclp, nodep, argpp, mp float64) (float64, float64, float64, float64, float64) {
	const (
		zns = 1.19459e-5
		zes = 0.01675
		znl = 1.5835218e-4
		zel = 0.05490
	)
	zm := p.zmos + zns*t
	if init {
		zm = p.zmos
	}
	zf := zm + 2.0*zes*math.Sin(zm)
	sinzf := math.Sin(zf)
	f2 := 0.5*sinzf*sinzf - 0.25
	f3 := -0.5 * sinzf * math.Cos(zf)
	ses := p.se2*f2 + p.se3*f3
	sis := p.si2*f2 + p.si3*f3
	sls := p.sl2*f2 + p.sl3*f3 + p.sl4*sinzf
	sghs := p.sgh2*f2 + p.sgh3*f3 + p.sgh4*sinzf
	shs := p.sh2*f2 + p.sh3*f3
	zm = p.zmol + znl*t
	if init {
		zm = p.zmol
	}
	zf = zm + 2.0*zel*math.Sin(zm)
	sinzf = math.Sin(zf)
	f2 = 0.5*sinzf*sinzf - 0.25
	f3 = -0.5 * sinzf * math.Cos(zf)
	sel := p.ee2*f2 + p.e3*f3
	sil := p.xi2*f2 + p.xi3*f3
	sll := p.xl2*f2 + p.xl3*f3 + p.xl4*sinzf
	sghl := p.xgh2*f2 + p.xgh3*f3 + p.xgh4*sinzf
	shll := p.xh2*f2 + p.xh3*f3
	pe := ses + sel
	pinc := sis + sil
	pl := sls + sll
	pgh := sghs + sghl
	ph := shs + shll

	if init {
		return ep, inclp, nodep, argpp, mp
	}
	pe -= p.peo
	pinc -= p.pinco
	pl -= p.plo
	pgh -= p.pgho
	ph -= p.pho
	inclp += pinc
	ep += pe
	sinip, cosip := math.Sin(inclp), math.Cos(inclp)

	if inclp >= 0.2 {
		ph /= sinip
		pgh -= cosip * ph
		argpp += pgh
		nodep += ph
		mp += pl
		return ep, inclp, nodep, argpp, mp
	}
	// Lyddane modification for low inclinations
	sinop, cosop := math.Sin(nodep), math.Cos(nodep)
	alfdp := sinip * sinop
	betdp := sinip * cosop
	dalf := ph*cosop + pinc*cosip*sinop
	dbet := -ph*sinop + pinc*cosip*cosop
	alfdp += dalf
	betdp += dbet
	nodep = math.Mod(nodep, twoPi)
	xls := mp + argpp + cosip*nodep
	dls := pl + pgh - pinc*nodep*sinip
	xls += dls
	xnoh := nodep
	nodep = math.Atan2(alfdp, betdp)
	if math.Abs(xnoh-nodep) > math.Pi {
		if nodep < xnoh {
			nodep += twoPi
		} else {
			nodep -= twoPi
		}
	}
	mp += pl
	argpp = xls - mp - cosip*nodep
	return ep, inclp, nodep, argpp, mp
}

// dsinit sets up the deep-space secular rates and, for 12 h and 24 h
// orbits, the resonance terms.
func (p *Propagator) dsinit(c *dscomOut, t, tc, xpidot, eccsq float64) {
	const (
		q22    = 1.7891679e-6
		q31    = 2.1460748e-6
		q33    = 2.2123015e-7
		root22 = 1.7891679e-6
		root44 = 7.3636953e-9
		root54 = 2.1765803e-9
		rptim  = 4.37526908801129966e-3 // Earth rotation, rad/min
		root32 = 3.7393792e-7
		root52 = 1.1428639e-7
		znl    = 1.5835218e-4
		zns    = 1.19459e-5
	)
	nm, em, emsq := c.nm, c.em, c.emsq
	sinim, cosim := c.sinim, c.cosim
	inclm := p.inclo

	p.irez = 0
	if nm < 0.0052359877 && nm > 0.0034906585 {
		p.irez = 1
	}
	if nm >= 8.26e-3 && nm <= 9.24e-3 && em >= 0.5 {
		p.irez = 2
	}

	// solar terms
	ses := c.ss1 * zns * c.ss5
	sis := c.ss2 * zns * (c.sz11 + c.sz13)
	sls := -zns * c.ss3 * (c.sz1 + c.sz3 - 14.0 - 6.0*emsq)
	sghs := c.ss4 * zns * (c.sz31 + c.sz33 - 6.0)
	shs := -zns * c.ss2 * (c.sz21 + c.sz23)
	if inclm < 5.2359877e-2 || inclm > math.Pi-5.2359877e-2 {
		shs = 0.0
	}
	if sinim != 0.0 {
		shs /= sinim
	}
	sgs := sghs - cosim*shs

	// lunar terms
	p.dedt = ses + c.s1*znl*c.s5
	p.didt = sis + c.s2*znl*(c.z11+c.z13)
	p.dmdt = sls - znl*c.s3*(c.z1+c.z3-14.0-6.0*emsq)
	sghl := c.s4 * znl * (c.z31 + c.z33 - 6.0)
	shll := -znl * c.s2 * (c.z21 + c.z23)
	if inclm < 5.2359877e-2 || inclm > math.Pi-5.2359877e-2 {
		shll = 0.0
	}
	p.domdt = sgs + sghl
	p.dnodt = shs
	if sinim != 0.0 {
		p.domdt -= cosim / sinim * shll
		p.dnodt += shll / sinim
	}

	// resonance effects
	theta := math.Mod(p.gsto+tc*rptim, twoPi)
	em += p.dedt * t
	if p.irez == 0 {
		return
	}
	aonv := math.Pow(nm/xke, x2o3)
	no := p.noUnkozai

	if p.irez == 2 { // geopotential resonance for 12 hour orbits
		cosisq := cosim * cosim
		emo := em
		em = p.ecco
		emsqo := emsq
		emsq = eccsq
		eoc := em * emsq
		g201 := -0.306 - (em-0.64)*0.440

		var g211, g310, g322, g410, g422, g520, g521, g532, g533 float64
		if em <= 0.65 {
			g211 = 3.616 - 13.2470*em + 16.2900*emsq
			g310 = -19.302 + 117.3900*em - 228.4190*emsq + 156.5910*eoc
			g322 = -18.9068 + 109.7927*em - 214.6334*emsq + 146.5816*eoc
			g410 = -41.122 + 242.6940*em - 471.0940*emsq + 313.9530*eoc
			g422 = -146.407 + 841.8800*em - 1629.014*emsq + 1083.4350*eoc
			g520 = -532.114 + 3017.977*em - 5740.032*emsq + 3708.2760*eoc
		} else {
			g211 = -72.099 + 331.819*em - 508.738*emsq + 266.724*eoc
			g310 = -346.844 + 1582.851*em - 2415.925*emsq + 1246.113*eoc
			g322 = -342.585 + 1554.908*em - 2366.899*emsq + 1215.972*eoc
			g410 = -1052.797 + 4758.686*em - 7193.992*emsq + 3651.957*eoc
			g422 = -3581.690 + 16178.110*em - 24462.770*emsq + 12422.520*eoc
			if em > 0.715 {
				g520 = -5149.66 + 29936.92*em - 54087.36*emsq + 31324.56*eoc
			} else {
				g520 = 1464.74 - 4664.75*em + 3763.64*emsq
			}
		}
		if em < 0.7 {
			g533 = -919.22770 + 4988.6100*em - 9064.7700*emsq + 5542.21*eoc
			g521 = -822.71072 + 4568.6173*em - 8491.4146*emsq + 5337.524*eoc
			g532 = -853.66600 + 4690.2500*em - 8624.7700*emsq + 5341.4*eoc
		} else {
			g533 = -37995.780 + 161616.52*em - 229838.20*emsq + 109377.94*eoc
			g521 = -51752.104 + 218913.95*em - 309468.16*emsq + 146349.42*eoc
			g532 = -40023.880 + 170470.89*em - 242699.48*emsq + 115605.82*eoc
		}

		sini2 := sinim * sinim
		f220 := 0.75 * (1.0 + 2.0*cosim + cosisq)
		f221 := 1.5 * sini2
		f321 := 1.875 * sinim * (1.0 - 2.0*cosim - 3.0*cosisq)
		f322 := -1.875 * sinim * (1.0 + 2.0*cosim - 3.0*cosisq)
		f441 := 35.0 * sini2 * f220
		f442 := 39.3750 * sini2 * sini2
		f522 := 9.84375 * sinim * (sini2*(1.0-2.0*cosim-5.0*cosisq) +
			0.33333333*(-2.0+4.0*cosim+6.0*cosisq))
		f523 := sinim * (4.92187512*sini2*(-2.0-4.0*cosim+10.0*cosisq) +
			6.56250012*(1.0+2.0*cosim-3.0*cosisq))
		f542 := 29.53125 * sinim * (2.0 - 8.0*cosim + cosisq*(-12.0+8.0*cosim+10.0*cosisq))
		f543 := 29.53125 * sinim * (-2.0 - 8.0*cosim + cosisq*(12.0+8.0*cosim-10.0*cosisq))
		xno2 := nm * nm
		ainv2 := aonv * aonv
		temp1 := 3.0 * xno2 * ainv2
		temp := temp1 * root22
		p.d2201 = temp * f220 * g201
		p.d2211 = temp * f221 * g211
		temp1 *= aonv
		temp = temp1 * root32
		p.d3210 = temp * f321 * g310
		p.d3222 = temp * f322 * g322
		temp1 *= aonv
		temp = 2.0 * temp1 * root44
		p.d4410 = temp * f441 * g410
		p.d4422 = temp * f442 * g422
		temp1 *= aonv
		temp = temp1 * root52
		p.d5220 = temp * f522 * g520
		p.d5232 = temp * f523 * g532
		temp = 2.0 * temp1 * root54
		p.d5421 = temp * f542 * g521
		p.d5433 = temp * f543 * g533
		p.xlamo = math.Mod(p.mo+p.nodeo+p.nodeo-theta-theta, twoPi)
		p.xfact = p.mdot + p.dmdt + 2.0*(p.nodedot+p.dnodt-rptim) - no
		_, _ = emo, emsqo
	}

	if p.irez == 1 { // synchronous resonance terms
		g200 := 1.0 + emsq*(-2.5+0.8125*emsq)
		g310 := 1.0 + 2.0*emsq
		g300 := 1.0 + emsq*(-6.0+6.60937*emsq)
		f220 := 0.75 * (1.0 + cosim) * (1.0 + cosim)
		f311 := 0.9375*sinim*sinim*(1.0+3.0*cosim) - 0.75*(1.0+cosim)
		f330 := 1.0 + cosim
		f330 = 1.875 * f330 * f330 * f330
		p.del1 = 3.0 * nm * nm * aonv * aonv
		p.del2 = 2.0 * p.del1 * f220 * g200 * q22
		p.del3 = 3.0 * p.del1 * f330 * g300 * q33 * aonv
		p.del1 = p.del1 * f311 * g310 * q31 * aonv
		p.xlamo = math.Mod(p.mo+p.nodeo+p.argpo-theta, twoPi)
		p.xfact = p.mdot + xpidot - rptim + p.dmdt + p.domdt + p.dnodt - no
	}
}

// dspace applies the deep-space secular effects and integrates the
// resonance terms from epoch to t in 720-minute steps.
func (p *Propagator) dspace(t, em, argpm, inclm, mm, nodem float64) (float64, float64, float64, float64, float64, float64) {
	const (
		fasx2 = 0.13130908
		fasx4 = 2.8843198
		fasx6 = 0.37448087
		g22   = 5.7686396
		g32   = 0.95240898
		g44   = 1.8014998
		g52   = 1.0508330
		g54   = 4.4108898
		rptim = 4.37526908801129966e-3
		stepp = 720.0
		stepn = -720.0
		step2 = 259200.0
	)
	no := p.noUnkozai
	tc := t
	theta := math.Mod(p.gsto+tc*rptim, twoPi)
	em += p.dedt * t
	inclm += p.didt * t
	argpm += p.domdt * t
	nodem += p.dnodt * t
	mm += p.dmdt * t
	nm := no
	if p.irez == 0 {
		return em, argpm, inclm, mm, nodem, nm
	}

	// The integrator always starts from epoch: results do not depend on
	// which times were asked for before.
	atime := 0.0
	xni := no
	xli := p.xlamo
	delt := stepn
	if t > 0.0 {
		delt = stepp
	}
	var xndt, xldot, xnddt, ft float64
	for {
		if p.irez != 2 {
			xndt = p.del1*math.Sin(xli-fasx2) + p.del2*math.Sin(2.0*(xli-fasx4)) +
				p.del3*math.Sin(3.0*(xli-fasx6))
			xldot = xni + p.xfact
			xnddt = p.del1*math.Cos(xli-fasx2) + 2.0*p.del2*math.Cos(2.0*(xli-fasx4)) +
				3.0*p.del3*math.Cos(3.0*(xli-fasx6))
			xnddt *= xldot
		} else {
			xomi := p.argpo + p.argpdot*atime
			x2omi := xomi + xomi
			x2li := xli + xli
			xndt = p.d2201*math.Sin(x2omi+xli-g22) + p.d2211*math.Sin(xli-g22) +
				p.d3210*math.Sin(xomi+xli-g32) + p.d3222*math.Sin(-xomi+xli-g32) +
				p.d4410*math.Sin(x2omi+x2li-g44) + p.d4422*math.Sin(x2li-g44) +
				p.d5220*math.Sin(xomi+xli-g52) + p.d5232*math.Sin(-xomi+xli-g52) +
				p.d5421*math.Sin(xomi+x2li-g54) + p.d5433*math.Sin(-xomi+x2li-g54)
			xldot = xni + p.xfact
			xnddt = p.d2201*math.Cos(x2omi+xli-g22) + p.d2211*math.Cos(xli-g22) +
				p.d3210*math.Cos(xomi+xli-g32) + p.d3222*math.Cos(-xomi+xli-g32) +
				p.d5220*math.Cos(xomi+xli-g52) + p.d5232*math.Cos(-xomi+xli-g52) +
				2.0*(p.d4410*math.Cos(x2omi+x2li-g44)+p.d4422*math.Cos(x2li-g44)+
					p.d5421*math.Cos(xomi+x2li-g54)+p.d5433*math.Cos(-xomi+x2li-g54))
			xnddt *= xldot
		}
		if math.Abs(t-atime) < stepp {
			ft = t - atime
			break
		}
		xli += xldot*delt + xndt*step2
		xni += xndt*delt + xnddt*step2
		atime += delt
	}
	nm = xni + xndt*ft + xnddt*ft*ft*0.5
	xl := xli + xldot*ft + xndt*ft*ft*0.5
	if p.irez != 1 {
		mm = xl - 2.0*nodem + 2.0*theta
	} else {
		mm = xl - nodem - argpm + theta
	}
	dndt := nm - no
	nm = no + dndt
	return em, argpm, inclm, mm, nodem, nm
}
