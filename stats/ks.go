package stats

import (
	"math"
	"sort"
)

// KSResult is the outcome of the two-sample Kolmogorov–Smirnov test.
type KSResult struct {
	// Statistic is D (two-sided), D- (Less) or D+ (Greater).
	Statistic float64
	PValue    float64
	// Location is the pooled observation at which the ECDF difference
	// that gives Statistic is attained.
	Location float64
	// Sign is +1 if ECDF(x) - ECDF(y) is positive there, -1 otherwise.
	Sign int
	// Method is the method actually used.
	Method Method
}

// KS2Samp is scipy.stats.ks_2samp(x, y, alternative, method) from SciPy
// 1.10.1. MethodAuto is exact when max(n1, n2) <= 10000. The exact p-value
// follows Hodges' lattice-path counts (SciPy's algorithm; with it D is
// recomputed from integer counts, so it can differ from the asymptotic D in
// the last bit); if it fails numerically, the asymptotic one is used, as in
// SciPy. The asymptotic two-sided p-value is the exact one-sample
// Kolmogorov distribution kstwo.sf(D, round(n1·n2/(n1+n2))); the one-sided
// one is Hodges' approximation. An empty sample is an error; NaN input
// gives NaN results (SciPy sorts NaN to the end and returns a number that
// means nothing).
func KS2Samp(x, y []float64, alt Alternative, method Method) (KSResult, error) {
	const op = "KS2Samp"
	if !alt.valid() {
		return KSResult{}, invalid(op, "unknown alternative %d", int(alt))
	}
	if method < MethodAuto || method > MethodApprox {
		return KSResult{}, invalid(op, "unknown method %d", int(method))
	}
	if len(x) == 0 || len(y) == 0 {
		return KSResult{}, invalid(op, "data passed to KS2Samp must not be empty")
	}
	if hasNaN(x, y) {
		return KSResult{Statistic: nan, PValue: nan, Location: nan, Method: method}, nil
	}
	d1 := append([]float64(nil), x...)
	d2 := append([]float64(nil), y...)
	sort.Float64s(d1)
	sort.Float64s(d2)
	n1, n2 := len(d1), len(d2)
	all := append(append([]float64(nil), d1...), d2...)
	// ECDF differences at every pooled point; argmin/argmax take the first
	// occurrence, as NumPy's do.
	argMin, argMax := 0, 0
	minV, maxV := math.Inf(1), math.Inf(-1)
	for i, v := range all {
		c1 := float64(sort.Search(n1, func(j int) bool { return d1[j] > v })) / float64(n1)
		c2 := float64(sort.Search(n2, func(j int) bool { return d2[j] > v })) / float64(n2)
		diff := c1 - c2
		if diff < minV {
			minV, argMin = diff, i
		}
		if diff > maxV {
			maxV, argMax = diff, i
		}
	}
	minS := math.Min(math.Max(-minV, 0), 1)
	maxS := maxV
	res := KSResult{}
	if alt == Less || (alt == TwoSided && minS > maxS) {
		res.Statistic, res.Location, res.Sign = minS, all[argMin], -1
	} else {
		res.Statistic, res.Location, res.Sign = maxS, all[argMax], 1
	}
	g := gcd(n1, n2)
	mode := method
	if mode == MethodAuto {
		mode = MethodExact
		if max(n1, n2) > 10000 {
			mode = MethodApprox
		}
	} else if mode == MethodExact && n1/g >= math.MaxInt32/(n2/g) {
		mode = MethodApprox
	}
	p := math.Inf(-1)
	if mode == MethodExact {
		ok, d, prob := ksExact(n1, n2, g, res.Statistic, alt)
		res.Statistic = d
		p = prob
		if !ok {
			mode = MethodApprox
		}
	}
	if mode == MethodApprox {
		m, n := float64(max(n1, n2)), float64(min(n1, n2))
		en := m * n / (m + n)
		d := res.Statistic
		if alt == TwoSided {
			p = kstwoSF(d, int(math.RoundToEven(en)))
		} else {
			z := math.Sqrt(en) * d
			expt := -2*z*z - 2*z*(m+2*n)/math.Sqrt(m*n*(m+n))/3.0
			p = math.Exp(expt)
		}
	}
	res.PValue = clip01(p)
	res.Method = mode
	return res, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksExact is SciPy's _attempt_exact_2kssamp: it rounds D to a multiple of
// 1/lcm(n1, n2) and returns the exact p-value, or ok = false when the
// computation overflows.
func ksExact(n1, n2, g int, d float64, alt Alternative) (ok bool, dOut, p float64) {
	lcm := (n1 / g) * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	dOut = float64(h) * 1.0 / float64(lcm)
	if h == 0 {
		return true, dOut, 1
	}
	if alt == TwoSided {
		if n1 == n2 {
			p = ksProbOutsideSquare(n1, h)
		} else {
			p = ksOuterProbInside(n1, n2, g, h)
		}
	} else {
		if n1 == n2 {
			p = 1
			for j := 0; j < h; j++ {
				p *= float64(n1-j) / (float64(n1) + float64(j) + 1)
			}
		} else {
			paths := ksCountPathsOutside(n1, n2, g, h)
			bin := binomCoeff(n1+n2, n1)
			if math.IsInf(paths, 0) || math.IsNaN(paths) || paths > bin || math.IsInf(bin, 0) {
				return false, dOut, nan
			}
			p = paths / bin
		}
	}
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return false, dOut, nan
	}
	if !(0 <= p && p <= 1) {
		return false, dOut, p
	}
	return true, dOut, p
}

