package stats

import (
	"math"
	"slices"
	"testing"

	"github.com/papersum/papersum"
)

var nan64 = math.NaN()

// krippendorff2011 is the reliability data of Krippendorff (2011),
// "Computing Krippendorff's Alpha-Reliability", section C (nominal,
// ordinal, interval and ratio data with missing values): 4 observers A–D
// × 12 units, transposed here to units × observers. Unit 12 has a single
// value and is not pairable.
var krippendorff2011 = [][]float64{
	//  A       B       C       D
	{1, 1, nan64, 1},
	{2, 2, 3, 2},
	{3, 3, 3, 3},
	{3, 3, 3, 3},
	{2, 2, 2, 2},
	{1, 2, 3, 4},
	{4, 4, 4, 4},
	{1, 1, 2, 1},
	{2, 2, 2, 2},
	{nan64, 5, 5, 5},
	{nan64, nan64, 1, 1},
	{nan64, 3, nan64, nan64},
}

// wikipediaExample is the computational example of the Wikipedia article
// "Krippendorff's alpha" (3 coders × 15 units, many values missing),
// transposed to units × coders.
var wikipediaExample = [][]float64{
	{nan64, 1, nan64},
	{nan64, nan64, nan64},
	{nan64, 2, 2},
	{nan64, 1, 1},
	{nan64, 3, 3},
	{3, 3, 4},
	{4, 4, 4},
	{1, 3, nan64},
	{2, nan64, 2},
	{1, nan64, 1},
	{1, nan64, 1},
	{3, nan64, 3},
	{3, nan64, 3},
	{nan64, nan64, nan64},
	{3, nan64, 4},
}

func TestKrippendorffAlphaPublished(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   [][]float64
		metric AlphaMetric
		want   float64
		tol    float64
	}{
		// Krippendorff (2011), section C: α_nominal = 0.743,
		// α_ordinal = 0.815, α_interval = 0.849, α_ratio = 0.797 (printed
		// to three decimals, hence the tolerance).
		{"Krippendorff 2011 nominal", krippendorff2011, NominalMetric, 0.743, 5e-4},
		{"Krippendorff 2011 ordinal", krippendorff2011, OrdinalMetric, 0.815, 5e-4},
		{"Krippendorff 2011 interval", krippendorff2011, IntervalMetric, 0.849, 5e-4},
		{"Krippendorff 2011 ratio", krippendorff2011, RatioMetric, 0.797, 5e-4},
		// Wikipedia prints α_nominal = 0.691 and α_interval = 0.811; the
		// Python package krippendorff (fast-krippendorff) asserts them to
		// six decimals in its tests: 0.691358 and 0.810845.
		{"Wikipedia nominal", wikipediaExample, NominalMetric, 0.691358, 5e-7},
		{"Wikipedia interval", wikipediaExample, IntervalMetric, 0.810845, 5e-7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := KrippendorffAlpha(tc.data, tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.Alpha-tc.want) > tc.tol {
				t.Errorf("alpha = %.6f, want %v ± %v", res.Alpha, tc.want, tc.tol)
			}
			t.Logf("alpha = %.6f (published %v)", res.Alpha, tc.want)
		})
	}
}

func TestKrippendorffAlphaCoincidences(t *testing.T) {
	// Krippendorff (2011), section C.2: the coincidence matrix of the
	// 12-unit example has n.. = 40 pairable values in 11 units and its
	// first row is 7, 4/3, 1/3, 1/3, 0; the marginals n_1..n_5 are the
	// counts of each value in the pairable units, 9, 13, 10, 5, 3.
	res, err := KrippendorffAlpha(krippendorff2011, NominalMetric)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 40 || res.Units != 11 {
		t.Errorf("N = %d, Units = %d, want 40 and 11", res.N, res.Units)
	}
	if !slices.Equal(res.Values, []float64{1, 2, 3, 4, 5}) {
		t.Errorf("Values = %v", res.Values)
	}
	wantRow := []float64{7, 4.0 / 3, 1.0 / 3, 1.0 / 3, 0}
	for k, w := range wantRow {
		if math.Abs(res.Coincidence[0][k]-w) > 1e-12 {
			t.Errorf("o[1][%d] = %v, want %v", k+1, res.Coincidence[0][k], w)
		}
	}
	wantMarg := []float64{9, 13, 10, 5, 3}
	for c, w := range wantMarg {
		var m float64
		for _, v := range res.Coincidence[c] {
			m += v
		}
		if math.Abs(m-w) > 1e-12 {
			t.Errorf("n_%d = %v, want %v", c+1, m, w)
		}
	}
	// The matrix is symmetric by construction.
	for c := range res.Coincidence {
		for k := range res.Coincidence {
			if math.Abs(res.Coincidence[c][k]-res.Coincidence[k][c]) > 1e-12 {
				t.Fatalf("o not symmetric at (%d, %d)", c, k)
			}
		}
	}
}

