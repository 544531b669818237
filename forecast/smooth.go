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
	season := make([]float64, n+m) // S[0..m-1] initial, S[t+m] made by y[t]
	copy(season, init.Seasonal)
	l, b := init.Level, init.Trend
	alpha, beta, gamma, phi := p.Alpha, p.Beta, p.Gamma, p.Phi
	ets := spec.Form == FormETS
	if ets {
		// statsmodels' compiled ETS smoother works with β* = β/α and
		// γ* = γ/(1−α).
		beta = p.Beta / p.Alpha
		gamma = p.Gamma / (1 - p.Alpha)
	}
	mulErr := ets && spec.errorType() == Multiplicative
	sse := 0.0
	for t, yt := range y {
		bigL := l + phi*b
		var fit, lNew float64
		switch spec.Seasonal {
		case None:
			fit = bigL
			lNew = alpha*yt + (1-alpha)*bigL
		case Additive:
			fit = bigL + season[t]
			lNew = alpha*(yt-season[t]) + (1-alpha)*bigL
		case Multiplicative:
			fit = bigL * season[t]
			lNew = alpha*yt/season[t] + (1-alpha)*bigL
		}
		bNew := beta*(lNew-l) + (1-beta)*phi*b
		switch {
		case spec.Seasonal == Additive && ets:
			season[t+m] = gamma*(yt-lNew) + (1-gamma)*season[t]
		case spec.Seasonal == Additive:
			season[t+m] = gamma*(yt-bigL) + (1-gamma)*season[t]
		case spec.Seasonal == Multiplicative && ets:
			season[t+m] = gamma*yt/lNew + (1-gamma)*season[t]
		case spec.Seasonal == Multiplicative:
			season[t+m] = gamma*yt/bigL + (1-gamma)*season[t]
		}
		if spec.Trend == None {
			bNew = 0
		} else {
			r.Trend[t] = bNew
		}
		l, b = lNew, bNew
		r.Fitted[t] = fit
		r.Level[t] = l
		e := yt - fit
		if mulErr {
			e /= fit
		}
		sse += e * e
	}
	if m > 0 {
		r.Season = season[m:]
	}
	r.SSE = sse
	return r, nil
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