// ksProbOutsideSquare is the proportion of lattice paths from (0,0) to
// (n,n) that leave the band |x - y| < h (SciPy's _compute_prob_outside_square).
func ksProbOutsideSquare(n, h int) float64 {
	var P float64
	k := n / h
	for ; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1.0 - P)
	}
	return 2 * P
}

// ksOuterProbInside is SciPy's _compute_outer_prob_inside_method: one
// minus the proportion of paths from (0,0) to (m,n) that stay strictly
// inside |x/m - y/n| < h/lcm, computed by Viehmann's stable recursion.
func ksOuterProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg := m / g
	ng := n / g
	minj, maxj := 0, min(int(math.Ceil(float64(h)/float64(mg))), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	for i := minj; i < maxj; i++ {
		A[i] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int(math.Floor(float64(ng*i-h)/float64(mg)))+1, 0)
		minj = min(minj, n)
		maxj = min(int(math.Ceil(float64(ng*i+h)/float64(mg))), n+1)
		if maxj <= minj {
			return 1.0
		}
		val := 1.0
		if minj == 0 {
			val = 0.0
		}
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (A[jj+minj-lastminj]*float64(i) + val*float64(j)) / float64(i+j)
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for t := maxj - minj; t < maxj-minj+(lastlen-curlen); t++ {
				A[t] = 1
			}
		}
	}
	return A[maxj-minj-1]
}

// ksCountPathsOutside is SciPy's _count_paths_outside_method: the number
// of lattice paths from (0,0) to (m,n) that reach m·y <= n·x - h·g
// (Hodges 1958), used for the one-sided exact p-value.
func ksCountPathsOutside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg := m / g
	ng := n / g
	lxj := n + floorDiv(mg-h, mg) // Python's floor division
	if lxj <= 0 {
		return binomCoeff(m+n, n)
	}
	xj := make([]int, lxj)
	for j := range lxj {
		xj[j] = floorDiv(h+mg*j+ng-1, ng)
	}
	B := make([]float64, lxj)
	B[0] = 1
	for j := 1; j < lxj; j++ {
		Bj := binomCoeff(xj[j]+j, j)
		for i := 0; i < j; i++ {
			Bj -= binomCoeff(xj[j]-xj[i]+j-i, j-i) * B[i]
		}
		B[j] = Bj
	}
	var paths float64
	for j := 0; j < lxj; j++ {
		paths += B[j] * binomCoeff((m-xj[j])+(n-j), n-j)
	}
	return paths
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
