package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/drift/signals"
	"github.com/papersum/papersum/driftwatch"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/sqlite"
)

// TestDriftScenarios measures the three drift scenarios of BENCHMARKS.md
// ("Drift detection in serve") with serve's monitor (driftwatch, default
// detectors, state saved in SQLite after every run):
//
//   - domain shift: ScisummNet papers, then SciTLDR abstracts, through the
//     local engine: how many runs after the switch until an input signal
//     drifts;
//   - quality degradation: ScisummNet papers through the fake upstream
//     (Anthropic API), whose summaries are truncated to their first 12
//     words from run N on: how many runs until a quality signal drifts;
//   - false alarms: 5,000-run stationary streams of every numeric and
//     binary signal, drawn with replacement from the first scenario's
//     ScisummNet runs, through each detector with its defaults;
//
// and the monitor's time per run against the local engine's run time, in
// the first scenario.
//
//	PAPERSUM_DRIFT_SCENARIOS=1 PAPERSUM_DATA=../shared/data go test ./cmd/papersum -run DriftScenarios -v -timeout 60m
//
// It fails when the domain shift is not detected on an input signal, or
// the degradation on a quality signal, within the runs after the change.
// PAPERSUM_DRIFT_BEFORE and PAPERSUM_DRIFT_AFTER set the runs before and
// after the change (default 150 and 100).
func TestDriftScenarios(t *testing.T) {
	data := os.Getenv("PAPERSUM_DATA")
	if data == "" || os.Getenv("PAPERSUM_DRIFT_SCENARIOS") == "" {
		t.Skip("PAPERSUM_DRIFT_SCENARIOS or PAPERSUM_DATA not set")
	}
	before, after := envInt("PAPERSUM_DRIFT_BEFORE", 150), envInt("PAPERSUM_DRIFT_AFTER", 100)
	ctx := context.Background()
	scisumm := loadScisummNet(t, data, before+after)
	tldr := loadSciTLDRAbstracts(t, data, after)
	var report strings.Builder

	// Domain shift, local engine.
	papersA := append(append([]*papersum.Paper{}, scisumm[:before]...), tldr...)
	resA := runScenario(t, ctx, config.Default(), nil, papersA)
	fmt.Fprintf(&report, "\n### Domain shift: %d ScisummNet papers, then %d SciTLDR abstracts (local engine)\n\n", before, after)
	if writeDetections(&report, resA, before, signals.GroupInput) < 0 {
		t.Errorf("domain shift: no input signal drifted within %d runs", after)
	}
	fmt.Fprintf(&report, "\nMonitor time per run: %.3f ms (signals, %d detectors, state saved in SQLite); local engine run: %.1f ms; ratio %.3f%%\n",
		ms(resA.observe)/float64(len(papersA)), resA.detectors, ms(resA.run)/float64(len(papersA)), 100*float64(resA.observe)/float64(resA.run))

	// Quality degradation, fake upstream.
	var degraded atomic.Bool
	summaryRE := regexp.MustCompile(`(?s)<summary>(.*?)</summary>`)
	_, url := startFake(t, fakeupstream.Config{Seed: 3, Rewrite: func(stage papersum.Stage, text string) string {
		if stage != papersum.StageSummarize || !degraded.Load() {
			return text
		}
		m := summaryRE.FindStringSubmatch(text)
		if m == nil {
			return text
		}
		words := strings.Fields(m[1])
		return "<summary>" + strings.Join(words[:min(12, len(words))], " ") + "</summary>"
	}})
	cfg, err := config.Load(strings.NewReader(fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5}
  revise:    {provider: anthropic, model: claude-sonnet-4-5}
`, url)), "drift.yaml")
	if err != nil {
		t.Fatal(err)
	}
	resB := runScenario(t, ctx, cfg, func(i int) { degraded.Store(i >= before) }, scisumm[:before+after])
	fmt.Fprintf(&report, "\n### Quality degradation: %d ScisummNet runs, then %d with summaries truncated to 12 words (fake upstream)\n\n", before, after)
	if writeDetections(&report, resB, before, signals.GroupQuality) < 0 {
		t.Errorf("quality degradation: no quality signal drifted within %d runs", after)
	}
	writeDetections(&report, resB, before, signals.GroupOutput)

	// False alarms on stationary streams.
	fmt.Fprintf(&report, "\n### False alarms: 5,000-run stationary streams per signal (resampled from the %d ScisummNet runs of the first scenario)\n\n", before)
	writeFalseAlarms(&report, resA.samples[:before])
	t.Log(report.String())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadScisummNet reads the first n ScisummNet papers (sorted by file).
func loadScisummNet(t *testing.T, data string, n int) []*papersum.Paper {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, "scisummnet", "*", "Reference_XML", "*.xml"))
	sort.Strings(files)
	var out []*papersum.Paper
	for _, f := range files {
		if len(out) == n {
			break
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Parse(context.Background(), filepath.Base(f), b, ingest.Options{})
		if err != nil {
			continue
		}
		out = append(out, p)
	}
	if len(out) < n {
		t.Fatalf("%d ScisummNet papers, want %d", len(out), n)
	}
	return out
}

// loadSciTLDRAbstracts reads n abstracts of SciTLDR-A's dev split, each
// submitted as plain text.
func loadSciTLDRAbstracts(t *testing.T, data string, n int) []*papersum.Paper {
	t.Helper()
	f, err := os.Open(filepath.Join(data, "scitldr", "SciTLDR-A", "dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []*papersum.Paper
	for sc.Scan() && len(out) < n {
		var rec struct {
			Source []string `json:"source"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Parse(context.Background(), fmt.Sprintf("abstract-%d.txt", len(out)), []byte(strings.Join(rec.Source, " ")), ingest.Options{})
		if err != nil {
			continue
		}
		out = append(out, p)
	}
	if len(out) < n {
		t.Fatalf("%d SciTLDR abstracts, want %d", len(out), n)
	}
	return out
}

