package anomaly

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum"
)

// The signals Monitor watches. Per-stage signals end in the stage's name
// ("tokens.summarize", "latency.revise").
const (
	// SignalCost is a run's cost in US dollars (Run.TotalCost).
	SignalCost = "cost"
	// SignalQuality is the overall score (0–10) of the run's first draft
	// (Run.Scores). Scores of different judges are not comparable, so
	// the judge's rubric version is part of the signal:
	// "quality:local-critique/2".
	SignalQuality = "quality"
)

// TokensSignal is the signal of a stage's tokens: every input token
// (cached or not) plus the output tokens.
func TokensSignal(stage papersum.Stage) string { return "tokens." + string(stage) }

// LatencySignal is the signal of a stage's latency, in seconds.
func LatencySignal(stage papersum.Stage) string { return "latency." + string(stage) }

// Signal families: each has its own Config in MonitorConfig.
const (
	FamilyCost    = "cost"
	FamilyTokens  = "tokens"
	FamilyLatency = "latency"
	FamilyQuality = "quality"
)

// Families are the signal families, in MonitorConfig's order.
var Families = []string{FamilyCost, FamilyTokens, FamilyLatency, FamilyQuality}

// Family returns the family of a signal ("latency.summarize" is
// "latency", "quality:local-critique/3" is "quality").
func Family(signal string) string {
	if i := strings.IndexAny(signal, ".:"); i >= 0 {
		return signal[:i]
	}
	return signal
}

// MonitorConfig configures a Monitor: one Config per signal family, so
// that each has its own threshold (and method, window, cool-down).
type MonitorConfig struct {
	// Cost scores the cost per run. Default DefaultConfig() with
	// Direction Up: a run that got cheaper is not an incident.
	Cost Config `json:"cost"`
	// Tokens scores the tokens of each stage. Default as Cost.
	Tokens Config `json:"tokens"`
	// Latency scores the latency of each stage. Default as Cost with
	// Threshold DefaultLatencyThreshold: stage latency carries the load
	// of the machine (and of the provider), whose spikes last longer
	// than a run (BENCHMARKS.md, "Anomaly detection", real runs).
	Latency Config `json:"latency"`
	// Quality scores the overall score. Default DefaultConfig() with
	// Direction Down, Log false (a score can be 0), Threshold
	// DefaultQualityThreshold, Window DefaultQualityWindow and WarmUp
	// DefaultQualityWarmUp: a judge's scores are discrete and lumpy, with
	// rare very low ones that a window of 100 often misses, so that its
	// standard deviation is too small.
	Quality Config `json:"quality"`
}

// Per-family thresholds of DefaultMonitorConfig, measured on replays of
// real local-engine runs (BENCHMARKS.md, "Anomaly detection") to keep
// under the documented 1 false alarm per 1,000 runs.
const (
	DefaultLatencyThreshold = 4.0
	DefaultQualityThreshold = 4.5
	DefaultQualityWindow    = 300
	DefaultQualityWarmUp    = 100
)

// DefaultMonitorConfig returns the defaults documented on MonitorConfig.
func DefaultMonitorConfig() MonitorConfig {
	c := DefaultConfig()
	c.Direction = Up
	l := c
	l.Threshold = DefaultLatencyThreshold
	q := DefaultConfig()
	q.Direction, q.Log, q.Threshold = Down, false, DefaultQualityThreshold
	q.Window, q.WarmUp = DefaultQualityWindow, DefaultQualityWarmUp
	return MonitorConfig{Cost: c, Tokens: c, Latency: l, Quality: q}
}

// Get returns the Config of a family (nil for an unknown one).
func (c *MonitorConfig) Get(family string) *Config {
	switch family {
	case FamilyCost:
		return &c.Cost
	case FamilyTokens:
		return &c.Tokens
	case FamilyLatency:
		return &c.Latency
	case FamilyQuality:
		return &c.Quality
	}
	return nil
}

// Validate reports the first invalid field, naming its family.
func (c MonitorConfig) Validate() error {
	for _, f := range Families {
		if err := c.Get(f).Validate(); err != nil {
			return invalidf("%s: %s", f, papersum.ErrorMessage(err))
		}
	}
	return nil
}

