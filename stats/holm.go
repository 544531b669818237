package stats

import (
	"math"
	"sort"
)

// Holm returns Holm–Bonferroni adjusted p-values, in the order of p. With
// the m non-NaN p-values sorted ascending, the i-th (0-based) is adjusted to
// max over j <= i of min(1, (m - j)·p_(j)), which makes the adjusted values
// monotone in p and at most 1; reject hypothesis i at level alpha when
// adjusted[i] <= alpha. This is statsmodels' multipletests(method="holm").
// NaN entries stay NaN and do not count towards m. It is a few lines, so
// no dependency is taken for it.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			out[i] = nan
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	running := 0.0
	for j, i := range idx {
		adj := math.Min(1, float64(m-j)*p[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}
