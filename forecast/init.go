package forecast

import (
	"errors"
	"fmt"
	"math"
)

// ErrTooShort is wrapped when a series is too short for an initialisation
// or a model.
var ErrTooShort = errors.New("forecast: series too short")

// ErrNotPositive is wrapped when a multiplicative model meets a value ≤ 0.
var ErrNotPositive = errors.New("forecast: multiplicative model needs a strictly positive series")

// checkPositive returns ErrNotPositive when spec is multiplicative and y
// has a value ≤ 0.
func checkPositive(y []float64, spec Spec) error {
	if !spec.multiplicative() {
		return nil
	}
	for i, v := range y {
		if !(v > 0) {
			return fmt.Errorf("%w: y[%d] = %g", ErrNotPositive, i, v)
		}
	}
	return nil
}

// HeuristicState is statsmodels' heuristic initial state (Hyndman et al.
// 2008, §2.6.1): without seasonality, the least-squares line through
// y[0..9] (level = its value at x = 0 on x = 1..10, trend = its slope);
// with seasonality, the seasonal terms are the mean detrended values over
// the first cycles (at least 3, at most 5) around a centred moving average,
// normalised to sum 0 (additive) or mean 1 (multiplicative), and the line
// is fitted to the first ten moving-average values. It needs 10
// observations, and 10 + 2·⌊m/2⌋ (and two full cycles) with a seasonal
// period m.
func HeuristicState(y []float64, spec Spec) (State, error) {
	if err := spec.Validate(); err != nil {
		return State{}, err
	}
	if err := checkPositive(y, spec); err != nil {
		return State{}, err
	}
	n := len(y)
	if n < 10 {
		return State{}, fmt.Errorf("%w: the heuristic initialisation needs at least 10 observations, got %d", ErrTooShort, n)
	}
	var st State
	line := y
	if m := spec.period(); m > 0 {
		minObs := 10 + 2*(m/2)
		if n < 2*m {
			return State{}, fmt.Errorf("%w: the heuristic seasonal initialisation needs two full cycles (%d observations), got %d", ErrTooShort, 2*m, n)
		}
		if n < minObs {
			return State{}, fmt.Errorf("%w: the heuristic seasonal initialisation needs %d observations, got %d", ErrTooShort, minObs, n)
		}
		cycles := min(5, n/m)
		cycles = max(cycles, int(math.Ceil(float64(minObs)/float64(m))))
		x := y[:min(n, m*cycles)]
		ma := centredMA(x, m)
		sums := make([]float64, m)
		counts := make([]int, m)
		var defined []float64
		for i, v := range ma {
			if math.IsNaN(v) {
				continue
			}
			defined = append(defined, v)
			d := x[i] - v
			if spec.Seasonal == Multiplicative {
				d = x[i] / v
			}
			sums[i%m] += d
			counts[i%m]++
		}
		st.Seasonal = make([]float64, m)
		mean := 0.0
		for j := range sums {
			st.Seasonal[j] = sums[j] / float64(counts[j])
			mean += st.Seasonal[j]
		}
		mean /= float64(m)
		for j := range st.Seasonal {
			if spec.Seasonal == Multiplicative {
				st.Seasonal[j] /= mean
			} else {
				st.Seasonal[j] -= mean
			}
		}
		line = defined
	}
	st.Level, st.Trend = lineOn1to10(line[:10])
	if spec.Trend == None {
		st.Trend = 0
	}
	return st, nil
}

// centredMA is the centred moving average of window m (a 2×m average for
// even m), NaN where the window does not fit, as pandas'
// rolling(m, center=True).mean() gives it.
func centredMA(x []float64, m int) []float64 {
	n := len(x)
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	if m%2 == 1 {
		h := m / 2
		for i := h; i+h < n; i++ {
			s := 0.0
			for _, v := range x[i-h : i+h+1] {
				s += v
			}
			out[i] = s / float64(m)
		}
		return out
	}
	// Even m: pandas centres window m at i (covering i−m/2 .. i+m/2−1),
	// then shift(−1).rolling(2).mean() averages positions i and i+1.
	h := m / 2
	plain := make([]float64, n)
	for i := range plain {
		plain[i] = math.NaN()
		if i-h >= 0 && i+h-1 < n {
			s := 0.0
			for _, v := range x[i-h : i+h] {
				s += v
			}
			plain[i] = s / float64(m)
		}
	}
	for i := 0; i+1 < n; i++ {
		out[i] = (plain[i] + plain[i+1]) / 2
	}
	return out
}

// lineOn1to10 fits v ≈ a + b·x on x = 1..len(v) by least squares and
// returns (a, b).
func lineOn1to10(v []float64) (a, b float64) {
	k := float64(len(v))
	xm := (k + 1) / 2
	ym := 0.0
	for _, y := range v {
		ym += y
	}
	ym /= k
	sxy, sxx := 0.0, 0.0
	for i, y := range v {
		dx := float64(i+1) - xm
		sxy += dx * (y - ym)
		sxx += dx * dx
	}
	b = sxy / sxx
	return ym - b*xm, b
}

// LegacyHeuristicState is statsmodels ≤ 0.11's initial state (Holt-Winters
// only): without seasonality l0 = y[0], b0 = y[1] − y[0]; with a seasonal
// period m, l0 = the mean of y[0], y[m], y[2m], …, b0 = the mean over the
// first cycle of (y[m+j] − y[j])/m, and the seasonal terms y[j] − l0 or
// y[j]/l0.
func LegacyHeuristicState(y []float64, spec Spec) (State, error) {
	return simpleOrLegacy(y, spec, true)
}

// SimpleState is statsmodels' simple initial state, the start of a fit on
// a series too short for the heuristic: without seasonality l0 = y[0],
// b0 = y[1] − y[0]; with a seasonal period m, l0 = mean(y[0..m−1]), b0 =
// the mean of (y[m+j] − y[j])/m and the seasonal terms y[j] − l0 or
// y[j]/l0.
func SimpleState(y []float64, spec Spec) (State, error) {
	return simpleOrLegacy(y, spec, false)
}

func simpleOrLegacy(y []float64, spec Spec, legacy bool) (State, error) {
	if err := spec.Validate(); err != nil {
		return State{}, err
	}
	if err := checkPositive(y, spec); err != nil {
		return State{}, err
	}
	n := len(y)
	m := spec.period()
	need := 1
	if spec.Trend != None {
		need = 2
	}
	if m > 0 {
		need = 2 * m
	}
	if n < need {
		return State{}, fmt.Errorf("%w: the initialisation needs %d observations, got %d", ErrTooShort, need, n)
	}
	var st State
	if m == 0 {
		st.Level = y[0]
		if spec.Trend != None {
			st.Trend = y[1] - y[0]
		}
		return st, nil
	}
	if legacy {
		s, c := 0.0, 0
		for i := 0; i < n; i += m {
			s += y[i]
			c++
		}
		st.Level = s / float64(c)
	} else {
		s := 0.0
		for _, v := range y[:m] {
			s += v
		}
		st.Level = s / float64(m)
	}
	if spec.Trend != None {
		s := 0.0
		for j := 0; j < m; j++ {
			s += (y[m+j] - y[j]) / float64(m)
		}
		st.Trend = s / float64(m)
	}
	st.Seasonal = make([]float64, m)
	for j := range st.Seasonal {
		if spec.Seasonal == Multiplicative {
			st.Seasonal[j] = y[j] / st.Level
		} else {
			st.Seasonal[j] = y[j] - st.Level
		}
	}
	return st, nil
}
