package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/stats"
)

func normals(seed uint64, n int, mu, sd float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mu + sd*rng.NormFloat64()
	}
	return xs
}

// TestBatchRejectsBadSamples: empty samples, NaN where a test cannot
// treat it as missing, ±Inf, and all-missing samples are EINVALID errors.
func TestBatchRejectsBadSamples(t *testing.T) {
	ok := normals(1, 50, 0, 1)
	many := normals(2, 50, 0, 1) // > 20 distinct values: histogram path
	calls := map[string]func() error{
		"KS empty ref":           func() error { _, err := KS(nil, ok); return err },
		"KS empty cur":           func() error { _, err := KS(ok, []float64{}); return err },
		"KS NaN":                 func() error { _, err := KS([]float64{1, nan}, ok); return err },
		"KS Inf":                 func() error { _, err := KS(ok, []float64{pinf}); return err },
		"Wasserstein empty":      func() error { _, err := Wasserstein(ok, nil); return err },
		"Wasserstein NaN":        func() error { _, err := Wasserstein(ok, []float64{nan, 1}); return err },
		"PSI empty":              func() error { _, err := PSI(nil, ok, Numerical); return err },
		"PSI NaN on histogram":   func() error { _, err := PSI(append([]float64{nan}, many...), ok, Numerical); return err },
		"PSI Inf":                func() error { _, err := PSI(ok, []float64{ninf, 1}, Categorical); return err },
		"PSI all missing":        func() error { _, err := PSI([]float64{nan, nan}, []float64{1, 2}, Categorical); return err },
		"PSICategorical missing": func() error { _, err := PSICategorical([]string{"a"}, []string{"", ""}); return err },
		"JS all missing":         func() error { _, err := JensenShannonCategorical([]string{""}, []string{"a"}); return err },
		"JS empty":               func() error { _, err := JensenShannon(ok, nil, Numerical); return err },
		"ChiSquare empty":        func() error { _, err := ChiSquare(nil, ok); return err },
		"ChiSquare missing":      func() error { _, err := ChiSquare([]float64{1, 2, nan}, []float64{1, 2, 2}); return err },
		"ChiSquareGOF totals":    func() error { _, err := ChiSquareGOF([]float64{10, 20}, []float64{10, 25}); return err },
		"Contingency zero col":   func() error { _, err := ChiSquareContingency([][]float64{{1, 0}, {2, 0}}, true); return err },
		"Auto empty":             func() error { _, err := Auto(nil, ok, Numerical); return err },
		"AutoCategorical empty":  func() error { _, err := AutoCategorical(nil, []string{"a"}); return err },
	}
	for name, call := range calls {
		if err := call(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: error = %v, want EINVALID", name, err)
		}
	}
}

