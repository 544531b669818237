package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
)

// soakCallTimeout is the per-call timeout of the soak's stages: the time
// a hang costs before papersum abandons it, and far beyond what a normal
// call to the loopback fake takes (tens of milliseconds, a few hundred on
// a loaded machine). The checks below do not depend on it: a normal call
// that outlives it is abandoned and counted like a hang.
const soakCallTimeout = 3 * time.Second

// TestSoak runs papers through the three stages on the fake upstream with
// faults injected at the rates of the acceptance test: 10% 429, 5% 529, 3%
// 500, 2% hangs (timeouts), 5% malformed XML and 3% truncation. It checks
// that at least 99.5% of runs succeed, that every failure has a class and
// a reason, that no run is lost or recorded twice, that every recorded
// call is priced, and that papersum's accounting of calls agrees with the
// upstream's:
//
//   - every call papersum recorded matches, token for token, an answer
//     the upstream served (none is invented, none recorded twice);
//   - every answer the upstream served that papersum did not record was
//     abandoned: papersum stopped waiting for it on its deadline and
//     counted it on the run, so with H hangs (which never answer and can
//     only end on papersum's deadline) the runs' abandoned calls A are at
//     least H plus the unrecorded answers U;
//   - when no call but the hangs was abandoned (A == H), the upstream
//     served exactly the tokens the store recorded.
//
// These hold whatever the scheduling: a machine so slow that normal calls
// outlive their timeout makes papersum abandon them, which the checks
// count, and a failed run with abandoned calls on record (its calls
// outlived their deadline) is left out of the success rate and logged;
// with nothing slow, a stage fails only after eight failed attempts in a
// row (20% of attempts fail: about 3 in a million stage calls). They fail if papersum stops recording
// tokens, records wrong ones, or stops counting abandoned calls.
//
//	PAPERSUM_SOAK_PAPERS=1000 go test ./cmd/papersum -run Soak -v
//
// The default is 150 papers, to keep `go test ./...` quick.
func TestSoak(t *testing.T) {
	n := 150
	if v := os.Getenv("PAPERSUM_SOAK_PAPERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("PAPERSUM_SOAK_PAPERS=%q", v)
		}
	}
	if testing.Short() {
		n = 30
	}
	if n > 1000 {
		t.Skip("the checks below list at most 1000 runs")
	}
	srv, url := startFake(t, fakeupstream.Config{Seed: 42, Faults: fakeupstream.Faults{
		RateLimit429: 0.10, Overloaded529: 0.05, Server500: 0.03, Hang: 0.02,
		MalformedXML: 0.05, Truncate: 0.03,
		RetryAfter: 20 * time.Millisecond, HangMax: fakeupstream.NoHangMax,
	}})
	// Production-shaped configuration, with delays scaled down so that the
	// soak takes seconds: sonnet falls back to haiku; no local engine in
	// the chain, so every success is the providers' path.
	stage := fmt.Sprintf(`{provider: anthropic, model: claude-sonnet-4-5, timeout: %s, fallback: [{provider: anthropic, model: claude-haiku-4-5}]}`, soakCallTimeout)
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 4, base_delay: 5ms, max_delay: 50ms, total_deadline: 1m}
breaker: {failures: 50, open_timeout: 1s}
stages:
  summarize: %s
  critique:  %s
  revise:    %s
