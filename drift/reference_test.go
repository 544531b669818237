package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/devdata"
	"github.com/papersum/papersum/stats"
)

// The reference vectors drift.jsonl (river's detectors and a published
// tabular CUSUM) and drift-stats.jsonl (SciPy's tests, Evidently's PSI,
// SciPy's zscore/zmap) are development data in
// ../shared/data/reference-vectors, read through PAPERSUM_REFVEC_DIR (see
// internal/devdata); their README documents the fields and the reference
// semantics. Without them these tests are skipped with a message. Any
// file of the same schema can be run by pointing PAPERSUM_REFVEC_DIR at
// its directory.

// driftCase is one line of drift.jsonl.
type driftCase struct {
	ID           string                     `json:"id"`
	Detector     string                     `json:"detector"`
	ParamSet     string                     `json:"param_set"`
	Params       json.RawMessage            `json:"params"`
	Values       []float64                  `json:"values"`
	Expected     map[string]json.RawMessage `json:"expected"`
	Trace        map[string][]any           `json:"trace"`
	StreamDetail struct {
		Kind string `json:"kind"`
	} `json:"stream"`
}

func readJSONL[T any](t *testing.T, path string) []T { return devdata.ReadJSONL[T](t, path) }

// num decodes a JSON number or "NaN" / "Infinity" / "-Infinity"; null
// decodes as ok = false.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		return b2f(x), true
	case string:
		switch x {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// relErr is |got - want| / |want| (absolute when want is 0); 0 when both
// are NaN or the same infinity, +Inf when they differ in kind.
func relErr(got, want float64) float64 {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		if math.IsNaN(want) && math.IsNaN(got) {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		if got == want {
			return 0
		}
		return math.Inf(1)
	case want == 0:
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// tol is the tolerance the task sets for every compared number: 1e-9
// relative (absolute around 0).
const tol = 1e-9

// deviation tracks the largest relative deviation and how many compared
// numbers were not bit-identical.
type deviation struct {
	max         float64
	n, notExact int
	where       string
	// cusumAbs is the largest absolute deviation from the published
	// CUSUM sums.
	cusumAbs float64
}

func (dv *deviation) add(t *testing.T, name string, got, want float64) {
	t.Helper()
	e := relErr(got, want)
	dv.n++
	if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
		dv.notExact++
	}
	if e > dv.max && !math.IsInf(e, 1) {
		dv.max, dv.where = e, name
	}
	if e > tol {
		t.Errorf("%s = %.17g, want %.17g (rel err %.3g)", name, got, want, e)
	}
}

func (dv *deviation) merge(o deviation) {
	dv.cusumAbs = math.Max(dv.cusumAbs, o.cusumAbs)
	dv.n += o.n
	dv.notExact += o.notExact
	if o.max > dv.max {
		dv.max, dv.where = o.max, o.where
	}
}

func kindOf(detector string) Kind {
	if detector == "CUSUM-tabular" {
		return KindCUSUM
	}
	return Kind(detector)
}

// buildDetector constructs the case's detector from its river parameters.
// The published CUSUM example gives μ0, K and H in the process unit; with
// σ = 1 they are mu0, slack and threshold.
func buildDetector(t *testing.T, c driftCase) Detector {
	t.Helper()
	params := c.Params
	if c.Detector == "CUSUM-tabular" {
		var p struct{ Mu0, K, H float64 }
		if err := json.Unmarshal(c.Params, &p); err != nil {
			t.Fatal(err)
		}
		params = json.RawMessage(fmt.Sprintf(`{"mu0": %v, "sigma": 1, "slack": %v, "threshold": %v}`, p.Mu0, p.K, p.H))
	}
	d, err := New(kindOf(c.Detector), params)
	if err != nil {
		t.Fatalf("New(%s, %s): %v", c.Detector, params, err)
	}
	return d
}

func ints(t *testing.T, raw json.RawMessage) []int {
	t.Helper()
	if raw == nil {
		return nil
	}
	var v []int
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// statValue reads one trace or final-state field from a detector. The
// KSWIN-only trace fields (pvalue, sample_idx) are handled by the caller.
func statValue(st map[string]float64, field string) (float64, bool) {
	if field == "pvalue" {
		field = "p_value"
	}
	v, ok := st[field]
	return v, ok
}

// runDriftCase feeds every value, compares detection and warning indices,
// the per-step trace and the final state, and returns the deviations.
func runDriftCase(t *testing.T, c driftCase) deviation {
	var dv deviation
	d := buildDetector(t, c)
	var drifts, warnings []int
	fields := make([]string, 0, len(c.Trace))
	for f := range c.Trace {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	cusum := c.Detector == "CUSUM-tabular"
	for i, x := range c.Values {
		sig, err := d.Update(x)
		if err != nil {
			t.Fatalf("update %d (%v): %v", i, x, err)
		}
		if sig.Drift {
			drifts = append(drifts, i)
		}
		if sig.Warning {
			warnings = append(warnings, i)
		}
		if len(c.Trace) > 0 {
			st := d.Stats()
			for _, f := range fields {
				checkTraceField(t, &dv, d, st, f, i, c.Trace[f][i])
			}
		}
		if cusum {
			checkCUSUMStep(t, d.(*CUSUM), c, i, &dv)
		}
	}
	if want := ints(t, c.Expected["drift_indices"]); !sameInts(drifts, want) {
		t.Errorf("drift indices = %v\nwant %v", drifts, want)
	}
	if want := ints(t, c.Expected["warning_indices"]); !sameInts(warnings, want) {
		t.Errorf("warning indices (%d) differ from the reference (%d); first difference at %d", len(warnings), len(want), firstDiff(warnings, want))
	}
	if raw, ok := c.Expected["final_state"]; ok {
		var fs map[string]any
		if err := json.Unmarshal(raw, &fs); err != nil {
			t.Fatal(err)
		}
		st := d.Stats()
		for f, wantAny := range fs {
			checkTraceField(t, &dv, d, st, f, -1, wantAny)
		}
	}
	return dv
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return min(a[i], b[i])
		}
	}
	if len(a) > len(b) {
		return a[len(b)]
	}
	if len(b) > len(a) {
		return b[len(a)]
	}
	return -1
}

func checkTraceField(t *testing.T, dv *deviation, d Detector, st map[string]float64, field string, step int, wantAny any) {
	t.Helper()
	name := fmt.Sprintf("%s[%d]", field, step)
	if step < 0 {
		name = "final_state." + field
	}
	if field == "sample_idx" {
		k := d.(*KSWIN)
		var want []int
		if wantAny != nil {
			for _, v := range wantAny.([]any) {
				want = append(want, int(v.(float64)))
			}
		}
		if !sameInts(k.lastSample, want) {
			t.Errorf("%s = %v, want %v", name, k.lastSample, want)
		}
		return
	}
	got, ok := statValue(st, field)
	if !ok {
		t.Errorf("%s: the detector does not report %q", name, field)
		return
	}
	if wantAny == nil {
		// null: a KS value when no test ran, or DDM's p_min/s_min before
		// the first evaluated step (river holds +inf there).
		switch {
		case d.Kind() == KindDDM && math.IsInf(got, 1):
		case d.Kind() == KindKSWIN && st["tested"] == 0:
		default:
			t.Errorf("%s = %v, want null", name, got)
		}
		return
	}
	want, ok := num(wantAny)
	if !ok {
		t.Errorf("%s: reference value %v is not a number", name, wantAny)
		return
	}
	dv.add(t, name, got, want)
}

// cusumMisprint is the published table's nH at observation 20 (index
// 19): printed 0 although sH = 1.0 > 0 (the README calls it a misprint;
// by the definition it is 1).
const cusumMisprint = 19

// checkCUSUMStep compares one step with the published table; the
// deviation of the sums (absolute, as the table has one decimal) goes to
// dv.cusumAbs.
func checkCUSUMStep(t *testing.T, d *CUSUM, c driftCase, i int, dv *deviation) {
	t.Helper()
	var exp struct {
		SH, SL []float64
		NH, NL []int
	}
	exp.SH = floatsOf(t, c.Expected["sH"])
	exp.SL = floatsOf(t, c.Expected["sL"])
	exp.NH = ints(t, c.Expected["nH"])
	exp.NL = ints(t, c.Expected["nL"])
	st := d.Stats()
	dv.cusumAbs = math.Max(dv.cusumAbs, math.Max(math.Abs(st["s_h"]-exp.SH[i]), math.Abs(st["s_l"]-exp.SL[i])))
	// The published sums have one decimal: compare within 0.05.
	if math.Abs(st["s_h"]-exp.SH[i]) > 0.05 || math.Abs(st["s_l"]-exp.SL[i]) > 0.05 {
		t.Errorf("step %d: sH, sL = %.4g, %.4g; published %.1f, %.1f", i, st["s_h"], st["s_l"], exp.SH[i], exp.SL[i])
	}
	if int(st["n_l"]) != exp.NL[i] {
		t.Errorf("step %d: nL = %v, published %d", i, st["n_l"], exp.NL[i])
	}
	if int(st["n_h"]) != exp.NH[i] && !(i == cusumMisprint && exp.NH[i] == 0 && st["n_h"] == 1) {
		t.Errorf("step %d: nH = %v, published %d", i, st["n_h"], exp.NH[i])
	}
}

func floatsOf(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var vs []any
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		f, ok := num(v)
		if !ok {
			out[i] = math.NaN()
			continue
		}
		out[i] = f
	}
	return out
}

type tally struct {
	pass, fail int
	dev        deviation
}

func logTallies(t *testing.T, per map[string]*tally) {
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tl := per[k]
		t.Logf("%-18s pass %3d  fail %d  numbers compared %6d  not bit-identical %5d  max rel dev %.2g %s",
			k, tl.pass, tl.fail, tl.dev.n, tl.dev.notExact, tl.dev.max, tl.dev.where)
		if tl.dev.cusumAbs > 0 {
			t.Logf("%-18s max abs dev of the sums from the published table (1 decimal) %.3g", k, tl.dev.cusumAbs)
		}
	}
}

