package drift

import (
	"encoding/json"
	"math"
	"sort"

	"github.com/papersum/papersum/stats"
)

// NaNPolicy says what the z-score functions do with NaN input, as SciPy's
// nan_policy does.
type NaNPolicy int

const (
	// Propagate (SciPy's default): a NaN in the reference makes every z
	// NaN.
	Propagate NaNPolicy = iota
	// Omit leaves NaN out of the reference statistics; NaN scores stay
	// NaN.
	Omit
)

// ZScore is scipy.stats.zscore(a, ddof, nan_policy) (SciPy 1.10.1):
// (a - mean(a)) / std(a, ddof), with NumPy's summation order. A constant
// input (every non-NaN value equal, including n = 1) gives all NaN, not
// ±Inf, as SciPy does; an empty input gives an empty result.
func ZScore(a []float64, ddof int, policy NaNPolicy) []float64 {
	return ZMap(a, a, ddof, policy)
}

// ZMap is scipy.stats.zmap(scores, compare, ddof, nan_policy): each score
// standardised by the mean and standard deviation of compare, the anomaly
// score of current values against a reference window. A constant compare
// gives all NaN; an empty compare gives nil.
func ZMap(scores, compare []float64, ddof int, policy NaNPolicy) []float64 {
	if len(compare) == 0 {
		return nil
	}
	mn, sd := zStats(compare, ddof, policy)
	z := make([]float64, len(scores))
	for i, x := range scores {
		z[i] = (x - mn) / sd
	}
	return z
}

// zStats returns the mean and standard deviation ZMap divides by, with
// sd = NaN for a constant reference (SciPy sets those z to NaN).
func zStats(compare []float64, ddof int, policy NaNPolicy) (mn, sd float64) {
	a := compare
	if policy == Omit && hasNaN(a) {
		a = dropNaN(a)
		if len(a) == 0 {
			return math.NaN(), math.NaN()
		}
	}
	return zStatsBuf(a, ddof, make([]float64, len(a)))
}

// zStatsBuf is zStats for NaN-handled input a, with scratch space sq
// (len(a)): NumPy's mean (pairwise sum / n) and std (pairwise sum of
// squared deviations / max(n - ddof, 0), square root).
func zStatsBuf(a []float64, ddof int, sq []float64) (mn, sd float64) {
	n := float64(len(a))
	mn = stats.Sum(a) / n
	for i, v := range a {
		d := v - mn
		sq[i] = d * d
	}
	sd = math.Sqrt(stats.Sum(sq) / math.Max(n-float64(ddof), 0))
	for _, v := range a {
		if v != a[0] {
			return mn, sd
		}
	}
	return mn, math.NaN() // constant
}

// RobustZMap is the robust variant of ZMap: (x - median) / (1.4826·MAD)
// with median and MAD (median absolute deviation) of compare, so that the
// outliers being looked for do not inflate the scale and mask each other.
// 1.4826 = 1/Φ⁻¹(3/4) makes the scale σ for normal data. When more than
// half of compare is one value (MAD = 0) the scale is the mean absolute
// deviation from the median times sqrt(π/2) (Iglewicz & Hoaglin's
// fallback); a constant compare gives NaN. NaN values in compare are left
// out; NaN scores give NaN.
func RobustZMap(scores, compare []float64) []float64 {
	c := dropNaN(compare)
	if len(c) == 0 {
		return nil
	}
	center, scale := robustStats(c, make([]float64, len(c)))
	z := make([]float64, len(scores))
	for i, x := range scores {
		z[i] = (x - center) / scale
	}
	return z
}

// madToSigma is 1/Φ⁻¹(3/4): MAD times it estimates σ for normal data.
const madToSigma = 1.482602218505602

// robustStats returns the median of c and the robust scale. c must be
// NaN-free and non-empty; buf (len(c)) is scratch space.
func robustStats(c, buf []float64) (center, scale float64) {
	sorted := append([]float64(nil), c...)
	sort.Float64s(sorted)
	return robustSorted(sorted, buf)
}

