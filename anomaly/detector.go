package anomaly

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"

	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/stats"
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
	// Value is the observed value that raised the alarm, in its own
	// units.
	Value float64 `json:"value"`
	// Recent is the mean of the Recent newest values that were scored
	// (Value among them), in the value's units; with Log, their
	// geometric mean. Equal to Value when Recent is 1.
	Recent float64 `json:"recent"`
	// Baseline is the centre of the window they were scored against, in
	// the value's units: the mean (MethodZScore) or the median
	// (MethodRobust); with Log, exp of the mean of the logarithms (the
	// geometric mean) or the median.
	Baseline float64 `json:"baseline"`
	// Score is the z-score (of the logarithms with Log): how many
	// standard errors the recent mean lies from the baseline; positive
	// above it.
	Score float64 `json:"score"`
	// Method is the scoring method.
	Method Method `json:"method"`
	// Direction is the side of the baseline the recent values lie on:
	// Up (Score > 0) or Down.
	Direction Direction `json:"direction"`
	// N is how many values the series has seen, this one included.
	N int `json:"n"`
}

// Detector watches many series, one rolling baseline per Key, created on
// the series' first value. It is pure and not safe for concurrent use:
// the caller serialises Observe.
//
// Each series keeps its Recent newest values apart from the baseline
// window (the Window values before them). The scoring is drift's: ZMap
// (scipy.stats.zmap, checked against SciPy's vectors) or RobustZMap of
// the recent mean against the window. drift.RollingZ is not used
// because it scores one value against the window just before it, and
// cannot score the mean of several against the window before them all.
//
// An anomalous value enters the baseline like any other, once Recent
// newer values have come. This is a choice: a lasting change (a new
// model version that writes longer answers, a price change) becomes the
// new normal after about Window values instead of alarming every
// CoolDown values for ever, and the robust method keeps a few outliers
// from inflating the scale. The price is that a long incident slowly
// hides itself; the first alarm, and the cool-down's repeats while the
// change is new, are what is reported.
type Detector struct {
	cfg    Config
	series map[Key]*series
}

// series is one Key's state, on the scoring scale (logarithms with Log).
type series struct {
	// N counts the values seen.
	N int
	// Window is the baseline, oldest first; Recent the newest values,
	// oldest first, which join Window as newer ones arrive.
	Window, Recent []float64
	// Score is the last value's score (NaN if none).
	Score float64
	// Sorted is Window in ascending order, kept for MethodRobust only
	// (derived, not saved): RobustZMap sorts its reference, and Go's
	// pattern-defeating quicksort takes an already sorted one in linear
	// time, so keeping it sorted by insertion saves a sort per value.
	Sorted []float64
	// CoolDownLeft is how many more values the cool-down silences, and
	// CoolDownScore the score of the alarm that started it.
	CoolDownLeft  int
	CoolDownScore float64
}

// New returns a Detector with no series, or the EINVALID error of
// cfg.Validate.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, series: map[Key]*series{}}, nil
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
// any. Nothing is scored before the series holds WarmUp values in its
// window and Recent values apart; no alarm is raised within CoolDown
// values after the series' last one, unless its score is at least twice
// that alarm's (escalation). A NaN or infinite x, or with Log
// an x ≤ 0, is an EINVALID error and changes nothing.
func (d *Detector) Observe(k Key, x float64) (Anomaly, bool, error) {
	v := x
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Anomaly{}, false, invalidf("anomaly: %s of %q: the value must be a finite number, not %v", k.Signal, k.Model, x)
	}
	if d.cfg.Log {
		if x <= 0 {
			return Anomaly{}, false, invalidf("anomaly: %s of %q: a logarithmic series needs a value > 0, not %v", k.Signal, k.Model, x)
		}
		v = math.Log(x)
	}
	s, ok := d.series[k]
	if !ok {
		s = &series{Window: make([]float64, 0, d.cfg.Window), Recent: make([]float64, 0, d.cfg.Recent)}
		d.series[k] = s
	}
	s.N++
	s.push(v, d.cfg, d.cfg.Method == MethodRobust)
	s.Score = math.NaN()
	if len(s.Window) < d.cfg.WarmUp || len(s.Recent) < d.cfg.Recent {
		return Anomaly{}, false, nil
	}
	mean, score := d.score(s)
	s.Score = score
	if !d.cfg.alarms(score) {
		s.coolDown()
		return Anomaly{}, false, nil
	}
	if s.CoolDownLeft > 0 && math.Abs(score) < escalation*math.Abs(s.CoolDownScore) {
		s.coolDown()
		return Anomaly{}, false, nil
	}
	s.CoolDownLeft, s.CoolDownScore = d.cfg.CoolDown, score
	center := d.center(s)
	if d.cfg.Log {
		mean, center = math.Exp(mean), math.Exp(center)
	}
	dir := Up
	if score < 0 {
		dir = Down
	}
	return Anomaly{
		Signal: k.Signal, Model: k.Model, Value: x, Recent: mean, Baseline: center,
		Score: score, Method: d.cfg.Method, Direction: dir, N: s.N,
	}, true, nil
}

// escalation: during a cool-down, a score at least this many times the
// one that started it alarms again (and restarts the cool-down), so that
// a false alarm's cool-down does not hide a real incident that follows,
// nor a small incident a much larger one.
const escalation = 2

