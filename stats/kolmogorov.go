package stats

import "math"

// This file computes the exact distribution of the one-sample two-sided
// Kolmogorov statistic D_n (SciPy's kstwo), which ks_2samp's asymptotic
// two-sided p-value evaluates at n = round(n1·n2/(n1+n2)). Gonum has no
// Kolmogorov distribution, so SciPy's algorithm (Simard & L'Ecuyer 2011:
// Ruben–Gambino closed forms, the Durbin matrix of Marsaglia–Tsang–Wang,
// Pomeranz's recursion, the Pelz–Good expansion and the exact Smirnov sum)
// is followed branch for branch, so that each n and x lands in the same
// method as in SciPy.

const (
	ksE128      = 128
	ksMinLog    = -708
	ksPiSquared = math.Pi * math.Pi
	ksPiFour    = ksPiSquared * ksPiSquared
	ksPiSix     = ksPiFour * ksPiSquared
	ksSqrt3     = 1.7320508075688772
	ksSqrt2Pi   = 2.5066282746310002
	ksLog2Pi    = 1.8378770664093453
	ksEP128     = 3.402823669209385e+38 // 2^128
	ksEM128     = 2.938735877055719e-39 // 2^-128
	ksDMTWLimit = 0.754693
)

// kstwoSF is scipy.stats.kstwo.sf(x, n): P(D_n > x).
func kstwoSF(x float64, n int) float64 {
	if math.IsNaN(x) || n < 1 {
		return nan
	}
	if x <= 0.5/float64(n) {
		return 1
	}
	if x >= 1 {
		return 0
	}
	return kolmogn(n, x, false)
}

func selectProb(cdfProb, sfProb float64, cdf bool) float64 {
	if cdf {
		return clip01(cdfProb)
	}
	return clip01(sfProb)
}