`, url, stage, stage, stage))
	dir := writePapers(t, n)
	db := filepath.Join(t.TempDir(), "soak.db")
	start := time.Now()
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "batch", "--concurrency", "16", "--db", db, "--config", cfg, dir)
	elapsed := time.Since(start)
	if r.err != nil && r.code != exitFailure {
		t.Fatalf("batch: %v\n%s", r.err, r.stderr)
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pricer, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	runs, err := store.ListRuns(ctx, papersum.RunFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}

	// What the upstream served, as a multiset that recorded calls are
	// taken from.
	type served struct {
		model                                 string
		input, write5m, write1h, read, output int64
	}
	answers := map[served]int{}
	var servedTokens int64
	for _, a := range srv.Answers() {
		answers[served{a.Model, a.Input, a.CacheWrite5m, a.CacheWrite1h, a.CacheRead, a.Output}]++
		servedTokens += a.Input + a.CacheWrite5m + a.CacheWrite1h + a.CacheRead + a.Output
	}

	perPaper := map[string]int{}
	var succeeded, failed, failedOnDeadline, calls, abandoned int
	var recorded papersum.Usage
	var cost float64
	classes := map[papersum.Class]int{}
	for _, lr := range runs {
		perPaper[lr.PaperID]++
		run, err := store.GetRun(ctx, lr.ID)
		if err != nil {
			t.Fatal(err)
		}
		abandoned += run.AbandonedTotal()
		switch run.Status {
		case papersum.RunSucceeded:
			succeeded++
		case papersum.RunFailed:
			failed++
			classes[run.ErrorClass]++
			if run.ErrorClass == "" || run.Error == "" {
				t.Errorf("run %s failed without a class or reason: %q %q", run.ID, run.ErrorClass, run.Error)
			}
			if run.AbandonedTotal() > 0 {
				// Its calls outlived their deadline: on a slow machine a
				// chain can run out of attempts that way, ending on a
				// timeout or on whatever the last attempt met.
				failedOnDeadline++
			}
		default:
			t.Errorf("run %s left %s", run.ID, run.Status)
		}
		for _, s := range run.Stages {
			calls++
			recorded = recorded.Add(s.Usage)
			want, err := pricer.Price(s.Provider, s.Model, s.Usage, false, s.StartedAt)
			if err != nil || want != s.CostUSD || (s.CostUSD == 0 && s.Usage.TotalInput()+s.Usage.OutputTokens > 0) {
				t.Errorf("run %s %s: cost %v, priced %v (%v)", run.ID, s.Stage, s.CostUSD, want, err)
			}
			cost += s.CostUSD
			u := s.Usage
			k := served{s.Model, u.InputTokens, u.CacheCreation5mTokens, u.CacheCreation1hTokens, u.CacheReadTokens, u.OutputTokens}
			if answers[k] == 0 {
				t.Errorf("run %s %s: recorded call %+v matches no answer the upstream served", run.ID, s.Stage, k)
				continue
			}
			answers[k]--
		}
	}
	if len(runs) != n || len(perPaper) != n {
		t.Errorf("%d runs for %d papers, want %d each (none lost, none twice)", len(runs), len(perPaper), n)
	}
	for p, k := range perPaper {
		if k != 1 {
			t.Errorf("paper %s has %d runs", p, k)
		}
	}

	st := srv.Stats()
	hangs := st.Faults[fakeupstream.FaultHang]
	unrecorded := 0
	for _, k := range answers {
		unrecorded += k
	}
	got := recorded.TotalInput() + recorded.OutputTokens
	if hangs == 0 {
		t.Fatal("the soak injected no hang: the count of abandoned calls is not tested (change the seed or the rate)")
	}
	if abandoned < hangs+unrecorded {
		t.Errorf("runs record %d abandoned calls; the upstream saw %d hangs and served %d answers papersum did not record: "+
			"at least %d calls were abandoned", abandoned, hangs, unrecorded, hangs+unrecorded)
	}
	if abandoned == hangs && servedTokens != got {
		t.Errorf("no call but the hangs was abandoned, yet the upstream served %d tokens and the store recorded %d", servedTokens, got)
	}
	rate := float64(succeeded) / float64(n-failedOnDeadline)
	t.Logf("soak: %d papers in %s (%.1f papers/s), %d succeeded (%.2f%% of %d), %d failed %v (%d on their deadline); "+
		"%d recorded calls; %d HTTP requests %v; faults %v; %d abandoned calls (%d hangs, %d more; %d answers unrecorded); "+
		"tokens served %d, recorded %d; cost $%.4f",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), succeeded, 100*rate, n-failedOnDeadline, failed, classes,
		failedOnDeadline, calls, st.Requests[fakeupstream.EndpointMessages], st.Statuses, st.Faults, abandoned, hangs,
		abandoned-hangs, unrecorded, servedTokens, got, cost)
	if succeeded == 0 || rate < 0.995 {
		t.Errorf("success rate %.4f (%d of %d runs not failed on their deadline) below 0.995", rate, succeeded, n-failedOnDeadline)
	}
}
