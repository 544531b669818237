package eval

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/papersum/papersum/stats"
)

// DefaultAlpha is the significance level when none is given.
const DefaultAlpha = 0.05

// diffEpsilon: paired differences smaller than this are treated as zero
// before testing. Scores that went through float arithmetic twice (a mean
// over repeats, a weighted overall) can differ in the last bits, and a
// t-test on n identical tiny differences has zero variance and p = 0,
// which would report float noise as a significant change.
const diffEpsilon = 1e-9

// RunRef identifies one side of a comparison.
type RunRef struct {
	ID          string `json:"id"`
	Config      string `json:"config"`
	ConfigHash  string `json:"config_hash"`
	Dataset     string `json:"dataset"`
	DatasetHash string `json:"dataset_hash"`
	Repeat      int    `json:"repeat"`
	// Items is the number of items in the result, errors included.
	Items int `json:"items"`
}

func refOf(r Result) RunRef {
	return RunRef{ID: r.ID, Config: r.Config, ConfigHash: r.ConfigHash, Dataset: r.Dataset,
		DatasetHash: r.DatasetHash, Repeat: r.Repeat, Items: len(r.Items)}
}

// pairing is the items of two results matched by ID.
type pairing struct {
	a, b []*Item
	// onlyA and onlyB count IDs present on one side only; failed counts
	// IDs present on both sides but with an Error on at least one.
	onlyA, onlyB, failed int
}

// pairItems matches items by ID, in the order of a's items. An ID that
// occurs twice in one result is matched once, by its first occurrence;
// the repeat is ignored (a Result holds one item per paper).
func pairItems(a, b Result) pairing {
	var p pairing
	byID := make(map[string]*Item, len(b.Items))
	for i := range b.Items {
		if _, dup := byID[b.Items[i].ID]; !dup {
			byID[b.Items[i].ID] = &b.Items[i]
		}
	}
	seen := make(map[string]bool, len(a.Items))
	for i := range a.Items {
		ia := &a.Items[i]
		if seen[ia.ID] {
			continue
		}
		seen[ia.ID] = true
		ib, ok := byID[ia.ID]
		switch {
		case !ok:
			p.onlyA++
		case ia.Error != "" || ib.Error != "":
			p.failed++
		default:
			p.a = append(p.a, ia)
			p.b = append(p.b, ib)
		}
	}
	for id := range byID {
		if !seen[id] {
			p.onlyB++
		}
	}
	return p
}

// values returns the metric's values on the pairs where both sides have a
// finite value.
func (p pairing) values(metric string) (x, y []float64) {
	for i := range p.a {
		va, okA := p.a[i].Metrics[metric]
		vb, okB := p.b[i].Metrics[metric]
		if okA && okB && finite(va) && finite(vb) {
			x = append(x, va)
			y = append(y, vb)
		}
	}
	return x, y
}

// sharedMetrics lists, in SortMetrics order, the metrics that at least one
// pair has on both sides, leaving out cost and latency (they measure
// spending, not quality).
func (p pairing) sharedMetrics() []string {
	set := make(map[string]bool)
	for i := range p.a {
		for m, va := range p.a[i].Metrics {
			if vb, ok := p.b[i].Metrics[m]; ok && finite(va) && finite(vb) {
				if k := MetricKind(m); k != KindCost && k != KindLatency {
					set[m] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	return SortMetrics(out)
}

// pairedTest tests whether y − x is centred on zero with the paired
// t-test and the Wilcoxon signed-rank test (both two-sided, SciPy
// defaults) and returns both p-values and the one to act on: the larger of
// the two. A change is called significant only when the parametric test
// and the rank test agree, so neither a few outliers (which sway the
// t-test) nor many tiny shifts (which sway the rank test) decide alone;
// with the few dozen papers of an evaluation set the cost in power is
// small.
//
// All differences zero (after diffEpsilon) gives p = 1 for both, where
// SciPy returns NaN or raises: identical scores are the clearest case of
// no difference. Fewer than two pairs give NaN: nothing can be tested.
func pairedTest(x, y []float64) (pT, pW, p float64) {
	nan := math.NaN()
	if len(x) < 2 {
		return nan, nan, nan
	}
	d := make([]float64, len(x))
	zero := make([]float64, len(x))
	allZero := true
	for i := range x {
		d[i] = y[i] - x[i]
		if math.Abs(d[i]) < diffEpsilon {
			d[i] = 0
		}
		allZero = allZero && d[i] == 0
	}
	if allZero {
		return 1, 1, 1
	}
	pT, pW = nan, nan
	if t, err := stats.PairedTTest(d, zero, stats.TwoSided); err == nil {
		pT = t.PValue
	}
	if w, err := stats.Wilcoxon(d, nil, stats.WilcoxonOptions{}); err == nil {
		pW = w.PValue
	}
	switch {
	case math.IsNaN(pT):
		p = pW
	case math.IsNaN(pW):
		p = pT
	default:
		p = math.Max(pT, pW)
	}
	return pT, pW, p
}

// pairedD is Cohen's d of y − x (paired), with differences below
// diffEpsilon treated as zero like pairedTest does. n < 2 gives NaN.
func pairedD(x, y []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	d := make([]float64, len(x))
	for i := range x {
		if d[i] = y[i] - x[i]; math.Abs(d[i]) < diffEpsilon {
			d[i] = 0
		}
	}
	e, err := stats.CohensDPaired(d, make([]float64, len(d)))
	if err != nil {
		return math.NaN()
	}
	// A constant shift computed in floating point leaves a standard
	// deviation of ~1e-17, which would print as d = 1e15; it is a zero
	// spread, and d is ±Inf (NaN for no shift), as CohensDPaired gives for
	// an exact zero.
	if e.SDDiff < diffEpsilon {
		switch {
		case e.MeanDiff > 0:
			return math.Inf(1)
		case e.MeanDiff < 0:
			return math.Inf(-1)
		}
		return math.NaN()
	}
	return e.D
}

// improved reports whether a change of delta in metric is for the better.
func improved(metric string, delta float64) bool {
	if LowerIsBetter(metric) {
		return delta < 0
	}
	return delta > 0
}

// worsened reports whether a change of delta in metric is for the worse.
func worsened(metric string, delta float64) bool {
	if LowerIsBetter(metric) {
		return delta > 0
	}
	return delta < 0
}

// jsonNumber is a float64 that encodes NaN and ±Inf as JSON null, which
// encoding/json otherwise refuses. p-values and effect sizes are NaN when
// they are undefined (fewer than two pairs, zero variance).
type jsonNumber float64

// MarshalJSON implements json.Marshaler.
func (f jsonNumber) MarshalJSON() ([]byte, error) {
	if !finite(float64(f)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// UnmarshalJSON implements json.Unmarshaler; null decodes as NaN.
func (f *jsonNumber) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonNumber(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonNumber(v)
	return nil
}

// holmOver adjusts ps with Holm over the non-NaN entries.
func holmOver(ps []float64) []float64 {
	if len(ps) == 0 {
		return nil
	}
	return stats.Holm(slices.Clone(ps))
}
