package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/papersum/papersum"
)

// TestDivergenceReference runs testdata/divergence.jsonl: the G-test
// (goodness of fit and independence), the Jensen–Shannon distance and the
// Wasserstein distance, each computed by SciPy 1.10.1 with
// testdata/gen_divergence.py, including NaN/Inf outputs and the cases
// where SciPy raises.
func TestDivergenceReference(t *testing.T) {
	cases := loadCases(t, "testdata/divergence.jsonl")
	if len(cases) == 0 {
		t.Fatal("no divergence cases")
	}
	type tally struct {
		pass, fail int
		maxErr     float64
	}
	perKind := map[string]*tally{}
	for _, c := range cases {
		tl := perKind[c.Function]
		if tl == nil {
			tl = &tally{}
			perKind[c.Function] = tl
		}
		var maxErr float64
		ok := t.Run(c.ID+"_"+c.Function, func(t *testing.T) { maxErr = runDivergenceCase(t, c) })
		if ok {
			tl.pass++
		} else {
			tl.fail++
		}
		tl.maxErr = math.Max(tl.maxErr, maxErr)
	}
	kinds := make([]string, 0, len(perKind))
	for k := range perKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		tl := perKind[k]
		t.Logf("%-22s pass %3d  fail %d  max rel err %.2g", k, tl.pass, tl.fail, tl.maxErr)
	}
}

func runDivergenceCase(t *testing.T, c refCase) float64 {
	ck := &checker{t: t}
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
	switch c.Function {
	case "power_divergence":
		var fExp []float64
		if raw, ok := c.Inputs["f_exp"]; ok {
			fExp = floats(t, raw)
		}
		ddof := 0
		if v, ok := c.Options["ddof"].(float64); ok {
			ddof = int(v)
		}
		r, err := GTest(floats(t, c.Inputs["f_obs"]), fExp, ddof)
		if !check(err) {
			break
		}
		ck.num("statistic", r.Statistic, out["statistic"])
		ck.num("pvalue", r.PValue, out["pvalue"])
	case "chi2_contingency":
		var obs [][]float64
		if err := json.Unmarshal(c.Inputs["observed"], &obs); err != nil {
			t.Fatal(err)
		}
		r, err := GTestContingency(obs, c.optBool("correction", true))
		if !check(err) {
			break
		}
		ck.num("statistic", r.Statistic, out["statistic"])
		ck.num("pvalue", r.PValue, out["pvalue"])
		ck.exactInt("dof", r.DOF, out["dof"])
		for i, row := range out["expected_freq"].([]any) {
			for j, v := range row.([]any) {
				ck.num(fmt.Sprintf("expected_freq[%d][%d]", i, j), r.Expected[i][j], v)
			}
		}
	case "jensenshannon":
		base := 0.0
		if v, ok := c.Options["base"].(float64); ok {
			base = v
		}
		d, err := JensenShannon(floats(t, c.Inputs["p"]), floats(t, c.Inputs["q"]), base)
		if !check(err) {
			break
		}
		ck.num("statistic", d, out["statistic"])
	case "wasserstein_distance":
		d, err := Wasserstein(floats(t, c.Inputs["u"]), floats(t, c.Inputs["v"]))
		if !check(err) {
			break
		}
		ck.num("statistic", d, out["statistic"])
	default:
		t.Fatalf("no implementation for function %q", c.Function)
	}
	return ck.maxErr
}

// TestDivergenceEdges covers inputs the SciPy cases leave out: invalid
// arguments are EINVALID errors, NaN propagates, and the distances are
// symmetric.
func TestDivergenceEdges(t *testing.T) {
	invalidCalls := map[string]func() error{
		"JensenShannon lengths":  func() error { _, err := JensenShannon([]float64{1}, []float64{1, 2}, 0); return err },
		"JensenShannon empty":    func() error { _, err := JensenShannon(nil, nil, 0); return err },
		"JensenShannon negative": func() error { _, err := JensenShannon([]float64{1, -1}, []float64{1, 1}, 0); return err },
		"Wasserstein empty":      func() error { _, err := Wasserstein([]float64{1}, nil); return err },
		"GTest lengths":          func() error { _, err := GTest([]float64{1, 2}, []float64{3}, 0); return err },
		"GTestContingency ragged": func() error {
			_, err := GTestContingency([][]float64{{1, 2}, {3}}, true)
			return err
		},
	}
	for name, call := range invalidCalls {
		if err := call(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: error %v, want code %s", name, err, papersum.EINVALID)
		}
	}
	if d, _ := Wasserstein([]float64{1, math.NaN()}, []float64{2}); !math.IsNaN(d) {
		t.Errorf("Wasserstein with NaN = %v, want NaN", d)
	}
	if d, _ := JensenShannon([]float64{1, math.NaN()}, []float64{1, 1}, 0); !math.IsNaN(d) {
		t.Errorf("JensenShannon with NaN = %v, want NaN", d)
	}
	u, v := []float64{0.5, 3, 2, 2, 7}, []float64{1, 1, 4}
	a, _ := Wasserstein(u, v)
	b, _ := Wasserstein(v, u)
	if a != b {
		t.Errorf("Wasserstein not symmetric: %v vs %v", a, b)
	}
	p, q := []float64{0.1, 0.6, 0.3}, []float64{0.5, 0.25, 0.25}
	a, _ = JensenShannon(p, q, 2)
	b, _ = JensenShannon(q, p, 2)
	if math.Abs(a-b) > 1e-15 || a <= 0 || a > 1 {
		t.Errorf("JensenShannon(p, q) = %v, (q, p) = %v: want equal, in (0, 1]", a, b)
	}
}