func TestKrippendorffAlphaEdges(t *testing.T) {
	perfect := [][]float64{{1, 1, 1}, {2, 2, 2}, {3, 3, nan64}, {4, 4, 4}}
	for m := NominalMetric; m <= RatioMetric; m++ {
		res, err := KrippendorffAlpha(perfect, m)
		if err != nil {
			t.Fatal(err)
		}
		if res.Alpha != 1 {
			t.Errorf("%v: perfect agreement alpha = %v, want 1", m, res.Alpha)
		}
	}

	// Every value the same: D_e = 0 and alpha is undefined.
	res, err := KrippendorffAlpha([][]float64{{5, 5}, {5, 5, 5}}, IntervalMetric)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(res.Alpha) {
		t.Errorf("single value: alpha = %v, want NaN", res.Alpha)
	}

	// Systematic disagreement goes below zero: two raters who always
	// swap 1 and 2 have D_o > D_e.
	res, err = KrippendorffAlpha([][]float64{{1, 2}, {2, 1}, {1, 2}, {2, 1}}, NominalMetric)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.Alpha < 0) {
		t.Errorf("swapped ratings: alpha = %v, want < 0", res.Alpha)
	}
	// Hand check: 4 units × (1,2): o_12 = o_21 = 4, n_1 = n_2 = 4, n = 8;
	// α = 1 - 7·8/(4·4·2) = 1 - 56/32 = -0.75.
	if math.Abs(res.Alpha-(-0.75)) > 1e-15 {
		t.Errorf("swapped ratings: alpha = %v, want -0.75", res.Alpha)
	}

	// Rows of different lengths are units with different numbers of raters.
	ragged, err := KrippendorffAlpha([][]float64{{1, 1}, {2, 2, 2}, {3, 3, 3, 3}}, IntervalMetric)
	if err != nil || ragged.Alpha != 1 || ragged.N != 9 {
		t.Errorf("ragged rows: %+v, %v", ragged, err)
	}

	for _, tc := range []struct {
		name   string
		data   [][]float64
		metric AlphaMetric
	}{
		{"no units", nil, IntervalMetric},
		{"no pairable unit", [][]float64{{1, nan64}, {nan64, 2}, {3}}, IntervalMetric},
		{"all missing", [][]float64{{nan64, nan64}}, NominalMetric},
		{"infinite value", [][]float64{{1, math.Inf(1)}}, IntervalMetric},
		{"negative ratio", [][]float64{{1, -1}, {2, 2}}, RatioMetric},
		{"unknown metric", [][]float64{{1, 1}}, AlphaMetric(9)},
	} {
		if _, err := KrippendorffAlpha(tc.data, tc.metric); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
		}
	}
}

// TestKrippendorffAlphaTwoRatersInterval checks a property instead of a
// printed value: with two raters and no missing data, interval alpha
// equals 1 - (2n - 1) Σ(a - b)² / (Σ_i Σ_j (x_i - x_j)²) over all 2n
// pooled values, the closed form of the coincidence computation.
func TestKrippendorffAlphaTwoRatersInterval(t *testing.T) {
	a := []float64{3, 5, 7, 8, 2, 6, 9, 4}
	b := []float64{4, 5, 6, 8, 3, 5, 10, 2}
	data := make([][]float64, len(a))
	pooled := append(append([]float64(nil), a...), b...)
	var so float64
	for i := range a {
		data[i] = []float64{a[i], b[i]}
		so += 2 * (a[i] - b[i]) * (a[i] - b[i])
	}
	var se float64
	for _, x := range pooled {
		for _, y := range pooled {
			se += (x - y) * (x - y)
		}
	}
	n := float64(len(pooled))
	want := 1 - (n-1)*so/se
	res, err := KrippendorffAlpha(data, IntervalMetric)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Alpha-want) > 1e-12 {
		t.Errorf("alpha = %v, want %v", res.Alpha, want)
	}
}

// scale0to10 is the papersum rubric scale as kappa labels.
var scale0to10 = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}