// scenario is what one run of papers through the pipeline and the
// monitor gave.
type scenario struct {
	runIndex     map[string]int
	events       []papersum.DriftEvent
	samples      []signals.Sample
	run, observe time.Duration
	detectors    int
}

// runScenario runs papers one after the other through a pipeline of cfg
// (beforeRun is told the index of each run first), each finished run
// through a driftwatch monitor on the same SQLite store.
func runScenario(t *testing.T, ctx context.Context, cfg *config.Config, beforeRun func(int), papers []*papersum.Paper) scenario {
	t.Helper()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "drift.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	logger := slog.New(slog.DiscardHandler)
	e := &env{getenv: func(k string) string {
		if k == "ANTHROPIC_API_KEY" {
			return "k"
		}
		return ""
	}, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := deps.runner(store, logger, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mon, err := driftwatch.New(ctx, driftwatch.Config{Store: store, Extract: driftExtractOptions(cfg.Thresholds.Overall)})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	sc := scenario{runIndex: map[string]int{}}
	for i, p := range papers {
		if beforeRun != nil {
			beforeRun(i)
		}
		t0 := time.Now()
		run, err := runner.Run(ctx, p, pipeline.Options{})
		if err != nil && run == nil {
			t.Fatalf("run %d: %v", i, err)
		}
		t1 := time.Now()
		if err := mon.Observe(ctx, p, run); err != nil {
			t.Fatal(err)
		}
		sc.run += t1.Sub(t0)
		sc.observe += time.Since(t1)
		sc.runIndex[run.ID] = i
		sc.samples = append(sc.samples, signals.Sample{RunID: run.ID, Values: signals.Extract(p, run, driftExtractOptions(cfg.Thresholds.Overall))})
	}
	if sc.events, err = store.DriftEvents(ctx, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	states, _ := store.DriftStates(ctx)
	sc.detectors = len(states)
	return sc
}

// writeDetections writes, per signal of groups that drifted, the runs
// after the change until its first detection, and the detections before
// the change (false alarms). It returns the fewest runs after the change
// until a signal of groups drifted, -1 when none did.
func writeDetections(w io.Writer, sc scenario, change int, groups ...signals.Group) int {
	type row struct {
		signal, detector string
		first            int // runs after the change; -1 none
		before           int
	}
	rows := map[string]*row{}
	for _, ev := range sc.events {
		d, _ := signals.Lookup(ev.Signal)
		keep := false
		for _, g := range groups {
			keep = keep || d.Group == g
		}
		if !keep {
			continue
		}
		r := rows[ev.Signal]
		if r == nil {
			r = &row{signal: ev.Signal, detector: ev.Detector, first: -1}
			rows[ev.Signal] = r
		}
		i := sc.runIndex[ev.RunID]
		if i < change {
			r.before++
		} else if r.first < 0 {
			r.first = i - change + 1
		}
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := rows[names[i]], rows[names[j]]
		if (a.first < 0) != (b.first < 0) {
			return b.first < 0
		}
		if a.first != b.first {
			return a.first < b.first
		}
		return a.signal < b.signal
	})
	fmt.Fprintln(w, "| signal | detector | detected after (runs since the change) | detections before the change |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: |")
	for _, n := range names {
		r := rows[n]
		first := "not detected"
		if r.first >= 0 {
			first = strconv.Itoa(r.first)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d |\n", r.signal, r.detector, first, r.before)
	}
	if len(names) == 0 {
		fmt.Fprintln(w, "| (none) | | | |")
	}
	if len(names) == 0 || rows[names[0]].first < 0 {
		return -1
	}
	return rows[names[0]].first
}

// writeFalseAlarms runs every detector kind with its defaults over a
// 5,000-value stream per numeric (or binary) signal, drawn with
// replacement from samples with a fixed seed, and writes the alarms.
func writeFalseAlarms(w io.Writer, samples []signals.Sample) {
	const n = 5000
	fmt.Fprintln(w, "| detector | signals | alarms per 1,000 runs (mean over signals) | signals with an alarm | default for |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | --- |")
	for _, k := range drift.Kinds() {
		if k == drift.KindRollingZ {
			continue
		}
		var signalsN, withAlarm, alarms int
		for si, d := range signals.Defs() {
			if !d.Streaming() || (d.Kind == signals.Binary) != k.Binary() {
				continue
			}
			var pool []float64
			for _, s := range samples {
				for _, v := range s.Values {
					if v.Name == d.Name {
						pool = append(pool, v.X)
					}
				}
			}
			if len(pool) < 10 {
				continue
			}
			params := json.RawMessage(nil)
			if k == drift.KindKSWIN {
				params = json.RawMessage(`{"seed": 42}`)
			}
			det, err := drift.New(k, params)
			if err != nil {
				panic(err)
			}
			rng := rand.New(rand.NewPCG(uint64(si), 0xd71f7))
			a := 0
			for range n {
				if sig, err := det.Update(pool[rng.IntN(len(pool))]); err == nil && sig.Drift {
					a++
				}
			}
			signalsN++
			alarms += a
			if a > 0 {
				withAlarm++
			}
		}
		def := ""
		if k == signals.Numeric.DefaultDetector() {
			def = "numeric signals"
		} else if k == signals.Binary.DefaultDetector() {
			def = "binary signals"
		}
		rate := 0.0
		if signalsN > 0 {
			rate = float64(alarms) / float64(signalsN) / n * 1000
		}
		fmt.Fprintf(w, "| %s | %d | %.3f | %d/%d | %s |\n", k, signalsN, rate, withAlarm, signalsN, def)
	}
}
