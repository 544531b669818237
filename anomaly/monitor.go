package anomaly

import (
	"encoding/json"
	"errors"
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

// MonitorConfig configures a Monitor: one Config for the usage signals
// (cost, tokens, latency) and one for quality.
type MonitorConfig struct {
	// Usage scores cost, tokens and latency. Default DefaultConfig()
	// with Direction Up: a run that got cheaper or faster is not an
	// incident.
	Usage Config `json:"usage"`
	// Quality scores the overall score. Default DefaultConfig() with
	// Direction Down and Log false (a score can be 0).
	Quality Config `json:"quality"`
}

// DefaultMonitorConfig returns the defaults documented on MonitorConfig.
func DefaultMonitorConfig() MonitorConfig {
	u, q := DefaultConfig(), DefaultConfig()
	u.Direction = Up
	q.Direction, q.Log = Down, false
	return MonitorConfig{Usage: u, Quality: q}
}

// Validate reports the first invalid field, naming its section.
func (c MonitorConfig) Validate() error {
	if err := c.Usage.Validate(); err != nil {
		return invalidf("usage: %v", err)
	}
	if err := c.Quality.Validate(); err != nil {
		return invalidf("quality: %v", err)
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
	usage, quality *Detector
}

// NewMonitor returns a Monitor, or the EINVALID error of cfg.Validate.
func NewMonitor(cfg MonitorConfig) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := New(cfg.Usage)
	if err != nil {
		return nil, err
	}
	q, err := New(cfg.Quality)
	if err != nil {
		return nil, err
	}
	return &Monitor{usage: u, quality: q}, nil
}

// Observe feeds one finished run and returns the anomalies it raises, in
// the order cost, then per stage tokens and latency, then quality. Values
// that the detectors refuse (NaN, infinite) are skipped and reported in
// the error; the other values of the run are still fed.
func (m *Monitor) Observe(run papersum.Run) ([]Anomaly, error) {
	if run.Status != papersum.RunSucceeded || run.Cached || len(run.Stages) == 0 {
		return nil, nil
	}
	var out []Anomaly
	var errs []error
	feed := func(d *Detector, k Key, x float64) {
		if d.cfg.Log && x <= 0 {
			return
		}
		a, ok, err := d.Observe(k, x)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			out = append(out, a)
		}
	}
	model := runModel(run.Stages)
	feed(m.usage, Key{SignalCost, model}, run.TotalCost())
	for _, st := range run.Stages {
		sm := stageModel(st)
		feed(m.usage, Key{TokensSignal(st.Stage), sm}, float64(st.Usage.TotalInput()+st.Usage.OutputTokens))
		feed(m.usage, Key{LatencySignal(st.Stage), sm}, st.Latency.Seconds())
	}
	if run.Scores != nil {
		sig := SignalQuality
		if v := run.Scores.JudgeVersion; v != "" {
			sig += ":" + v
		}
		feed(m.quality, Key{sig, model}, run.Scores.Overall())
	}
	return out, errors.Join(errs...)
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

type monitorState struct {
	Usage   *Detector `json:"usage"`
	Quality *Detector `json:"quality"`
}

// MarshalJSON returns both detectors' complete state.
func (m *Monitor) MarshalJSON() ([]byte, error) {
	return json.Marshal(monitorState{Usage: m.usage, Quality: m.quality})
}

// LoadMonitor restores a Monitor from MarshalJSON's document (EINVALID if
// it is not one; see Load).
func LoadMonitor(data []byte) (*Monitor, error) {
	var raw struct {
		Usage   json.RawMessage `json:"usage"`
		Quality json.RawMessage `json:"quality"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, invalidf("anomaly: load monitor: %v", err)
	}
	u, err := Load(raw.Usage)
	if err != nil {
		return nil, err
	}
	q, err := Load(raw.Quality)
	if err != nil {
		return nil, err
	}
	return &Monitor{usage: u, quality: q}, nil
}
