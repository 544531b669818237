package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly"
	"github.com/papersum/papersum/anomaly/watch"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/webhook"
)

// openAnomalies builds the anomaly watcher of serve (config section
// anomaly): its metrics on the registry, the store for `papersum report
// anomalies`, the signed anomaly.detected webhook when a URL is set, and
// the baselines rebuilt from the store's recent runs. Off, it leaves
// s.watcher nil.
func (s *server) openAnomalies(ctx context.Context) error {
	ac := s.cfg.Anomaly
	if !ac.On() {
		return nil
	}
	metrics, err := telemetry.NewAnomalyMetrics(s.reg)
	if err != nil {
		return err
	}
	for _, k := range expectedSeries(s.deps) {
		metrics.Init(k.Signal, k.Model)
	}
	wc := watch.Config{Monitor: ac.Monitor(), Metrics: metrics, Logger: s.log}
	if as, ok := s.store.(papersum.AnomalyStore); ok {
		wc.Store = as
	}
	if ac.WebhookURL != "" {
		secret := firstNonEmpty(s.e.getenv("PAPERSUM_ANOMALY_WEBHOOK_SECRET"), s.e.getenv("PAPERSUM_CALLBACK_SECRET"))
		if secret == "" {
			return papersum.Errorf(papersum.EINVALID, "anomaly.webhook_url needs a signing secret: set PAPERSUM_ANOMALY_WEBHOOK_SECRET (or PAPERSUM_CALLBACK_SECRET)")
		}
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return papersum.Errorf(papersum.EINVALID, "PAPERSUM_ANOMALY_WEBHOOK_SECRET: %v", err)
		}
		dialer, err := fetch.NewDialer(s.dialer)
		if err != nil {
			return err
		}
		sender, err := webhook.NewSender(webhook.SenderConfig{Secret: key, Client: &http.Client{Transport: dialer.Transport()}})
		if err != nil {
			return err
		}
		wc.Notifier = anomalyNotifier{sender: sender, url: ac.WebhookURL}
	}
	w, err := watch.New(wc)
	if err != nil {
		return err
	}
	n, err := w.Restore(ctx, s.store, ac.BaselineRuns)
	if err != nil {
		return err
	}
	s.log.Info("anomaly detection on", "baseline_runs", n, "webhook", ac.WebhookURL != "")
	s.watcher = w
	s.closers = append(s.closers, w.Close)
	return nil
}

// onFinished is the service's OnFinished hook: nil without a watcher.
func (s *server) onFinished() func(context.Context, *papersum.Run) {
	if s.watcher == nil {
		return nil
	}
	return s.watcher.RunFinished
}

// expectedSeries are the anomaly series of the configured primary
// models, whose counters start at zero.
func expectedSeries(d *pipelineDeps) []anomaly.Key {
	var keys []anomaly.Key
	var models []string
	for _, st := range papersum.Stages {
		m := d.stages[st].Provider + "/" + d.stages[st].Model
		keys = append(keys, anomaly.Key{Signal: anomaly.TokensSignal(st), Model: m}, anomaly.Key{Signal: anomaly.LatencySignal(st), Model: m})
		if !strings.Contains(strings.Join(models, "\x00")+"\x00", m+"\x00") {
			models = append(models, m)
		}
	}
	return append(keys, anomaly.Key{Signal: anomaly.SignalCost, Model: strings.Join(models, "+")})
}

// anomalyNotifier sends an anomaly as a signed Standard Webhooks event.
type anomalyNotifier struct {
	sender *webhook.Sender
	url    string
}

// anomalyEvent is the body of an anomaly.detected webhook.
type anomalyEvent struct {
	Type      string                  `json:"type"`
	Timestamp time.Time               `json:"timestamp"`
	Data      *papersum.AnomalyRecord `json:"data"`
}

// AnomalyEventType is the type of the anomaly webhook's event.
const AnomalyEventType = "anomaly.detected"

func (n anomalyNotifier) Notify(ctx context.Context, a *papersum.AnomalyRecord) error {
	// webhook-id may hold no '.', which signals do: a hash of the ID.
	sum := sha256.Sum256([]byte(a.ID))
	return n.sender.Deliver(ctx, n.url, "anom_"+hex.EncodeToString(sum[:12]), anomalyEvent{Type: AnomalyEventType, Timestamp: a.DetectedAt, Data: a})
}

// reportOldestJob sets pipeline_queue_oldest_job_age_seconds: how long
// the oldest available job has waited for a worker, 0 when none waits.
func reportOldestJob(ctx context.Context, q *queue.Queue, m *telemetry.Metrics) error {
	since, ok, err := q.OldestAvailableSince(ctx)
	if err != nil {
		return err
	}
	age := time.Duration(0)
	if ok {
		age = time.Since(since)
	}
	m.SetOldestJobAge(age)
	return nil
}
