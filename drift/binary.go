package drift

import (
	"encoding/json"
	"math"
)

// runMean is river's stats.Mean: n counts as a float, and the mean is
// updated as mean += (1/n)·(x - mean), in that order, so that the port
// reproduces river's doubles.
type runMean struct {
	N    jfloat `json:"n"`
	Mean jfloat `json:"mean"`
}

func (m *runMean) update(x float64) {
	n := float64(m.N) + 1.0
	m.N = jfloat(n)
	m.Mean += jfloat((1.0 / n) * (x - float64(m.Mean)))
}

// runVar is river's stats.Var with ddof = 1: Welford's sum of squares S
// over a runMean; the variance is S/(n-1), and 0 with fewer than two
// values.
type runVar struct {
	runMean
	S jfloat `json:"s"`
}

func (v *runVar) update(x float64) {
	old := float64(v.Mean)
	v.runMean.update(x)
	v.S += jfloat((x - old) * (x - float64(v.Mean)))
}

func (v *runVar) get() float64 {
	if v.N > 1 {
		return float64(v.S) / (float64(v.N) - 1)
	}
	return 0
}

// DDMParams are river.drift.binary.DDM's parameters, under river's names.
type DDMParams struct {
	// WarmStart is the number of observations after a (re)start before
	// the test runs (it runs from observation WarmStart+1). Default 30.
	WarmStart int `json:"warm_start"`
	// WarningThreshold is the multiple of s_min above p_min at which the
	// warning zone starts. Default 2.0.
	WarningThreshold float64 `json:"warning_threshold"`
	// DriftThreshold is the multiple of s_min above p_min at which a
	// change is signalled. Default 3.0.
	DriftThreshold float64 `json:"drift_threshold"`
}

// DefaultDDMParams returns river's defaults.
func DefaultDDMParams() DDMParams {
	return DDMParams{WarmStart: 30, WarningThreshold: 2.0, DriftThreshold: 3.0}
}

func (p DDMParams) validate() error {
	switch {
	case p.WarmStart < 0:
		return invalidf("DDM: warm_start must not be negative, not %d", p.WarmStart)
	case !finite(p.WarningThreshold, p.DriftThreshold) || p.WarningThreshold < 0 || p.DriftThreshold < 0:
		return invalidf("DDM: warning_threshold and drift_threshold must be finite and non-negative")
	}
	return nil
}

// DDM is river's Drift Detection Method (Gama et al. 2004) over a stream
// of 0/1 (1 = error): with p the error rate so far and s =
// sqrt(p(1-p)/n), it remembers the p_min, s_min where p + s was smallest
// and warns when p + s > p_min + WarningThreshold·s_min, signals a change
// above p_min + DriftThreshold·s_min (and then clears the warning).
type DDM struct {
	p DDMParams
	s ddmState
}

type ddmState struct {
	P       runMean `json:"p"`
	PMin    jfloat  `json:"p_min"`
	SMin    jfloat  `json:"s_min"`
	PSMin   jfloat  `json:"ps_min"`
	Warning bool    `json:"warning_detected"`
	Drift   bool    `json:"drift_detected"`
}

