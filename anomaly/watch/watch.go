package watch

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly"
)

// Notifier sends an anomaly somewhere (a signed webhook). Notify may
// block (retries); the Watcher calls it outside the run's path.
type Notifier interface {
	Notify(ctx context.Context, a *papersum.AnomalyRecord) error
}

// Metrics counts anomalies and reports scores (*telemetry.AnomalyMetrics).
type Metrics interface {
	Anomaly(signal, model, direction string)
	SetScore(signal, model string, z float64)
}

// Config configures a Watcher.
type Config struct {
	// Monitor configures the detectors. Required (start from
	// anomaly.DefaultMonitorConfig).
	Monitor anomaly.MonitorConfig
	// Store keeps the anomalies. Default nil: not stored.
	Store papersum.AnomalyStore
	// Metrics counts them. Default nil: not counted.
	Metrics Metrics
	// Notifier sends them. Default nil: not sent.
	Notifier Notifier
	// Logger logs each anomaly at warn level. Default: discard.
	Logger *slog.Logger
	// Clock stamps anomalies of runs without a finish time. Default
	// papersum.SystemClock.
	Clock papersum.Clock
}

// Watcher feeds finished runs to the detectors. It is safe for
// concurrent use.
type Watcher struct {
	cfg  Config
	log  *slog.Logger
	mu   sync.Mutex
	mon  *anomaly.Monitor
	sent sync.WaitGroup
}

// New returns a Watcher, or EINVALID for an invalid Monitor config.
func New(cfg Config) (*Watcher, error) {
	mon, err := anomaly.NewMonitor(cfg.Monitor)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	return &Watcher{cfg: cfg, log: cfg.Logger, mon: mon}, nil
}

// Restore feeds up to n of the store's most recent runs, oldest first,
// raising nothing (their anomalies were reported when they finished, or
// belong to an earlier configuration), and returns how many runs it read.
// Failed and cached runs are read but not fed (see anomaly.Monitor).
//
// Errors: the store's.
func (w *Watcher) Restore(ctx context.Context, store papersum.Store, n int) (int, error) {
	var runs []*papersum.Run
	before := ""
	for len(runs) < n {
		want := min(1000, n-len(runs))
		page, err := store.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunSucceeded, Limit: want, Before: before})
		if err != nil {
			return 0, err
		}
		runs = append(runs, page...)
		if len(page) < want {
			break
		}
		before = page[len(page)-1].ID
	}
	slices.Reverse(runs) // ListRuns is newest first
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range runs {
		if _, err := w.mon.Observe(*r); err != nil {
			w.log.Warn("anomaly baseline: a stored run's value was refused", "run_id", r.ID, "err", err)
		}
	}
	return len(runs), nil
}

// RunFinished feeds a finished run: its anomalies are counted, logged,
// stored and notified (the notification in the background: Close waits
// for it). It never fails the run: errors are logged.
func (w *Watcher) RunFinished(ctx context.Context, run *papersum.Run) {
	if run == nil {
		return
	}
	w.mu.Lock()
	as, err := w.mon.Observe(*run)
	values := w.mon.Values(*run)
	scores := make([]float64, len(values))
	for i, v := range values {
		scores[i] = w.mon.Score(v.Key)
	}
	w.mu.Unlock()
	if err != nil {
		w.log.Warn("anomaly detection: a value of the run was refused", "run_id", run.ID, "err", err)
	}
	if w.cfg.Metrics != nil {
		for i, v := range values {
			w.cfg.Metrics.SetScore(v.Signal, v.Model, scores[i])
		}
	}
	if len(as) == 0 {
		return
	}
	at := w.cfg.Clock.Now().UTC()
	if run.FinishedAt != nil {
		at = run.FinishedAt.UTC()
	}
	recs := make([]*papersum.AnomalyRecord, len(as))
	for i, a := range as {
		recs[i] = Record(run.ID, a, at)
		if w.cfg.Metrics != nil {
			w.cfg.Metrics.Anomaly(a.Signal, a.Model, string(a.Direction))
		}
		w.log.Warn("anomaly detected", "run_id", run.ID, "paper_id", run.PaperID, "signal", a.Signal, "model", a.Model,
			"direction", string(a.Direction), "value", a.Value, "recent", a.Recent, "baseline", a.Baseline, "score", a.Score,
			"method", string(a.Method), "n", a.N)
	}
	if w.cfg.Store != nil {
		if err := w.cfg.Store.PutAnomalies(ctx, recs); err != nil {
			w.log.Error("store anomalies", "run_id", run.ID, "err", err)
		}
	}
	if w.cfg.Notifier != nil {
		w.sent.Add(1)
		go func() {
			defer w.sent.Done()
			nctx := context.WithoutCancel(ctx)
			for _, r := range recs {
				if err := w.cfg.Notifier.Notify(nctx, r); err != nil {
					w.log.Error("send anomaly webhook", "anomaly_id", r.ID, "err", err)
				}
			}
		}()
	}
}

// Close waits for the notifications in flight.
func (w *Watcher) Close() { w.sent.Wait() }

// Record is the stored form of anomaly a of run runID, detected at at.
// Its ID is the run's ID and the signal, so that a retried run's anomaly
// is stored once.
func Record(runID string, a anomaly.Anomaly, at time.Time) *papersum.AnomalyRecord {
	return &papersum.AnomalyRecord{
		ID: runID + "/" + a.Signal, RunID: runID, Signal: a.Signal, Model: a.Model, Direction: string(a.Direction),
		Value: a.Value, Recent: a.Recent, Baseline: a.Baseline, Score: a.Score, Method: string(a.Method), N: a.N, DetectedAt: at,
	}
}
