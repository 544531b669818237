package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/papersum/papersum"
)

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(a[i] == b[i] || (math.IsNaN(a[i]) && math.IsNaN(b[i]))) {
			if math.Abs(a[i]-b[i]) > 1e-15 {
				return false
			}
		}
	}
	return true
}

func TestHolm(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []float64
		want []float64
	}{
		{"empty", []float64{}, []float64{}},
		{"single", []float64{0.03}, []float64{0.03}},
		// Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> 0.06 (monotone).
		{"hand-computed", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"capped at 1", []float64{0.5, 0.6}, []float64{1, 1}},
		{"ties keep order-independent values", []float64{0.02, 0.02, 0.02}, []float64{0.06, 0.06, 0.06}},
		{"NaN stays NaN and does not count", []float64{math.NaN(), 0.02, 0.01}, []float64{math.NaN(), 0.02, 0.02}},
		{"zero", []float64{0, 0.5}, []float64{0, 0.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.p)
			if !sameFloats(got, tc.want) {
				t.Errorf("Holm(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestHolmProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + rng.IntN(20)
		p := make([]float64, n)
		for i := range p {
			p[i] = rng.Float64() * rng.Float64()
		}
		adj := Holm(p)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case p[a] < p[b]:
				return -1
			case p[a] > p[b]:
				return 1
			}
			return 0
		})
		for k, i := range idx {
			if adj[i] < p[i] || adj[i] > 1 {
				t.Fatalf("adjusted %v not in [p, 1] for p = %v", adj[i], p[i])
			}
			if adj[i] > math.Min(1, float64(n)*p[i])+1e-15 {
				t.Fatalf("Holm is less conservative than Bonferroni: %v > %v", adj[i], float64(n)*p[i])
			}
			if k > 0 && adj[i] < adj[idx[k-1]] {
				t.Fatalf("not monotone: %v after %v", adj[i], adj[idx[k-1]])
			}
		}
	}
}

func meanStat(x []float64) float64 { return mean(x) }

func TestBootstrapDeterministicBySeed(t *testing.T) {
	x := []float64{0.41, 0.38, 0.52, 0.47, 0.33, 0.45, 0.50, 0.39, 0.44, 0.36}
	for _, m := range []BootstrapMethod{BCa, Percentile} {
		opts := BootstrapOptions{Resamples: 2000, Method: m}
		a, err := BootstrapCI(rand.New(rand.NewPCG(7, 8)), x, meanStat, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := BootstrapCI(rand.New(rand.NewPCG(7, 8)), x, meanStat, opts)
		if a != b {
			t.Errorf("method %d: same seed gave %+v and %+v", m, a, b)
		}
		c, _ := BootstrapCI(rand.New(rand.NewPCG(9, 10)), x, meanStat, opts)
		if a == c {
			t.Errorf("method %d: different seeds gave the same interval %+v", m, a)
		}
		if !(a.Low < a.Estimate && a.Estimate < a.High) {
			t.Errorf("method %d: estimate %v outside [%v, %v]", m, a.Estimate, a.Low, a.High)
		}
	}
}

// TestBootstrapCoverage checks that nominal 95% intervals for the mean of
// N(0, 1) samples (n = 40) cover 0 about 95% of the time. With 400
// replications the standard error of the coverage is about 1.1%, so the
// accepted band [0.90, 0.985] is more than four standard errors wide on
// each side of the 0.93–0.95 that bootstrap intervals reach at this n.
func TestBootstrapCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("coverage simulation")
	}
	data := rand.New(rand.NewPCG(2024, 6))
	const reps, n = 400, 40
	for _, m := range []BootstrapMethod{Percentile, BCa} {
		covered := 0
		rng := rand.New(rand.NewPCG(11, uint64(m)))
		for range reps {
			x := make([]float64, n)
			for i := range x {
				x[i] = data.NormFloat64()
			}
			r, err := BootstrapCI(rng, x, meanStat, BootstrapOptions{Resamples: 999, Method: m})
			if err != nil {
				t.Fatal(err)
			}
			if r.Low <= 0 && 0 <= r.High {
				covered++
			}
		}
		cov := float64(covered) / reps
		t.Logf("method %d: coverage %.3f", m, cov)
		if cov < 0.90 || cov > 0.985 {
			t.Errorf("method %d: coverage %.3f outside [0.90, 0.985]", m, cov)
		}
	}
}

