package main

import (
	"context"
	"net/http"

	"github.com/spf13/pflag"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift/signals"
	"github.com/papersum/papersum/driftwatch"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/webhook"
)

// driftServeFlags are serve's settings of drift detection.
type driftServeFlags struct {
	// off turns the streaming detectors off.
	off bool
	// webhookURL receives a signed drift.detected event per detection.
	webhookURL string
}

func (d *driftServeFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&d.off, "no-drift", false, "do not run the streaming drift detectors over finished runs (default: on, state in the store)")
	fl.StringVar(&d.webhookURL, "drift-webhook-url", "", "URL that receives a signed drift.detected webhook per detection, signed with $PAPERSUM_CALLBACK_SECRET (default: none; detections are counted, logged and stored)")
}

// openDrift builds the drift monitor over the store, restoring the
// detectors saved there, unless --no-drift. It runs after openFetcher
// (the webhook's client dials with the callbacks' SSRF rules).
func (s *server) openDrift(ctx context.Context) error {
	d := s.f.drift
	if d.off {
		if d.webhookURL != "" {
			return &usageError{msg: "--drift-webhook-url: drift detection is off (--no-drift)"}
		}
		return nil
	}
	ds, ok := s.store.(papersum.DriftStore)
	if !ok {
		return papersum.Errorf(papersum.EINTERNAL, "the store keeps no drift detectors")
	}
	cfg := driftwatch.Config{Store: ds, Papers: s.store, Registerer: s.reg, Logger: s.log.With("component", "drift"),
		Extract: driftExtractOptions(s.cfg.Thresholds.Overall)}
	if d.webhookURL != "" {
		secret := s.e.getenv("PAPERSUM_CALLBACK_SECRET")
		if secret == "" {
			return &usageError{msg: "--drift-webhook-url: set PAPERSUM_CALLBACK_SECRET, the key drift webhooks are signed with"}
		}
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return papersum.Errorf(papersum.EINVALID, "PAPERSUM_CALLBACK_SECRET: %v", err)
		}
		dialer, err := fetch.NewDialer(s.dialer)
		if err != nil {
			return err
		}
		sender, err := webhook.NewSender(webhook.SenderConfig{Secret: key, Client: &http.Client{Transport: dialer.Transport()}})
		if err != nil {
			return err
		}
		cfg.Notifier, cfg.WebhookURL = sender, d.webhookURL
	}
	m, err := driftwatch.New(ctx, cfg)
	if err != nil {
		return err
	}
	s.drift = m
	s.closers = append(s.closers, m.Close)
	return nil
}

// driftHook is the service's OnFinished: it hands each finished run to
// the drift monitor (nil without one). A failure is logged: drift
// detection never fails a run.
func (s *server) driftHook() func(ctx context.Context, run *papersum.Run) {
	if s.drift == nil {
		return nil
	}
	return func(ctx context.Context, run *papersum.Run) {
		if err := s.drift.Observe(context.WithoutCancel(ctx), nil, run); err != nil {
			s.log.Warn("drift detection", "run", run.ID, "err", err)
		}
	}
}

// driftExtractOptions counts a run as failed in quality.fail when its
// overall score is below the configuration's threshold.
func driftExtractOptions(overall float64) signals.Options {
	return signals.Options{FailBelow: overall}
}