// TestDriftReference runs every case of drift.jsonl: the same detection
// and warning indices, the per-step traces where given and the final
// state, numbers to 1e-9 relative; it logs pass counts and deviations per
// detector.
func TestDriftReference(t *testing.T) {
	cases := readJSONL[driftCase](t, devdata.RefVec(t, "drift.jsonl"))
	if len(cases) == 0 {
		t.Fatal("drift.jsonl holds no cases")
	}
	per := map[string]*tally{}
	for _, c := range cases {
		tl := per[c.Detector]
		if tl == nil {
			tl = &tally{}
			per[c.Detector] = tl
		}
		var dv deviation
		ok := t.Run(c.ID+"_"+c.Detector+"_"+c.ParamSet+"_"+c.StreamDetail.Kind, func(t *testing.T) {
			dv = runDriftCase(t, c)
		})
		if ok {
			tl.pass++
		} else {
			tl.fail++
		}
		tl.dev.merge(dv)
	}
	logTallies(t, per)
}

// statsCase is one line of drift-stats.jsonl.
type statsCase struct {
	ID       string                     `json:"id"`
	Function string                     `json:"function"`
	Inputs   map[string]json.RawMessage `json:"inputs"`
	Options  map[string]any             `json:"options"`
	Outputs  map[string]any             `json:"outputs"`
	Error    *struct{ Type, Message string }
}