// NewDDM returns a DDM detector, or an EINVALID error for invalid
// parameters.
func NewDDM(p DDMParams) (*DDM, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &DDM{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *DDM) Params() DDMParams { return d.p }

// Kind implements Detector.
func (d *DDM) Kind() Kind { return KindDDM }

// Reset implements Detector.
func (d *DDM) Reset() {
	inf := jfloat(math.Inf(1))
	d.s = ddmState{PMin: inf, SMin: inf, PSMin: inf}
}

// Last implements Detector.
func (d *DDM) Last() Signal { return Signal{Drift: d.s.Drift, Warning: d.s.Warning} }

// Stats implements Detector: n, p (the error rate), p_min, s_min, ps_min
// (+Inf until the first evaluated observation).
func (d *DDM) Stats() map[string]float64 {
	return map[string]float64{
		"n": float64(d.s.P.N), "p": float64(d.s.P.Mean),
		"p_min": float64(d.s.PMin), "s_min": float64(d.s.SMin), "ps_min": float64(d.s.PSMin),
	}
}

// Update implements Detector. x must be 0 or 1.
func (d *DDM) Update(x float64) (Signal, error) {
	if err := checkBinary(KindDDM, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	s := &d.s
	s.P.update(x)
	p, n := float64(s.P.Mean), float64(s.P.N)
	sd := math.Sqrt(p * (1 - p) / n)
	if n > float64(d.p.WarmStart) {
		if p+sd <= float64(s.PSMin) {
			s.PMin, s.SMin = jfloat(p), jfloat(sd)
			s.PSMin = s.PMin + s.SMin
		}
		s.Warning = p+sd > float64(s.PMin)+d.p.WarningThreshold*float64(s.SMin)
		if p+sd > float64(s.PMin)+d.p.DriftThreshold*float64(s.SMin) {
			s.Drift, s.Warning = true, false
		}
	}
	return d.Last(), nil
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *DDM) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindDDM, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *DDM) UnmarshalJSON(data []byte) error {
	var s ddmState
	if err := unmarshalSnapshot(data, KindDDM, d.setParams, &s); err != nil {
		return err
	}
	if s.P.N < 0 || !finite(float64(s.P.N), float64(s.P.Mean)) {
		return invalidf("load DDM: invalid error-rate state")
	}
	d.s = s
	return nil
}

func (d *DDM) setParams(raw json.RawMessage) error {
	p := DefaultDDMParams()
	if err := decodeParams(KindDDM, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}

// EDDMParams are river.drift.binary.EDDM's parameters, under river's
// names.
type EDDMParams struct {
	// WarmStart is both the number of observations and the number of
	// errors that must be seen after a (re)start before the test runs.
	// Default 30.
	WarmStart int `json:"warm_start"`
	// Alpha is the warning level: a warning while (mean + 2·sd) of the
	// distance between errors falls below Alpha times its maximum.
	// Default 0.95.
	Alpha float64 `json:"alpha"`
	// Beta is the drift level, below Alpha. Default 0.9.
	Beta float64 `json:"beta"`
}

// DefaultEDDMParams returns river's defaults.
func DefaultEDDMParams() EDDMParams { return EDDMParams{WarmStart: 30, Alpha: 0.95, Beta: 0.9} }

func (p EDDMParams) validate() error {
	switch {
	case p.WarmStart < 0:
		return invalidf("EDDM: warm_start must not be negative, not %d", p.WarmStart)
	case !finite(p.Alpha, p.Beta):
		return invalidf("EDDM: alpha and beta must be finite numbers")
	case p.Alpha < p.Beta:
		return invalidf("EDDM: alpha (%v) must be greater than or equal to beta (%v)", p.Alpha, p.Beta)
	}
	return nil
}

// EDDM is river's Early Drift Detection Method (Baena-García et al.
// 2006) over a stream of 0/1 (1 = error): it tracks the mean and standard
// deviation of the distance between consecutive errors and signals when
// mean + 2·sd falls below Beta (warns below Alpha) times its maximum so
// far. Only errors move it: zeros leave the warning as it was. As in
// river, a drift leaves the warning unchanged, so both can be reported
// together.
type EDDM struct {
	p EDDMParams
	s eddmState
}

type eddmState struct {
	N           int    `json:"n"`
	NErrors     int    `json:"n_errors"`
	LastError   int    `json:"last_error"`
	Distances   runVar `json:"distances"`
	P2SPrimeMax jfloat `json:"p2s_prime_max"`
	Warning     bool   `json:"warning_detected"`
	Drift       bool   `json:"drift_detected"`
}

// NewEDDM returns an EDDM detector, or an EINVALID error for invalid
// parameters.
func NewEDDM(p EDDMParams) (*EDDM, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &EDDM{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *EDDM) Params() EDDMParams { return d.p }

// Kind implements Detector.
func (d *EDDM) Kind() Kind { return KindEDDM }

// Reset implements Detector.
func (d *EDDM) Reset() { d.s = eddmState{P2SPrimeMax: -1} }

// Last implements Detector.
func (d *EDDM) Last() Signal { return Signal{Drift: d.s.Drift, Warning: d.s.Warning} }

// Stats implements Detector: n, n_errors, last_error, dist_n, dist_mean,
// dist_var (ddof 1; 0 with fewer than two distances), p2s_prime_max (-1
// until set).
func (d *EDDM) Stats() map[string]float64 {
	return map[string]float64{
		"n": float64(d.s.N), "n_errors": float64(d.s.NErrors), "last_error": float64(d.s.LastError),
		"dist_n": float64(d.s.Distances.N), "dist_mean": float64(d.s.Distances.Mean),
		"dist_var": d.s.Distances.get(), "p2s_prime_max": float64(d.s.P2SPrimeMax),
	}
}

// Update implements Detector. x must be 0 or 1.
func (d *EDDM) Update(x float64) (Signal, error) {
	if err := checkBinary(KindEDDM, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	s := &d.s
	s.N++
	if x == 1 {
		s.NErrors++
		s.Distances.update(float64(s.N - s.LastError))
		if s.N > d.p.WarmStart {
			p2s := float64(s.Distances.Mean) + 2*math.Sqrt(s.Distances.get())
			if p2s > float64(s.P2SPrimeMax) {
				s.P2SPrimeMax = jfloat(p2s)
			} else if s.NErrors > d.p.WarmStart {
				level := p2s / float64(s.P2SPrimeMax)
				switch {
				case level < d.p.Beta:
					s.Drift = true
				case level < d.p.Alpha:
					s.Warning = true
				default:
					s.Warning = false
				}
			}
		}
		s.LastError = s.N
	}
	return d.Last(), nil
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *EDDM) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindEDDM, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *EDDM) UnmarshalJSON(data []byte) error {
	var s eddmState
	if err := unmarshalSnapshot(data, KindEDDM, d.setParams, &s); err != nil {
		return err
	}
	if s.N < 0 || s.NErrors < 0 || s.NErrors > s.N || s.LastError < 0 || s.LastError > s.N {
		return invalidf("load EDDM: inconsistent counts (n %d, n_errors %d, last_error %d)", s.N, s.NErrors, s.LastError)
	}
	d.s = s
	return nil
}

func (d *EDDM) setParams(raw json.RawMessage) error {
	p := DefaultEDDMParams()
	if err := decodeParams(KindEDDM, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}

// HDDMAParams are river.drift.binary.HDDM_A's parameters, under river's
// names.
type HDDMAParams struct {
	// DriftConfidence is the confidence of the drift test (it also sets
	// the Hoeffding bound that moves the cut points). Default 0.001.
	DriftConfidence float64 `json:"drift_confidence"`
	// WarningConfidence is the confidence of the warning test. Default
	// 0.005.
	WarningConfidence float64 `json:"warning_confidence"`
	// TwoSidedTest also monitors decreases of the mean. Default false.
	TwoSidedTest bool `json:"two_sided_test"`
}

// DefaultHDDMAParams returns river's defaults.
func DefaultHDDMAParams() HDDMAParams {
	return HDDMAParams{DriftConfidence: 0.001, WarningConfidence: 0.005}
}

func (p HDDMAParams) validate() error {
	if !finite(p.DriftConfidence, p.WarningConfidence) || p.DriftConfidence <= 0 || p.DriftConfidence >= 1 ||
		p.WarningConfidence <= 0 || p.WarningConfidence >= 1 {
		return invalidf("HDDM_A: drift_confidence and warning_confidence must be in (0, 1)")
	}
	return nil
}

// HDDMA is river's HDDM_A (Frías-Blanco et al. 2014, as in MOA): the
// running mean of the input against cut points that track where the mean
// plus (minus) its Hoeffding bound was smallest (largest); a significant
// increase over the cut point is a drift (at DriftConfidence) or a
// warning (at WarningConfidence), and with TwoSidedTest a decrease too.
type HDDMA struct {
	p HDDMAParams
	s hddmaState
}

type hddmaState struct {
	Z       runMean `json:"z"`
	XMin    runMean `json:"x_min"`
	XMax    runMean `json:"x_max"`
	Warning bool    `json:"warning_detected"`
	Drift   bool    `json:"drift_detected"`
}

// NewHDDMA returns an HDDM_A detector, or an EINVALID error for invalid
// parameters.
func NewHDDMA(p HDDMAParams) (*HDDMA, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &HDDMA{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *HDDMA) Params() HDDMAParams { return d.p }

// Kind implements Detector.
func (d *HDDMA) Kind() Kind { return KindHDDMA }

// Reset implements Detector.
func (d *HDDMA) Reset() { d.s = hddmaState{} }

// Last implements Detector.
func (d *HDDMA) Last() Signal { return Signal{Drift: d.s.Drift, Warning: d.s.Warning} }

// Stats implements Detector: z_n, z_mean (all input since the
// restart), x_min_n, x_min_mean, x_max_n, x_max_mean (the cut points).
func (d *HDDMA) Stats() map[string]float64 {
	return map[string]float64{
		"z_n": float64(d.s.Z.N), "z_mean": float64(d.s.Z.Mean),
		"x_min_n": float64(d.s.XMin.N), "x_min_mean": float64(d.s.XMin.Mean),
		"x_max_n": float64(d.s.XMax.N), "x_max_mean": float64(d.s.XMax.Mean),
	}
}

func (d *HDDMA) bound(n float64) float64 {
	return math.Sqrt(1.0 / (2 * n) * math.Log(1.0/d.p.DriftConfidence))
}

// Update implements Detector. x must be 0 or 1.
func (d *HDDMA) Update(x float64) (Signal, error) {
	if err := checkBinary(KindHDDMA, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	s := &d.s
	s.Z.update(x)
	if s.XMin.N == 0 {
		s.XMin = s.Z
	}
	if s.XMax.N == 0 {
		s.XMax = s.Z
	}
	z := float64(s.Z.Mean)
	epsZ := d.bound(float64(s.Z.N))
	epsX := d.bound(float64(s.XMin.N))
	if float64(s.XMin.Mean)+epsX >= z+epsZ {
		s.XMin = s.Z
	}
	epsX = d.bound(float64(s.XMax.N))
	if float64(s.XMax.Mean)-epsX <= z-epsZ {
		s.XMax = s.Z
	}
	switch {
	case d.meanIncr(d.p.DriftConfidence):
		s.Warning, s.Drift = false, true
	case d.meanIncr(d.p.WarningConfidence):
		s.Warning, s.Drift = true, false
	default:
		s.Warning, s.Drift = false, false
	}
	if d.p.TwoSidedTest {
		if d.meanDecr(d.p.DriftConfidence) {
			s.Drift = true
		} else if d.meanDecr(d.p.WarningConfidence) {
			s.Warning = true
		}
	}
	return d.Last(), nil
}

func (d *HDDMA) meanIncr(confidence float64) bool {
	s := &d.s
	if s.XMin.N == s.Z.N {
		return false
	}
	zn, xn := float64(s.Z.N), float64(s.XMin.N)
	m := (zn - xn) / xn * (1.0 / zn)
	eps := math.Sqrt(m / 2 * math.Log(2.0/confidence))
	return float64(s.Z.Mean)-float64(s.XMin.Mean) >= eps
}

func (d *HDDMA) meanDecr(confidence float64) bool {
	s := &d.s
	if s.XMax.N == s.Z.N {
		return false
	}
	zn, xn := float64(s.Z.N), float64(s.XMax.N)
	m := (zn - xn) / xn * (1.0 / zn)
	eps := math.Sqrt(m / 2 * math.Log(2.0/confidence))
	return float64(s.XMax.Mean)-float64(s.Z.Mean) >= eps
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *HDDMA) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindHDDMA, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *HDDMA) UnmarshalJSON(data []byte) error {
	var s hddmaState
	if err := unmarshalSnapshot(data, KindHDDMA, d.setParams, &s); err != nil {
		return err
	}
	if s.XMin.N > s.Z.N || s.XMax.N > s.Z.N || s.XMin.N < 0 || s.XMax.N < 0 {
		return invalidf("load HDDM_A: the cut points count more observations than the mean")
	}
	d.s = s
	return nil
}

func (d *HDDMA) setParams(raw json.RawMessage) error {
	p := DefaultHDDMAParams()
	if err := decodeParams(KindHDDMA, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}
