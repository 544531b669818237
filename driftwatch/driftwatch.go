package driftwatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/drift/signals"
)

// EventType is the type of the webhook event a detection sends.
const EventType = "drift.detected"

// DefaultSaveEvery is Config.SaveEvery's default.
const DefaultSaveEvery = 5 * time.Second

// Papers reads the paper of a run, for its input signals.
type Papers interface {
	GetPaper(ctx context.Context, id string) (*papersum.Paper, error)
}

// Notifier sends a signed webhook; webhook.Sender is one.
type Notifier interface {
	Deliver(ctx context.Context, rawURL, id string, payload any) error
}

// Config configures a Monitor.
type Config struct {
	// Store keeps the detectors' state and the detections. Required.
	Store papersum.DriftStore
	// Papers gives a run's paper, for the input signals. Default nil: no
	// input signals unless Observe is handed the paper.
	Papers Papers
	// Registerer registers the metrics. Default nil: no metrics.
	Registerer prometheus.Registerer
	// Logger logs detections. Default: discard.
	Logger *slog.Logger
	// Clock stamps states and events. Default: the system clock.
	Clock papersum.Clock
	// Notifier and WebhookURL send each detection as a signed webhook
	// (EventType). Default none: detections are counted, logged and
	// stored only.
	Notifier   Notifier
	WebhookURL string
	// Detectors maps a signal kind to the detector kind watching it, and
	// Params a detector kind to its parameters (JSON, river's names).
	// Default signals.Kind.DefaultDetector with river's defaults.
	Detectors map[signals.Kind]drift.Kind
	Params    map[drift.Kind]json.RawMessage
	// Signals, when set, restricts the watched signals to these names.
	// Default: every numeric and binary signal.
	Signals []string
	// Extract tunes the extraction (the quality threshold). Default
	// signals' defaults.
	Extract signals.Options
	// NewID names an event. Default: "drift_" and 16 random hex digits.
	NewID func() string
	// SaveEvery is how often the detectors' state is saved: at the first
	// run that finishes SaveEvery or more after the last save, at every
	// detection, and at Close. A crash (not a shutdown) loses the values
	// seen since the last save. 0 saves after every run, which costs a
	// store transaction per run (BENCHMARKS.md). Default 5s.
	SaveEvery time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	if c.Detectors == nil {
		c.Detectors = map[signals.Kind]drift.Kind{
			signals.Numeric: signals.Numeric.DefaultDetector(),
			signals.Binary:  signals.Binary.DefaultDetector(),
		}
	}
	if c.SaveEvery == 0 {
		c.SaveEvery = DefaultSaveEvery
	} else if c.SaveEvery < 0 {
		c.SaveEvery = 0
	}
	if c.NewID == nil {
		c.NewID = func() string {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return "drift_" + hex.EncodeToString(b[:])
		}
	}
	return c
}

func (c Config) validate() error {
	if c.Store == nil {
		return papersum.Errorf(papersum.EINVALID, "driftwatch: a store is required")
	}
	if (c.Notifier == nil) != (c.WebhookURL == "") {
		return papersum.Errorf(papersum.EINVALID, "driftwatch: a webhook needs both a URL and a signing sender")
	}
	for sk, dk := range c.Detectors {
		if sk == signals.Categorical {
			return papersum.Errorf(papersum.EINVALID, "driftwatch: categorical signals have no streaming detector")
		}
		if dk.Binary() != (sk == signals.Binary) {
			return papersum.Errorf(papersum.EINVALID, "driftwatch: detector %s cannot watch %s signals", dk, sk)
		}
		if _, err := drift.New(dk, c.Params[dk]); err != nil {
			return papersum.Errorf(papersum.EINVALID, "driftwatch: detector %s: %v", dk, err)
		}
	}
	for _, name := range c.Signals {
		if d, ok := signals.Lookup(name); !ok || !d.Streaming() {
			return papersum.Errorf(papersum.EINVALID, "driftwatch: %q is not a numeric or binary signal", name)
		}
	}
	return nil
}