func (c statsCase) optString(key, def string) string {
	if v, ok := c.Options[key].(string); ok {
		return v
	}
	return def
}

func (c statsCase) optFloat(key string, def float64) float64 {
	if v, ok := c.Options[key].(float64); ok {
		return v
	}
	return def
}

func (c statsCase) optBool(key string, def bool) bool {
	if v, ok := c.Options[key].(bool); ok {
		return v
	}
	return def
}

// TestDriftStatsReference runs every case of drift-stats.jsonl through
// the drift package's batch tests (and, for SciPy options the batch API
// does not take, through the stats functions it is built on).
func TestDriftStatsReference(t *testing.T) {
	cases := readJSONL[statsCase](t, devdata.RefVec(t, "drift-stats.jsonl"))
	if len(cases) == 0 {
		t.Fatal("drift-stats.jsonl holds no cases")
	}
	per := map[string]*tally{}
	for _, c := range cases {
		tl := per[c.Function]
		if tl == nil {
			tl = &tally{}
			per[c.Function] = tl
		}
		var dv deviation
		ok := t.Run(c.ID+"_"+c.Function, func(t *testing.T) { dv = runStatsCase(t, c) })
		if ok {
			tl.pass++
		} else {
			tl.fail++
		}
		tl.dev.merge(dv)
	}
	logTallies(t, per)
}

func sample(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var vs []any
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		if v == nil {
			out[i] = math.NaN()
			continue
		}
		f, ok := num(v)
		if !ok {
			t.Fatalf("element %d is %v, not a number", i, v)
		}
		out[i] = f
	}
	return out
}

