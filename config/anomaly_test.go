package config

import (
	"strings"
	"testing"

	"github.com/papersum/papersum/anomaly"
)

// TestAnomalyDefaults: without an anomaly section detection is on with
// anomaly.DefaultMonitorConfig, 1000 baseline runs and no webhook.
func TestAnomalyDefaults(t *testing.T) {
	c := Default()
	if !c.Anomaly.On() || c.Anomaly.BaselineRuns != DefaultBaselineRuns || c.Anomaly.WebhookURL != "" {
		t.Fatalf("defaults %+v", c.Anomaly)
	}
	if got := c.Anomaly.Monitor(); got != anomaly.DefaultMonitorConfig() {
		t.Fatalf("Monitor() = %+v, want the defaults", got)
	}
}

// TestAnomalyOverrides: common settings apply to every family, a
// family's own settings win, and cool_down 0 is kept.
func TestAnomalyOverrides(t *testing.T) {
	c, err := Load(strings.NewReader(`
anomaly:
  threshold: 4
  window: 200
  cool_down: 0
  webhook_url: https://hooks.example/anomaly
  baseline_runs: 50
  signals:
    latency: {threshold: 6, method: Robust}
    quality: {recent: 10, cool_down: 7}
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Anomaly.Monitor()
	if m.Cost.Threshold != 4 || m.Tokens.Threshold != 4 || m.Latency.Threshold != 6 || m.Quality.Threshold != 4 {
		t.Errorf("thresholds %v %v %v %v", m.Cost.Threshold, m.Tokens.Threshold, m.Latency.Threshold, m.Quality.Threshold)
	}
	if m.Latency.Method != anomaly.MethodRobust || m.Cost.Method != anomaly.MethodZScore {
		t.Errorf("methods %v %v", m.Latency.Method, m.Cost.Method)
	}
	if m.Cost.Window != 200 || m.Cost.CoolDown != 0 || m.Quality.CoolDown != 7 || m.Quality.Recent != 10 || m.Cost.Recent != 20 {
		t.Errorf("monitor %+v", m)
	}
	if m.Quality.Direction != anomaly.Down || m.Latency.Direction != anomaly.Up || m.Quality.Log {
		t.Errorf("directions changed: %+v", m)
	}
	if c.Anomaly.BaselineRuns != 50 || c.Anomaly.WebhookURL != "https://hooks.example/anomaly" {
		t.Errorf("%+v", c.Anomaly)
	}
	off, err := Load(strings.NewReader("anomaly: {enabled: false}"), "c.yaml")
	if err != nil || off.Anomaly.On() {
		t.Fatalf("enabled: false gave %v, %v", off.Anomaly.On(), err)
	}
}

func TestAnomalyErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"anomaly: {signals: {speed: {threshold: 3}}}", "anomaly.signals.speed is unknown (use cost, tokens, latency, quality)"},
		{"anomaly: {signals: {latency: {threshold: -1}}}", "anomaly.signals.latency: threshold must be a finite number > 0"},
		{"anomaly: {method: mean}", `anomaly.signals.cost: method must be "zscore" or "robust", not "mean"`},
		{"anomaly: {warm_up: 500}", "anomaly.signals.cost: warm_up must be in [2, window = 100], not 500"},
		{"anomaly: {webhook_url: 'ftp://x'}", `anomaly.webhook_url "ftp://x" must be an http or https URL`},
		{"anomaly: {baseline_runs: -1}", "anomaly.baseline_runs -1 is out of range"},
		{"anomaly: {treshold: 3}", "anomaly.treshold: line 1: unknown key"},
	} {
		_, err := Load(strings.NewReader(tc.yaml), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
