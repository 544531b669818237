package stats

import (
	"math"
	"testing"
)

// TestKendall checks tau-b and its asymptotic p-value against values
// scipy.stats.kendalltau prints (SciPy's documented example, and the
// classic tie-free case), and the edge cases: NaN, constant input, n < 2,
// unequal lengths.
func TestKendall(t *testing.T) {
	cases := []struct {
		name      string
		x, y      []float64
		tau, p    float64
		wantError bool
	}{
		// scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) (SciPy docs).
		{name: "ties", x: []float64{12, 2, 1, 12, 2}, y: []float64{1, 4, 7, 1, 0}, tau: -0.47140452079103173, p: 0.2827454599327748},
		// Perfect agreement, no ties: tau 1; z = 10/sqrt(50*... ) by hand.
		{name: "monotone", x: []float64{1, 2, 3, 4, 5}, y: []float64{2, 4, 6, 8, 10}, tau: 1, p: 2 * normSF(10/math.Sqrt(5*4*15/18.0))},
		{name: "reversed", x: []float64{1, 2, 3}, y: []float64{3, 2, 1}, tau: -1, p: 2 * normSF(3/math.Sqrt(3*2*11/18.0))},
		{name: "constant", x: []float64{1, 1, 1}, y: []float64{1, 2, 3}, tau: math.NaN(), p: math.NaN()},
		{name: "nan", x: []float64{1, math.NaN(), 3}, y: []float64{1, 2, 3}, tau: math.NaN(), p: math.NaN()},
		{name: "one", x: []float64{1}, y: []float64{1}, tau: math.NaN(), p: math.NaN()},
		{name: "lengths", x: []float64{1, 2}, y: []float64{1}, wantError: true},
	}
	for _, c := range cases {
		r, err := Kendall(c.x, c.y, TwoSided)
		if c.wantError {
			if err == nil {
				t.Errorf("%s: no error", c.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !approxEq(r.Statistic, c.tau, 1e-12) || !approxEq(r.PValue, c.p, 1e-9) {
			t.Errorf("%s: tau %v p %v, want %v %v", c.name, r.Statistic, r.PValue, c.tau, c.p)
		}
		if got := KendallTau(c.x, c.y); !approxEq(got, c.tau, 1e-12) {
			t.Errorf("%s: KendallTau %v", c.name, got)
		}
	}
}

func approxEq(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}
