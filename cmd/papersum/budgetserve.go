package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/budget"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/webhook"
)

// openBudgets builds the budget enforcer of serve on the store's budgets
// (`papersum budgets set`): the 402 of a spent budget at submission, the
// pipeline_budget_used_ratio gauge and, when budget.webhook_url is set,
// the signed budget.threshold events. A store without budgets leaves
// s.budgets nil.
func (s *server) openBudgets() error {
	bs, ok := s.store.(papersum.BudgetStore)
	rs, ok2 := s.store.(papersum.ReportStore)
	if !ok || !ok2 {
		return nil
	}
	metrics, err := telemetry.NewBudgetMetrics(s.reg)
	if err != nil {
		return err
	}
	cfg := budget.Config{Budgets: bs, Reports: rs, Prices: s.deps.pricer, Metrics: metrics, Logger: s.log}
	if url := s.cfg.Budget.WebhookURL; url != "" {
		secret := firstNonEmpty(s.e.getenv("PAPERSUM_BUDGET_WEBHOOK_SECRET"), s.e.getenv("PAPERSUM_CALLBACK_SECRET"))
		if secret == "" {
			return papersum.Errorf(papersum.EINVALID, "budget.webhook_url needs a signing secret: set PAPERSUM_BUDGET_WEBHOOK_SECRET (or PAPERSUM_CALLBACK_SECRET)")
		}
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return papersum.Errorf(papersum.EINVALID, "PAPERSUM_BUDGET_WEBHOOK_SECRET: %v", err)
		}
		dialer, err := fetch.NewDialer(s.dialer)
		if err != nil {
			return err
		}
		sender, err := webhook.NewSender(webhook.SenderConfig{Secret: key, Client: &http.Client{Transport: dialer.Transport()}})
		if err != nil {
			return err
		}
		cfg.Notifier = budgetNotifier{sender: sender, url: url}
	}
	s.budgets, err = budget.New(cfg)
	return err
}

// budgetHook is the enforcer's OnFinished hook, nil without one.
func (s *server) budgetHook() func(context.Context, *papersum.Run) {
	if s.budgets == nil {
		return nil
	}
	return s.budgets.RunFinished
}

// guardSummaries wraps the service's submissions with the budget check.
func (s *server) guardSummaries() (papersum.Summaries, papersum.SubmissionBatches) {
	if s.budgets == nil {
		return s.svc, s.svc
	}
	return budget.Guard(s.svc, s.budgets), budget.GuardBatches(s.svc, s.budgets)
}

// budgetNotifier sends a crossed threshold as a signed Standard Webhooks
// event.
type budgetNotifier struct {
	sender *webhook.Sender
	url    string
}

// budgetEvent is the body of a budget.threshold webhook.
type budgetEvent struct {
	Type      string                `json:"type"`
	Timestamp time.Time             `json:"timestamp"`
	Data      budget.ThresholdEvent `json:"data"`
}

func (n budgetNotifier) NotifyThreshold(ctx context.Context, e budget.ThresholdEvent) error {
	// The webhook-id is the same for the same budget, period and
	// threshold, so a receiver drops a repeat; it may hold no '.'.
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%d", e.Budget.Scope, e.Budget.ID, e.Budget.Period,
		e.PeriodStart.UnixNano(), e.Threshold)))
	return n.sender.Deliver(ctx, n.url, "bud_"+hex.EncodeToString(sum[:12]),
		budgetEvent{Type: budget.ThresholdEventType, Timestamp: e.DetectedAt, Data: e})
}