// key names one detector.
type key struct{ signal, model, detector string }

// entry is one live detector.
type entry struct {
	det   drift.Detector
	n     int64
	since time.Time
	// at is when it last saw a value; dirty that it changed since it was
	// last saved.
	at    time.Time
	dirty bool
}

// Monitor keeps the streaming detectors. It is safe for concurrent use.
type Monitor struct {
	cfg     Config
	watched map[string]signals.Def

	mu       sync.Mutex
	dets     map[key]*entry
	lastSave time.Time

	detected  *prometheus.CounterVec
	statistic *prometheus.GaugeVec

	// sends are the webhooks in flight, on base, which Close cancels.
	sends  sync.WaitGroup
	base   context.Context
	cancel context.CancelFunc
}

// New builds a Monitor and restores the detectors saved in the store.
func New(ctx context.Context, cfg Config) (*Monitor, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Monitor{cfg: cfg, watched: map[string]signals.Def{}, dets: map[key]*entry{}}
	m.base, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	m.lastSave = cfg.Clock.Now()
	for _, d := range signals.Defs() {
		if d.Streaming() {
			m.watched[d.Name] = d
		}
	}
	if len(cfg.Signals) > 0 {
		keep := map[string]signals.Def{}
		for _, n := range cfg.Signals {
			keep[n] = m.watched[n]
		}
		m.watched = keep
	}
	m.detected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pipeline_drift_detected_total",
		Help: "Drifts detected by serve's streaming detectors, by signal and detector."}, []string{"signal", "detector"})
	m.statistic = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "pipeline_drift_statistic",
		Help: "Current statistic of each streaming drift detector (ADWIN: the window's mean; HDDM_A: the mean of the values; see the README)."},
		[]string{"signal", "detector", "model"})
	// Every watched signal's counter starts at zero, so that alerts and
	// dashboards find the series before the first detection.
	for name, def := range m.watched {
		if dk := cfg.Detectors[def.Kind]; dk != "" {
			m.detected.WithLabelValues(name, string(dk))
		}
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{m.detected, m.statistic} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("driftwatch: register metrics: %w", err)
			}
		}
	}
	states, err := cfg.Store.DriftStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("driftwatch: load detectors: %w", err)
	}
	for _, st := range states {
		det, err := drift.Load(st.State)
		if err != nil {
			cfg.Logger.Warn("drift detector state unreadable; starting it afresh", "signal", st.Signal, "model", st.Model, "detector", st.Detector, "err", err)
			continue
		}
		m.dets[key{st.Signal, st.Model, st.Detector}] = &entry{det: det, n: st.Observations, since: st.Since, at: st.UpdatedAt}
		m.statistic.WithLabelValues(st.Signal, st.Detector, st.Model).Set(Statistic(det))
	}
	return m, nil
}

// Close saves the detectors that changed since the last save, stops the
// webhooks in flight (a delivery's retries can take minutes; what was
// detected is in the store and the log) and waits for them to return.
func (m *Monitor) Close() {
	ctx, cancel := context.WithTimeout(m.base, 10*time.Second)
	defer cancel()
	m.mu.Lock()
	if err := m.save(ctx); err != nil {
		m.cfg.Logger.Error("drift: save detectors at shutdown", "err", err)
	}
	m.mu.Unlock()
	m.cancel()
	m.sends.Wait()
}

// Flush saves the detectors that changed since the last save.
func (m *Monitor) Flush(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.save(ctx)
}

// save writes the changed detectors in one store call; m.mu is held.
func (m *Monitor) save(ctx context.Context) error {
	var states []papersum.DriftState
	var saved []*entry
	for k, e := range m.dets {
		if !e.dirty {
			continue
		}
		raw, err := drift.Save(e.det)
		if err != nil {
			return fmt.Errorf("drift: save %s/%s: %w", k.signal, k.detector, err)
		}
		states = append(states, papersum.DriftState{Signal: k.signal, Model: k.model, Detector: k.detector,
			State: raw, Observations: e.n, Since: e.since, UpdatedAt: e.at})
		saved = append(saved, e)
	}
	m.lastSave = m.cfg.Clock.Now()
	if len(states) == 0 {
		return nil
	}
	if err := m.cfg.Store.PutDriftStates(ctx, states); err != nil {
		return err
	}
	for _, e := range saved {
		e.dirty = false
	}
	return nil
}

