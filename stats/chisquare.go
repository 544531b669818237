package stats

import "math"

// ChiSquare is scipy.stats.chisquare(fObs, fExp, ddof): Pearson's
// goodness-of-fit statistic Σ (O - E)² / E with k - 1 - ddof degrees of
// freedom. A nil fExp means equal expected counts (the mean of fObs).
// fExp must have the length of fObs and the same total to a relative
// 1e-8, as SciPy requires. An empty fObs gives statistic 0 and p NaN, and
// NaN counts give NaN, as in SciPy.
func ChiSquare(fObs, fExp []float64, ddof int) (TestResult, error) {
	const op = "ChiSquare"
	k := len(fObs)
	exp := fExp
	if fExp != nil {
		if len(fExp) != k {
			return TestResult{}, invalid(op, "f_obs and f_exp have different lengths (%d and %d)", k, len(fExp))
		}
		so, se := npSum(fObs), npSum(fExp)
		if math.Abs(so-se)/math.Min(so, se) > 1e-8 {
			return TestResult{}, invalid(op, "the sum of the observed frequencies (%g) must agree with the sum of the expected frequencies (%g) to a relative tolerance of 1e-8", so, se)
		}
	} else {
		m := mean(fObs)
		exp = make([]float64, k)
		for i := range exp {
			exp[i] = m
		}
	}
	stat := pearsonTerms(fObs, exp)
	return TestResult{Statistic: stat, PValue: chi2SF(stat, float64(k-1-ddof))}, nil
}

func pearsonTerms(obs, exp []float64) float64 {
	terms := make([]float64, len(obs))
	for i := range obs {
		d := obs[i] - exp[i]
		terms[i] = d * d / exp[i]
	}
	return npSum(terms)
}

// ContingencyResult is the outcome of the chi-squared test of independence.
type ContingencyResult struct {
	Statistic float64
	PValue    float64
	// DOF is the degrees of freedom, (rows-1)(cols-1) for a 2-D table.
	DOF int
	// Expected holds the expected counts under independence.
	Expected [][]float64
}

// Chi2Contingency is scipy.stats.chi2_contingency(observed, correction)
// for a two-way table. Yates' correction is applied only when DOF = 1 and
// correction is true, moving each count toward its expected value by
// min(0.5, |O - E|). A table with DOF = 0 (one row or one column) gives
// statistic 0 and p = 1. Negative counts, an empty or ragged table, or a
// zero expected count are errors, as in SciPy.
func Chi2Contingency(observed [][]float64, correction bool) (ContingencyResult, error) {
	const op = "Chi2Contingency"
	r := len(observed)
	if r == 0 || len(observed[0]) == 0 {
		return ContingencyResult{}, invalid(op, "no data; observed has size 0")
	}
	c := len(observed[0])
	rows := make([]float64, r)
	cols := make([]float64, c)
	flat := make([]float64, 0, r*c)
	for i, row := range observed {
		if len(row) != c {
			return ContingencyResult{}, invalid(op, "observed is ragged: row %d has %d cells, row 0 has %d", i, len(row), c)
		}
		for _, v := range row {
			if v < 0 {
				return ContingencyResult{}, invalid(op, "all values in observed must be nonnegative")
			}
		}
		rows[i] = npSum(row)
		flat = append(flat, row...)
	}
	for j := range c {
		col := make([]float64, r)
		for i := range r {
			col[i] = observed[i][j]
		}
		cols[j] = npSum(col)
	}
	total := npSum(flat)
	expected := make([][]float64, r)
	expFlat := make([]float64, 0, r*c)
	for i := range r {
		expected[i] = make([]float64, c)
		for j := range c {
			e := rows[i] * cols[j] / total
			if e == 0 {
				return ContingencyResult{}, invalid(op, "the internally computed table of expected frequencies has a zero element at (%d, %d)", i, j)
			}
			expected[i][j] = e
		}
		expFlat = append(expFlat, expected[i]...)
	}
	// For a table with only one non-trivial dimension SciPy's dof
	// formula, size - sum(shape) + ndim - 1, is (r-1)(c-1) = 0.
	dof := (r - 1) * (c - 1)
	res := ContingencyResult{DOF: dof, Expected: expected}
	if dof == 0 {
		res.Statistic, res.PValue = 0, 1
		return res, nil
	}
	obs := append([]float64(nil), flat...)
	if dof == 1 && correction {
		for i := range obs {
			diff := expFlat[i] - obs[i]
			obs[i] += math.Min(0.5, math.Abs(diff)) * sign(diff)
		}
	}
	res.Statistic = pearsonTerms(obs, expFlat)
	res.PValue = chi2SF(res.Statistic, float64(dof))
	return res, nil
}
