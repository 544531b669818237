package pipeline

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/devdata"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
)

var anomalyReplay = flag.Bool("anomalyreplay", false, "replay real local-engine runs on ScisummNet through anomaly.Monitor (TestAnomalyReplayScisummNet) and print the figures")

// TestAnomalyReplayScisummNet measures the anomaly detectors on real
// runs: the local pipeline runs once on every ScisummNet paper, and
// streams of 2,000 runs drawn from those (with replacement, fixed seeds)
// are fed to anomaly.Monitor with its defaults, for both methods. The
// stationary streams give the false alarms per 1,000 runs of each
// series (tokens and latency per stage; the local engine costs nothing
// and its critique's quality is fed too); the step streams multiply every
// stage's tokens and latency by 1.5 after run 1,000. It takes about a
// minute, so it runs only with -anomalyreplay:
//
//	PAPERSUM_DATA=../shared/data go test ./pipeline -run AnomalyReplay -anomalyreplay -v
func TestAnomalyReplayScisummNet(t *testing.T) {
	if !*anomalyReplay {
		t.Skip("the real-run anomaly replay runs with -anomalyreplay")
	}
	runs := scisummnetRuns(t)
	fmt.Printf("%d runs of the local pipeline on ScisummNet\n\n", len(runs))
	fmt.Println("| method | latency / quality threshold, window | series | false alarms / 1,000 runs | step delay p50 | detected ≤ 25 runs | ≤ 50 runs |")
	fmt.Println("|---|---|---|---|---|---|---|")
	const streams, length, stepAt = 50, 2000, 1000
	// The defaults of both methods, then the plain method with other
	// thresholds and windows of latency and quality.
	type variant struct {
		method         anomaly.Method
		threshold      float64 // of latency and quality; 0: the defaults
		window, warmUp int
	}
	for _, v := range []variant{{anomaly.MethodZScore, 0, 0, 0}, {anomaly.MethodRobust, 0, 0, 0},
		{anomaly.MethodZScore, 3.5, 100, 30}, {anomaly.MethodZScore, 4, 100, 30}, {anomaly.MethodZScore, 4.5, 100, 30},
		{anomaly.MethodZScore, 3.5, 300, 100}, {anomaly.MethodZScore, 4, 300, 100}, {anomaly.MethodZScore, 4.5, 300, 100}} {
		cfg := anomaly.DefaultMonitorConfig()
		for _, f := range anomaly.Families {
			cfg.Get(f).Method = v.method
		}
		label := fmt.Sprintf("%g / %g, window %d (defaults)", cfg.Latency.Threshold, cfg.Quality.Threshold, cfg.Latency.Window)
		if v.threshold > 0 {
			for _, c := range []*anomaly.Config{&cfg.Latency, &cfg.Quality} {
				c.Threshold, c.Window, c.WarmUp = v.threshold, v.window, v.warmUp
			}
			label = fmt.Sprintf("%g / %g, window %d", v.threshold, v.threshold, v.window)
		}
		m := v.method
		falseAlarms := map[string]int{}
		delays := map[string][]int{}
		for seed := range uint64(streams) {
			for _, step := range []bool{false, true} {
				mon, err := anomaly.NewMonitor(cfg)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(seed, 14))
				first := map[string]int{}
				for i := 1; i <= length; i++ {
					run := *runs[r.IntN(len(runs))]
					if step && i > stepAt {
						run = scaled(run, 1.5)
					}
					as, err := mon.Observe(run)
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range as {
						switch {
						case !step:
							falseAlarms[a.Signal]++
						case i > stepAt && first[a.Signal] == 0:
							first[a.Signal] = i - stepAt
						}
					}
				}
				if step {
					for _, s := range papersum.Stages {
						for _, sig := range []string{anomaly.TokensSignal(s), anomaly.LatencySignal(s)} {
							delays[sig] = append(delays[sig], first[sig])
						}
					}
				}
			}
		}
		var sigs []string
		for s := range delays {
			sigs = append(sigs, s)
		}
		sort.Strings(sigs)
		scored := float64(streams * (length - cfg.Tokens.WarmUp - cfg.Tokens.Recent + 1))
		for _, sig := range sigs {
			d := delays[sig]
			fmt.Printf("| %s | %s | %s | %.3f | %s | %.0f%% | %.0f%% |\n", m, label, sig, 1000*float64(falseAlarms[sig])/scored,
				median(d), 100*share(d, 25), 100*share(d, 50))
		}
		for _, sig := range qualitySignals(runs) {
			fmt.Printf("| %s | %s | %s | %.3f | – | – | – |\n", m, label, sig, 1000*float64(falseAlarms[sig])/scored)
		}
	}
}

// qualitySignals names the quality series of runs.
func qualitySignals(runs []*papersum.Run) []string {
	var out []string
	for _, r := range runs {
		if r.Scores != nil {
			sig := anomaly.SignalQuality + ":" + r.Scores.JudgeVersion
			if !slices.Contains(out, sig) {
				out = append(out, sig)
			}
		}
	}
	return out
}

// scaled is run with every stage's tokens and latency multiplied by f.
func scaled(run papersum.Run, f float64) papersum.Run {
	run.Stages = slices.Clone(run.Stages)
	for i := range run.Stages {
		st := &run.Stages[i]
		st.Usage.InputTokens = int64(f * float64(st.Usage.InputTokens))
		st.Usage.OutputTokens = int64(f * float64(st.Usage.OutputTokens))
		st.Latency = time.Duration(f * float64(st.Latency))
	}
	return run
}

func median(d []int) string {
	s := slices.Clone(d)
	for i, v := range s {
		if v == 0 {
			s[i] = 1 << 30
		}
	}
	slices.Sort(s)
	if v := s[(len(s)-1)/2]; v != 1<<30 {
		return fmt.Sprint(v)
	}
	return "none"
}

func share(d []int, n int) float64 {
	c := 0
	for _, v := range d {
		if v > 0 && v <= n {
			c++
		}
	}
	return float64(c) / float64(len(d))
}

// scisummnetRuns runs the local pipeline once on each ScisummNet paper.
func scisummnetRuns(t *testing.T) []*papersum.Run {
	data := devdata.Requested(t)
	files, _ := filepath.Glob(filepath.Join(data, "scisummnet", "*", "Reference_XML", "*.xml"))
	if len(files) == 0 {
		t.Fatalf("no ScisummNet papers under %s", data)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pricer, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine := local.New(local.Config{})
	stages := map[papersum.Stage]StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = StageModel{Provider: "local", Model: "local", Client: engine}
	}
	r, err := NewRunner(RunnerConfig{Stages: stages, Store: store, Pricer: pricer})
	if err != nil {
		t.Fatal(err)
	}
	var runs []*papersum.Run
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Parse(ctx, f, b, ingest.Options{})
		if err != nil {
			if papersum.ErrorCode(err) == papersum.EINVALID {
				continue // a corpus file with no sentences
			}
			t.Fatal(err)
		}
		run, err := r.Run(ctx, p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", strings.TrimPrefix(f, data), err)
		}
		runs = append(runs, run)
	}
	return runs
}
