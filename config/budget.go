package config

import (
	"fmt"
	"net/url"
)

// BudgetConfig configures what serve does with the budgets of the store
// (set with `papersum budgets set`): the hard limits always refuse
// submissions; the soft thresholds send events where WebhookURL says.
//
//	budget:
//	  webhook_url: https://hooks.example.com/papersum
type BudgetConfig struct {
	// WebhookURL receives each soft threshold crossed (once per budget,
	// threshold and period, across replicas) as a signed Standard
	// Webhooks event of type "budget.threshold", signed with the secret
	// in $PAPERSUM_BUDGET_WEBHOOK_SECRET (or, without it,
	// $PAPERSUM_CALLBACK_SECRET). Default none: thresholds show only in
	// pipeline_budget_used_ratio.
	WebhookURL string `yaml:"webhook_url" json:"webhook_url,omitempty"`
}

func (b BudgetConfig) check() error {
	if b.WebhookURL != "" {
		u, err := url.Parse(b.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("budget.webhook_url %q must be an http or https URL", b.WebhookURL)
		}
	}
	return nil
}