// Model is the model a run's detectors are kept for: "provider/model"
// of its summarize stage (the model that answered it), else of its first
// stage, else "none" (a run that failed before any stage).
func Model(run *papersum.Run) string {
	for _, st := range run.Stages {
		if st.Stage == papersum.StageSummarize {
			return st.Provider + "/" + st.Model
		}
	}
	if len(run.Stages) > 0 {
		return run.Stages[0].Provider + "/" + run.Stages[0].Model
	}
	return "none"
}

// Statistic is the value a detector exports as its current statistic:
// ADWIN's estimate (the window's mean), HDDM_A's mean of the values, DDM's
// error rate, EDDM's mean distance between errors, KSWIN's KS statistic,
// Page-Hinkley's larger cumulative sum, CUSUM's larger sum, RollingZ's z.
func Statistic(d drift.Detector) float64 {
	s := d.Stats()
	switch d.Kind() {
	case drift.KindADWIN:
		return s["estimation"]
	case drift.KindHDDMA:
		return s["z_mean"]
	case drift.KindDDM:
		return s["p"]
	case drift.KindEDDM:
		return s["dist_mean"]
	case drift.KindKSWIN:
		return s["statistic"]
	case drift.KindPageHinkley:
		return math.Max(s["sum_increase"]-s["min_increase"], s["max_decrease"]-s["sum_decrease"])
	case drift.KindCUSUM:
		return math.Max(s["s_h"], s["s_l"])
	}
	return s["z"]
}