// TestWeightedKappaSklearn checks weighted kappa against
// sklearn.metrics.cohen_kappa_score(a, b, labels=labels, weights=w) for
// w = None, "linear", "quadratic", computed with scikit-learn 1.2.1 and
// NumPy 1.24.2 (Debian bookworm python3-sklearn). The seeded cases were
// made with numpy.random.default_rng(20240611):
//
//	t = rng.integers(3, 10, size=40)
//	a = np.clip(t + rng.integers(-1, 2, size=40), 0, 10)
//	b = np.clip(t + rng.integers(-2, 3, size=40), 0, 10)
//
// The small 3-category case also appears, with the same three values, as
// the example of a published kappa-weighting reference.
func TestWeightedKappaSklearn(t *testing.T) {
	seededA := []int{5, 5, 6, 9, 3, 6, 9, 9, 3, 5, 8, 3, 7, 9, 4, 5, 4, 10, 5, 6, 5, 3, 9, 5, 10, 8, 8, 7, 4, 4, 4, 8, 5, 6, 7, 8, 6, 6, 6, 4}
	seededB := []int{6, 4, 5, 7, 2, 7, 10, 8, 4, 3, 10, 2, 7, 9, 4, 7, 3, 10, 6, 9, 3, 5, 10, 6, 8, 6, 10, 7, 3, 3, 4, 6, 2, 6, 10, 9, 3, 6, 6, 4}
	for _, tc := range []struct {
		name   string
		a, b   []int
		labels []int
		want   [3]float64 // none, linear, quadratic
	}{
		{"small 3-category", []int{1, 1, 2, 2, 3, 3, 1, 3}, []int{1, 3, 2, 1, 3, 2, 1, 3}, nil, [3]float64{0.4285714285714286, 0.4666666666666667, 0.5}},
		{"perfect", []int{0, 3, 5, 7, 10}, []int{0, 3, 5, 7, 10}, nil, [3]float64{1.0, 1.0, 1.0}},
		{"one step off everywhere", []int{1, 2, 3, 4, 5, 6}, []int{2, 3, 4, 5, 6, 7}, nil, [3]float64{-0.16129032258064524, 0.5263157894736841, 0.8536585365853658}},
		{"gap in labels: union", []int{2, 5, 9, 5, 2, 9, 5}, []int{2, 9, 9, 5, 5, 2, 5}, nil, [3]float64{0.34375, 0.30000000000000004, 0.25}},
		{"gap in labels: labels 0..10", []int{2, 5, 9, 5, 2, 9, 5}, []int{2, 9, 9, 5, 5, 2, 5}, scale0to10, [3]float64{0.34375, 0.30000000000000004, 0.2514450867052024}},
		{"seeded 0-10, labels 0..10", seededA, seededB, scale0to10, [3]float64{0.1561181434599156, 0.5490840770314701, 0.7850467289719626}},
		{"seeded 0-10, union", seededA, seededB, nil, [3]float64{0.1561181434599156, 0.5490840770314702, 0.7850467289719626}},
	} {
		for i, w := range []KappaWeighting{Unweighted, LinearWeights, QuadraticWeights} {
			res, err := WeightedKappa(tc.a, tc.b, tc.labels, w)
			if err != nil {
				t.Fatalf("%s/%v: %v", tc.name, w, err)
			}
			if math.Abs(res.Kappa-tc.want[i]) > 1e-12 {
				t.Errorf("%s/%v: kappa = %.17g, want %.17g", tc.name, w, res.Kappa, tc.want[i])
			}
		}
	}
}

// TestWeightedKappaCohen1968 reproduces Cohen (1968), "Weighted kappa",
// Psychological Bulletin 70(4), Table 1: 200 cases, three diagnoses,
// observed proportions .44 .07 .09 / .05 .20 .05 / .01 .03 .06. Cohen
// reports κ = .492 and, with disagreement weights 0 1 3 / 1 0 6 / 3 6 0,
// κ_w = .348; with the asymmetric weights 0 1 4 / 1 0 6 / 2 2 0,
// κ_w = .353.
func TestWeightedKappaCohen1968(t *testing.T) {
	table := [][]int{{88, 14, 18}, {10, 40, 10}, {2, 6, 12}}
	for _, tc := range []struct {
		name    string
		weights [][]float64
		want    float64
	}{
		{"unweighted", KappaWeights(3, Unweighted), 0.492},
		{"symmetric weights", [][]float64{{0, 1, 3}, {1, 0, 6}, {3, 6, 0}}, 0.348},
		{"asymmetric weights", [][]float64{{0, 1, 4}, {1, 0, 6}, {2, 2, 0}}, 0.353},
	} {
		res, err := WeightedKappaTable(table, tc.weights)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res.Kappa-tc.want) > 5e-4 {
			t.Errorf("%s: kappa = %.4f, want %v", tc.name, res.Kappa, tc.want)
		}
	}
	// By hand: Σ v p_o = .90 and Σ v p_c = 1.38, so κ_w = 1 - .90/1.38.
	res, _ := WeightedKappaTable(table, [][]float64{{0, 1, 3}, {1, 0, 6}, {3, 6, 0}})
	if math.Abs(res.Kappa-(1-0.90/1.38)) > 1e-12 || math.Abs(res.Observed-0.90) > 1e-12 || math.Abs(res.Expected-1.38) > 1e-12 {
		t.Errorf("kappa %v, observed %v, expected %v", res.Kappa, res.Observed, res.Expected)
	}
}

