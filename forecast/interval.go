package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// ErrNoClosedForm is returned by Intervals for models without a
// closed-form forecast variance (multiplicative error or seasonality).
var ErrNoClosedForm = errors.New("forecast: no closed-form prediction interval for this model")

// Normal quantiles for the two-sided 80 % and 95 % intervals, as
// scipy.stats.norm.ppf(0.9) and norm.ppf(0.975) print them.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// Band is a prediction interval per horizon.
type Band struct {
	Lower, Upper []float64
}

// Prediction is a point forecast with its variance and 80 % and 95 %
// prediction intervals.
type Prediction struct {
	Mean     []float64
	Variance []float64
	PI80     Band
	PI95     Band
}

// Intervals returns the h-step forecasts with their closed-form variance,
// mse·v(h) with mse = SSE/n (parameter uncertainty ignored), and the
// normal 80 % and 95 % intervals, for the models that have one (ANN, AAN,
// AAdN, ANA, AAA, AAdA with additive error: Hyndman & Athanasopoulos,
// FPP3 §8.7, as statsmodels' ETSResults codes them). A Holt-Winters-form
// result is read as the ETS model with β = αβ* and the same γ (its point
// recursions are the same). Other models return ErrNoClosedForm.
func (r *Result) Intervals(h int) (Prediction, error) {
	s := r.Spec
	if s.Seasonal == Multiplicative || (s.Form == FormETS && s.errorType() == Multiplicative) {
		return Prediction{}, ErrNoClosedForm
	}
	alpha, beta, gamma, phi := r.Params.Alpha, r.Params.Beta, r.Params.Gamma, r.Params.Phi
	if s.Form == FormHoltWinters {
		beta = alpha * beta
	}
	m := float64(s.Period)
	mse := r.SSE / float64(len(r.y))
	p := Prediction{Mean: r.Forecast(h), Variance: make([]float64, h)}
	p.PI80 = Band{make([]float64, h), make([]float64, h)}
	p.PI95 = Band{make([]float64, h), make([]float64, h)}
	for i := 0; i < h; i++ {
		hf := float64(i + 1)
		var v float64
		switch {
		case s.Trend == None:
			v = 1 + alpha*alpha*(hf-1)
		case !s.Damped:
			v = 1 + (hf-1)*(alpha*alpha+alpha*beta*hf+beta*beta*hf*(2*hf-1)/6)
		default:
			v = dampedTrendVariance(alpha, beta, phi, hf)
		}
		if s.Seasonal == Additive {
			k := math.Floor((hf - 1) / m)
			v += gamma * k * (2*alpha + gamma)
			switch {
			case s.Trend == None:
			case !s.Damped:
				v += gamma * k * beta * m * (k + 1)
			default:
				pm := math.Pow(phi, m)
				v += 2 * beta * gamma * phi / ((1 - phi) * (1 - pm)) * (k*(1-pm) - pm*(1-math.Pow(phi, m*k)))
			}
		}
		v *= mse
		p.Variance[i] = v
		sd := math.Sqrt(v)
		p.PI80.Lower[i], p.PI80.Upper[i] = p.Mean[i]-z80*sd, p.Mean[i]+z80*sd
		p.PI95.Lower[i], p.PI95.Upper[i] = p.Mean[i]-z95*sd, p.Mean[i]+z95*sd
	}
	return p, nil
}

// dampedTrendVariance is v(h) of AAdN.
func dampedTrendVariance(alpha, beta, phi, h float64) float64 {
	q := 1 - phi
	ph := math.Pow(phi, h)
	return 1 + alpha*alpha*(h-1) +
		beta*phi*h/(q*q)*(2*alpha*q+beta*phi) -
		beta*phi*(1-ph)/(q*q*(1-phi*phi))*(2*alpha*(1-phi*phi)+beta*phi*(1+2*phi-ph))
}

// SimulatedPaths is the number of sample paths Predict draws for a model
// without a closed-form variance.
const SimulatedPaths = 2000

// Predict returns the h-step forecasts with 80 % and 95 % intervals: the
// closed form (Intervals) where the model has one, otherwise the
// empirical 10/90 % and 2.5/97.5 % quantiles of SimulatedPaths futures
// simulated from the fitted model with Gaussian errors of variance SSE/n
// (relative errors for an ETS model with multiplicative error), as
// statsmodels' ETS simulation does. The seed makes the simulation
// reproducible; Mean is always the point forecast, Variance the variance of
// the simulated paths.
func (r *Result) Predict(h int, seed uint64) (Prediction, error) {
	p, err := r.Intervals(h)
	if !errors.Is(err, ErrNoClosedForm) {
		return p, err
	}
	return r.simulate(h, SimulatedPaths, seed), nil
}

func (r *Result) simulate(h, paths int, seed uint64) Prediction {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	sigma := math.Sqrt(r.SSE / float64(len(r.y)))
	mulErr := r.Spec.Form == FormETS && r.Spec.errorType() == Multiplicative
	n := len(r.y)
	last := State{Level: r.Level[n-1]}
	if r.Trend != nil {
		last.Trend = r.Trend[n-1]
	}
	last.Seasonal = r.finalSeason()
	draws := make([][]float64, h) // draws[i][path]
	for i := range draws {
		draws[i] = make([]float64, paths)
	}
	for k := 0; k < paths; k++ {
		st := newStepper(r.Spec, r.Params, last)
		for i := 0; i < h; i++ {
			mu := st.forecast1()
			e := sigma * rng.NormFloat64()
			y := mu + e
			if mulErr {
				y = mu * (1 + e)
			}
			st.step(y)
			draws[i][k] = y
		}
	}
	p := Prediction{Mean: r.Forecast(h), Variance: make([]float64, h)}
	p.PI80 = Band{make([]float64, h), make([]float64, h)}
	p.PI95 = Band{make([]float64, h), make([]float64, h)}
	for i, d := range draws {
		p.Variance[i] = stat.Variance(d, nil)
		sort.Float64s(d)
		p.PI80.Lower[i] = stat.Quantile(0.1, stat.LinInterp, d, nil)
		p.PI80.Upper[i] = stat.Quantile(0.9, stat.LinInterp, d, nil)
		p.PI95.Lower[i] = stat.Quantile(0.025, stat.LinInterp, d, nil)
		p.PI95.Upper[i] = stat.Quantile(0.975, stat.LinInterp, d, nil)
	}
	return p
}
