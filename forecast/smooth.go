package forecast

import (
	"fmt"
	"math"
)

// Result is a model run over a series: the one-step-ahead fitted values,
// the states after each observation and the criteria.
type Result struct {
	// Spec is the model.
	Spec Spec
	// Params are the smoothing parameters used (Phi is 1 for an undamped
	// model).
	Params Params
	// Initial is the state before y[0].
	Initial State
	// Fitted[t] predicts y[t] from the state after y[t-1].
	Fitted []float64
	// Level[t] and Trend[t] are the states after y[t] (Trend undamped, nil
	// without a trend).
	Level, Trend []float64
	// Season[t] is the seasonal term created by y[t] (the term applied to
	// y[t+Period]); nil without a seasonal component.
	Season []float64
	// SSE is the sum of squared residuals: y − ŷ, or (y − ŷ)/ŷ for an ETS
	// model with multiplicative error.
	SSE float64
	// EstimatedStates is the number of initial-state values that were
	// estimated (counted in ETS's degrees of freedom; 0 for given or
	// heuristic states).
	EstimatedStates int

	y []float64
}

// N is the number of observations.
func (r *Result) N() int { return len(r.y) }

// Smooth runs the model over y from the initial state with fixed
// parameters. It is the hand-written core (see doc.go for why): the update
// order follows statsmodels so that results agree to rounding.
func Smooth(y []float64, spec Spec, p Params, init State) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	m := spec.period()
	if len(init.Seasonal) != m {
		return nil, fmt.Errorf("%w: %d initial seasonal terms for period %d", ErrBadSpec, len(init.Seasonal), m)
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("%w: empty series", ErrBadSpec)
	}
	if !spec.Damped {
		p.Phi = 1
	}
	if spec.Trend == None {
		p.Beta = 0
		init.Trend = 0
	}
	if m == 0 {
		p.Gamma = 0
	}
	r := &Result{Spec: spec, Params: p, Initial: init, y: y}
	n := len(y)
	r.Fitted = make([]float64, n)
	r.Level = make([]float64, n)
	if spec.Trend != None {
		r.Trend = make([]float64, n)
	}
	if m > 0 {
		r.Season = make([]float64, n)
	}
	st := newStepper(spec, p, init)
	mulErr := spec.Form == FormETS && spec.errorType() == Multiplicative
	sse := 0.0
	for t, yt := range y {
		fit := st.step(yt)
		r.Fitted[t] = fit
		r.Level[t] = st.l
		if r.Trend != nil {
			r.Trend[t] = st.b
		}
		if m > 0 {
			r.Season[t] = st.season[t%m]
		}
		e := yt - fit
		if mulErr {
			e /= fit
		}
		sse += e * e
	}
	r.SSE = sse
	return r, nil
}

// stepper holds a model's state and applies one observation at a time.
type stepper struct {
	spec                    Spec
	alpha, beta, gamma, phi float64
	ets                     bool
	l, b                    float64
	// season is a ring of the last m seasonal terms: the term for
	// observation t is season[t mod m], replaced by the one it creates.
	season []float64
	t      int
}

func newStepper(spec Spec, p Params, init State) *stepper {
	st := &stepper{spec: spec, alpha: p.Alpha, beta: p.Beta, gamma: p.Gamma, phi: p.Phi,
		ets: spec.Form == FormETS, l: init.Level, b: init.Trend,
		season: append([]float64(nil), init.Seasonal...)}
	if st.ets {
		// statsmodels' compiled ETS smoother works with β* = β/α and
		// γ* = γ/(1−α).
		st.beta = p.Beta / p.Alpha
		st.gamma = p.Gamma / (1 - p.Alpha)
	}
	return st
}

// forecast1 is the one-step-ahead forecast from the current state.
func (st *stepper) forecast1() float64 {
	bigL := st.l + st.phi*st.b
	switch st.spec.Seasonal {
	case Additive:
		return bigL + st.season[st.t%len(st.season)]
	case Multiplicative:
		return bigL * st.season[st.t%len(st.season)]
	}
	return bigL
}

// step applies y and returns the forecast of y made before it, in
// statsmodels' order of operations (see the package comment).
func (st *stepper) step(y float64) float64 {
	alpha, beta, gamma, phi := st.alpha, st.beta, st.gamma, st.phi
	bigL := st.l + phi*st.b
	var fit, lNew, s float64
	switch st.spec.Seasonal {
	case None:
		fit = bigL
		lNew = alpha*y + (1-alpha)*bigL
	case Additive:
		s = st.season[st.t%len(st.season)]
		fit = bigL + s
		lNew = alpha*(y-s) + (1-alpha)*bigL
	case Multiplicative:
		s = st.season[st.t%len(st.season)]
		fit = bigL * s
		lNew = alpha*y/s + (1-alpha)*bigL
	}
	bNew := beta*(lNew-st.l) + (1-beta)*phi*st.b
	switch {
	case st.spec.Seasonal == Additive && st.ets:
		st.season[st.t%len(st.season)] = gamma*(y-lNew) + (1-gamma)*s
	case st.spec.Seasonal == Additive:
		st.season[st.t%len(st.season)] = gamma*(y-bigL) + (1-gamma)*s
	case st.spec.Seasonal == Multiplicative && st.ets:
		st.season[st.t%len(st.season)] = gamma*y/lNew + (1-gamma)*s
	case st.spec.Seasonal == Multiplicative:
		st.season[st.t%len(st.season)] = gamma*y/bigL + (1-gamma)*s
	}
	if st.spec.Trend == None {
		bNew = 0
	}
	st.l, st.b = lNew, bNew
	st.t++
	return fit
}

