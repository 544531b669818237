package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// KappaWeighting says how weighted kappa charges a disagreement between
// the categories at positions i and j of the ordered category list. The
// zero value is Unweighted, which makes weighted kappa Cohen's kappa.
type KappaWeighting int

const (
	// Unweighted charges every disagreement 1 (nominal categories).
	Unweighted KappaWeighting = iota
	// LinearWeights charges |i - j| (Cicchetti–Allison).
	LinearWeights
	// QuadraticWeights charges (i - j)² (Fleiss–Cohen); with equally
	// spaced categories it approximates the intraclass correlation.
	QuadraticWeights
)

// String returns scikit-learn's spelling: "none", "linear" or "quadratic".
func (w KappaWeighting) String() string {
	switch w {
	case Unweighted:
		return "none"
	case LinearWeights:
		return "linear"
	case QuadraticWeights:
		return "quadratic"
	}
	return fmt.Sprintf("KappaWeighting(%d)", int(w))
}

// ParseKappaWeighting maps "none" (or "" or "unweighted"), "linear" and
// "quadratic" to a KappaWeighting.
func ParseKappaWeighting(s string) (KappaWeighting, error) {
	switch s {
	case "", "none", "unweighted":
		return Unweighted, nil
	case "linear":
		return LinearWeights, nil
	case "quadratic":
		return QuadraticWeights, nil
	}
	return 0, invalid("parse kappa weighting", "unknown kappa weighting %q (want none, linear or quadratic)", s)
}

func (w KappaWeighting) valid() bool { return w >= Unweighted && w <= QuadraticWeights }

// KappaWeights returns the k×k disagreement-weight matrix of w: 0 on the
// diagonal and 1, |i-j| or (i-j)² off it.
func KappaWeights(k int, w KappaWeighting) [][]float64 {
	m := make([][]float64, k)
	for i := range m {
		m[i] = make([]float64, k)
		for j := range m[i] {
			d := float64(i - j)
			switch w {
			case LinearWeights:
				m[i][j] = math.Abs(d)
			case QuadraticWeights:
				m[i][j] = d * d
			default:
				if i != j {
					m[i][j] = 1
				}
			}
		}
	}
	return m
}

// WeightedKappaResult is weighted Cohen's kappa with its ingredients.
type WeightedKappaResult[T cmp.Ordered] struct {
	// Kappa is 1 - Observed/Expected; NaN when Expected = 0 (both raters
	// used one and the same category, so chance explains everything).
	Kappa float64
	// Observed is the weighted observed disagreement Σ w_ij n_ij / N and
	// Expected the weighted chance disagreement Σ w_ij n_i· n_·j / N².
	Observed, Expected float64
	// N is the number of items.
	N int
	// Table is the confusion table: rows are rater A's categories,
	// columns rater B's, both in Categories order.
	Table [][]int
	// Categories are the ordered categories; weights use their positions.
	Categories []T
	// Weights is the disagreement-weight matrix that was applied.
	Weights [][]float64
}