// robustSorted is robustStats for ascending, NaN-free, non-empty s. The
// absolute deviations from the median come out in ascending order by
// merging outwards from the median (no second sort), into dev (len(s)).
func robustSorted(s, dev []float64) (center, scale float64) {
	n := len(s)
	center = median(s)
	j := sort.SearchFloat64s(s, center) // first s[j] >= center
	i := j - 1
	for k := range n {
		if i >= 0 && (j >= n || center-s[i] <= s[j]-center) {
			dev[k] = center - s[i]
			i--
		} else {
			dev[k] = s[j] - center
			j++
		}
	}
	if mad := median(dev); mad > 0 {
		return center, madToSigma * mad
	}
	meanAD := stats.Sum(dev) / float64(n)
	if meanAD == 0 {
		return center, math.NaN()
	}
	return center, math.Sqrt(math.Pi/2) * meanAD
}

// median of sorted, non-empty s.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Exceeding returns the indices i with |z[i]| > t (strictly; NaN is never
// flagged), the anomalies at threshold t.
func Exceeding(z []float64, t float64) []int {
	var out []int
	for i, v := range z {
		if math.Abs(v) > t {
			out = append(out, i)
		}
	}
	return out
}

func hasNaN(a []float64) bool {
	for _, v := range a {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}

func dropNaN(a []float64) []float64 {
	out := make([]float64, 0, len(a))
	for _, v := range a {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// RollingZParams are the parameters of the rolling z-score detector.
type RollingZParams struct {
	// WindowSize is the number of past observations each new one is
	// scored against. Default 100.
	WindowSize int `json:"window_size"`
	// WarmUp is how many past observations the window must hold before
	// anything is scored (at least 2). Default 30.
	WarmUp int `json:"warm_up"`
	// Threshold: an observation with |z| above it is an anomaly. Default
	// 3.0.
	Threshold float64 `json:"threshold"`
	// CoolDown is the number of updates after an alarm during which no
	// new alarm is raised (the scores are still computed), so that one
	// incident gives one alarm. Default 10.
	CoolDown int `json:"cool_down"`
	// Robust scores with the median and MAD (RobustZMap) instead of the
	// mean and standard deviation (ZMap). Default false.
	Robust bool `json:"robust"`
	// DDoF is the delta degrees of freedom of the standard deviation (0:
	// divide by n, SciPy's default; 1: by n - 1). Ignored when Robust.
	// Default 0.
	DDoF int `json:"ddof"`
}

// DefaultRollingZParams returns the defaults.
func DefaultRollingZParams() RollingZParams {
	return RollingZParams{WindowSize: 100, WarmUp: 30, Threshold: 3.0, CoolDown: 10}
}

func (p RollingZParams) validate() error {
	switch {
	case p.WindowSize < 2:
		return invalidf("RollingZ: window_size must be at least 2, not %d", p.WindowSize)
	case p.WarmUp < 2 || p.WarmUp > p.WindowSize:
		return invalidf("RollingZ: warm_up must be in [2, window_size = %d], not %d", p.WindowSize, p.WarmUp)
	case !finite(p.Threshold) || p.Threshold <= 0:
		return invalidf("RollingZ: threshold must be a finite number > 0, not %v", p.Threshold)
	case p.CoolDown < 0:
		return invalidf("RollingZ: cool_down must not be negative, not %d", p.CoolDown)
	case p.DDoF < 0 || p.DDoF >= p.WarmUp:
		return invalidf("RollingZ: ddof must be in [0, warm_up), not %d", p.DDoF)
	}
	return nil
}

// RollingZ is the rolling z-score anomaly detector (issue #14): each
// observation is scored against the WindowSize observations before it,
// z = ZMap([x], window) (or RobustZMap), and raises an alarm, reported
// as Signal.Drift, when |z| > Threshold, the window holds at least WarmUp
// values and no alarm was raised in the last CoolDown updates. Unlike the
// change detectors it does not restart after an alarm: the observation
// joins the window like any other (the robust variant keeps it from
// inflating the scale). A constant window scores NaN, which never
// alarms. No warnings.
type RollingZ struct {
	p RollingZParams
	s zState
	// sorted is the window in ascending order (robust only), derived
	// from s.Window; buf is scratch space.
	sorted, buf []float64
}

type zState struct {
	N int `json:"n"`
	// Window holds the past observations, oldest first.
	Window       []jfloat `json:"window"`
	Z            jfloat   `json:"z"`
	Center       jfloat   `json:"center"`
	Scale        jfloat   `json:"scale"`
	CoolDownLeft int      `json:"cool_down_left"`
	Alarm        bool     `json:"alarm"`
}

// NewRollingZ returns a rolling z-score detector, or an EINVALID error for
// invalid parameters.
func NewRollingZ(p RollingZParams) (*RollingZ, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &RollingZ{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *RollingZ) Params() RollingZParams { return d.p }

// Kind implements Detector.
func (d *RollingZ) Kind() Kind { return KindRollingZ }

// Reset implements Detector: the window empties, so a new warm-up starts.
func (d *RollingZ) Reset() {
	nan := jfloat(math.NaN())
	d.s = zState{Window: make([]jfloat, 0, d.p.WindowSize), Z: nan, Center: nan, Scale: nan}
	d.sorted = d.sorted[:0]
}

// Last implements Detector.
func (d *RollingZ) Last() Signal { return Signal{Drift: d.s.Alarm} }

// Score is the z of the last observation (NaN during the warm-up or
// against a constant window).
func (d *RollingZ) Score() float64 { return float64(d.s.Z) }

// Stats implements Detector: n, z, center (mean or median of the window
// the last observation was scored against), scale (its standard
// deviation or robust scale), window_len, cool_down_left.
func (d *RollingZ) Stats() map[string]float64 {
	return map[string]float64{
		"n": float64(d.s.N), "z": float64(d.s.Z), "center": float64(d.s.Center), "scale": float64(d.s.Scale),
		"window_len": float64(len(d.s.Window)), "cool_down_left": float64(d.s.CoolDownLeft),
	}
}

// Update implements Detector.
func (d *RollingZ) Update(x float64) (Signal, error) {
	if err := checkReal(KindRollingZ, x); err != nil {
		return d.Last(), err
	}
	s := &d.s
	s.N++
	nan := jfloat(math.NaN())
	s.Z, s.Center, s.Scale, s.Alarm = nan, nan, nan, false
	if len(s.Window) >= d.p.WarmUp {
		if len(d.buf) < 2*d.p.WindowSize {
			d.buf = make([]float64, 2*d.p.WindowSize)
		}
		n := len(s.Window)
		var center, scale float64
		if d.p.Robust {
			center, scale = robustSorted(d.sorted, d.buf[:n])
		} else {
			w := d.buf[:n]
			for i, v := range s.Window {
				w[i] = float64(v)
			}
			center, scale = zStatsBuf(w, d.p.DDoF, d.buf[n:2*n])
		}
		z := (x - center) / scale
		s.Z, s.Center, s.Scale = jfloat(z), jfloat(center), jfloat(scale)
		s.Alarm = math.Abs(z) > d.p.Threshold && s.CoolDownLeft == 0
	}
	if s.Alarm {
		s.CoolDownLeft = d.p.CoolDown
	} else if s.CoolDownLeft > 0 {
		s.CoolDownLeft--
	}
	if len(s.Window) == d.p.WindowSize {
		d.unsort(float64(s.Window[0]))
		copy(s.Window, s.Window[1:])
		s.Window[len(s.Window)-1] = jfloat(x)
	} else {
		s.Window = append(s.Window, jfloat(x))
	}
	d.insertSorted(x)
	return d.Last(), nil
}

// insertSorted and unsort keep d.sorted in step with the window (robust
// only): O(window) per update instead of a sort.
func (d *RollingZ) insertSorted(x float64) {
	if !d.p.Robust {
		return
	}
	i := sort.SearchFloat64s(d.sorted, x)
	d.sorted = append(d.sorted, 0)
	copy(d.sorted[i+1:], d.sorted[i:])
	d.sorted[i] = x
}

func (d *RollingZ) unsort(x float64) {
	if !d.p.Robust {
		return
	}
	i := sort.SearchFloat64s(d.sorted, x)
	d.sorted = append(d.sorted[:i], d.sorted[i+1:]...)
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *RollingZ) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindRollingZ, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *RollingZ) UnmarshalJSON(data []byte) error {
	var s zState
	if err := unmarshalSnapshot(data, KindRollingZ, d.setParams, &s); err != nil {
		return err
	}
	if len(s.Window) > d.p.WindowSize || s.N < 0 || s.CoolDownLeft < 0 || s.CoolDownLeft > d.p.CoolDown {
		return invalidf("load RollingZ: the state does not fit the parameters")
	}
	for _, v := range s.Window {
		if !finite(float64(v)) {
			return invalidf("load RollingZ: the window holds %v", float64(v))
		}
	}
	d.s = s
	d.sorted = d.sorted[:0]
	for _, v := range s.Window {
		d.insertSorted(float64(v))
	}
	return nil
}

func (d *RollingZ) setParams(raw json.RawMessage) error {
	p := DefaultRollingZParams()
	if err := decodeParams(KindRollingZ, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}
