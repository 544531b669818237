package drift

import (
	"encoding/json"
	"math"
)

// ADWINParams are river.drift.ADWIN's parameters, under river's names.
type ADWINParams struct {
	// Delta is the confidence value δ of the cut test. Default 0.002.
	Delta float64 `json:"delta"`
	// Clock is how often, in updates, the window is checked for a cut.
	// Default 32: detections fall only on every 32nd update after a
	// (re)start (indices 31, 63, ...).
	Clock int `json:"clock"`
	// MaxBuckets is how many buckets of each size the exponential
	// histogram keeps before merging the two oldest. Default 5.
	MaxBuckets int `json:"max_buckets"`
	// MinWindowLength is the smallest size of either sub-window for a cut
	// to be tested. Default 5.
	MinWindowLength int `json:"min_window_length"`
	// GracePeriod is the window width that must be exceeded before the
	// window is checked. Default 10.
	GracePeriod int `json:"grace_period"`
}

// DefaultADWINParams returns river's defaults.
func DefaultADWINParams() ADWINParams {
	return ADWINParams{Delta: 0.002, Clock: 32, MaxBuckets: 5, MinWindowLength: 5, GracePeriod: 10}
}

func (p ADWINParams) validate() error {
	switch {
	case !finite(p.Delta) || p.Delta <= 0 || p.Delta >= 1:
		return invalidf("ADWIN: delta must be in (0, 1), not %v", p.Delta)
	case p.Clock < 1:
		return invalidf("ADWIN: clock must be at least 1, not %d", p.Clock)
	case p.MaxBuckets < 1:
		return invalidf("ADWIN: max_buckets must be at least 1, not %d", p.MaxBuckets)
	case p.MinWindowLength < 1:
		return invalidf("ADWIN: min_window_length must be at least 1, not %d", p.MinWindowLength)
	case p.GracePeriod < 0:
		return invalidf("ADWIN: grace_period must not be negative, not %d", p.GracePeriod)
	}
	return nil
}

// ADWIN is river's adaptive windowing detector: river 0.19's wrapper over
// the AdaptiveWindowing core of river 0.24.1 (the MOA-compliant cut
// search, which also tests the newest bucket of every row but the
// first). Per update the value enters an exponential histogram of
// buckets; every Clock updates, once the window is wider than
// GracePeriod, every split of the window into an older W0 and a newer W1
// is tested with the Hoeffding-style bound ε of Bifet & Gavaldà (2007),
// and the oldest bucket is dropped while a split differs by more than ε.
// As in river, the whole window is discarded at the next update after a
// detection. No warnings.
type ADWIN struct {
	p ADWINParams
	s adwinState
}

// adwinState mirrors AdaptiveWindowing's fields. Rows[i] holds the
// buckets of 2^i elements, oldest first, each as [total, variance].
type adwinState struct {
	Total       jfloat        `json:"total"`
	Variance    jfloat        `json:"variance"`
	Width       jfloat        `json:"width"`
	Tick        int           `json:"tick"`
	NDetections int           `json:"n_detections"`
	Rows        [][][2]jfloat `json:"rows"`
	Drift       bool          `json:"drift_detected"`
}

// NewADWIN returns an ADWIN detector, or an EINVALID error for invalid
// parameters.
func NewADWIN(p ADWINParams) (*ADWIN, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	d := &ADWIN{p: p}
	d.Reset()
	return d, nil
}

// Params returns the parameters.
func (d *ADWIN) Params() ADWINParams { return d.p }

// Kind implements Detector.
func (d *ADWIN) Kind() Kind { return KindADWIN }

// Reset implements Detector.
func (d *ADWIN) Reset() { d.s = adwinState{Rows: [][][2]jfloat{{}}} }

// Last implements Detector.
func (d *ADWIN) Last() Signal { return Signal{Drift: d.s.Drift} }

// Width is the current window width.
func (d *ADWIN) Width() float64 { return float64(d.s.Width) }

// Estimation is the mean of the window (0 when it is empty).
func (d *ADWIN) Estimation() float64 {
	if d.s.Width == 0 {
		return 0
	}
	return float64(d.s.Total) / float64(d.s.Width)
}

// Stats implements Detector: width, total, variance (the sum of squared
// deviations of the window, not divided), estimation, n_detections.
func (d *ADWIN) Stats() map[string]float64 {
	return map[string]float64{
		"width": float64(d.s.Width), "total": float64(d.s.Total), "variance": float64(d.s.Variance),
		"estimation": d.Estimation(), "n_detections": float64(d.s.NDetections),
	}
}

// Update implements Detector.
func (d *ADWIN) Update(x float64) (Signal, error) {
	if err := checkReal(KindADWIN, x); err != nil {
		return d.Last(), err
	}
	if d.s.Drift {
		d.Reset()
	}
	d.insert(x)
	d.s.Drift = d.detectChange()
	return d.Last(), nil
}

func (d *ADWIN) insert(value float64) {
	s := &d.s
	s.Rows[0] = append(s.Rows[0], [2]jfloat{jfloat(value), 0})
	w := float64(s.Width) + 1
	s.Width = jfloat(w)
	inc := 0.0
	if w > 1.0 {
		m := float64(s.Total) / (w - 1.0)
		inc = (w - 1.0) * (value - m) * (value - m) / w
	}
	s.Variance += jfloat(inc)
	s.Total += jfloat(value)
	d.compress()
}