// strSample decodes a list of strings (null = missing = "").
func strSample(t *testing.T, raw json.RawMessage) ([]string, bool) {
	t.Helper()
	var vs []any
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		switch x := v.(type) {
		case string:
			if x == "" {
				t.Fatalf("element %d is the empty string, which this package reads as missing", i)
			}
			out[i] = x
		case nil:
		default:
			return nil, false
		}
	}
	return out, true
}

func runStatsCase(t *testing.T, c statsCase) deviation {
	var dv deviation
	out := c.Outputs
	check := func(err error) bool {
		t.Helper()
		if c.Error != nil {
			if err == nil {
				t.Fatalf("want error (%s: %s), got none", c.Error.Type, c.Error.Message)
			}
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Errorf("error code = %q, want %q", papersum.ErrorCode(err), papersum.EINVALID)
			}
			return false
		}
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return true
	}
	want := func(key string) float64 {
		t.Helper()
		v, ok := num(out[key])
		if !ok {
			t.Fatalf("output %s = %v is not a number", key, out[key])
		}
		return v
	}
	switch c.Function {
	case "ks_2samp":
		x, y := sample(t, c.Inputs["x"]), sample(t, c.Inputs["y"])
		if c.optString("alternative", "two-sided") == "two-sided" && c.optString("method", "auto") == "auto" {
			r, err := KS(x, y)
			if !check(err) {
				break
			}
			dv.add(t, "statistic", r.Statistic, want("statistic"))
			dv.add(t, "pvalue", r.PValue, want("pvalue"))
			dv.add(t, "effect (D)", r.Effect, want("statistic"))
			break
		}
		alt, err := stats.ParseAlternative(c.optString("alternative", "two-sided"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]stats.Method{"auto": stats.MethodAuto, "exact": stats.MethodExact, "asymp": stats.MethodApprox}[c.optString("method", "auto")]
		r, err := stats.KS2Samp(x, y, alt, m)
		if !check(err) {
			break
		}
		dv.add(t, "statistic", r.Statistic, want("statistic"))
		dv.add(t, "pvalue", r.PValue, want("pvalue"))
		dv.add(t, "statistic_location", r.Location, want("statistic_location"))
		dv.add(t, "statistic_sign", float64(r.Sign), want("statistic_sign"))
	case "chisquare", "power_divergence":
		obs := sample(t, c.Inputs["f_obs"])
		var exp []float64
		if raw, ok := c.Inputs["f_exp"]; ok {
			exp = sample(t, raw)
		}
		ddof := int(c.optFloat("ddof", 0))
		var r Result
		var err error
		switch {
		case ddof != 0 && c.Function == "chisquare":
			var tr stats.TestResult
			tr, err = stats.ChiSquare(obs, exp, ddof)
			r.Statistic, r.PValue = tr.Statistic, tr.PValue
		case c.Function == "chisquare":
			r, err = ChiSquareGOF(obs, exp)
		default:
			r, err = GTestGOF(obs, exp)
		}
		if !check(err) {
			break
		}
		dv.add(t, "statistic", r.Statistic, want("statistic"))
		dv.add(t, "pvalue", r.PValue, want("pvalue"))
	case "chi2_contingency":
		var table [][]float64
		if err := json.Unmarshal(c.Inputs["observed"], &table); err != nil {
			t.Fatal(err)
		}
		var r Result
		var err error
		if c.optString("lambda_", "") == "log-likelihood" {
			r, err = GTestContingency(table, c.optBool("correction", true))
		} else {
			r, err = ChiSquareContingency(table, c.optBool("correction", true))
		}
		if !check(err) {
			break
		}
		dv.add(t, "statistic", r.Statistic, want("statistic"))
		dv.add(t, "pvalue", r.PValue, want("pvalue"))
	case "zscore", "zmap":
		policy := Propagate
		if c.optString("nan_policy", "propagate") == "omit" {
			policy = Omit
		}
		ddof := int(c.optFloat("ddof", 0))
		var z []float64
		if c.Function == "zscore" {
			z = ZScore(sample(t, c.Inputs["a"]), ddof, policy)
		} else {
			z = ZMap(sample(t, c.Inputs["scores"]), sample(t, c.Inputs["compare"]), ddof, policy)
		}
		wz := out["z"].([]any)
		if len(z) != len(wz) {
			t.Fatalf("len(z) = %d, want %d", len(z), len(wz))
		}
		for i := range z {
			w, _ := num(wz[i])
			dv.add(t, fmt.Sprintf("z[%d]", i), z[i], w)
		}
		for thr, idxAny := range out["abs_gt"].(map[string]any) {
			var th float64
			fmt.Sscan(thr, &th)
			var wantIdx []int
			for _, v := range idxAny.([]any) {
				wantIdx = append(wantIdx, int(v.(float64)))
			}
			if got := Exceeding(z, th); !sameInts(got, wantIdx) {
				t.Errorf("|z| > %v at %v, want %v", th, got, wantIdx)
			}
		}
	case "psi":
		runPSICase(t, c, &dv)
	default:
		t.Fatalf("no implementation for function %q", c.Function)
	}
	return dv
}