func (s *series) coolDown() {
	if s.CoolDownLeft > 0 {
		s.CoolDownLeft--
	}
}

// push adds v to Recent, moving the oldest recent value into the window
// (and the oldest window value out) when Recent is full.
// sorted says whether to keep Sorted in step.
func (s *series) push(v float64, cfg Config, sorted bool) {
	if len(s.Recent) == cfg.Recent {
		old := s.Recent[0]
		s.Recent = append(s.Recent[:0], s.Recent[1:]...)
		if len(s.Window) == cfg.Window {
			if sorted {
				i, _ := slices.BinarySearch(s.Sorted, s.Window[0])
				s.Sorted = slices.Delete(s.Sorted, i, i+1)
			}
			s.Window = append(s.Window[:0], s.Window[1:]...)
		}
		s.Window = append(s.Window, old)
		if sorted {
			i, _ := slices.BinarySearch(s.Sorted, old)
			s.Sorted = slices.Insert(s.Sorted, i, old)
		}
	}
	s.Recent = append(s.Recent, v)
}

// score returns the recent mean and its score: the mean's z against the
// window times √Recent, the standard error of a mean of Recent values. A
// constant window scores NaN, which never alarms.
func (d *Detector) score(s *series) (mean, score float64) {
	mean = s.Recent[0] // Recent = 1: bit for bit scipy's zmap of the value
	if n := len(s.Recent); n > 1 {
		mean = stats.Sum(s.Recent) / float64(n)
	}
	var z []float64
	if d.cfg.Method == MethodRobust {
		z = drift.RobustZMap([]float64{mean}, s.Sorted) // median and MAD: order-free
	} else {
		z = drift.ZMap([]float64{mean}, s.Window, d.cfg.DDoF, drift.Propagate)
	}
	return mean, z[0] * math.Sqrt(float64(len(s.Recent)))
}

// center is the window's mean (MethodZScore) or median (MethodRobust),
// for the report of an alarm.
func (d *Detector) center(s *series) float64 {
	if d.cfg.Method == MethodZScore {
		return stats.Sum(s.Window) / float64(len(s.Window))
	}
	w := s.Sorted
	n := len(w)
	if n%2 == 1 {
		return w[n/2]
	}
	return (w[n/2-1] + w[n/2]) / 2
}

// Score returns the score of the last value of series k (NaN while it
// warms up, against a constant window, or for a series not seen).
func (d *Detector) Score(k Key) float64 {
	if s, ok := d.series[k]; ok {
		return s.Score
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
	N            int       `json:"n"`
	Window       []float64 `json:"window"`
	Recent       []float64 `json:"recent"`
	CoolDownLeft int       `json:"cool_down_left"`
	// CoolDownScore is 0 when there was no alarm yet.
	CoolDownScore float64 `json:"cool_down_score"`
}

// MarshalJSON returns the complete state — the configuration and, for
// every series sorted by key, its count, window, recent values (on the
// scoring scale: logarithms with Log) and cool-down — so that a restart
// (Load) continues exactly where this one stopped.
func (d *Detector) MarshalJSON() ([]byte, error) {
	st := state{Version: stateVersion, Config: d.cfg, Series: make([]seriesState, 0, len(d.series))}
	for _, k := range d.Keys() {
		s := d.series[k]
		st.Series = append(st.Series, seriesState{Key: k, N: s.N, Window: s.Window, Recent: s.Recent, CoolDownLeft: s.CoolDownLeft, CoolDownScore: s.CoolDownScore})
	}
	return json.Marshal(st)
}

// Load restores a Detector from MarshalJSON's document. A document of
// another version, with an invalid configuration, or whose series do not
// fit it (a window or recent list too long, a value that is not finite,
// a cool-down out of range, a series twice) is an EINVALID error.
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
	c := st.Config
	for _, ss := range st.Series {
		s := &series{N: ss.N, Window: ss.Window, Recent: ss.Recent, CoolDownLeft: ss.CoolDownLeft, CoolDownScore: ss.CoolDownScore}
		if _, dup := d.series[ss.Key]; dup {
			return nil, invalidf("anomaly: load state: series %s of %q twice", ss.Signal, ss.Model)
		}
		ok := len(s.Window) <= c.Window && len(s.Recent) <= c.Recent &&
			(len(s.Window) == 0 || len(s.Recent) == c.Recent) &&
			s.N >= len(s.Window)+len(s.Recent) && s.CoolDownLeft >= 0 && s.CoolDownLeft <= c.CoolDown
		for _, v := range append(slices.Concat(s.Window, s.Recent), s.CoolDownScore) {
			ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
		}
		if !ok {
			return nil, invalidf("anomaly: load state: series %s of %q does not fit the configuration", ss.Signal, ss.Model)
		}
		s.Window = append(make([]float64, 0, c.Window), s.Window...)
		s.Recent = append(make([]float64, 0, c.Recent), s.Recent...)
		s.Score = math.NaN()
		if c.Method == MethodRobust {
			s.Sorted = slices.Sorted(slices.Values(s.Window))
		}
		d.series[ss.Key] = s
	}
	return d, nil
}