// TestWeightedKappaUnweightedIsCohensKappa checks the special case against
// the existing CohensKappa, which is tested on SciPy-era vectors.
func TestWeightedKappaUnweightedIsCohensKappa(t *testing.T) {
	a := []string{"neg", "pos", "neg", "neu", "pos", "neu", "neg", "pos"}
	b := []string{"neg", "pos", "neg", "neu", "neg", "pos", "neg", "pos"}
	want, err := CohensKappa(a, b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := WeightedKappa(a, b, nil, Unweighted)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Kappa-want.Kappa) > 1e-15 || !slices.Equal(got.Categories, want.Categories) {
		t.Errorf("weighted(none) = %v %v, CohensKappa = %v %v", got.Kappa, got.Categories, want.Kappa, want.Categories)
	}
}

func TestWeightedKappaEdges(t *testing.T) {
	// Both raters used one and the same category: chance explains all.
	res, err := WeightedKappa([]int{4, 4, 4}, []int{4, 4, 4}, nil, QuadraticWeights)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(res.Kappa) {
		t.Errorf("one category: kappa = %v, want NaN", res.Kappa)
	}
	// The same with the full scale as labels: marginals still sit on one
	// category, so expected disagreement is still 0.
	res, err = WeightedKappa([]int{4, 4, 4}, []int{4, 4, 4}, scale0to10, QuadraticWeights)
	if err != nil || !math.IsNaN(res.Kappa) {
		t.Errorf("one category with labels: kappa = %v, %v; want NaN", res.Kappa, err)
	}
	// Maximal disagreement on two categories: κ = -1.
	res, _ = WeightedKappa([]int{0, 10, 0, 10}, []int{10, 0, 10, 0}, nil, QuadraticWeights)
	if math.Abs(res.Kappa-(-1)) > 1e-15 {
		t.Errorf("opposite ratings: kappa = %v, want -1", res.Kappa)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"unequal lengths", func() error { _, err := WeightedKappa([]int{1, 2}, []int{1}, nil, LinearWeights); return err }},
		{"no items", func() error { _, err := WeightedKappa([]int{}, []int{}, nil, LinearWeights); return err }},
		{"label outside labels", func() error {
			_, err := WeightedKappa([]int{1, 11}, []int{1, 2}, scale0to10, LinearWeights)
			return err
		}},
		{"unknown weighting", func() error { _, err := WeightedKappa([]int{1}, []int{1}, nil, KappaWeighting(7)); return err }},
		{"empty table", func() error { _, err := WeightedKappaTable(nil, nil); return err }},
		{"zero table", func() error {
			_, err := WeightedKappaTable([][]int{{0, 0}, {0, 0}}, KappaWeights(2, LinearWeights))
			return err
		}},
		{"weights size", func() error {
			_, err := WeightedKappaTable([][]int{{1, 0}, {0, 1}}, KappaWeights(3, LinearWeights))
			return err
		}},
		{"negative weight", func() error {
			_, err := WeightedKappaTable([][]int{{1, 0}, {0, 1}}, [][]float64{{0, -1}, {1, 0}})
			return err
		}},
		{"non-zero diagonal", func() error {
			_, err := WeightedKappaTable([][]int{{1, 0}, {0, 1}}, [][]float64{{1, 1}, {1, 0}})
			return err
		}},
		{"negative count", func() error {
			_, err := WeightedKappaTable([][]int{{1, -1}, {0, 1}}, KappaWeights(2, Unweighted))
			return err
		}},
	} {
		if err := tc.call(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", tc.name, err)
		}
	}
}

func TestAgreementParse(t *testing.T) {
	for _, w := range []KappaWeighting{Unweighted, LinearWeights, QuadraticWeights} {
		got, err := ParseKappaWeighting(w.String())
		if err != nil || got != w {
			t.Errorf("ParseKappaWeighting(%q) = %v, %v", w.String(), got, err)
		}
	}
	for m := NominalMetric; m <= RatioMetric; m++ {
		got, err := ParseAlphaMetric(m.String())
		if err != nil || got != m {
			t.Errorf("ParseAlphaMetric(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseKappaWeighting("cubic"); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("cubic: %v", err)
	}
	if _, err := ParseAlphaMetric("circular"); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("circular: %v", err)
	}
}
