package anomaly

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

var replayTable = flag.Bool("replay", false, "print the replay figures (TestReplay) as Markdown, over several thresholds")

// The replay: replaySeeds streams of replayRuns synthetic runs each; the
// step streams multiply every value from run stepAt+1 on by replayStep.
const (
	replayRuns  = 2000
	replaySeeds = 50
	// quickSeeds is the number of streams of the default test run;
	// PAPERSUM_ANOMALY_REPLAY=1 (set by .ci/run) or -replay runs
	// replaySeeds.
	quickSeeds = 10
	stepAt     = 1000
	replayStep = 1.5
)

// replaySignal is a synthetic per-run signal.
type replaySignal struct {
	name string
	draw func(*rand.Rand) float64
}

var replaySignals = []replaySignal{
	// Cost per run in USD: log-normal, median $0.02, σ of the logarithm
	// 0.3 (papers of different lengths).
	{"cost (lognormal σ=0.3)", func(r *rand.Rand) float64 { return 0.02 * math.Exp(0.3*r.NormFloat64()) }},
	// Latency of a stage in seconds: gamma with shape 8, scale 0.5 (mean
	// 4 s, coefficient of variation 0.35), the sum of 8 exponentials.
	{"latency (gamma k=8, θ=0.5 s)", func(r *rand.Rand) float64 {
		s := 0.0
		for range 8 {
			s += r.ExpFloat64()
		}
		return 0.5 * s
	}},
}

// replayResult is what one configuration does on one signal.
type replayResult struct {
	// falsePer1000 is the false alarms per 1,000 scored runs of the
	// stationary streams (runs after the warm-up).
	falsePer1000 float64
	// delays are, per step stream, the runs from the step to the first
	// alarm (1 = the first stepped run), or -1 if none came before the
	// stream ended.
	delays []int
}

func replay(t testing.TB, cfg Config, sig replaySignal, seeds int) replayResult {
	var res replayResult
	alarms, scored := 0, 0
	k := Key{Signal: "s", Model: "m"}
	for seed := range uint64(seeds) {
		for _, step := range []bool{false, true} {
			d, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(seed, 14))
			delay := -1
			for i := 1; i <= replayRuns; i++ {
				x := sig.draw(r)
				if step && i > stepAt {
					x *= replayStep
				}
				_, ok, err := d.Observe(k, x)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case !step:
					if i > cfg.WarmUp {
						scored++
					}
					if ok {
						alarms++
					}
				case ok && i > stepAt && delay < 0:
					delay = i - stepAt
				}
			}
			if step {
				res.delays = append(res.delays, delay)
			}
		}
	}
	res.falsePer1000 = 1000 * float64(alarms) / float64(scored)
	return res
}

// quantileDelay is the q-quantile (nearest rank) of the delays, with a
// missed detection counted as infinitely late (-1 returned then).
func quantileDelay(delays []int, q float64) int {
	s := make([]int, len(delays))
	for i, d := range delays {
		if d < 0 {
			d = math.MaxInt
		}
		s[i] = d
	}
	slices.Sort(s)
	v := s[int(math.Ceil(q*float64(len(s))))-1]
	if v == math.MaxInt {
		return -1
	}
	return v
}

// within reports the share of step streams whose first alarm after the
// step came within n runs of it.
func within(delays []int, n int) float64 {
	c := 0
	for _, d := range delays {
		if d >= 1 && d <= n {
			c++
		}
	}
	return float64(c) / float64(len(delays))
}

// Documented figures (Config's defaults, BENCHMARKS.md "Anomaly
// detection"): on these replays each method raises at most
// maxFalsePer1000 false alarms per 1,000 runs, and detects the ×1.5 step
// within maxDelay runs in at least minDetected of the streams.
// (Detected within maxDelay runs means the first alarm after the step,
// which a false alarm could also be: the false-alarm rate bounds how
// often.)
const (
	maxFalsePer1000 = 1.0
	maxDelay        = 50
	minDetected     = 0.9
)

// TestReplay is the acceptance measurement: 2,000 stationary runs per
// stream raise at most the documented false-alarm rate, and a ×1.5 step
// in cost or latency after run 1,000 is detected within the documented
// number of runs, for the plain and the robust method at the defaults
// (watching upwards, as Monitor does for cost and latency). With -replay
// it prints the table for BENCHMARKS.md over thresholds and directions.
func TestReplay(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "| method | recent | direction | threshold | signal | false alarms / 1,000 runs | step delay p50 | detected ≤ 25 runs | ≤ %d runs |\n|---|---|---|---|---|---|---|---|---|\n", maxDelay)
	def := DefaultConfig()
	seeds := quickSeeds
	if *replayTable || os.Getenv("PAPERSUM_ANOMALY_REPLAY") == "1" {
		seeds = replaySeeds
	}
	thresholds, directions, recents := []float64{def.Threshold}, []Direction{Up}, []int{def.Recent}
	if *replayTable {
		thresholds, directions, recents = []float64{3, 3.5, 4, 4.5}, []Direction{Up, Both}, []int{1, 20}
	}
	for _, m := range []Method{MethodZScore, MethodRobust} {
		for _, rc := range recents {
			for _, dir := range directions {
				for _, th := range thresholds {
					cfg := def
					cfg.Method, cfg.Threshold, cfg.Direction, cfg.Recent = m, th, dir, rc
					for _, sig := range replaySignals {
						// Monitor's default threshold of the signal's family.
						defTh := def.Threshold
						cfg := cfg
						if strings.HasPrefix(sig.name, "latency") {
							defTh = DefaultLatencyThreshold
							if !*replayTable {
								cfg.Threshold = defTh
							}
						}
						th := cfg.Threshold
						res := replay(t, cfg, sig, seeds)
						p50 := quantileDelay(res.delays, 0.5)
						in := within(res.delays, maxDelay)
						fmt.Fprintf(&b, "| %s | %d | %s | %g | %s | %.3f | %d | %.0f%% | %.0f%% |\n", m, rc, dir, th, sig.name, res.falsePer1000, p50, 100*within(res.delays, 25), 100*in)
						if th != defTh || dir != Up || rc != def.Recent {
							continue
						}
						if res.falsePer1000 > maxFalsePer1000 {
							t.Errorf("%s on %s: %.3f false alarms per 1,000 runs, documented at most %v", m, sig.name, res.falsePer1000, maxFalsePer1000)
						}
						// The quick run (10 streams) checks a looser share: 8 of 10
						// is well within the sampling error of a 94% rate.
						if need := minDetected; seeds < replaySeeds && in < need-0.15 || seeds == replaySeeds && in < need {
							t.Errorf("%s on %s: step detected within %d runs in %.0f%% of streams, documented at least %.0f%%", m, sig.name, maxDelay, 100*in, 100*minDetected)
						}
					}
				}
			}
		}
	}
	if *replayTable {
		fmt.Print(b.String())
	}
}
