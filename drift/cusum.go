package drift

import (
	"encoding/json"
	"math"
)

// CUSUMParams are the parameters of the tabular CUSUM, under the names of
// river's drift.CUSUM (min_instances, slack, threshold, mode) plus mu0
// and sigma for a known in-control process, as in the textbook chart
// (Montgomery & Runger, Applied Statistics and Probability for Engineers,
// 3rd ed., §16-8: K = slack·σ, H = threshold·σ).
type CUSUMParams struct {
	// MinInstances is the warm-up over which the in-control mean and
	// standard deviation are estimated when Mu0 or Sigma is not given;
	// no change is signalled before it ends. Ignored when both are
	// given. Default 30.
	MinInstances int `json:"min_instances"`
	// Slack is the allowance k, as a multiple of σ. Default 0.5.
	Slack float64 `json:"slack"`
	// Threshold is the decision interval h, as a multiple of σ: a change
	// when a cumulative sum exceeds it. Default 5.0.
	Threshold float64 `json:"threshold"`
	// Mode is "up" (increases), "down" or "both". Default "both".
	Mode string `json:"mode"`
	// Mu0 is the in-control (target) mean. Default null: the mean of the
	// warm-up, estimated again after every detection.
	Mu0 *float64 `json:"mu0"`
	// Sigma is the in-control standard deviation. Default null: the
	// sample standard deviation (ddof 1) of the warm-up.
	Sigma *float64 `json:"sigma"`
}

// DefaultCUSUMParams returns the defaults (river's for the shared names).
func DefaultCUSUMParams() CUSUMParams {
	return CUSUMParams{MinInstances: 30, Slack: 0.5, Threshold: 5.0, Mode: ModeBoth}
}

func (p CUSUMParams) validate() error {
	switch {
	case p.MinInstances < 1:
		return invalidf("CUSUM: min_instances must be at least 1, not %d", p.MinInstances)
	case !finite(p.Slack) || p.Slack < 0:
		return invalidf("CUSUM: slack must be a finite number >= 0, not %v", p.Slack)
	case !finite(p.Threshold) || p.Threshold <= 0:
		return invalidf("CUSUM: threshold must be a finite number > 0, not %v", p.Threshold)
	case !validMode(p.Mode):
		return invalidf("CUSUM: mode must be %q, %q or %q, not %q", ModeUp, ModeDown, ModeBoth, p.Mode)
	case p.Mu0 != nil && !finite(*p.Mu0):
		return invalidf("CUSUM: mu0 must be a finite number")
	case p.Sigma != nil && (!finite(*p.Sigma) || *p.Sigma < 0):
		return invalidf("CUSUM: sigma must be a finite number >= 0")
	}
	return nil
}

// CUSUM is the two-sided tabular CUSUM (Page 1954): with deviation
// d = x - μ0, the upper sum S_H = max(0, S_H + d - k) and the lower sum
// S_L = max(0, S_L - d - k); a change when a sum exceeds h. The sums
// restart at zero at the update after a change (river's lazy reset), and
// an estimated μ0 and σ are estimated again over a new warm-up. Unlike
// PageHinkley the reference is frozen, so a slow ramp cannot drag it
// along. No warnings.
type CUSUM struct {
	p CUSUMParams
	s cusumState
}

type cusumState struct {
	N      int    `json:"n"`
	Warmup runVar `json:"warmup"`
	RefSet bool   `json:"reference_set"`
	Mu0    jfloat `json:"mu0"`
	Sigma  jfloat `json:"sigma"`
	SH     jfloat `json:"s_h"`
	SL     jfloat `json:"s_l"`
	NH     int    `json:"n_h"`
	NL     int    `json:"n_l"`
	Drift  bool   `json:"drift_detected"`
}

// NewCUSUM returns a CUSUM detector, or an EINVALID error for invalid
// parameters.
func NewCUSUM(p CUSUMParams) (*CUSUM, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &CUSUM{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *CUSUM) Params() CUSUMParams { return d.p }

// Kind implements Detector.
func (d *CUSUM) Kind() Kind { return KindCUSUM }

// Reset implements Detector.
func (d *CUSUM) Reset() {
	d.s = cusumState{}
	if d.p.Mu0 != nil && d.p.Sigma != nil {
		d.s.RefSet, d.s.Mu0, d.s.Sigma = true, jfloat(*d.p.Mu0), jfloat(*d.p.Sigma)
	}
}

// Last implements Detector.
func (d *CUSUM) Last() Signal { return Signal{Drift: d.s.Drift} }

// Stats implements Detector: n, s_h and s_l (the upper and lower sums),
// n_h and n_l (how many updates each has been above zero), mu0 and sigma
// (NaN during the warm-up).
func (d *CUSUM) Stats() map[string]float64 {
	mu, sigma := float64(d.s.Mu0), float64(d.s.Sigma)
	if !d.s.RefSet {
		mu, sigma = math.NaN(), math.NaN()
	}
	return map[string]float64{
		"n": float64(d.s.N), "s_h": float64(d.s.SH), "s_l": float64(d.s.SL),
		"n_h": float64(d.s.NH), "n_l": float64(d.s.NL), "mu0": mu, "sigma": sigma,
	}
}

// Update implements Detector.
func (d *CUSUM) Update(x float64) (Signal, error) {
	if err := checkReal(KindCUSUM, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	s := &d.s
	s.N++
	if !s.RefSet {
		s.Warmup.update(x)
		if s.N < d.p.MinInstances {
			s.Drift = false
			return d.Last(), nil
		}
		s.RefSet = true
		s.Mu0, s.Sigma = s.Warmup.Mean, jfloat(math.Sqrt(math.Max(s.Warmup.get(), 0)))
		if d.p.Mu0 != nil {
			s.Mu0 = jfloat(*d.p.Mu0)
		}
		if d.p.Sigma != nil {
			s.Sigma = jfloat(*d.p.Sigma)
		}
	}
	k := d.p.Slack * float64(s.Sigma)
	h := d.p.Threshold * float64(s.Sigma)
	dev := x - float64(s.Mu0)
	s.SH = jfloat(math.Max(0, float64(s.SH)+dev-k))
	s.SL = jfloat(math.Max(0, float64(s.SL)-dev-k))
	s.NH = runLength(s.NH, s.SH)
	s.NL = runLength(s.NL, s.SL)
	switch d.p.Mode {
	case ModeUp:
		s.Drift = float64(s.SH) > h
	case ModeDown:
		s.Drift = float64(s.SL) > h
	default:
		s.Drift = float64(s.SH) > h || float64(s.SL) > h
	}
	return d.Last(), nil
}

// runLength counts the consecutive updates a sum has been above zero
// (the N+ and N- columns of the tabular chart, which date the change).
func runLength(n int, sum jfloat) int {
	if sum > 0 {
		return n + 1
	}
	return 0
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *CUSUM) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindCUSUM, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *CUSUM) UnmarshalJSON(data []byte) error {
	var s cusumState
	if err := unmarshalSnapshot(data, KindCUSUM, d.setParams, &s); err != nil {
		return err
	}
	if s.N < 0 || s.NH < 0 || s.NL < 0 || s.SH < 0 || s.SL < 0 {
		return invalidf("load CUSUM: negative counts or sums")
	}
	d.s = s
	return nil
}

func (d *CUSUM) setParams(raw json.RawMessage) error {
	p := DefaultCUSUMParams()
	if err := decodeParams(KindCUSUM, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}
