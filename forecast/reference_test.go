package forecast

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// The reference vectors forecast.jsonl (statsmodels 0.13.5's
// ExponentialSmoothing and ETSModel) are development data in
// ../shared/data/reference-vectors, read through PAPERSUM_REFVEC_DIR (see
// internal/devdata); their README documents the fields and semantics.
// Without them these tests are skipped with a message. Any file of the same
// schema can be run by pointing PAPERSUM_REFVEC_DIR at its directory.

// refCase is one line of forecast.jsonl.
type refCase struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"`
	Fitted bool      `json:"fitted"`
	Y      []float64 `json:"y"`
	Model  struct {
		Class    string  `json:"class"`
		Error    *string `json:"error"`
		Trend    *string `json:"trend"`
		Damped   bool    `json:"damped_trend"`
		Seasonal *string `json:"seasonal"`
		Period   *int    `json:"seasonal_periods"`
		Init     string  `json:"initialization_method"`
	} `json:"model"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
	Error   *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	Notes []string `json:"notes"`
}

func readCases(t *testing.T) []refCase {
	t.Helper()
	path := devdata.RefVec(t, "forecast.jsonl")
	out := devdata.ReadJSONL[refCase](t, path)
	if len(out) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return out
}

func component(s *string) Component {
	if s == nil {
		return None
	}
	switch *s {
	case "add":
		return Additive
	case "mul":
		return Multiplicative
	}
	panic("unknown component " + *s)
}

func (c refCase) spec() Spec {
	s := Spec{Trend: component(c.Model.Trend), Damped: c.Model.Damped, Seasonal: component(c.Model.Seasonal)}
	if c.Model.Period != nil {
		s.Period = *c.Model.Period
	}
	if c.Model.Class == "ETSModel" {
		s.Form = FormETS
		s.Error = component(c.Model.Error)
	}
	return s
}

// num decodes a JSON number or "NaN" / "Infinity" / "-Infinity".
func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		switch x {
		case "NaN":
			return math.NaN()
		case "Infinity":
			return math.Inf(1)
		case "-Infinity":
			return math.Inf(-1)
		}
	}
	panic(fmt.Sprintf("not a number: %v", v))
}

func nums(v any) []float64 {
	a, _ := v.([]any)
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = num(x)
	}
	return out
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// mismatches collects comparison failures of one case.
type mismatches []string

// near compares with |got − want| ≤ rel·max(1, |want|), ±Inf as such.
func (ms *mismatches) near(what string, got, want, rel float64) {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			*ms = append(*ms, fmt.Sprintf("%s = %v, want %v", what, got, want))
		}
		return
	}
	if !(math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))) {
		*ms = append(*ms, fmt.Sprintf("%s = %.17g, want %.17g (rel %.2g)", what, got, want, math.Abs(got-want)/math.Max(1, math.Abs(want))))
	}
}

// abs compares with an absolute tolerance.
func (ms *mismatches) abs(what string, got, want, tol float64) {
	if !(math.Abs(got-want) <= tol) {
		*ms = append(*ms, fmt.Sprintf("%s = %.17g, want %.17g (|Δ| %.3g > %.3g)", what, got, want, math.Abs(got-want), tol))
	}
}

func (ms *mismatches) slice(what string, got, want []float64, cmp func(string, float64, float64)) {
	if len(got) != len(want) {
		*ms = append(*ms, fmt.Sprintf("%s: %d values, want %d", what, len(got), len(want)))
		return
	}
	for i := range want {
		n := len(*ms)
		cmp(fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
		if len(*ms) > n+0 && len(*ms) > 12 {
			return
		}
	}
}

const fixedRel = 1e-9

// runFixed computes a fixed-parameter case and compares every number.
func runFixed(c refCase) (mismatches, error) {
	spec := c.spec()
	p := Params{
		Alpha: num(c.Inputs["smoothing_level"]),
		Phi:   1,
	}
	if v, ok := c.Inputs["smoothing_trend"]; ok {
		p.Beta = num(v)
	}
	if v, ok := c.Inputs["smoothing_seasonal"]; ok {
		p.Gamma = num(v)
	}
	if v, ok := c.Inputs["damping_trend"]; ok {
		p.Phi = num(v)
	}
	var init State
	var err error
	switch c.Model.Init {
	case "known":
		init.Level = num(c.Inputs["initial_level"])
		if v, ok := c.Inputs["initial_trend"]; ok {
			init.Trend = num(v)
		}
		if v, ok := c.Inputs["initial_seasonal"]; ok {
			init.Seasonal = nums(v)
		}
		err = checkPositive(c.Y, spec)
	case "heuristic":
		init, err = HeuristicState(c.Y, spec)
	case "legacy-heuristic":
		init, err = LegacyHeuristicState(c.Y, spec)
	default:
		return nil, fmt.Errorf("unknown initialisation %q", c.Model.Init)
	}
	if err != nil {
		return nil, err
	}
	r, err := Smooth(c.Y, spec, p, init)
	if err != nil {
		return nil, err
	}
	var ms mismatches
	rel := func(w string, g, x float64) { ms.near(w, g, x, fixedRel) }
	o := c.Outputs
	// Records whose sse is rounding noise: compare only fitted values,
	// states and forecasts, absolute 1e-9·max|y|.
	noisy := len(c.Notes) > 0
	cmp := rel
	if noisy {
		maxY := 0.0
		for _, v := range c.Y {
			maxY = math.Max(maxY, math.Abs(v))
		}
		cmp = func(w string, g, x float64) { ms.abs(w, g, x, 1e-9*maxY) }
	}
	// Initial states (given ones trivially; heuristic ones are computed).
	st := o["params"].(map[string]any)
	if spec.Form == FormETS {
		st = o["initial_state"].(map[string]any)
	}
	if v, ok := st["initial_level"]; ok {
		cmp("initial_level", init.Level, num(v))
	}
	if v, ok := st["initial_trend"]; ok && spec.Trend != None {
		cmp("initial_trend", init.Trend, num(v))
	}
	if v, ok := st["initial_seasonal"]; ok && spec.Seasonal != None {
		ms.slice("initial_seasonal", init.Seasonal, nums(v), cmp)
	}
	ms.slice("fittedvalues", r.Fitted, nums(o["fittedvalues"]), cmp)
	ms.slice("level", r.Level, nums(get(o, "states", "level")), cmp)
	if spec.Trend != None {
		ms.slice("trend", r.Trend, nums(get(o, "states", "trend")), cmp)
	}
	if spec.Seasonal != None {
		ms.slice("season", r.Season, nums(get(o, "states", "season")), cmp)
	}
	wantFc := nums(o["forecast"])
	if tb, ok := o["forecast_textbook"]; ok {
		wantFc = nums(tb)
	}
	ms.slice("forecast", r.Forecast(len(wantFc)), wantFc, cmp)
	if noisy {
		return ms, nil
	}
	rel("sse", r.SSE, num(o["sse"]))
	if spec.Form == FormHoltWinters {
		hw := r.HW()
		rel("aic", hw.AIC, num(o["aic"]))
		rel("aicc", hw.AICc, num(o["aicc"]))
		rel("bic", hw.BIC, num(o["bic"]))
		return ms, nil
	}
	e := r.ETS()
	rel("mse", e.MSE, num(o["mse"]))
	rel("llf", e.LLF, num(o["llf"]))
	rel("df_model", float64(e.DF), num(o["df_model"]))
	rel("aic", e.AIC, num(o["aic"]))
	rel("aicc", e.AICc, num(o["aicc"]))
	rel("bic", e.BIC, num(o["bic"]))
	rel("hqic", e.HQIC, num(o["hqic"]))
	if get(o, "prediction", "method") == "exact" {
		h := len(wantFc)
		pred, err := r.Intervals(h)
		if err != nil {
			return nil, err
		}
		ms.slice("forecast_variance", pred.Variance, nums(get(o, "prediction", "forecast_variance")), rel)
		ms.slice("pi80.lower", pred.PI80.Lower, nums(get(o, "prediction", "pi80", "lower")), rel)
		ms.slice("pi80.upper", pred.PI80.Upper, nums(get(o, "prediction", "pi80", "upper")), rel)
		ms.slice("pi95.lower", pred.PI95.Lower, nums(get(o, "prediction", "pi95", "lower")), rel)
		ms.slice("pi95.upper", pred.PI95.Upper, nums(get(o, "prediction", "pi95", "upper")), rel)
	} else if _, err := r.Intervals(1); err == nil {
		ms = append(ms, "Intervals: want ErrNoClosedForm for a model statsmodels simulates")
	}
	return ms, nil
}

// TestReferenceFixed runs every fixed-parameter case (hw_fixed, ets_fixed)
// of forecast.jsonl: every number within 1e-9 relative, and the error
// cases must fail.
func TestReferenceFixed(t *testing.T) {
	cases := readCases(t)
	passed, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		if c.Fitted {
			continue
		}
		total[c.Kind]++
		t.Run(c.ID, func(t *testing.T) {
			ms, err := runFixed(c)
			if c.Error != nil {
				if err == nil {
					t.Fatalf("want an error like statsmodels' %s: %s", c.Error.Type, c.Error.Message)
				}
				passed[c.Kind]++
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) > 0 {
				t.Fatalf("%d mismatches:\n%s", len(ms), strings.Join(ms[:min(len(ms), 12)], "\n"))
			}
			passed[c.Kind]++
		})
	}
	for k, n := range total {
		t.Logf("%s: %d of %d cases pass", k, passed[k], n)
	}
}

// TestReferenceFitted runs every fitted case (hw_fitted, ets_fitted) with
// the README's rule: the objective at least as good as statsmodels' (sse ≤
// sse·(1+1e-4) + 1e-10·Σy², llf ≥ llf − 1e-3), and, where the case is
// marked stable, every forecast within 1e-3·mean|y| (Holt-Winters against
// the textbook forecast). Parameters and initial states are not compared:
// the objective is flat at the bounds where they often sit.
func TestReferenceFitted(t *testing.T) {
	if testing.Short() {
		t.Skip("fitted reference cases take seconds; skipped with -short")
	}
	cases := readCases(t)
	passed, total, betterFound := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range cases {
		if !c.Fitted {
			continue
		}
		total[c.Kind]++
		t.Run(c.ID, func(t *testing.T) {
			r, err := Fit(c.Y, c.spec())
			if c.Error != nil {
				if err == nil {
					t.Fatalf("want an error like statsmodels' %s: %s", c.Error.Type, c.Error.Message)
				}
				passed[c.Kind]++
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := c.Outputs
			var ms mismatches
			sumSq := 0.0
			for _, v := range c.Y {
				sumSq += v * v
			}
			if r.Spec.Form == FormHoltWinters {
				want := num(o["sse"])
				if limit := want*(1+1e-4) + 1e-10*sumSq; !(r.SSE <= limit) {
					ms = append(ms, fmt.Sprintf("sse = %.10g, statsmodels %.10g (limit %.10g)", r.SSE, want, limit))
				}
				t.Logf("sse %.10g, statsmodels %.10g (%+.2e relative)", r.SSE, want, (r.SSE-want)/want)
			} else {
				want := num(o["llf"])
				got := r.ETS().LLF
				if !(got >= want-1e-3) {
					ms = append(ms, fmt.Sprintf("llf = %.10g, statsmodels %.10g", got, want))
				}
				t.Logf("llf %.10g, statsmodels %.10g (%+.2e)", got, want, got-want)
			}
			// The README calls a case stable when no optimiser found a
			// better objective; a fit here that beats statsmodels' by more
			// than the agreement threshold (1e-6 relative sse, 1e-3 llf) is
			// such a better optimum, so its forecast is a different
			// (better-fitting) one and is not compared.
			better := false
			if r.Spec.Form == FormHoltWinters {
				better = r.SSE < num(o["sse"])*(1-1e-6)
			} else {
				better = r.ETS().LLF > num(o["llf"])+1e-3
			}
			if better {
				betterFound[c.Kind]++
				t.Logf("better optimum than statsmodels' fit: forecast not compared")
			}
			if stable, _ := get(o, "sensitivity", "stable").(bool); stable && !better {
				wantFc := nums(o["forecast"])
				if tb, ok := o["forecast_textbook"]; ok {
					wantFc = nums(tb)
				}
				tol := num(get(o, "suggested_tolerance", "forecast_abs"))
				ms.slice("forecast", r.Forecast(len(wantFc)), wantFc, func(w string, g, x float64) { ms.abs(w, g, x, tol) })
			}
			if len(ms) > 0 {
				t.Fatalf("%d mismatches:\n%s", len(ms), strings.Join(ms[:min(len(ms), 12)], "\n"))
			}
			passed[c.Kind]++
		})
	}
	for k, n := range total {
		t.Logf("%s: %d of %d cases pass (%d with a better optimum than statsmodels')", k, passed[k], n, betterFound[k])
	}
}