func runPSICase(t *testing.T, c statsCase, dv *deviation) {
	out := c.Outputs
	var r PSIResult
	var err error
	refS, isStr := strSample(t, c.Inputs["reference"])
	if isStr {
		curS, ok := strSample(t, c.Inputs["current"])
		if !ok {
			t.Fatal("current sample is not strings")
		}
		r, err = PSICategorical(refS, curS)
	} else {
		kind := Numerical
		if c.optString("feature_type", "num") == "cat" {
			kind = Categorical
		}
		r, err = PSI(sample(t, c.Inputs["reference"]), sample(t, c.Inputs["current"]), kind)
	}
	if err != nil {
		t.Fatalf("PSI: %v", err)
	}
	w, _ := num(out["psi"])
	dv.add(t, "psi", r.Statistic, w)
	dv.add(t, "effect (psi)", r.Effect, w)
	threshold := c.optFloat("threshold", 0.1)
	pol := DefaultPolicy()
	pol.MinEffect[TestPSI] = threshold
	dec, err := Decide([]Result{r.Result}, pol)
	if err != nil {
		t.Fatal(err)
	}
	if wantDrift := out["drifted"].(bool); dec.Results[0].Drift != wantDrift {
		t.Errorf("drift = %v at threshold %v, want %v", dec.Results[0].Drift, threshold, wantDrift)
	}
	if got, want := r.NRef, int(out["n_reference"].(float64)); got != want {
		t.Errorf("n_reference = %d, want %d", got, want)
	}
	if got, want := r.NCur, int(out["n_current"].(float64)); got != want {
		t.Errorf("n_current = %d, want %d", got, want)
	}
	// The reference lists bins in Python set order for categories; map
	// them to ours by label.
	order := make([]int, 0)
	switch out["binning"] {
	case "histogram-sturges-on-combined":
		edges := out["bin_edges"].([]any)
		if len(edges) != len(r.Bins.Edges) {
			t.Fatalf("%d bin edges, want %d", len(r.Bins.Edges), len(edges))
		}
		for i, e := range edges {
			w, _ := num(e)
			dv.add(t, fmt.Sprintf("bin_edges[%d]", i), r.Bins.Edges[i], w)
			if i < len(edges)-1 {
				order = append(order, i)
			}
		}
	case "categories":
		cats := out["categories"].([]any)
		if len(cats) != len(r.Bins.RefCounts) {
			t.Fatalf("%d categories, want %d", len(r.Bins.RefCounts), len(cats))
		}
		for _, cat := range cats {
			j := -1
			switch v := cat.(type) {
			case string:
				j = sort.SearchStrings(r.Bins.Labels, v)
				if j == len(r.Bins.Labels) || r.Bins.Labels[j] != v {
					j = -1
				}
			case float64:
				j = sort.SearchFloat64s(r.Bins.Values, v)
				if j == len(r.Bins.Values) || r.Bins.Values[j] != v {
					j = -1
				}
			}
			if j < 0 {
				t.Fatalf("category %v missing from ours (%v %v)", cat, r.Bins.Labels, r.Bins.Values)
			}
			order = append(order, j)
		}
	default:
		t.Fatalf("unknown binning %v", out["binning"])
	}
	for name, got := range map[string][]float64{"reference_percents": r.RefPercents, "current_percents": r.CurPercents} {
		for i, wv := range out[name].([]any) {
			w, _ := num(wv)
			dv.add(t, fmt.Sprintf("%s[%d]", name, i), got[order[i]], w)
		}
	}
	for name, got := range map[string][]int{"reference_counts": r.Bins.RefCounts, "current_counts": r.Bins.CurCounts} {
		for i, wv := range out[name].([]any) {
			if got[order[i]] != int(wv.(float64)) {
				t.Errorf("%s[%d] = %d, want %v", name, i, got[order[i]], wv)
			}
		}
	}
}
