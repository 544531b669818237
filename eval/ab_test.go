package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/papersum/papersum/stats"
)

// result builds a Result whose items have the given metric values, one
// value per item; ids are p00, p01, ...
func result(id, datasetHash string, metrics map[string][]float64) Result {
	r := Result{Schema: SchemaResult, ID: id, Dataset: "jsonl:test.jsonl", DatasetHash: datasetHash, Config: id, Repeat: 1,
		Thresholds: DefaultThresholds()}
	n := 0
	for _, v := range metrics {
		n = max(n, len(v))
	}
	for i := range n {
		it := Item{ID: fmt.Sprintf("p%02d", i), Metrics: map[string]float64{}}
		for m, v := range metrics {
			if i < len(v) {
				it.Metrics[m] = v[i]
			}
		}
		r.Items = append(r.Items, it)
	}
	r.Aggregate = Aggregate(r.Items, newRand(99))
	r.PassRate = PassRate(r.Items, r.Thresholds)
	return r
}

// series is n values base + step·(i mod 5): varied but reproducible.
func series(n int, base, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + step*float64(i%5)
	}
	return out
}

func shift(x []float64, by float64, wobble float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v + by + wobble*float64(i%3-1)
	}
	return out
}

func rowOf(t *testing.T, rep ABReport, metric string) ABMetric {
	t.Helper()
	for _, r := range rep.Metrics {
		if r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row for %s in %+v", metric, rep.Metrics)
	return ABMetric{}
}

func TestCompareABBetterWorseSame(t *testing.T) {
	const n = 30 // a multiple of 3 and 5, so the wobble of shift averages out
	ov := series(n, 6, 0.5)
	rg := series(n, 0.2, 0.03)
	cost := series(n, 0.01, 0.002)
	a := result("A", "h", map[string][]float64{"overall": ov, "rouge2_f/human": rg, "accuracy": ov, "cost_usd": cost})
	b := result("B", "h", map[string][]float64{
		"overall":        shift(ov, 0.8, 0.1),     // clearly better
		"rouge2_f/human": shift(rg, -0.05, 0.005), // clearly worse
		"accuracy":       ov,                      // identical
		"cost_usd":       shift(cost, -0.004, 0),  // cheaper: lower is better
	})
	rep := CompareAB(a, b, []string{"overall", "rouge2_f/human", "accuracy", "cost_usd"}, newRand(1), 0.05)
	if rep.Paired != n || rep.Dropped != 0 || rep.DatasetMismatch || rep.Alpha != 0.05 {
		t.Errorf("header %+v", rep)
	}
	for _, tc := range []struct {
		metric, verdict string
		diff            float64
	}{
		{"overall", VerdictBetter, 0.8},
		{"rouge2_f/human", VerdictWorse, -0.05},
		{"accuracy", VerdictNone, 0},
		{"cost_usd", VerdictBetter, -0.004},
	} {
		r := rowOf(t, rep, tc.metric)
		if r.Verdict != tc.verdict || !near(r.Diff, tc.diff) || r.N != n {
			t.Errorf("%s: verdict %q diff %v n %d, want %q %v %d", tc.metric, r.Verdict, r.Diff, r.N, tc.verdict, tc.diff, n)
		}
		if !(r.CI[0] <= r.Diff && r.Diff <= r.CI[1]) {
			t.Errorf("%s: CI %v does not bracket diff %v", tc.metric, r.CI, r.Diff)
		}
		if !near(r.MeanB-r.MeanA, r.Diff) {
			t.Errorf("%s: means %v %v, diff %v", tc.metric, r.MeanA, r.MeanB, r.Diff)
		}
		if r.P != math.Max(r.PT, r.PWilcoxon) || r.PHolm < r.P {
			t.Errorf("%s: p %v from t %v and W %v, holm %v", tc.metric, r.P, r.PT, r.PWilcoxon, r.PHolm)
		}
	}
	same := rowOf(t, rep, "accuracy")
	if same.PT != 1 || same.PWilcoxon != 1 || same.CI != [2]float64{0, 0} || !math.IsNaN(same.CohensD) {
		t.Errorf("identical metric: %+v, want p 1, CI [0, 0], d NaN", same)
	}
	if d := rowOf(t, rep, "overall").CohensD; !(d > 2) {
		t.Errorf("overall d = %v, want a large positive effect", d)
	}
	if !rowOf(t, rep, "cost_usd").LowerIsBetter {
		t.Error("cost_usd not marked lower-is-better")
	}
	// Holm over the four P values.
	var ps []float64
	for _, r := range rep.Metrics {
		ps = append(ps, r.P)
	}
	for i, adj := range stats.Holm(ps) {
		if rep.Metrics[i].PHolm != adj {
			t.Errorf("%s holm %v, want %v", rep.Metrics[i].Metric, rep.Metrics[i].PHolm, adj)
		}
	}
}

func TestCompareABIdenticalResults(t *testing.T) {
	a := result("A", "h", map[string][]float64{"overall": series(10, 6, 0.5), "rouge1_f/human": series(10, 0.3, 0.01), "latency_ms": series(10, 100, 5)})
	rep := CompareAB(a, a, nil, newRand(2), 0)
	if rep.Alpha != DefaultAlpha {
		t.Errorf("alpha %v, want default", rep.Alpha)
	}
	// nil metrics: shared quality metrics in SortMetrics order, no latency.
	var names []string
	for _, r := range rep.Metrics {
		names = append(names, r.Metric)
		if r.Verdict != VerdictNone || r.Diff != 0 || r.PHolm != 1 {
			t.Errorf("%s: %+v, want no difference with p 1", r.Metric, r)
		}
	}
	if !slices.Equal(names, []string{"overall", "rouge1_f/human"}) {
		t.Errorf("default metrics %v", names)
	}
}

func TestCompareABPairing(t *testing.T) {
	a := Result{ID: "A", DatasetHash: "h1", Items: []Item{
		item("p1", "overall", 7.0), item("p2", "overall", 8.0), item("p3", "overall", 6.0),
		item("p4", "overall", 5.0), failed("p5"), item("only-a", "overall", 1.0), item("p2", "overall", 0.0), // duplicate ignored
	}}
	b := Result{ID: "B", DatasetHash: "h2", Items: []Item{
		item("p2", "overall", 8.5), item("p1", "overall", 7.5), failed("p3"), item("p4", "overall", 5.5),
		item("p5", "overall", 9.0), item("only-b", "overall", 9.0),
	}}
	rep := CompareAB(a, b, []string{"overall", "absent"}, newRand(3), 0.05)
	if rep.Paired != 3 || rep.OnlyA != 1 || rep.OnlyB != 1 || rep.Failed != 2 || rep.Dropped != 4 || !rep.DatasetMismatch {
		t.Errorf("pairing: paired %d onlyA %d onlyB %d failed %d dropped %d mismatch %v",
			rep.Paired, rep.OnlyA, rep.OnlyB, rep.Failed, rep.Dropped, rep.DatasetMismatch)
	}
	ov := rowOf(t, rep, "overall")
	// Pairs p1, p2, p4, each +0.5: a constant shift.
	if ov.N != 3 || !near(ov.Diff, 0.5) || !near(ov.CI[0], 0.5) || !near(ov.CI[1], 0.5) {
		t.Errorf("overall %+v", ov)
	}
	// Three equal non-zero differences: the t-test says p = 0 (zero
	// variance) but the exact Wilcoxon test cannot go below 0.25 with n = 3;
	// the larger p decides.
	if ov.PT != 0 || ov.PWilcoxon != 0.25 || ov.P != 0.25 || ov.Verdict != VerdictNone {
		t.Errorf("overall p: t %v W %v p %v verdict %q", ov.PT, ov.PWilcoxon, ov.P, ov.Verdict)
	}
	ab := rowOf(t, rep, "absent")
	if ab.N != 0 || !math.IsNaN(ab.MeanA) || !math.IsNaN(ab.P) || !math.IsNaN(ab.PHolm) || ab.Verdict != VerdictNone {
		t.Errorf("absent metric %+v", ab)
	}
	// NaN rows must still encode.
	buf, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("ABReport does not encode: %v", err)
	}
	var back ABReport
	if err := json.Unmarshal(buf, &back); err != nil {
		t.Fatal(err)
	}
	if got := rowOf(t, back, "absent"); !math.IsNaN(got.P) || got.Verdict != VerdictNone {
		t.Errorf("round trip lost NaN: %+v", got)
	}
}

