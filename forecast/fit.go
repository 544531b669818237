package forecast

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// bounds are the ranges the fit searches, statsmodels 0.13.5's.
type bounds struct {
	alphaLo, alphaHi float64
	// betaLo, betaHi bound β as a share of α: Holt's β* ≤ α
	// (Holt-Winters) or ETS's β* = β/α.
	betaLo, betaHi float64
	// gammaLo, gammaHi bound γ as a share of 1 − α.
	gammaLo, gammaHi float64
	phiLo, phiHi     float64
}

func boundsFor(f Form) bounds {
	if f == FormETS {
		// ETSModel: α, β/α, γ/(1−α) in [1e-4, 1−1e-4], φ in [0.8, 0.98].
		return bounds{1e-4, 1 - 1e-4, 1e-4, 1 - 1e-4, 1e-4, 1 - 1e-4, 0.8, 0.98}
	}
	// ExponentialSmoothing: α in [√eps, 1−√eps], 0 ≤ β* ≤ α, 0 ≤ γ ≤ 1−α,
	// φ in [0.8, 0.995].
	const sqrtEps = 1.4901161193847656e-08
	return bounds{sqrtEps, 1 - sqrtEps, 0, 1, 0, 1, 0.8, 0.995}
}

// squash maps an unbounded x onto [lo, hi]; it reaches both ends at finite
// x, so an optimum on a bound (common: α → 0 for a noisy trend) is found
// exactly rather than approached.
func squash(x, lo, hi float64) float64 { return lo + (hi-lo)*(1+math.Sin(x))/2 }

// unsquash is squash's inverse on [−π/2, π/2].
func unsquash(v, lo, hi float64) float64 {
	u := 2*(v-lo)/(hi-lo) - 1
	return math.Asin(math.Max(-1, math.Min(1, u)))
}

// paramsFrom decodes the first dimensions of x into smoothing parameters.
// It returns the number of dimensions used.
func (b bounds) paramsFrom(x []float64, s Spec) (Params, int) {
	p := Params{Phi: 1}
	i := 0
	p.Alpha = squash(x[i], b.alphaLo, b.alphaHi)
	i++
	if s.Trend != None {
		// Holt-Winters: β* = share·α ≤ α; ETS: β = α·β* with β* = share.
		p.Beta = squash(x[i], b.betaLo, b.betaHi) * p.Alpha
		i++
	}
	if s.Seasonal != None {
		p.Gamma = squash(x[i], b.gammaLo, b.gammaHi) * (1 - p.Alpha)
		i++
	}
	if s.Damped {
		p.Phi = squash(x[i], b.phiLo, b.phiHi)
		i++
	}
	return p, i
}

// encode is paramsFrom's inverse (values outside the bounds are clamped).
func (b bounds) encode(p Params, s Spec) []float64 {
	x := []float64{unsquash(p.Alpha, b.alphaLo, b.alphaHi)}
	if s.Trend != None {
		x = append(x, unsquash(p.Beta/p.Alpha, b.betaLo, b.betaHi))
	}
	if s.Seasonal != None {
		x = append(x, unsquash(p.Gamma/(1-p.Alpha), b.gammaLo, b.gammaHi))
	}
	if s.Damped {
		x = append(x, unsquash(p.Phi, b.phiLo, b.phiHi))
	}
	return x
}

// linear reports whether the model's fitted values are affine in its
// initial state for fixed smoothing parameters (additive or no
// seasonality, additive error), so that the state can be solved by least
// squares.
func (s Spec) linear() bool {
	return s.Seasonal != Multiplicative && !(s.Form == FormETS && s.errorType() == Multiplicative)
}

// Fit estimates the smoothing parameters and the initial state of spec on
// y (statsmodels' initialization_method="estimated"): Holt-Winters form by
// least squares, ETS form by maximum likelihood, within statsmodels'
// bounds. The search starts from the heuristic initial state (the simple
// one on a series too short for it) and a small grid of smoothing
// parameters, like statsmodels' brute-force start, and keeps the best
// optimum found.
func Fit(y []float64, spec Spec) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := checkPositive(y, spec); err != nil {
		return nil, err
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: y[%d] = %v", ErrBadSpec, i, v)
		}
	}
	start, err := HeuristicState(y, spec)
	if err != nil {
		if start, err = SimpleState(y, spec); err != nil {
			return nil, err
		}
	}
	f := &fitter{y: y, spec: spec, b: boundsFor(spec.Form), start: start}
	if spec.linear() {
		return f.fitLinear()
	}
	return f.fitFull()
}

type fitter struct {
	y     []float64
	spec  Spec
	b     bounds
	start State

	// Scratch of solveState, reused across evaluations.
	h                      *mat.Dense
	e0, zeros, col, season []float64
	unit                   []float64
}