// TestBatchTiesAndIdentity: identical samples and samples that are all
// ties give no drift and the natural zero values.
func TestBatchTiesAndIdentity(t *testing.T) {
	x := normals(3, 300, 5, 2)
	ties := []float64{1, 1, 1, 2, 2, 2, 2, 3}
	checks := []struct {
		name       string
		run        func() (Result, error)
		stat, p, e float64
	}{
		{"KS identical", func() (Result, error) { return KS(x, x) }, 0, 1, 0},
		{"KS all ties", func() (Result, error) { return KS([]float64{4, 4, 4}, []float64{4, 4}) }, 0, 1, 0},
		{"Wasserstein identical", func() (Result, error) { return Wasserstein(x, x) }, 0, nan, 0},
		{"Wasserstein constant ref", func() (Result, error) { return Wasserstein([]float64{2, 2, 2}, []float64{2, 2}) }, 0, nan, 0},
		{"PSI identical", func() (Result, error) { r, err := PSI(x, x, Numerical); return r.Result, err }, 0, nan, 0},
		{"PSI identical ties", func() (Result, error) { r, err := PSI(ties, ties, Numerical); return r.Result, err }, 0, nan, 0},
		{"JS identical", func() (Result, error) { return JensenShannon(x, x, Numerical) }, 0, nan, 0},
		{"ChiSquare identical ties", func() (Result, error) { return ChiSquare(ties, ties) }, 0, 1, 0},
	}
	for _, c := range checks {
		r, err := c.run()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Statistic != c.stat || relErr(r.PValue, c.p) > 1e-12 || r.Effect != c.e {
			t.Errorf("%s: statistic %v, p %v, effect %v; want %v, %v, %v", c.name, r.Statistic, r.PValue, r.Effect, c.stat, c.p, c.e)
		}
	}
	// A constant reference has std 0: the Wasserstein norm is 0.001.
	r, err := Wasserstein([]float64{2, 2, 2, 2}, []float64{2, 2, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Statistic != 0.5 || relErr(r.Effect, 500) > 1e-12 {
		t.Errorf("Wasserstein constant reference: %v / %v, want 0.5 / 500", r.Statistic, r.Effect)
	}
}

// TestEffectSizes checks the effect-size formulas on hand-computed
// values.
func TestEffectSizes(t *testing.T) {
	r, err := ChiSquareGOF([]float64{30, 70}, []float64{50, 50})
	if err != nil {
		t.Fatal(err)
	}
	if r.Statistic != 16 || relErr(r.Effect, 0.4) > 1e-15 {
		t.Errorf("chi-square: χ² %v w %v, want 16, 0.4", r.Statistic, r.Effect)
	}
	// 2×2: Cramér's V = sqrt(χ²/n) = |phi|; [[10,0],[0,10]] without Yates
	// is perfectly associated: V = 1.
	r, err = ChiSquareContingency([][]float64{{10, 0}, {0, 10}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(r.Effect, 1) > 1e-15 || r.NRef != 10 || r.NCur != 10 {
		t.Errorf("contingency: V %v (n %d/%d), want 1", r.Effect, r.NRef, r.NCur)
	}
	// Disjoint categories: the JS distance is its maximum, sqrt(ln 2).
	js, err := JensenShannonCategorical([]string{"a", "a"}, []string{"b"})
	if err != nil {
		t.Fatal(err)
	}
	if relErr(js.Effect, math.Sqrt(math.Ln2)) > 1e-15 {
		t.Errorf("JS disjoint = %v, want sqrt(ln 2)", js.Effect)
	}
	// JensenShannon is scipy's distance of Bin's shares.
	ref, cur := normals(4, 500, 0, 1), normals(5, 400, 0.3, 1.2)
	b, err := Bin(ref, cur, Numerical)
	if err != nil {
		t.Fatal(err)
	}
	rp, cp := b.Percents()
	want, _ := stats.JensenShannon(rp, cp, 0)
	got, err := JensenShannon(ref, cur, Numerical)
	if err != nil {
		t.Fatal(err)
	}
	if got.Statistic != want {
		t.Errorf("JensenShannon = %v, want %v", got.Statistic, want)
	}
	// Sturges: ceil(log2(900) + 1) = 11 bins over the combined range.
	if len(b.Edges) != 12 || b.Edges[0] != math.Min(minOf(ref), minOf(cur)) || b.Edges[11] != math.Max(maxOf(ref), maxOf(cur)) {
		t.Errorf("edges = %d from %v to %v", len(b.Edges), b.Edges[0], b.Edges[len(b.Edges)-1])
	}
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = math.Min(m, v)
	}
	return m
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

// TestDecideLargeSamplesDoNotCryWolf is the reason for the minimum
// effect: at 20,000 per sample a shift of 0.05 σ is highly significant
// for KS but far below the minimum D, while a shift of 0.5 σ passes both.
func TestDecideLargeSamplesDoNotCryWolf(t *testing.T) {
	ref := normals(10, 20000, 0, 1)
	small, err := KS(ref, normals(11, 20000, 0.05, 1))
	if err != nil {
		t.Fatal(err)
	}
	large, err := KS(ref, normals(12, 20000, 0.5, 1))
	if err != nil {
		t.Fatal(err)
	}
	if small.PValue >= 0.001 || small.Effect >= 0.1 {
		t.Fatalf("the small shift should be significant with a tiny D: p %v, D %v", small.PValue, small.Effect)
	}
	d, err := Decide([]Result{small, large}, DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if d.Results[0].Drift || !d.Results[1].Drift {
		t.Errorf("drift = %v, %v; want false (tiny effect), true", d.Results[0].Drift, d.Results[1].Drift)
	}
	// A p-value alone (minimum effect 0) would have flagged both.
	pol := DefaultPolicy()
	pol.MinEffect[TestKS] = 0
	d, _ = Decide([]Result{small, large}, pol)
	if !d.Results[0].Drift {
		t.Error("with no minimum effect the significant small shift should count")
	}
}

// TestDecideHolm: the p-values of the signals checked together are one
// family. One signal at p = 0.03 drifts; three at p = 0.03 do not (Holm:
// 3 × 0.03 = 0.09), and tests without a p-value are not in the family.
func TestDecideHolm(t *testing.T) {
	sig := func(p float64) Result {
		return Result{Test: TestChiSquare, Statistic: 9, PValue: p, Effect: 0.5}
	}
	psi := Result{Test: TestPSI, Statistic: 0.3, PValue: nan, Effect: 0.3}
	one, _ := Decide([]Result{sig(0.03), psi}, DefaultPolicy())
	if !one.Results[0].Drift || one.Results[0].AdjustedP != 0.03 || !math.IsNaN(one.Results[1].AdjustedP) {
		t.Errorf("one signal: %+v", one.Results)
	}
	three, _ := Decide([]Result{sig(0.03), sig(0.03), sig(0.03), psi}, DefaultPolicy())
	for i, r := range three.Results[:3] {
		if r.Drift || relErr(r.AdjustedP, 0.09) > 1e-15 {
			t.Errorf("signal %d of three: adjusted %v drift %v; want 0.09, false", i, r.AdjustedP, r.Drift)
		}
	}
	if !three.Results[3].Drift || three.Drifted != 1 || three.Share != 0.25 || three.Drift {
		t.Errorf("three signals: %+v", three)
	}
	// Half of the signals drifting is data-set drift (Evidently's 0.5).
	half, _ := Decide([]Result{sig(0.001), psi, sig(0.9), {Test: TestWasserstein, Effect: 0.05, PValue: nan}}, DefaultPolicy())
	if half.Drifted != 2 || !half.Drift {
		t.Errorf("half: %+v", half)
	}
	// NaN p-value or effect never drifts.
	nanRes, _ := Decide([]Result{{Test: TestKS, PValue: nan, Effect: 0.9}, {Test: TestPSI, PValue: nan, Effect: nan}}, DefaultPolicy())
	if nanRes.Drifted != 0 {
		t.Errorf("NaN inputs drifted: %+v", nanRes)
	}
	empty, err := Decide(nil, DefaultPolicy())
	if err != nil || empty.Drift || empty.Share != 0 {
		t.Errorf("empty: %+v, %v", empty, err)
	}
	for _, bad := range []Policy{{Alpha: 0, DriftShare: 0.5}, {Alpha: 0.05, DriftShare: 0}, {Alpha: 0.05, DriftShare: 0.5, MinEffect: map[Test]float64{TestKS: -1}}} {
		if _, err := Decide(nil, bad); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("policy %+v: error %v, want EINVALID", bad, err)
		}
	}
}

// TestResultJSON: a Result round-trips through JSON with NaN and ±Inf.
func TestResultJSON(t *testing.T) {
	in := Result{Test: TestChiSquare, Statistic: pinf, PValue: 0, Effect: pinf, NRef: 3, NCur: 4, AdjustedP: nan, Drift: true}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Test != in.Test || !math.IsInf(out.Statistic, 1) || out.PValue != 0 || !math.IsNaN(out.AdjustedP) || out.NCur != 4 || !out.Drift {
		t.Errorf("round trip: %s -> %+v", b, out)
	}
}

// TestChoose is Evidently's default test per column.
func TestChoose(t *testing.T) {
	cases := []struct {
		nRef, nUnique int
		kind          ColumnKind
		want          Test
	}{
		{1000, 6, Numerical, TestKS},
		{1000, 5, Numerical, TestChiSquare},
		{1000, 2, Numerical, TestChiSquare},
		{200, 50, Categorical, TestChiSquare},
		{1001, 6, Numerical, TestWasserstein},
		{1001, 5, Numerical, TestJensenShannon},
		{5000, 50, Categorical, TestJensenShannon},
	}
	for _, c := range cases {
		if got := Choose(c.nRef, c.nUnique, c.kind); got != c.want {
			t.Errorf("Choose(%d, %d, %v) = %s, want %s", c.nRef, c.nUnique, c.kind, got, c.want)
		}
	}
	r, err := Auto(normals(6, 2000, 0, 1), normals(7, 500, 0, 1), Numerical)
	if err != nil || r.Test != TestWasserstein {
		t.Errorf("Auto on 2000 normals: %v, %v", r.Test, err)
	}
	r, err = Auto([]float64{1, 2, 2, 3}, []float64{1, 1, 3}, Numerical)
	if err != nil || r.Test != TestChiSquare {
		t.Errorf("Auto on 3 values: %v, %v", r.Test, err)
	}
	r, err = AutoCategorical(make([]string, 2000), append(make([]string, 3), "x"))
	if papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("AutoCategorical on an all-missing reference: %v, %v", r, err)
	}
}

// TestRollingZMatchesZMap: the streaming z-score of each observation is
// ZMap (or RobustZMap) of it against the window before it, bit for bit,
// with the warm-up and cool-down rules applied on top.
func TestRollingZMatchesZMap(t *testing.T) {
	for _, robust := range []bool{false, true} {
		p := RollingZParams{WindowSize: 25, WarmUp: 10, Threshold: 2.0, CoolDown: 3, DDoF: 1, Robust: robust}
		d, err := NewRollingZ(p)
		if err != nil {
			t.Fatal(err)
		}
		xs := normals(20, 400, 1, 2)
		xs[100], xs[101], xs[102], xs[250] = 30, 31, 32, -40
		for i := 300; i < 340; i++ {
			xs[i] = 7 // ties: MAD = 0 and then a constant window
		}
		cool, alarms := 0, 0
		for i, x := range xs {
			sig, err := d.Update(x)
			if err != nil {
				t.Fatal(err)
			}
			lo := max(0, i-p.WindowSize)
			want := nan
			if i-lo >= p.WarmUp {
				if robust {
					want = RobustZMap([]float64{x}, xs[lo:i])[0]
				} else {
					want = ZMap([]float64{x}, xs[lo:i], p.DDoF, Propagate)[0]
				}
			}
			if got := d.Score(); !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("robust %v, step %d: z = %v, the batch function gives %v", robust, i, got, want)
			}
			wantAlarm := math.Abs(want) > p.Threshold && cool == 0
			if sig.Drift != wantAlarm {
				t.Fatalf("robust %v, step %d: alarm %v, want %v (z %v, cool-down %d)", robust, i, sig.Drift, wantAlarm, want, cool)
			}
			if wantAlarm {
				cool = p.CoolDown
				alarms++
			} else if cool > 0 {
				cool--
			}
		}
		if alarms < 4 {
			t.Errorf("robust %v: only %d alarms; the stream has four outliers", robust, alarms)
		}
	}
}

// TestRobustZResistsMasking: one huge outlier inflates the standard
// deviation so much that a second, clear outlier is not flagged by the
// classical z-score; the median/MAD score flags both.
func TestRobustZResistsMasking(t *testing.T) {
	ref := normals(30, 60, 10, 1)
	ref[7] = 1e4
	scores := []float64{10, 16, 1e4}
	classical := ZMap(scores, ref, 0, Propagate)
	robust := RobustZMap(scores, ref)
	if got := Exceeding(classical, 3); len(got) != 1 || got[0] != 2 {
		t.Errorf("classical flags %v (z %v), want only the huge one", got, classical)
	}
	if got := Exceeding(robust, 3); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("robust flags %v (z %v), want 1 and 2", got, robust)
	}
	// MAD = 0 (most values equal): the mean absolute deviation takes
	// over; all equal: NaN, never flagged.
	tied := []float64{5, 5, 5, 5, 5, 6, 9}
	z := RobustZMap([]float64{5, 40}, tied)
	if z[0] != 0 || !(z[1] > 3) {
		t.Errorf("MAD = 0 fallback: z = %v", z)
	}
	z = RobustZMap([]float64{5, 40}, []float64{5, 5, 5})
	if !math.IsNaN(z[0]) || !math.IsNaN(z[1]) || len(Exceeding(z, 0)) != 0 {
		t.Errorf("constant reference: z = %v, want NaN", z)
	}
	if RobustZMap([]float64{1}, []float64{nan}) != nil || ZMap([]float64{1}, nil, 0, Propagate) != nil {
		t.Error("an empty (or all-NaN) reference should give nil")
	}
	// NaN in the reference is left out by the robust score.
	if a, b := RobustZMap([]float64{3}, []float64{1, 2, nan, 4}), RobustZMap([]float64{3}, []float64{1, 2, 4}); a[0] != b[0] {
		t.Errorf("NaN not left out: %v vs %v", a, b)
	}
}