// Observe updates the detectors with the signals of a finished run and
// saves their state. paper may be nil: it is then read through
// Config.Papers when there is one. A cached run, which made no model
// call, is skipped. Each detection is handled as the package doc says;
// the webhook is sent in the background (Close waits for it).
func (m *Monitor) Observe(ctx context.Context, paper *papersum.Paper, run *papersum.Run) error {
	if run == nil || run.Cached || !run.Status.Finished() || run.Status == papersum.RunCanceled {
		return nil
	}
	if paper == nil && m.cfg.Papers != nil && run.PaperID != "" {
		p, err := m.cfg.Papers.GetPaper(ctx, run.PaperID)
		if err != nil {
			m.cfg.Logger.Warn("drift: read the run's paper; no input signals", "run", run.ID, "err", err)
		} else {
			paper = p
		}
	}
	values := signals.Extract(paper, run, m.cfg.Extract)
	model := Model(run)
	now := m.cfg.Clock.Now().UTC()
	at := now
	if run.FinishedAt != nil {
		at = run.FinishedAt.UTC()
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	var events []*papersum.DriftEvent
	for _, v := range values {
		def, ok := m.watched[v.Name]
		if !ok {
			continue
		}
		dk := m.cfg.Detectors[def.Kind]
		if dk == "" {
			continue
		}
		k := key{v.Name, model, string(dk)}
		e := m.dets[k]
		if e == nil {
			det, err := drift.New(dk, m.cfg.Params[dk])
			if err != nil {
				return err // validated in New
			}
			e = &entry{det: det, since: at}
			m.dets[k] = e
		}
		sig, err := e.det.Update(v.X)
		if err != nil {
			m.cfg.Logger.Warn("drift: value refused", "signal", v.Name, "run", run.ID, "value", v.X, "err", err)
			continue
		}
		e.n++
		e.at, e.dirty = at, true
		stat := Statistic(e.det)
		m.statistic.WithLabelValues(v.Name, string(dk), model).Set(stat)
		if sig.Drift {
			events = append(events, m.event(def, k, e, stat, run, at, now))
			// The detector restarts at its next value: the next window
			// begins after this run.
			e.since = at
		}
	}
	if len(events) > 0 || now.Sub(m.lastSave) >= m.cfg.SaveEvery {
		if err := m.save(ctx); err != nil {
			return fmt.Errorf("drift: save detectors after run %s: %w", run.ID, err)
		}
	}
	for _, ev := range events {
		m.detected.WithLabelValues(ev.Signal, ev.Detector).Inc()
		m.cfg.Logger.Warn("drift detected", "signal", ev.Signal, "model", ev.Model, "detector", ev.Detector,
			"statistic", ev.Statistic, "run", ev.RunID, "window_start", ev.WindowStart, "window_end", ev.WindowEnd, "event", ev.ID)
		if err := m.cfg.Store.AddDriftEvent(ctx, ev); err != nil {
			m.cfg.Logger.Error("drift: record detection", "event", ev.ID, "err", err)
		}
		m.send(ev)
	}
	return nil
}

// Event is the JSON document of a detection: the webhook's payload.
type Event struct {
	Type      string  `json:"type"`
	ID        string  `json:"id"`
	Signal    string  `json:"signal"`
	Group     string  `json:"group"`
	Detector  string  `json:"detector"`
	Model     string  `json:"model"`
	Statistic float64 `json:"statistic"`
	// Stats are the detector's internals at the detection, under river's
	// attribute names.
	Stats map[string]float64 `json:"stats"`
	RunID string             `json:"run_id"`
	// ResponseModels are the models that answered each stage of the run,
	// as the provider named them; PromptVersions the stages' prompt
	// versions; ConfigHash the pipeline configuration.
	ResponseModels map[string]string `json:"response_models"`
	PromptVersions map[string]string `json:"prompt_versions"`
	ConfigHash     string            `json:"config_hash,omitempty"`
	Window         Window            `json:"window"`
	DetectedAt     time.Time         `json:"detected_at"`
}

// Window is the span of values behind a detection.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Observations is how many values the detector has seen since it
	// started (or restored).
	Observations int64 `json:"observations"`
}

func (m *Monitor) event(def signals.Def, k key, e *entry, stat float64, run *papersum.Run, at, now time.Time) *papersum.DriftEvent {
	ev := Event{Type: EventType, ID: m.cfg.NewID(), Signal: k.signal, Group: string(def.Group), Detector: k.detector,
		Model: k.model, Statistic: finite(stat), Stats: map[string]float64{}, RunID: run.ID,
		ResponseModels: map[string]string{}, PromptVersions: map[string]string{}, ConfigHash: run.ConfigHash,
		Window: Window{Start: e.since, End: at, Observations: e.n}, DetectedAt: now}
	stats := e.det.Stats()
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if v := stats[n]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			ev.Stats[n] = v
		}
	}
	for _, st := range run.Stages {
		ev.ResponseModels[string(st.Stage)] = st.Provider + "/" + st.Model
		ev.PromptVersions[string(st.Stage)] = st.PromptVersion
	}
	detail, _ := json.Marshal(ev)
	return &papersum.DriftEvent{ID: ev.ID, Signal: ev.Signal, Model: ev.Model, Detector: ev.Detector, Statistic: ev.Statistic,
		RunID: run.ID, WindowStart: e.since, WindowEnd: at, Detail: detail, DetectedAt: now}
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// send delivers the event's webhook in the background: the sender's
// retries must not hold up the worker that finished the run.
func (m *Monitor) send(ev *papersum.DriftEvent) {
	if m.cfg.Notifier == nil {
		return
	}
	m.sends.Add(1)
	go func() {
		defer m.sends.Done()
		if err := m.cfg.Notifier.Deliver(m.base, m.cfg.WebhookURL, ev.ID, json.RawMessage(ev.Detail)); err != nil {
			m.cfg.Logger.Warn("drift: webhook not delivered", "event", ev.ID, "err", err)
		}
	}()
}