// objective is what the fit minimises: the SSE (Holt-Winters; ETS with
// additive error, whose likelihood is monotone in it) or −llf.
func (f *fitter) objective(r *Result) float64 {
	if f.spec.Form == FormETS && f.spec.errorType() == Multiplicative {
		return -r.ETS().LLF
	}
	return r.SSE
}

// starts is the grid of smoothing parameters the searches start from.
func (f *fitter) starts() []Params {
	var out []Params
	for _, a := range []float64{0.1, 0.5, 0.9} {
		for _, bs := range []float64{0.05, 0.5} {
			for _, g := range []float64{0.05, 0.5} {
				p := Params{Alpha: a, Beta: bs * a, Gamma: g * (1 - a), Phi: 0.9}
				out = append(out, p)
				if f.spec.Seasonal == None {
					break
				}
			}
			if f.spec.Trend == None {
				break
			}
		}
	}
	return out
}

// searchStarts is how many of the grid's best points the local search
// starts from (statsmodels starts from the single best of its brute-force
// grid, which is how it misses the better optimum in several reference
// cases).
const searchStarts = 3

// bestStarts evaluates fn at each start and returns the searchStarts best.
func bestStarts(fn func([]float64) float64, starts [][]float64) [][]float64 {
	vals := make([]float64, len(starts))
	idx := make([]int, len(starts))
	for i, x := range starts {
		vals[i], idx[i] = fn(x), i
	}
	sort.SliceStable(idx, func(a, b int) bool { return vals[idx[a]] < vals[idx[b]] })
	out := make([][]float64, 0, searchStarts)
	for _, i := range idx[:min(searchStarts, len(idx))] {
		out = append(out, starts[i])
	}
	return out
}

// nelderMead minimises fn from x0 with gonum's Nelder-Mead, restarting from
// the optimum until a restart no longer improves it (a restart rebuilds a
// collapsed simplex).
func nelderMead(fn func([]float64) float64, x0 []float64, evals int) ([]float64, float64) {
	best, bestF := append([]float64(nil), x0...), fn(x0)
	for restart := 0; restart < 6; restart++ {
		res, err := optimize.Minimize(optimize.Problem{Func: fn}, best, &optimize.Settings{
			FuncEvaluations: evals,
			Converger:       &optimize.FunctionConverge{Relative: 1e-10, Iterations: max(60, 20*len(x0))},
		}, &optimize.NelderMead{SimplexSize: 0.5})
		if err != nil && res == nil {
			break
		}
		if !(res.F < bestF-1e-12*math.Abs(bestF)) {
			if res.F < bestF {
				best, bestF = res.X, res.F
			}
			break
		}
		best, bestF = res.X, res.F
	}
	return best, bestF
}

// stateColumns is the number of free initial-state values of a linear
// fit: l0, b0 and the seasonal terms but the first, which is fixed at 0
// (adding c to l0 and −c to every seasonal term gives the same fitted
// values, so one term is redundant).
func (f *fitter) stateColumns() int {
	k := 1
	if f.spec.Trend != None {
		k++
	}
	if m := f.spec.period(); m > 0 {
		k += m - 1
	}
	return k
}

func (f *fitter) stateFrom(v []float64) State {
	st := State{Level: v[0]}
	i := 1
	if f.spec.Trend != None {
		st.Trend = v[i]
		i++
	}
	if m := f.spec.period(); m > 0 {
		st.Seasonal = make([]float64, m)
		copy(st.Seasonal[1:], v[i:])
	}
	return st
}

// solveState returns, for fixed smoothing parameters, the initial state
// with the least SSE. The fitted values are affine in the state: ŷ(y, x0)
// = ŷ(y, 0) + H·x0 where column j of H is the run of the model on a zero
// series from unit state j; so x0 solves the least-squares problem
// min ‖(y − ŷ(y, 0)) − H·x0‖, here by its k×k normal equations (gonum's
// Cholesky; QR when they are too ill-conditioned), k ≤ m + 1.
func (f *fitter) solveState(p Params) (State, bool) {
	n, k := len(f.y), f.stateColumns()
	if f.h == nil {
		f.h = mat.NewDense(n, k, nil)
		f.e0 = make([]float64, n)
		f.zeros = make([]float64, n)
		f.col = make([]float64, n)
		f.season = make([]float64, n+f.spec.period())
		f.unit = make([]float64, k)
	}
	fittedOnly(f.y, f.spec, p, f.stateFrom(f.unit), f.season, f.e0)
	for t := range f.e0 {
		f.e0[t] = f.y[t] - f.e0[t]
	}
	for j := 0; j < k; j++ {
		f.unit[j] = 1
		fittedOnly(f.zeros, f.spec, p, f.stateFrom(f.unit), f.season, f.col)
		f.unit[j] = 0
		f.h.SetCol(j, f.col)
	}
	e0 := mat.NewVecDense(n, f.e0)
	var hth mat.SymDense
	hth.SymOuterK(1, f.h.T())
	var hte mat.VecDense
	hte.MulVec(f.h.T(), e0)
	var chol mat.Cholesky
	var x mat.VecDense
	if ok := chol.Factorize(&hth); ok && chol.Cond() < 1e12 {
		if err := chol.SolveVecTo(&x, &hte); err == nil {
			return f.stateFrom(x.RawVector().Data), true
		}
	}
	if err := x.SolveVec(f.h, e0); err != nil {
		return State{}, false
	}
	return f.stateFrom(x.RawVector().Data), true
}