// TestBootstrapAgreesWithNormalTheory: for the mean of a large normal
// sample the bootstrap interval and the t interval estimate the same
// thing; their bounds agree to within 10% of the half-width (the Monte
// Carlo error of 4999 resamples is about 2% of it).
func TestBootstrapAgreesWithNormalTheory(t *testing.T) {
	data := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 500)
	for i := range x {
		x[i] = 2 + 0.5*data.NormFloat64()
	}
	zeros := make([]float64, len(x))
	tt, err := PairedTTest(x, zeros, TwoSided)
	if err != nil {
		t.Fatal(err)
	}
	ci := tt.ConfidenceInterval(0.95)
	half := (ci.High - ci.Low) / 2
	for _, m := range []BootstrapMethod{Percentile, BCa} {
		r, err := BootstrapCI(rand.New(rand.NewPCG(5, 6)), x, meanStat, BootstrapOptions{Resamples: 4999, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Low-ci.Low) > 0.1*half || math.Abs(r.High-ci.High) > 0.1*half {
			t.Errorf("method %d: bootstrap [%v, %v] vs t interval [%v, %v]", m, r.Low, r.High, ci.Low, ci.High)
		}
		if math.Abs(r.StdErr-tt.StdErr) > 0.1*tt.StdErr {
			t.Errorf("method %d: bootstrap SE %v vs t SE %v", m, r.StdErr, tt.StdErr)
		}
	}
}

func TestPairedBootstrap(t *testing.T) {
	y := []float64{0.3, 0.5, 0.2, 0.7, 0.4, 0.6}
	x := make([]float64, len(y))
	for i := range y {
		x[i] = y[i] + 0.25
	}
	diff := func(a, b []float64) float64 { return mean(a) - mean(b) }
	r, err := PairedBootstrapCI(rand.New(rand.NewPCG(1, 1)), x, y, diff, BootstrapOptions{Resamples: 500, Method: Percentile})
	if err != nil {
		t.Fatal(err)
	}
	// Resampling pairs keeps every difference at 0.25, so the interval
	// collapses (up to rounding in the means).
	if math.Abs(r.Low-0.25) > 1e-12 || math.Abs(r.High-0.25) > 1e-12 {
		t.Errorf("paired interval = [%v, %v], want [0.25, 0.25]", r.Low, r.High)
	}
	if _, err := PairedBootstrapCI(rand.New(rand.NewPCG(1, 1)), x, y[:3], diff, BootstrapOptions{}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("unequal lengths: err = %v, want EINVALID", err)
	}
}

