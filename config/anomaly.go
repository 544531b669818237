package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly"
)

// DefaultBaselineRuns is the default of AnomalyConfig.BaselineRuns.
const DefaultBaselineRuns = 1000

// AnomalyConfig configures the anomaly detection of serve: per model, the
// cost per run, the tokens and latency of each stage (watched upwards)
// and the quality score (watched downwards) are scored against their
// rolling baselines as each run finishes (see package anomaly). The
// detector settings below apply to every signal family; Signals overrides
// them per family. A zero or empty value keeps the default.
//
//	anomaly:
//	  threshold: 3.5
//	  signals:
//	    latency: {threshold: 5}
//	    quality: {threshold: 4.5, window: 300}
type AnomalyConfig struct {
	// Enabled turns detection on. Default true.
	Enabled *bool `yaml:"enabled" json:"enabled"`
	// BaselineRuns is how many of the store's most recent succeeded runs
	// serve feeds to the detectors at start-up, oldest first and raising
	// nothing, so that the baselines survive a restart. Default
	// DefaultBaselineRuns (1000).
	BaselineRuns int `yaml:"baseline_runs" json:"baseline_runs"`
	// WebhookURL receives each anomaly as a signed Standard Webhooks
	// event of type "anomaly.detected", signed with the secret in
	// $PAPERSUM_ANOMALY_WEBHOOK_SECRET (or, without it,
	// $PAPERSUM_CALLBACK_SECRET). Default none: no events.
	WebhookURL string `yaml:"webhook_url" json:"webhook_url,omitempty"`
	// Method, Window, WarmUp, Recent, Threshold and CoolDown apply to
	// every family that Signals does not set them for (see
	// AnomalyDetector for each).
	Method    string  `yaml:"method" json:"method,omitempty"`
	Window    int     `yaml:"window" json:"window,omitempty"`
	WarmUp    int     `yaml:"warm_up" json:"warm_up,omitempty"`
	Recent    int     `yaml:"recent" json:"recent,omitempty"`
	Threshold float64 `yaml:"threshold" json:"threshold,omitempty"`
	CoolDown  *int    `yaml:"cool_down" json:"cool_down,omitempty"`
	// Signals overrides the settings per signal family: cost, tokens,
	// latency, quality. Defaults: anomaly.DefaultMonitorConfig (threshold
	// 3.5 for cost and tokens, anomaly.DefaultLatencyThreshold (4) for
	// latency and anomaly.DefaultQualityThreshold (4.5) for quality).
	Signals map[string]AnomalyDetector `yaml:"signals" json:"signals,omitempty"`
}

// AnomalyDetector is the configuration of one family's detector (see
// anomaly.Config for what each does). Zero keeps the default.
type AnomalyDetector struct {
	// Method is "zscore" (default) or "robust".
	Method string `yaml:"method" json:"method,omitempty"`
	// Window is the rolling baseline's length in runs. Default 100.
	Window int `yaml:"window" json:"window,omitempty"`
	// WarmUp is how many runs a series needs before it is scored.
	// Default 30.
	WarmUp int `yaml:"warm_up" json:"warm_up,omitempty"`
	// Recent is how many of the newest runs are scored together (their
	// mean). Default 20.
	Recent int `yaml:"recent" json:"recent,omitempty"`
	// Threshold is the z score beyond which the recent mean is an
	// anomaly. Default per family (see AnomalyConfig.Signals).
	Threshold float64 `yaml:"threshold" json:"threshold,omitempty"`
	// CoolDown is how many runs after an alarm a series stays silent
	// (unless its score doubles). Default 50; 0 is allowed.
	CoolDown *int `yaml:"cool_down" json:"cool_down,omitempty"`
}

func (d AnomalyDetector) apply(c *anomaly.Config) {
	if d.Method != "" {
		c.Method = anomaly.Method(strings.ToLower(d.Method))
	}
	if d.Window != 0 {
		c.Window = d.Window
		if c.WarmUp > c.Window {
			c.WarmUp = c.Window
		}
	}
	if d.WarmUp != 0 {
		c.WarmUp = d.WarmUp
	}
	if d.Recent != 0 {
		c.Recent = d.Recent
	}
	if d.Threshold != 0 {
		c.Threshold = d.Threshold
	}
	if d.CoolDown != nil {
		c.CoolDown = *d.CoolDown
	}
}

// On reports whether detection is on.
func (a AnomalyConfig) On() bool { return a.Enabled == nil || *a.Enabled }

// Monitor returns the detectors' configuration: the defaults, then the
// common settings, then each family's.
func (a AnomalyConfig) Monitor() anomaly.MonitorConfig {
	m := anomaly.DefaultMonitorConfig()
	for _, f := range anomaly.Families {
		AnomalyDetector{Method: a.Method, Window: a.Window, WarmUp: a.WarmUp, Recent: a.Recent, Threshold: a.Threshold,
			CoolDown: a.CoolDown}.apply(m.Get(f))
		if d, ok := a.Signals[f]; ok {
			d.apply(m.Get(f))
		}
	}
	return m
}

func (a *AnomalyConfig) applyDefaults() {
	if a.Enabled == nil {
		on := true
		a.Enabled = &on
	}
	if a.BaselineRuns == 0 {
		a.BaselineRuns = DefaultBaselineRuns
	}
}

func (a AnomalyConfig) check() error {
	for name := range a.Signals {
		if !slices.Contains(anomaly.Families, name) {
			return fmt.Errorf("anomaly.signals.%s is unknown (use %s)", name, strings.Join(anomaly.Families, ", "))
		}
	}
	if a.BaselineRuns < 0 || a.BaselineRuns > 100000 {
		return fmt.Errorf("anomaly.baseline_runs %d is out of range (0-100000)", a.BaselineRuns)
	}
	if a.WebhookURL != "" {
		u, err := url.Parse(a.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("anomaly.webhook_url %q must be an http or https URL", a.WebhookURL)
		}
	}
	if err := a.Monitor().Validate(); err != nil {
		return fmt.Errorf("anomaly.signals.%s", strings.ReplaceAll(papersum.ErrorMessage(err), "anomaly: ", ""))
	}
	return nil
}