// finalSeason returns the last Period seasonal terms: the one for the
// first forecast horizon first.
func (r *Result) finalSeason() []float64 {
	m := r.Spec.period()
	if m == 0 {
		return nil
	}
	n := len(r.y)
	all := append(append([]float64(nil), r.Initial.Seasonal...), r.Season...)
	return all[n : n+m]
}

// Forecast returns the h-step-ahead point forecasts from the end of the
// series, forecast[h-1] = l_n + (φ + … + φ^h)·b_n combined with the
// textbook seasonal term S[n + (h−1) mod m].
func (r *Result) Forecast(h int) []float64 {
	n := len(r.y)
	l := r.Level[n-1]
	b := 0.0
	if r.Trend != nil {
		b = r.Trend[n-1]
	}
	phi := r.Params.Phi
	season := r.finalSeason()
	out := make([]float64, h)
	damp, pow := 0.0, 1.0
	for i := 0; i < h; i++ {
		pow *= phi
		damp += pow
		f := l + damp*b
		switch r.Spec.Seasonal {
		case Additive:
			f += season[i%len(season)]
		case Multiplicative:
			f *= season[i%len(season)]
		}
		out[i] = f
	}
	return out
}

// HWCriteria are statsmodels ExponentialSmoothing's information criteria,
// from the sum of squared errors with k = m·[seasonal] + 2·[trend] + 2 +
// [damped] parameters. AICc is +Inf when n − k − 3 ≤ 0.
type HWCriteria struct {
	K              int
	AIC, AICc, BIC float64
}

// HW returns the Holt-Winters criteria of r (meaningful for both forms,
// statsmodels computes them for FormHoltWinters).
func (r *Result) HW() HWCriteria {
	n := float64(len(r.y))
	k := 2
	if r.Spec.Seasonal != None {
		k += r.Spec.Period
	}
	if r.Spec.Trend != None {
		k += 2
	}
	if r.Spec.Damped {
		k++
	}
	c := HWCriteria{K: k}
	lnMSE := math.Log(r.SSE / n)
	c.AIC = n*lnMSE + 2*float64(k)
	if d := n - float64(k) - 3; d > 0 {
		c.AICc = c.AIC + 2*float64((k+2)*(k+3))/d
	} else {
		c.AICc = math.Inf(1)
	}
	c.BIC = n*lnMSE + float64(k)*math.Log(n)
	return c
}

// ETSCriteria are statsmodels ETSModel's log-likelihood and criteria.
type ETSCriteria struct {
	// MSE is SSE/n.
	MSE float64
	// LLF is the Gaussian log-likelihood of the residuals.
	LLF float64
	// DF is the number of parameters plus one for σ².
	DF                   int
	AIC, AICc, BIC, HQIC float64
}

// ETS returns the ETS log-likelihood and criteria of r.
func (r *Result) ETS() ETSCriteria {
	n := float64(len(r.y))
	mse := r.SSE / n
	llf := -n / 2 * (math.Log(2*math.Pi*mse) + 1)
	if r.Spec.Form == FormETS && r.Spec.errorType() == Multiplicative {
		s := 0.0
		for _, f := range r.Fitted {
			s += math.Log(math.Abs(f))
		}
		llf -= s
	}
	df := 1 + r.smoothingCount() + r.EstimatedStates
	c := ETSCriteria{MSE: mse, LLF: llf, DF: df}
	d := float64(df)
	c.AIC = -2*llf + 2*d
	c.AICc = -2*llf + 2*d*n/(n-d-1)
	c.BIC = -2*llf + d*math.Log(n)
	c.HQIC = -2*llf + 2*d*math.Log(math.Log(n))
	return c
}

// smoothingCount is the number of smoothing parameters the model has.
func (r *Result) smoothingCount() int {
	k := 1
	if r.Spec.Trend != None {
		k++
	}
	if r.Spec.Seasonal != None {
		k++
	}
	if r.Spec.Damped {
		k++
	}
	return k
}

// AIC is the criterion Select compares: the Holt-Winters AIC for
// FormHoltWinters, the likelihood AIC for FormETS.
func (r *Result) AIC() float64 {
	if r.Spec.Form == FormETS {
		return r.ETS().AIC
	}
	return r.HW().AIC
}

// fittedOnly runs the point recursion of a linear model (see
// Spec.linear) from st and writes the one-step-ahead fitted values into
// out, using season (length ≥ len(y)+m) as scratch. It is Smooth without
// the stored states, for the fit's inner loop, where it runs once per
// initial-state column for every candidate set of parameters.
func fittedOnly(y []float64, spec Spec, p Params, st State, season, out []float64) {
	m := spec.period()
	copy(season, st.Seasonal)
	l, b := st.Level, st.Trend
	alpha, beta, gamma, phi := p.Alpha, p.Beta, p.Gamma, p.Phi
	if !spec.Damped {
		phi = 1
	}
	if spec.Trend == None {
		beta, b = 0, 0
	}
	ets := spec.Form == FormETS
	if ets {
		beta = p.Beta / p.Alpha
		gamma = p.Gamma / (1 - p.Alpha)
	}
	for t, yt := range y {
		bigL := l + phi*b
		var lNew float64
		if m > 0 {
			out[t] = bigL + season[t]
			lNew = alpha*(yt-season[t]) + (1-alpha)*bigL
			if ets {
				season[t+m] = gamma*(yt-lNew) + (1-gamma)*season[t]
			} else {
				season[t+m] = gamma*(yt-bigL) + (1-gamma)*season[t]
			}
		} else {
			out[t] = bigL
			lNew = alpha*yt + (1-alpha)*bigL
		}
		b = beta*(lNew-l) + (1-beta)*phi*b
		l = lNew
	}
}