// Monitor feeds finished runs to the detectors: per model, the cost per
// run, the tokens and latency of each stage, and the overall quality.
// Like Detector it is pure and not safe for concurrent use.
//
// Only succeeded runs that made their model calls are fed: a failed run's
// partial usage and a cached run's zero cost are not what the series
// describe. A usage value ≤ 0 (the local engine costs nothing) is left
// out rather than scored on the logarithmic scale.
type Monitor struct {
	det map[string]*Detector // by family
}

// NewMonitor returns a Monitor, or the EINVALID error of cfg.Validate.
func NewMonitor(cfg MonitorConfig) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Monitor{det: map[string]*Detector{}}
	for _, f := range Families {
		d, err := New(*cfg.Get(f))
		if err != nil {
			return nil, err
		}
		m.det[f] = d
	}
	return m, nil
}

// Value is one value of a run, of one series.
type Value struct {
	Key
	X float64
}

// Values returns the values a run feeds, in the order cost, then per
// stage tokens and latency, then quality (none for a run that is not
// fed: failed, cached, without stages). Values ≤ 0 of a logarithmic
// family are left out.
func (m *Monitor) Values(run papersum.Run) []Value {
	if run.Status != papersum.RunSucceeded || run.Cached || len(run.Stages) == 0 {
		return nil
	}
	var out []Value
	add := func(k Key, x float64) {
		if m.det[Family(k.Signal)].cfg.Log && x <= 0 {
			return
		}
		out = append(out, Value{k, x})
	}
	model := runModel(run.Stages)
	add(Key{SignalCost, model}, run.TotalCost())
	for _, st := range run.Stages {
		sm := stageModel(st)
		add(Key{TokensSignal(st.Stage), sm}, float64(st.Usage.TotalInput()+st.Usage.OutputTokens))
		add(Key{LatencySignal(st.Stage), sm}, st.Latency.Seconds())
	}
	if run.Scores != nil {
		sig := SignalQuality
		if v := run.Scores.JudgeVersion; v != "" {
			sig += ":" + v
		}
		add(Key{sig, model}, run.Scores.Overall())
	}
	return out
}

// Observe feeds one finished run and returns the anomalies it raises, in
// the order of Values. Values that the detectors refuse (NaN, infinite)
// are skipped and reported in the error; the other values of the run are
// still fed.
func (m *Monitor) Observe(run papersum.Run) ([]Anomaly, error) {
	var out []Anomaly
	var errs []error
	for _, v := range m.Values(run) {
		a, ok, err := m.det[Family(v.Signal)].Observe(v.Key, v.X)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			out = append(out, a)
		}
	}
	return out, errors.Join(errs...)
}

// Score returns the last score of series k (NaN while it warms up or
// for a series not seen).
func (m *Monitor) Score(k Key) float64 {
	if d, ok := m.det[Family(k.Signal)]; ok {
		return d.Score(k)
	}
	return math.NaN()
}

// Keys returns every series seen, by family then signal and model.
func (m *Monitor) Keys() []Key {
	var out []Key
	for _, f := range Families {
		out = append(out, m.det[f].Keys()...)
	}
	return out
}

// stageModel names a stage's model as "provider/model".
func stageModel(st papersum.StageResult) string { return st.Provider + "/" + st.Model }

// runModel names the models of a run: the stages' models in stage order,
// each once, joined by "+" ("local/extractive" when every stage used it).
func runModel(stages []papersum.StageResult) string {
	var names []string
	for _, st := range stages {
		n := stageModel(st)
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, "+")
}

// MarshalJSON returns every family's detector state, by family.
func (m *Monitor) MarshalJSON() ([]byte, error) {
	return json.Marshal(m.det)
}

// LoadMonitor restores a Monitor from MarshalJSON's document (EINVALID if
// it is not one, or lacks a family; see Load).
func LoadMonitor(data []byte) (*Monitor, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, invalidf("anomaly: load monitor: %v", err)
	}
	m := &Monitor{det: map[string]*Detector{}}
	for _, f := range Families {
		if len(raw[f]) == 0 {
			return nil, invalidf("anomaly: load monitor: no %s detector", f)
		}
		d, err := Load(raw[f])
		if err != nil {
			return nil, err
		}
		m.det[f] = d
	}
	return m, nil
}