// WeightedKappa is Cohen's (1968) weighted kappa for two raters labelling
// the same items, with linear or quadratic disagreement weights over the
// positions of the categories in sorted order (Unweighted gives Cohen's
// 1960 kappa). It matches sklearn.metrics.cohen_kappa_score(a, b,
// labels=labels, weights=...).
//
// labels fixes the category set; nil means the sorted union of both
// raters' labels, as scikit-learn does. Pass the full scale (for example
// 0..10) when a rater may not use every point of it: positions, not
// values, set the weights, so an unused category would otherwise shrink
// every distance across it. Unlike scikit-learn, which drops items whose
// label is missing from labels, a label outside labels is an error here,
// because silently dropping ratings hides a data problem. Unequal lengths,
// no items and an unknown weighting are errors too.
func WeightedKappa[T cmp.Ordered](a, b, labels []T, w KappaWeighting) (WeightedKappaResult[T], error) {
	const op = "WeightedKappa"
	if len(a) != len(b) {
		return WeightedKappaResult[T]{}, invalid(op, "raters labelled different numbers of items (%d and %d)", len(a), len(b))
	}
	if len(a) == 0 {
		return WeightedKappaResult[T]{}, invalid(op, "no items")
	}
	if !w.valid() {
		return WeightedKappaResult[T]{}, invalid(op, "unknown weighting %d", int(w))
	}
	var cats []T
	if labels == nil {
		cats = append(append(cats, a...), b...)
	} else {
		cats = append(cats, labels...)
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	index := make(map[T]int, len(cats))
	for i, c := range cats {
		index[c] = i
	}
	table := make([][]int, len(cats))
	for i := range table {
		table[i] = make([]int, len(cats))
	}
	for i := range a {
		ia, okA := index[a[i]]
		ib, okB := index[b[i]]
		if !okA || !okB {
			return WeightedKappaResult[T]{}, invalid(op, "item %d: label not in labels (%v, %v)", i, a[i], b[i])
		}
		table[ia][ib]++
	}
	res, err := WeightedKappaTable(table, KappaWeights(len(cats), w))
	if err != nil {
		return WeightedKappaResult[T]{}, err
	}
	return WeightedKappaResult[T]{
		Kappa: res.Kappa, Observed: res.Observed, Expected: res.Expected, N: res.N,
		Table: table, Categories: cats, Weights: res.Weights,
	}, nil
}

// WeightedKappaTable is weighted kappa from a square confusion table (rows
// rater A, columns rater B) and a disagreement-weight matrix of the same
// size: κ_w = 1 - Σ w_ij o_ij / Σ w_ij e_ij with e_ij = n_i· n_·j / N.
// Any non-negative weights work, including Cohen's (1968) hand-chosen,
// even asymmetric, ones; KappaWeights builds the standard sets. Categories
// in the result are the row indices. A non-square or empty table,
// negative counts, a zero total, or a weight matrix of another size, with
// a negative or non-finite weight, or with a non-zero diagonal are errors.
func WeightedKappaTable(table [][]int, weights [][]float64) (WeightedKappaResult[int], error) {
	const op = "WeightedKappaTable"
	k := len(table)
	if k == 0 {
		return WeightedKappaResult[int]{}, invalid(op, "empty table")
	}
	if len(weights) != k {
		return WeightedKappaResult[int]{}, invalid(op, "weights have %d rows, table has %d", len(weights), k)
	}
	rows := make([]float64, k)
	cols := make([]float64, k)
	var total int
	for i, row := range table {
		if len(row) != k {
			return WeightedKappaResult[int]{}, invalid(op, "table is not square: row %d has %d cells, want %d", i, len(row), k)
		}
		if len(weights[i]) != k {
			return WeightedKappaResult[int]{}, invalid(op, "weights are not square: row %d has %d cells, want %d", i, len(weights[i]), k)
		}
		for j, v := range row {
			if v < 0 {
				return WeightedKappaResult[int]{}, invalid(op, "negative count at (%d, %d)", i, j)
			}
			wij := weights[i][j]
			if wij < 0 || math.IsNaN(wij) || math.IsInf(wij, 0) {
				return WeightedKappaResult[int]{}, invalid(op, "weight at (%d, %d) is %v; weights must be finite and non-negative", i, j, wij)
			}
			if i == j && wij != 0 {
				return WeightedKappaResult[int]{}, invalid(op, "weight at (%d, %d) is %v; agreement must cost 0", i, j, wij)
			}
			rows[i] += float64(v)
			cols[j] += float64(v)
			total += v
		}
	}
	if total == 0 {
		return WeightedKappaResult[int]{}, invalid(op, "table has no items")
	}
	n := float64(total)
	var obs, exp float64
	for i := range k {
		for j := range k {
			obs += weights[i][j] * float64(table[i][j])
			exp += weights[i][j] * rows[i] * cols[j] / n
		}
	}
	res := WeightedKappaResult[int]{
		Kappa: nan, Observed: obs / n, Expected: exp / n, N: total,
		Table: table, Categories: make([]int, k), Weights: weights,
	}
	for i := range res.Categories {
		res.Categories[i] = i
	}
	if exp > 0 {
		res.Kappa = 1 - obs/exp
	}
	return res, nil
}

// AlphaMetric is the level of measurement of Krippendorff's alpha: it
// chooses the difference function δ²(c, k) between two values.
type AlphaMetric int

const (
	// NominalMetric: δ² = 0 if c = k, else 1.
	NominalMetric AlphaMetric = iota
	// OrdinalMetric: δ² = (Σ_{g=c..k} n_g - (n_c + n_k)/2)², where n_g
	// counts the pairable values equal to g; only the order of the values
	// matters, and the distance between two ranks grows with how many
	// values lie between them.
	OrdinalMetric
	// IntervalMetric: δ² = (c - k)².
	IntervalMetric
	// RatioMetric: δ² = ((c - k)/(c + k))²; values must be non-negative.
	RatioMetric
)

// String returns "nominal", "ordinal", "interval" or "ratio".
func (m AlphaMetric) String() string {
	switch m {
	case NominalMetric:
		return "nominal"
	case OrdinalMetric:
		return "ordinal"
	case IntervalMetric:
		return "interval"
	case RatioMetric:
		return "ratio"
	}
	return fmt.Sprintf("AlphaMetric(%d)", int(m))
}

// ParseAlphaMetric maps "nominal", "ordinal", "interval" and "ratio" to an
// AlphaMetric.
func ParseAlphaMetric(s string) (AlphaMetric, error) {
	for m := NominalMetric; m <= RatioMetric; m++ {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, invalid("parse alpha metric", "unknown level of measurement %q (want nominal, ordinal, interval or ratio)", s)
}

// AlphaResult is Krippendorff's alpha with its ingredients.
type AlphaResult struct {
	// Alpha is 1 - Observed/Expected: 1 for perfect agreement, 0 for
	// agreement at chance level, negative below it. NaN when Expected = 0,
	// i.e. every pairable value is the same, where Krippendorff leaves
	// alpha undefined (0/0).
	Alpha float64
	// Observed (D_o) and Expected (D_e) are the observed and the
	// chance-expected disagreement.
	Observed, Expected float64
	// N is the number of pairable values n.. (values in units that hold
	// at least two), and Units the number of such units.
	N, Units int
	// Values are the distinct pairable values, ascending; Coincidence is
	// the coincidence matrix o_ck over them.
	Values      []float64
	Coincidence [][]float64
	Metric      AlphaMetric
}

// KrippendorffAlpha is Krippendorff's alpha for reliability data given as
// units × raters: data[u] holds the values that the raters assigned to
// unit u, NaN where a rater gave none. Rows may differ in length (only
// how many raters gave each value matters, not which). It follows
// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
// units with fewer than two values are not pairable and are dropped; each
// pairable unit u with m_u values adds its m_u(m_u - 1) ordered pairs of
// values to the coincidence matrix, each weighted 1/(m_u - 1); then
// α = 1 - (n.. - 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck.
//
// Empty data, ±Inf, a negative value under RatioMetric, an unknown metric
// and data with no pairable unit are errors. A single distinct value gives
// Alpha NaN without an error.
func KrippendorffAlpha(data [][]float64, metric AlphaMetric) (AlphaResult, error) {
	const op = "KrippendorffAlpha"
	if metric < NominalMetric || metric > RatioMetric {
		return AlphaResult{}, invalid(op, "unknown metric %d", int(metric))
	}
	if len(data) == 0 {
		return AlphaResult{}, invalid(op, "no units")
	}
	// units keeps the non-missing values of each pairable unit.
	var units [][]float64
	var values []float64
	for u, row := range data {
		var vs []float64
		for r, v := range row {
			switch {
			case math.IsNaN(v):
				continue
			case math.IsInf(v, 0):
				return AlphaResult{}, invalid(op, "unit %d, rater %d: value is %v", u, r, v)
			case metric == RatioMetric && v < 0:
				return AlphaResult{}, invalid(op, "unit %d, rater %d: ratio metric needs non-negative values, got %v", u, r, v)
			}
			vs = append(vs, v)
		}
		if len(vs) >= 2 {
			units = append(units, vs)
			values = append(values, vs...)
		}
	}
	if len(units) == 0 {
		return AlphaResult{}, invalid(op, "no unit has values from two or more raters")
	}
	slices.Sort(values)
	values = slices.Compact(values)
	index := make(map[float64]int, len(values))
	for i, v := range values {
		index[v] = i
	}
	nv := len(values)
	o := make([][]float64, nv)
	for i := range o {
		o[i] = make([]float64, nv)
	}
	counts := make([]float64, nv)
	for _, vs := range units {
		clear(counts)
		for _, v := range vs {
			counts[index[v]]++
		}
		m := float64(len(vs))
		for c, nc := range counts {
			if nc == 0 {
				continue
			}
			for k, nk := range counts {
				if c == k {
					nk--
				}
				if nk > 0 {
					o[c][k] += nc * nk / (m - 1)
				}
			}
		}
	}
	marg := make([]float64, nv)
	var n float64
	for c := range o {
		for k := range o[c] {
			marg[c] += o[c][k]
		}
		n += marg[c]
	}
	// cum[i] is Σ_{g<i} n_g, so Σ_{g=c..k} n_g = cum[k+1] - cum[c] for c <= k.
	cum := make([]float64, nv+1)
	for i, m := range marg {
		cum[i+1] = cum[i] + m
	}
	delta := func(c, k int) float64 {
		if c == k {
			return 0
		}
		switch metric {
		case NominalMetric:
			return 1
		case OrdinalMetric:
			lo, hi := min(c, k), max(c, k)
			d := cum[hi+1] - cum[lo] - (marg[lo]+marg[hi])/2
			return d * d
		case IntervalMetric:
			d := values[c] - values[k]
			return d * d
		default:
			d := (values[c] - values[k]) / (values[c] + values[k])
			return d * d
		}
	}
	var sumO, sumE float64
	for c := range nv {
		for k := range nv {
			d := delta(c, k)
			sumO += o[c][k] * d
			sumE += marg[c] * marg[k] * d
		}
	}
	res := AlphaResult{
		Alpha:    nan,
		Observed: sumO / n, Expected: sumE / (n * (n - 1)),
		N: int(math.Round(n)), Units: len(units),
		Values: values, Coincidence: o, Metric: metric,
	}
	if sumE > 0 {
		res.Alpha = 1 - (n-1)*sumO/sumE
	}
	return res, nil
}