func (f *fitter) fitLinear() (*Result, error) {
	var bestR *Result
	bestF := math.Inf(1)
	run := func(x []float64) (*Result, float64) {
		p, _ := f.b.paramsFrom(x, f.spec)
		st, ok := f.solveState(p)
		if !ok {
			return nil, math.Inf(1)
		}
		r, err := Smooth(f.y, f.spec, p, st)
		if err != nil || math.IsNaN(r.SSE) {
			return nil, math.Inf(1)
		}
		return r, f.objective(r)
	}
	fn := func(x []float64) float64 { _, v := run(x); return v }
	var grid [][]float64
	for _, p0 := range f.starts() {
		grid = append(grid, f.b.encode(p0, f.spec))
	}
	for _, x0 := range bestStarts(fn, grid) {
		x, _ := nelderMead(fn, x0, 2000)
		if r, v := run(x); r != nil && v < bestF {
			bestR, bestF = r, v
		}
	}
	if bestR == nil {
		return nil, fmt.Errorf("forecast: fit of %s did not converge", f.spec.Name())
	}
	bestR.EstimatedStates = f.estimatedStates()
	return bestR, nil
}

// estimatedStates is the number of initial-state values statsmodels counts
// as estimated parameters: l0, b0 and all m seasonal terms.
func (f *fitter) estimatedStates() int {
	k := 1
	if f.spec.Trend != None {
		k++
	}
	return k + f.spec.period()
}

// fitFull searches smoothing parameters and initial state together, for
// the models whose fitted values are not affine in the state. The states
// are scaled to order one for the simplex.
func (f *fitter) fitFull() (*Result, error) {
	scale := 0.0
	for _, v := range f.y {
		scale += math.Abs(v)
	}
	scale /= float64(len(f.y))
	m := f.spec.period()
	mulSeason := f.spec.Seasonal == Multiplicative
	decode := func(x []float64) (Params, State) {
		p, i := f.b.paramsFrom(x, f.spec)
		st := State{Level: x[i] * scale}
		i++
		if f.spec.Trend != None {
			st.Trend = x[i] * scale / 10
			i++
		}
		if m > 0 {
			st.Seasonal = make([]float64, m)
			for j := range st.Seasonal {
				if mulSeason {
					st.Seasonal[j] = x[i+j]
				} else {
					st.Seasonal[j] = x[i+j] * scale
				}
			}
		}
		return p, st
	}
	encodeState := func(st State) []float64 {
		x := []float64{st.Level / scale}
		if f.spec.Trend != None {
			x = append(x, st.Trend*10/scale)
		}
		for _, s := range st.Seasonal {
			if mulSeason {
				x = append(x, s)
			} else {
				x = append(x, s/scale)
			}
		}
		return x
	}
	run := func(x []float64) (*Result, float64) {
		p, st := decode(x)
		if st.Level <= 0 && f.spec.multiplicative() {
			return nil, math.Inf(1)
		}
		for _, s := range st.Seasonal {
			if mulSeason && s <= 0 {
				return nil, math.Inf(1)
			}
		}
		r, err := Smooth(f.y, f.spec, p, st)
		if err != nil {
			return nil, math.Inf(1)
		}
		v := f.objective(r)
		if math.IsNaN(v) {
			return nil, math.Inf(1)
		}
		return r, v
	}
	fn := func(x []float64) float64 { _, v := run(x); return v }
	var bestR *Result
	bestF := math.Inf(1)
	var grid [][]float64
	for _, p0 := range f.starts() {
		grid = append(grid, append(f.b.encode(p0, f.spec), encodeState(f.start)...))
	}
	for _, x0 := range bestStarts(fn, grid) {
		x, _ := nelderMead(fn, x0, 5000)
		if r, v := run(x); r != nil && v < bestF {
			bestR, bestF = r, v
		}
	}
	if bestR == nil {
		return nil, fmt.Errorf("forecast: fit of %s did not converge", f.spec.Name())
	}
	bestR.EstimatedStates = f.estimatedStates()
	return bestR, nil
}