func TestCompareABOnePairAndEmpty(t *testing.T) {
	a := Result{Items: []Item{item("p1", "overall", 7.0)}}
	b := Result{Items: []Item{item("p1", "overall", 9.0)}}
	r := rowOf(t, CompareAB(a, b, nil, newRand(4), 0.05), "overall")
	if r.N != 1 || r.Diff != 2 || r.CI != [2]float64{2, 2} || !math.IsNaN(r.P) || !math.IsNaN(r.CohensD) || r.Verdict != VerdictNone {
		t.Errorf("one pair: %+v", r)
	}
	rep := CompareAB(Result{}, Result{}, nil, newRand(4), 0.05)
	if rep.Paired != 0 || len(rep.Metrics) != 0 || rep.Metrics == nil {
		t.Errorf("empty: %+v", rep)
	}
}

func TestCompareABHolmTurnsBorderlineInsignificant(t *testing.T) {
	// One metric with a modest effect (raw p just under .05) among five;
	// after Holm it is no longer significant.
	const n = 30
	base := series(n, 5, 1)
	m := map[string][]float64{}
	mb := map[string][]float64{}
	for _, name := range []string{"accuracy", "clarity", "coherence", "completeness"} {
		m[name], mb[name] = base, base
	}
	m["overall"] = base
	mb["overall"] = make([]float64, n)
	for i := range n {
		mb["overall"][i] = base[i] + []float64{0.9, -0.4, 0.6, -0.1, 0.2}[i%5]
	}
	rep := CompareAB(result("A", "h", m), result("B", "h", mb), nil, newRand(5), 0.05)
	ov := rowOf(t, rep, "overall")
	if !(ov.P > 0.01 && ov.P < 0.05) {
		t.Fatalf("construction gave raw p %v (t %v, W %v); not a borderline case", ov.P, ov.PT, ov.PWilcoxon)
	}
	if !(ov.PHolm > 0.05) || ov.Verdict != VerdictNone {
		t.Errorf("overall raw p %v holm %v verdict %q", ov.P, ov.PHolm, ov.Verdict)
	}
}

func TestCompareABDeterministic(t *testing.T) {
	a := result("A", "h", map[string][]float64{"overall": series(25, 6, 0.4), "rouge2_f/human": series(25, 0.1, 0.02)})
	b := result("B", "h", map[string][]float64{"overall": shift(series(25, 6, 0.4), 0.2, 0.3), "rouge2_f/human": shift(series(25, 0.1, 0.02), 0.01, 0.02)})
	j1, _ := json.Marshal(CompareAB(a, b, nil, newRand(8), 0.05))
	j2, _ := json.Marshal(CompareAB(a, b, nil, newRand(8), 0.05))
	if string(j1) != string(j2) {
		t.Errorf("same seed, different reports:\n%s\n%s", j1, j2)
	}
}