func TestBootstrapEdgeCases(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	constant := []float64{3, 3, 3, 3}
	r, err := BootstrapCI(rng(), constant, meanStat, BootstrapOptions{Resamples: 100, Method: Percentile})
	if err != nil || r.Low != 3 || r.High != 3 {
		t.Errorf("percentile on constant data = %+v, %v; want [3, 3]", r, err)
	}
	r, err = BootstrapCI(rng(), constant, meanStat, BootstrapOptions{Resamples: 100})
	if err != nil || !math.IsNaN(r.Low) || !math.IsNaN(r.High) {
		t.Errorf("BCa on constant data = %+v, %v; want NaN bounds (degenerate, as SciPy)", r, err)
	}
	for name, call := range map[string]func() error{
		"nil rng": func() error { _, err := BootstrapCI(nil, constant, meanStat, BootstrapOptions{}); return err },
		"empty":   func() error { _, err := BootstrapCI(rng(), nil, meanStat, BootstrapOptions{}); return err },
		"BCa n=1": func() error { _, err := BootstrapCI(rng(), []float64{1}, meanStat, BootstrapOptions{}); return err },
		"level": func() error {
			_, err := BootstrapCI(rng(), constant, meanStat, BootstrapOptions{Level: 1.5})
			return err
		},
		"resamples": func() error {
			_, err := BootstrapCI(rng(), constant, meanStat, BootstrapOptions{Resamples: -1})
			return err
		},
	} {
		if err := call(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	r, err = BootstrapCI(rng(), []float64{5}, meanStat, BootstrapOptions{Method: Percentile, Resamples: 10})
	if err != nil || r.Low != 5 || r.High != 5 {
		t.Errorf("percentile n=1 = %+v, %v; want [5, 5]", r, err)
	}
}

func TestWilsonIntervalInvalid(t *testing.T) {
	for _, tc := range []struct{ k, n int }{{0, 0}, {-1, 5}, {6, 5}} {
		w := WilsonInterval(tc.k, tc.n, 0.95, false)
		c := ClopperPearsonInterval(tc.k, tc.n, 0.95)
		if !math.IsNaN(w.Low) || !math.IsNaN(w.High) || !math.IsNaN(c.Low) || !math.IsNaN(c.High) {
			t.Errorf("k=%d n=%d: got %v and %v, want NaN bounds", tc.k, tc.n, w, c)
		}
	}
}

// TestNaNPolicyBeyondSciPy pins the choices made where SciPy has no
// useful answer for NaN input: ks_2samp returns a meaningless number
// (NaN sorts last) and pearsonr raises; both return NaN here, like every
// other test in the package.
func TestNaNPolicyBeyondSciPy(t *testing.T) {
	x := []float64{1, math.NaN(), 3, 4}
	y := []float64{1, 2, 4, 3}
	ks, err := KS2Samp(x, y, TwoSided, MethodAuto)
	if err != nil || !math.IsNaN(ks.Statistic) || !math.IsNaN(ks.PValue) {
		t.Errorf("KS2Samp with NaN = %+v, %v; want NaN", ks, err)
	}
	pr, err := Pearson(x, y, TwoSided)
	if err != nil || !math.IsNaN(pr.Statistic) || !math.IsNaN(pr.PValue) {
		t.Errorf("Pearson with NaN = %+v, %v; want NaN", pr, err)
	}
	d, err := CohensDPaired(x, y)
	if err != nil || !math.IsNaN(d.D) {
		t.Errorf("CohensDPaired with NaN = %+v, %v; want NaN", d, err)
	}
}

func TestInvalidArguments(t *testing.T) {
	a, b := []float64{1, 2, 3}, []float64{1, 2}
	bad := Alternative(7)
	for name, call := range map[string]func() error{
		"PairedTTest lengths":  func() error { _, err := PairedTTest(a, b, TwoSided); return err },
		"PairedTTest alt":      func() error { _, err := PairedTTest(a, a, bad); return err },
		"IndependentTTest alt": func() error { _, err := IndependentTTest(a, b, true, bad); return err },
		"Wilcoxon lengths":     func() error { _, err := Wilcoxon(a, b, WilcoxonOptions{}); return err },
		"Wilcoxon zero method": func() error { _, err := Wilcoxon(a, a, WilcoxonOptions{ZeroMethod: 9}); return err },
		"MannWhitneyU alt":     func() error { _, err := MannWhitneyU(a, b, MannWhitneyOptions{Alternative: bad}); return err },
		"KS2Samp method":       func() error { _, err := KS2Samp(a, b, TwoSided, Method(9)); return err },
		"ChiSquare lengths":    func() error { _, err := ChiSquare(a, b, 0); return err },
		"ChiSquare sums":       func() error { _, err := ChiSquare(a, []float64{1, 1, 1}, 0); return err },
		"Chi2Contingency neg":  func() error { _, err := Chi2Contingency([][]float64{{1, -1}, {2, 3}}, true); return err },
		"Chi2Contingency zero": func() error { _, err := Chi2Contingency([][]float64{{0, 0}, {1, 2}}, true); return err },
		"Chi2Contingency rag":  func() error { _, err := Chi2Contingency([][]float64{{1, 2}, {3}}, true); return err },
		"Pearson lengths":      func() error { _, err := Pearson(a, b, TwoSided); return err },
		"Spearman lengths":     func() error { _, err := Spearman(a, b, TwoSided); return err },
		"BinomTest k>n":        func() error { _, err := BinomTest(3, 2, 0.5, TwoSided); return err },
		"BinomTest n=0":        func() error { _, err := BinomTest(0, 0, 0.5, TwoSided); return err },
		"BinomTest p":          func() error { _, err := BinomTest(1, 2, 1.5, TwoSided); return err },
		"CohensDPaired":        func() error { _, err := CohensDPaired(a, b); return err },
		"CohensKappa lengths":  func() error { _, err := CohensKappa([]int{1}, []int{1, 2}); return err },
		"CohensKappa empty":    func() error { _, err := CohensKappa([]int{}, []int{}); return err },
		"CohensKappaTable":     func() error { _, err := CohensKappaTable([][]int{{1, 2}}); return err },
		"ParseAlternative":     func() error { _, err := ParseAlternative("sideways"); return err },
	} {
		if err := call(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want code %q", name, err, papersum.EINVALID)
		}
	}
}

// TestNpSumMatchesNumPyOrder pins the pairwise order on a case where it
// differs from left-to-right addition.
func TestNpSumMatchesNumPyOrder(t *testing.T) {
	xs := make([]float64, 9)
	xs[0] = 1e16
	for i := 1; i < 9; i++ {
		xs[i] = 1
	}
	// NumPy: r[0..7] = xs[0..7]; ((1e16+1)+(1+1))+((1+1)+(1+1)) = 1e16+6
	// (1e16+1 rounds to 1e16), then + xs[8] = 1e16+6+1 -> 1e16+8 after
	// rounding; left to right every +1 is lost and the sum stays 1e16.
	if got := npSum(xs); got != 1e16+8 {
		t.Errorf("npSum = %.17g, want %.17g", got, 1e16+8)
	}
}
