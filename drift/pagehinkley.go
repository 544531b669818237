package drift

import (
	"encoding/json"
	"math"
)

// Modes of the one- or two-sided detectors (PageHinkley, CUSUM).
const (
	ModeUp   = "up"
	ModeDown = "down"
	ModeBoth = "both"
)

func validMode(m string) bool { return m == ModeUp || m == ModeDown || m == ModeBoth }

// PageHinkleyParams are river.drift.PageHinkley's parameters, under
// river's names.
type PageHinkleyParams struct {
	// MinInstances is the number of observations after a (re)start before
	// a change can be signalled. Default 30.
	MinInstances int `json:"min_instances"`
	// Delta is the magnitude of change that is tolerated (δ), in the unit
	// of the observations. Default 0.005.
	Delta float64 `json:"delta"`
	// Threshold is the detection threshold λ, in the unit of the
	// observations times a number of observations. Default 50.
	Threshold float64 `json:"threshold"`
	// Alpha is the forgetting factor of the cumulative sums. Default
	// 1 - 0.0001.
	Alpha float64 `json:"alpha"`
	// Mode is "up" (detect increases), "down" or "both". Default "both".
	Mode string `json:"mode"`
}

// DefaultPageHinkleyParams returns river's defaults.
func DefaultPageHinkleyParams() PageHinkleyParams {
	return PageHinkleyParams{MinInstances: 30, Delta: 0.005, Threshold: 50, Alpha: 1 - 0.0001, Mode: ModeBoth}
}

func (p PageHinkleyParams) validate() error {
	switch {
	case p.MinInstances < 1:
		return invalidf("PageHinkley: min_instances must be at least 1, not %d", p.MinInstances)
	case !finite(p.Delta, p.Threshold, p.Alpha):
		return invalidf("PageHinkley: delta, threshold and alpha must be finite numbers")
	case p.Threshold < 0:
		return invalidf("PageHinkley: threshold must not be negative, not %v", p.Threshold)
	case p.Alpha < 0 || p.Alpha > 1:
		return invalidf("PageHinkley: alpha must be in [0, 1], not %v", p.Alpha)
	case !validMode(p.Mode):
		return invalidf("PageHinkley: mode must be %q, %q or %q, not %q", ModeUp, ModeDown, ModeBoth, p.Mode)
	}
	return nil
}

// PageHinkley is river's Page-Hinkley test (river 0.19, unchanged since):
// cumulative deviations from the running mean, with a forgetting factor
// and without the textbook clipping at zero; a change when a sum moves
// more than Threshold away from its extreme. It has no warning zone.
type PageHinkley struct {
	p PageHinkleyParams
	s phState
}

type phState struct {
	N           jfloat `json:"n"`
	Mean        jfloat `json:"x_mean"`
	SumIncrease jfloat `json:"sum_increase"`
	SumDecrease jfloat `json:"sum_decrease"`
	MinIncrease jfloat `json:"min_increase"`
	MaxDecrease jfloat `json:"max_decrease"`
	Drift       bool   `json:"drift_detected"`
}

// NewPageHinkley returns a PageHinkley detector, or an EINVALID error for
// invalid parameters.
func NewPageHinkley(p PageHinkleyParams) (*PageHinkley, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &PageHinkley{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *PageHinkley) Params() PageHinkleyParams { return d.p }

// Kind implements Detector.
func (d *PageHinkley) Kind() Kind { return KindPageHinkley }

// Reset implements Detector.
func (d *PageHinkley) Reset() {
	// river: min starts at +inf; max at -1, which is harmless because the
	// first sum_decrease is delta (>= 0 in practice).
	d.s = phState{MinIncrease: jfloat(math.Inf(1)), MaxDecrease: -1}
}

// Update implements Detector.
func (d *PageHinkley) Update(x float64) (Signal, error) {
	if err := checkReal(KindPageHinkley, x); err != nil {
		return d.Last(), err
	}
	s := &d.s
	if s.Drift {
		d.Reset()
	}
	n := float64(s.N) + 1.0
	mean := float64(s.Mean) + (1.0/n)*(x-float64(s.Mean))
	dev := x - mean
	inc := d.p.Alpha*float64(s.SumIncrease) + dev - d.p.Delta
	dec := d.p.Alpha*float64(s.SumDecrease) + dev + d.p.Delta
	s.N, s.Mean, s.SumIncrease, s.SumDecrease = jfloat(n), jfloat(mean), jfloat(inc), jfloat(dec)
	if inc < float64(s.MinIncrease) {
		s.MinIncrease = jfloat(inc)
	}
	if dec > float64(s.MaxDecrease) {
		s.MaxDecrease = jfloat(dec)
	}
	if n >= float64(d.p.MinInstances) {
		testInc := inc - float64(s.MinIncrease)
		testDec := float64(s.MaxDecrease) - dec
		switch d.p.Mode {
		case ModeUp:
			s.Drift = testInc > d.p.Threshold
		case ModeDown:
			s.Drift = testDec > d.p.Threshold
		default:
			s.Drift = testInc > d.p.Threshold || testDec > d.p.Threshold
		}
	}
	return d.Last(), nil
}

// Last implements Detector.
func (d *PageHinkley) Last() Signal { return Signal{Drift: d.s.Drift} }

// Stats implements Detector: n, x_mean, sum_increase, sum_decrease,
// min_increase, max_decrease.
func (d *PageHinkley) Stats() map[string]float64 {
	return map[string]float64{
		"n": float64(d.s.N), "x_mean": float64(d.s.Mean),
		"sum_increase": float64(d.s.SumIncrease), "sum_decrease": float64(d.s.SumDecrease),
		"min_increase": float64(d.s.MinIncrease), "max_decrease": float64(d.s.MaxDecrease),
	}
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *PageHinkley) MarshalJSON() ([]byte, error) {
	return marshalSnapshot(KindPageHinkley, d.p, d.s)
}

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *PageHinkley) UnmarshalJSON(data []byte) error {
	var s phState
	if err := unmarshalSnapshot(data, KindPageHinkley, d.setParams, &s); err != nil {
		return err
	}
	d.s = s
	return nil
}

func (d *PageHinkley) setParams(raw json.RawMessage) error {
	p := DefaultPageHinkleyParams()
	if err := decodeParams(KindPageHinkley, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}
