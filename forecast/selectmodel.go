package forecast

import (
	"errors"
	"fmt"
	"math"
)

// DailyCandidates are the models a daily series with a weekly (period)
// pattern is chosen from, in Holt-Winters form: simple, Holt's linear and
// damped trend, and each of those with additive and with multiplicative
// seasonality. Multiplicative ones fail to fit (and are skipped by Select)
// on a series with a value ≤ 0.
func DailyCandidates(period int) []Spec {
	var out []Spec
	for _, seas := range []Component{None, Additive, Multiplicative} {
		for _, tr := range []struct {
			trend  Component
			damped bool
		}{{None, false}, {Additive, false}, {Additive, true}} {
			out = append(out, Spec{Trend: tr.trend, Damped: tr.damped, Seasonal: seas, Period: period})
		}
	}
	return out
}

// Candidate is one model tried by Select.
type Candidate struct {
	Spec Spec
	// Result is the fit (nil when Err is set).
	Result *Result
	// AIC is the fit's criterion (+Inf when Err is set).
	AIC float64
	// Err says why the model could not be fitted.
	Err error
}

// Selection is the outcome of Select: the best model and every candidate.
type Selection struct {
	Best       *Result
	Candidates []Candidate
}

// ErrNoModel is returned when no candidate could be fitted.
var ErrNoModel = errors.New("forecast: no candidate model could be fitted")

// Select fits each candidate and keeps the one with the lowest AIC. The
// candidates must share a Form, so that their criteria compare (all
// Holt-Winters criteria are n·ln(SSE/n) + 2k on the same y). A candidate
// that cannot be fitted (too short a series for its seasonality, values
// ≤ 0 for a multiplicative one) is recorded with its error and skipped.
func Select(y []float64, candidates []Spec) (Selection, error) {
	var sel Selection
	best := math.Inf(1)
	for i, spec := range candidates {
		if i > 0 && spec.Form != candidates[0].Form {
			return Selection{}, fmt.Errorf("%w: candidates mix forms", ErrBadSpec)
		}
		c := Candidate{Spec: spec, AIC: math.Inf(1)}
		c.Result, c.Err = Fit(y, spec)
		if c.Err == nil {
			c.AIC = c.Result.AIC()
			if c.AIC < best || sel.Best == nil {
				best, sel.Best = c.AIC, c.Result
			}
		}
		sel.Candidates = append(sel.Candidates, c)
	}
	if sel.Best == nil {
		errs := make([]error, 0, len(sel.Candidates))
		for _, c := range sel.Candidates {
			errs = append(errs, fmt.Errorf("%s: %w", c.Spec.Name(), c.Err))
		}
		return sel, fmt.Errorf("%w: %w", ErrNoModel, errors.Join(errs...))
	}
	return sel, nil
}