// kolmogn is SciPy's _kolmogn: the CDF (cdf = true) or SF of D_n at x.
func kolmogn(n int, x float64, cdf bool) float64 {
	if x >= 1 {
		return selectProb(1, 0, cdf)
	}
	if x <= 0 {
		return selectProb(0, 1, cdf)
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 {
		if t <= 0.5 {
			return selectProb(0, 1, cdf)
		}
		var prob float64
		if n <= 140 {
			prob = 1
			for i := 1; i <= n; i++ {
				prob *= float64(i) * (1.0 / fn) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logNFactorialDivNPowN(fn) + fn*math.Log(2*t-1))
		}
		return selectProb(prob, 1-prob, cdf)
	}
	if t >= fn-1 {
		prob := 2 * math.Pow(1-x, fn)
		return selectProb(1-prob, prob, cdf)
	}
	if x >= 0.5 {
		prob := 2 * smirnov(n, x)
		return selectProb(1-prob, prob, cdf)
	}
	nxsq := t * x
	if n <= 140 {
		if nxsq <= ksDMTWLimit {
			prob := kolmognDMTW(n, x)
			return selectProb(prob, 1-prob, cdf)
		}
		if nxsq <= 4 {
			prob := kolmognPomeranz(n, x)
			return selectProb(prob, 1-prob, cdf)
		}
		prob := 2 * smirnov(n, x)
		return selectProb(1-prob, prob, cdf)
	}
	if !cdf {
		if nxsq >= 370 {
			return 0
		}
		if nxsq >= 2.2 {
			return clip01(2 * smirnov(n, x))
		}
	}
	var cdfProb float64
	switch {
	case nxsq >= 18:
		cdfProb = 1
	case n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4:
		cdfProb = kolmognDMTW(n, x)
	default:
		cdfProb = kolmognPelzGood(n, x)
	}
	return selectProb(cdfProb, 1-cdfProb, cdf)
}

var stirlingCoeffs = []float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

func logNFactorialDivNPowN(n float64) float64 {
	rn := 1 / n
	var poly float64
	for _, c := range stirlingCoeffs {
		poly = poly*(rn/n) + c
	}
	return math.Log(n)/2 - n + ksLog2Pi/2 + rn*poly
}

// smirnov is the exact one-sided Smirnov survival function
// P(D+_n >= e) by the Birnbaum–Tingey sum (SciPy's special.smirnov).
func smirnov(n int, e float64) float64 {
	if !(n > 0 && e >= 0 && e <= 1) {
		return nan
	}
	if e == 0 {
		return 1
	}
	fn := float64(n)
	nn := int(math.Floor(fn * (1 - e)))
	var p float64
	if n < 1013 {
		c := 1.0
		for v := 0; v <= nn; v++ {
			evn := e + float64(v)/fn
			p += c * math.Pow(evn, float64(v-1)) * math.Pow(1-evn, float64(n-v))
			c *= float64(n-v) / float64(v+1)
		}
	} else {
		lg := func(v float64) float64 { r, _ := math.Lgamma(v); return r }
		lgnp1 := lg(fn + 1)
		for v := 0; v <= nn; v++ {
			evn := e + float64(v)/fn
			om := 1 - evn
			if math.Abs(om) > 0 {
				t := lgnp1 - lg(float64(v+1)) - lg(float64(n-v+1)) +
					float64(v-1)*math.Log(evn) + float64(n-v)*math.Log(om)
				if t > -709.78 {
					p += math.Exp(t)
				}
			}
		}
	}
	return p * e
}

// kolmognDMTW is the Durbin matrix algorithm (Marsaglia, Tsang & Wang
// 2003) for P(D_n <= d).
func kolmognDMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	H := newMat(m)
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r][i] = w[r-(i-1)]
		}
	}
	for r := range m {
		H[r][0] = v[r]
	}
	for c := range m {
		H[m-1][c] = v[m-1-c]
	}
	Hpwr := newMat(m)
	for i := range m {
		Hpwr[i][i] = 1
	}
	nn := n
	expnt, hexpnt := 0, 0
	for nn > 0 {
		if nn%2 == 1 {
			Hpwr = matMul(Hpwr, H)
			expnt += hexpnt
		}
		H = matMul(H, H)
		hexpnt *= 2
		if math.Abs(H[k-1][k-1]) > ksEP128 {
			for r := range H {
				for c := range H[r] {
					H[r][c] /= ksEP128
				}
			}
			hexpnt += ksE128
		}
		nn /= 2
	}
	p := Hpwr[k-1][k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < ksEM128 {
			p *= ksEP128
			expnt -= ksE128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

func newMat(m int) [][]float64 {
	a := make([][]float64, m)
	for i := range a {
		a[i] = make([]float64, m)
	}
	return a
}

func matMul(a, b [][]float64) [][]float64 {
	m := len(a)
	c := newMat(m)
	for i := range m {
		for k := range m {
			aik := a[i][k]
			if aik == 0 {
				continue
			}
			for j := range m {
				c[i][j] += aik * b[k][j]
			}
		}
	}
	return c
}

func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 {
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmognPomeranz is Pomeranz's (1974) recursion for P(D_n <= x).
func kolmognPomeranz(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	expnt := 0
	gOverN, twoGOverN, oneM2GOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gOverN / float64(m)
		twogpower[m] = twogpower[m-1] * twoGOverN / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * oneM2GOverN / float64(m)
	}
	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	// Row 0's j2 is never read: each row reads the j1 of the row before
	// and its own j2.
	j1, _ := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	var j2 int
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		for c := range V1 {
			V1[c] = 0
		}
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 > 0 {
			a := V0[k1-V0s : k1-V0s+ln2]
			b := pwrs[:ln2]
			convStart := j1 - k1
			convLen := j2 - j1 + 1
			// Entries convStart .. convStart+convLen-1 of the full
			// convolution of a and b.
			for o := 0; o < convLen; o++ {
				kk := convStart + o
				var s float64
				for ia := max(0, kk-(len(b)-1)); ia <= kk && ia < len(a); ia++ {
					s += a[ia] * b[kk-ia]
				}
				V1[o] = s
			}
			mx := math.Inf(-1)
			for _, v := range V1 {
				mx = math.Max(mx, v)
			}
			if 0 < mx && mx < ksEM128 {
				for c := range V1 {
					V1[c] *= ksEP128
				}
				expnt -= ksE128
			}
			V1s = V0s + j1 - k1
		}
	}
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > ksEP128 {
			ans *= ksEM128
			expnt += ksE128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmognPelzGood is the Pelz–Good (1976) asymptotic expansion of
// P(D_n <= x), used by SciPy for large n.
func kolmognPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	fn := float64(n)
	z := math.Sqrt(fn) * x
	zsq, zthree, zfour, zsix := z*z, z*z*z, math.Pow(z, 4), math.Pow(z, 6)
	qlog := -ksPiSquared / 8 / zsq
	if qlog < ksMinLog {
		return 0
	}
	q := math.Exp(qlog)
	k1a := -zsq
	k1b := ksPiSquared / 4
	k2a := 6*zsix + 2*zfour
	k2b := (2*zfour - 5*zsq) * ksPiSquared / 4
	k2c := ksPiFour * (1 - 2*zsq) / 16
	k3d := ksPiSix * (5 - 30*zsq) / 64
	k3c := ksPiFour * (-60*zsq + 212*zfour) / 16
	k3b := ksPiSquared * (135*zfour - 96*zsix) / 4
	k3a := -30*zsix - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		msq, mfour, msix := m*m, math.Pow(m, 4), math.Pow(m, 6)
		qpower := math.Pow(q, float64(8*k))
		coeffs := [4]float64{1,
			k1a + k1b*msq,
			k2a + k2b*msq + k2c*mfour,
			k3a + k3b*msq + k3c*mfour + k3d*msix}
		for i := range K {
			K[i] = K[i]*qpower + coeffs[i]
		}
	}
	div := [4]float64{z, 6 * zfour, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * ksSqrt2Pi / div[i]
	}
	q = math.Exp(-ksPiSquared / 2 / zsq)
	var k2extra, k3extra float64
	sqrt3z := ksSqrt3 * z
	for k := maxk; k > 0; k-- {
		ks := float64(k)
		ksq := ks * ks
		qp := math.Pow(q, ksq)
		k2extra += ksq * qp
		kspi := math.Pi * ks
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
	}
	K[2] += k2extra * ksPiSquared * ksSqrt2Pi / (-36 * zthree)
	K[3] += k3extra * ksPiSquared * ksSqrt2Pi / (216 * zsix)
	var sum float64
	for i := range K {
		sum += K[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}