// compress merges the two oldest buckets of a row that holds
// MaxBuckets+1 into one bucket of the next row, cascading upwards.
func (d *ADWIN) compress() {
	s := &d.s
	for idx := 0; idx < len(s.Rows); idx++ {
		row := s.Rows[idx]
		if len(row) != d.p.MaxBuckets+1 {
			break
		}
		if idx+1 == len(s.Rows) {
			s.Rows = append(s.Rows, nil)
		}
		n1 := float64(int64(1) << idx)
		t0, t1 := float64(row[0][0]), float64(row[1][0])
		mu1, mu2 := t0/n1, t1/n1
		temp := n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
		v12 := float64(row[0][1]) + float64(row[1][1]) + temp
		s.Rows[idx+1] = append(s.Rows[idx+1], [2]jfloat{jfloat(t0 + t1), jfloat(v12)})
		s.Rows[idx] = append(row[:0], row[2:]...)
		if len(s.Rows[idx+1]) <= d.p.MaxBuckets {
			break
		}
	}
}

// deleteOldest drops the oldest bucket (first of the last row) and
// returns its size.
func (d *ADWIN) deleteOldest() float64 {
	s := &d.s
	last := len(s.Rows) - 1
	row := s.Rows[last]
	n := float64(int64(1) << last)
	u := float64(row[0][0])
	mu := u / n
	v := float64(row[0][1])
	w := float64(s.Width) - n
	total := float64(s.Total) - u
	s.Width, s.Total = jfloat(w), jfloat(total)
	muWindow := total / w
	inc := v + n*w*(mu-muWindow)*(mu-muWindow)/(n+w)
	s.Variance -= jfloat(inc)
	s.Rows[last] = append(row[:0], row[1:]...)
	if len(s.Rows[last]) == 0 {
		s.Rows = s.Rows[:last]
	}
	return n
}

func (d *ADWIN) detectChange() bool {
	s := &d.s
	change := false
	s.Tick++
	if s.Tick%d.p.Clock == 0 && float64(s.Width) > float64(d.p.GracePeriod) {
		mwl := float64(d.p.MinWindowLength)
		for reduce := true; reduce; {
			reduce = false
			exit := false
			n0, n1 := 0.0, float64(s.Width)
			u0, u1 := 0.0, float64(s.Total)
			for idx := len(s.Rows) - 1; idx >= 0 && !exit; idx-- {
				row := s.Rows[idx]
				size := float64(int64(1) << idx)
				for k := 0; k < len(row); k++ {
					// river also updates the variances of W0 and W1 here;
					// no decision uses them (the bound takes the variance
					// of the whole window), so they are left out.
					n0 += size
					n1 -= size
					u0 += float64(row[k][0])
					u1 -= float64(row[k][0])
					if idx == 0 && k == len(row)-1 {
						exit = true
						break
					}
					deltaMean := u0/n0 - u1/n1
					if n1 >= mwl && n0 >= mwl && d.cut(n0, n1, deltaMean) {
						reduce = true
						change = true
						if s.Width > 0 {
							n0 -= d.deleteOldest()
							exit = true
							break
						}
					}
				}
			}
		}
	}
	if change {
		s.NDetections++
	}
	return change
}

// cut is AdaptiveWindowing._evaluate_cut: |μ0 - μ1| > ε with
// ε = sqrt(2·m·σ²·δ') + 2/3·δ'·m, m = 1/(n0-mwl+1) + 1/(n1-mwl+1),
// δ' = ln(2·ln(width)/δ) and σ² the variance of the whole window.
func (d *ADWIN) cut(n0, n1, deltaMean float64) bool {
	w := float64(d.s.Width)
	mwl := float64(d.p.MinWindowLength)
	deltaPrime := math.Log(2 * math.Log(w) / d.p.Delta)
	m := 1.0/(n0-mwl+1) + 1.0/(n1-mwl+1)
	eps := math.Sqrt(2*m*(float64(d.s.Variance)/w)*deltaPrime) + 2.0/3.0*deltaPrime*m
	return math.Abs(deltaMean) > eps
}

// MarshalJSON implements json.Marshaler (see Save).
func (d *ADWIN) MarshalJSON() ([]byte, error) { return marshalSnapshot(KindADWIN, d.p, d.s) }

// UnmarshalJSON implements json.Unmarshaler (see Load).
func (d *ADWIN) UnmarshalJSON(data []byte) error {
	var s adwinState
	if err := unmarshalSnapshot(data, KindADWIN, d.setParams, &s); err != nil {
		return err
	}
	if len(s.Rows) == 0 {
		return invalidf("load ADWIN: state has no bucket rows")
	}
	var width float64
	for i, row := range s.Rows {
		if len(row) > d.p.MaxBuckets {
			return invalidf("load ADWIN: bucket row %d holds %d buckets, more than max_buckets %d", i, len(row), d.p.MaxBuckets)
		}
		width += float64(len(row)) * float64(int64(1)<<i)
	}
	if width != float64(s.Width) || s.Tick < 0 {
		return invalidf("load ADWIN: the buckets hold %v elements but the state says width %v", width, float64(s.Width))
	}
	d.s = s
	return nil
}

func (d *ADWIN) setParams(raw json.RawMessage) error {
	p := DefaultADWINParams()
	if err := decodeParams(KindADWIN, raw, &p); err != nil {
		return err
	}
	if err := p.validate(); err != nil {
		return err
	}
	d.p = p
	d.Reset()
	return nil
}
