package signals

import (
	"sort"
	"time"

	"github.com/papersum/papersum/drift"
)

// Sample is the signals of one run and when it finished.
type Sample struct {
	RunID  string
	At     time.Time
	Values []Value
}

// Comparison is one signal compared between a reference and a current
// window.
type Comparison struct {
	Def Def `json:"signal"`
	// Result is the batch test Evidently would choose (drift.Auto), with
	// the Holm-adjusted p-value and the verdict of drift.Decide; nil when
	// Skipped.
	Result *drift.Result `json:"result,omitempty"`
	// Skipped says why the signal was not tested (too few values).
	Skipped string `json:"skipped,omitempty"`
	// Ref and Cur are the values of a numeric or binary signal, in order
	// of the runs; RefCounts and CurCounts the label counts of a
	// categorical one.
	Ref       []float64      `json:"-"`
	Cur       []float64      `json:"-"`
	RefCounts map[string]int `json:"ref_counts,omitempty"`
	CurCounts map[string]int `json:"cur_counts,omitempty"`
	// RefAt and CurAt are when the runs behind Ref and Cur finished.
	RefAt []time.Time `json:"-"`
	CurAt []time.Time `json:"-"`
}

// MinValues is the fewest values a window must have for a signal to be
// tested.
const MinValues = 5

// Compare tests every signal of ref against cur (drift.Auto for numeric
// and binary signals — binary as categorical —, drift.AutoCategorical for
// categorical ones, whose labels are pooled), then decides them together
// with p (Holm across the signals, a minimum effect). keep, when not nil,
// selects the signals compared. Signals with fewer than MinValues values
// in either window are Skipped.
func Compare(ref, cur []Sample, p drift.Policy, keep func(Def) bool) ([]Comparison, drift.Decision, error) {
	out := make([]Comparison, 0, len(Defs()))
	var results []drift.Result
	var at []int
	for _, d := range Defs() {
		if keep != nil && !keep(d) {
			continue
		}
		c := Comparison{Def: d}
		var refN, curN int
		if d.Kind == Categorical {
			rl, cl := labels(ref, d.Name), labels(cur, d.Name)
			c.RefCounts, c.CurCounts = count(rl), count(cl)
			refN, curN = len(rl), len(cl)
			if refN >= MinValues && curN >= MinValues {
				r, err := drift.AutoCategorical(rl, cl)
				if err != nil {
					return nil, drift.Decision{}, err
				}
				results, at = append(results, r), append(at, len(out))
			}
		} else {
			c.Ref, c.RefAt = numbers(ref, d.Name)
			c.Cur, c.CurAt = numbers(cur, d.Name)
			refN, curN = len(c.Ref), len(c.Cur)
			if refN >= MinValues && curN >= MinValues {
				kind := drift.Numerical
				if d.Kind == Binary {
					kind = drift.Categorical
				}
				r, err := drift.Auto(c.Ref, c.Cur, kind)
				if err != nil {
					return nil, drift.Decision{}, err
				}
				results, at = append(results, r), append(at, len(out))
			}
		}
		if refN < MinValues || curN < MinValues {
			c.Skipped = "too few values"
		}
		out = append(out, c)
	}
	dec, err := drift.Decide(results, p)
	if err != nil {
		return nil, drift.Decision{}, err
	}
	for j, i := range at {
		r := dec.Results[j]
		out[i].Result = &r
	}
	return out, dec, nil
}

func labels(ss []Sample, name string) []string {
	var out []string
	for _, s := range ss {
		for _, v := range s.Values {
			if v.Name == name {
				out = append(out, v.Labels...)
			}
		}
	}
	return out
}

func numbers(ss []Sample, name string) ([]float64, []time.Time) {
	var xs []float64
	var ts []time.Time
	for _, s := range ss {
		for _, v := range s.Values {
			if v.Name == name && v.Labels == nil {
				xs, ts = append(xs, v.X), append(ts, s.At)
			}
		}
	}
	return xs, ts
}

func count(ls []string) map[string]int {
	m := map[string]int{}
	for _, l := range ls {
		m[l]++
	}
	return m
}

// TopLabels returns the n labels with the highest count in a and b
// together, ties by the label.
func TopLabels(a, b map[string]int, n int) []string {
	tot := map[string]int{}
	for k, v := range a {
		tot[k] += v
	}
	for k, v := range b {
		tot[k] += v
	}
	keys := make([]string, 0, len(tot))
	for k := range tot {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if tot[keys[i]] != tot[keys[j]] {
			return tot[keys[i]] > tot[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
