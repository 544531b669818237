package main

import (
	crand "crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum/drift/signals"
	"github.com/papersum/papersum/driftwatch"
	"github.com/papersum/papersum/webhook"
)

// shortPaperText is an abstract-only paper: a few sentences, no sections.
func shortPaperText(seed int) string {
	full := paperText(seed)
	i := strings.Index(full, "1 Introduction")
	return strings.TrimSpace(full[:i])
}

// driftBatch submits texts as one batch and waits until it has finished.
func driftBatch(t *testing.T, base, key string, texts []string) {
	t.Helper()
	items := make([]map[string]string, len(texts))
	for i, tx := range texts {
		items[i] = map[string]string{"text": tx}
	}
	var batch struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Total     int    `json:"total"`
		Succeeded int    `json:"succeeded"`
	}
	if code, _ := api(t, "POST", base+"/api/v1/batches", key, map[string]any{"items": items}, &batch); code != 202 {
		t.Fatalf("create batch: %d %+v", code, batch)
	}
	deadline := time.Now().Add(120 * time.Second)
	for batch.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		api(t, "GET", base+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	if batch.Status != "finished" || batch.Succeeded != len(texts) {
		t.Fatalf("batch: %+v", batch)
	}
}

// driftMetric reads one sample of /metrics (the metrics listener); -1
// when the series is absent.
func driftMetric(t *testing.T, metricsURL, series string) float64 {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(string(body))
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestServeDriftSurvivesRestart: serve's streaming detectors watch the
// finished runs, keep their state in the store across a restart, and
// report a shift of the papers (full papers, then abstracts only) through
// /metrics and a signed drift.detected webhook naming the model, the
// response models, the prompt versions and a window that began before
// the restart.
func TestServeDriftSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 80 papers through serve")
	}
	db := filepath.Join(t.TempDir(), "s.db")
	secret, _ := webhook.NewSecret(crand.Reader)
	env := map[string]string{"PAPERSUM_DB": db, "PAPERSUM_CALLBACK_SECRET": secret}
	writer := createKey(t, env, "alpha", "write")
	key, _ := webhook.ParseSecret(secret)
	var mu sync.Mutex
	var events []driftwatch.Event
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify([][]byte{key}, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			t.Errorf("drift webhook signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev driftwatch.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("drift webhook body: %v", err)
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	defer receiver.Close()
	args := []string{"--metrics-addr", "127.0.0.1:0", "--drift-webhook-url", receiver.URL + "/drift"}
	detected := `pipeline_drift_detected_total{detector="ADWIN",signal="` + signals.InputWords + `"}`
	model := "local/local"

	srv := startServe(t, env, args...)
	metricsURL := metricsLine.FindStringSubmatch(srv.stderr.String())[1]
	var full []string
	for i := range 40 {
		full = append(full, paperText(100+i))
	}
	driftBatch(t, srv.url, writer, full)
	stat := `pipeline_drift_statistic{detector="ADWIN",model="` + model + `",signal="` + signals.InputWords + `"}`
	if v := driftMetric(t, metricsURL, stat); v <= 0 {
		t.Fatalf("%s = %v after 40 runs, want the mean paper length", stat, v)
	}
	if v := driftMetric(t, metricsURL, detected); v > 0 {
		t.Fatalf("drift detected on stationary papers: %v", v)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	// The restarted server continues the detectors: the abstracts are
	// told apart from the 40 full papers seen before the restart.
	srv = startServe(t, env, args...)
	metricsURL = metricsLine.FindStringSubmatch(srv.stderr.String())[1]
	if v := driftMetric(t, metricsURL, stat); v <= 0 {
		t.Fatalf("%s = %v after the restart, want the restored detector's statistic", stat, v)
	}
	var short []string
	for i := range 40 {
		short = append(short, shortPaperText(200+i))
	}
	driftBatch(t, srv.url, writer, short)
	var got driftwatch.Event
	deadline := time.Now().Add(30 * time.Second)
	for got.ID == "" && time.Now().Before(deadline) {
		mu.Lock()
		for _, ev := range events {
			if ev.Signal == signals.InputWords {
				got = ev
				break
			}
		}
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	if got.ID == "" {
		t.Fatalf("no drift.detected webhook for %s; log:\n%s", signals.InputWords, srv.stderr.String())
	}
	if got.Type != "drift.detected" || got.Detector != "ADWIN" || got.Model != model || got.ResponseModels["summarize"] != model ||
		got.PromptVersions["summarize"] == "" || got.Window.Observations <= 40 || !got.Window.Start.Before(got.Window.End) {
		t.Errorf("drift event: %+v", got)
	}
	if v := driftMetric(t, metricsURL, detected); v < 1 {
		t.Errorf("%s = %v, want at least 1", detected, v)
	}
	if !strings.Contains(srv.stderr.String(), "drift detected") {
		t.Error("the detection is not logged")
	}
}
