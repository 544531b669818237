package anomaly

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"

	"github.com/papersum/papersum/drift"
)

// Key names one series: a signal (for example "cost" or
// "latency.summarize") of one model.
type Key struct {
	Signal string `json:"signal"`
	Model  string `json:"model"`
}

// Anomaly is one alarm.
type Anomaly struct {
	Signal string `json:"signal"`
	Model  string `json:"model"`
	// Value is the observed value, in its own units.
	Value float64 `json:"value"`
	// Baseline is the centre of the window the value was scored against,
	// in the value's units: the mean (MethodZScore) or the median
	// (MethodRobust) — with Log, exp of the mean of the logarithms (the
	// geometric mean) or the median.
	Baseline float64 `json:"baseline"`
	// Score is the z-score (of the logarithm with Log): how many
	// (robust) standard deviations the value lies from the baseline;
	// positive above it.
	Score float64 `json:"score"`
	// Method is the scoring method.
	Method Method `json:"method"`
	// N is how many values the series has seen, this one included.
	N int `json:"n"`
}

// Detector watches many series, one rolling z-score detector
// (drift.RollingZ) per Key, created on the series' first value. It is
// pure and not safe for concurrent use: the caller serialises Observe
// (the monitor of one process is one goroutine's, or behind a mutex).
//
// An anomalous value enters the baseline like any other. This is a
// choice: a lasting change (a new model version that writes longer
// answers, a price change) becomes the new normal after about Window
// values instead of alarming every CoolDown values for ever, and the
// robust method keeps a single outlier from inflating the scale. The
// price is that a long incident slowly hides itself; the first alarm,
// and the cool-down's repeat if the step lasts, are what is reported.
type Detector struct {
	cfg    Config
	series map[Key]*drift.RollingZ
}

// New returns a Detector with no series, or the EINVALID error of
// cfg.Validate.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, series: map[Key]*drift.RollingZ{}}, nil
}

// Config returns the configuration.
func (d *Detector) Config() Config { return d.cfg }

// Keys returns the series seen so far, sorted by signal then model.
func (d *Detector) Keys() []Key {
	keys := make([]Key, 0, len(d.series))
	for k := range d.series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Signal, b.Signal), cmp.Compare(a.Model, b.Model))
}

// Observe feeds value x of series k and returns the anomaly it raises, if
// any. No decision is made before the series' window holds WarmUp
// values, nor within CoolDown values after its last alarm. A NaN or
// infinite x, or with Log an x ≤ 0, is an EINVALID error and changes
// nothing.
func (d *Detector) Observe(k Key, x float64) (Anomaly, bool, error) {
	v := x
	if d.cfg.Log {
		if !(x > 0) || math.IsInf(x, 1) {
			return Anomaly{}, false, invalidf("anomaly: %s of %q: a logarithmic series needs a finite value > 0, not %v", k.Signal, k.Model, x)
		}
		v = math.Log(x)
	}
	z, ok := d.series[k]
	if !ok {
		var err error
		if z, err = drift.NewRollingZ(d.cfg.params()); err != nil {
			return Anomaly{}, false, err // Validate has passed: not reached
		}
		d.series[k] = z
	}
	sig, err := z.Update(v)
	if err != nil {
		return Anomaly{}, false, invalidf("anomaly: %s of %q: %v", k.Signal, k.Model, err)
	}
	if !sig.Drift {
		return Anomaly{}, false, nil
	}
	st := z.Stats()
	center := st["center"]
	if d.cfg.Log {
		center = math.Exp(center)
	}
	return Anomaly{
		Signal: k.Signal, Model: k.Model, Value: x, Baseline: center,
		Score: z.Score(), Method: d.cfg.Method, N: int(st["n"]),
	}, true, nil
}

// Score returns the score of the last value of series k (NaN during the
// warm-up, against a constant window, or for a series not seen).
func (d *Detector) Score(k Key) float64 {
	if z, ok := d.series[k]; ok {
		return z.Score()
	}
	return math.NaN()
}

// stateVersion is the version of the JSON state; Load refuses others.
const stateVersion = 1

type state struct {
	Version int           `json:"version"`
	Config  Config        `json:"config"`
	Series  []seriesState `json:"series"`
}

type seriesState struct {
	Key
	// Detector is drift.Save's document: parameters and complete state.
	Detector json.RawMessage `json:"detector"`
}

// MarshalJSON returns the complete state — configuration and every
// series' window, counters and cool-down, series sorted by key — so that
// a restart (Load) continues exactly where this one stopped.
func (d *Detector) MarshalJSON() ([]byte, error) {
	st := state{Version: stateVersion, Config: d.cfg, Series: make([]seriesState, 0, len(d.series))}
	for _, k := range d.Keys() {
		raw, err := drift.Save(d.series[k])
		if err != nil {
			return nil, err
		}
		st.Series = append(st.Series, seriesState{Key: k, Detector: raw})
	}
	return json.Marshal(st)
}

// Load restores a Detector from MarshalJSON's document. A document of
// another version, with an invalid configuration, or whose series do not
// fit it, is an EINVALID error.
func Load(data []byte) (*Detector, error) {
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, invalidf("anomaly: load state: %v", err)
	}
	if st.Version != stateVersion {
		return nil, invalidf("anomaly: load state: version %d, want %d", st.Version, stateVersion)
	}
	d, err := New(st.Config)
	if err != nil {
		return nil, err
	}
	want := st.Config.params()
	for _, s := range st.Series {
		if _, dup := d.series[s.Key]; dup {
			return nil, invalidf("anomaly: load state: series %s of %q twice", s.Signal, s.Model)
		}
		det, err := drift.Load(s.Detector)
		if err != nil {
			return nil, invalidf("anomaly: load state: series %s of %q: %v", s.Signal, s.Model, err)
		}
		z, ok := det.(*drift.RollingZ)
		if !ok || z.Params() != want {
			return nil, invalidf("anomaly: load state: series %s of %q was not made by this configuration", s.Signal, s.Model)
		}
		d.series[s.Key] = z
	}
	return d, nil
}
