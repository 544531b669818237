package local

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/perturb"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/devdata"
	"github.com/papersum/papersum/stats"
	"github.com/papersum/papersum/textproc"
)

// perturbGoals are the shares of pairs (good summary, damaged summary)
// that the critique orders correctly on both the dimension concerned and
// the overall, per kind of damage, below which TestPerturbationScisummNet
// fails. They are what the critique reaches on ScisummNet with
// perturb.DefaultSeed (BENCHMARKS.md), less a margin; the goal is 95% for
// every kind, and kinds below it are reported there, not asserted.
var perturbGoals = map[perturb.Kind]float64{
	perturb.Numbers: 88, perturb.SwapName: 89, perturb.ForeignSentence: 94.5,
	perturb.FirstOnly: 94.5, perturb.OCR: 95.5, perturb.AuthorLine: 99,
	perturb.Shuffle: 93.5, perturb.Repeat: 96, perturb.Cut: 98,
}

// TestPerturbationScisummNet is the perturbation test of the critique:
// each ScisummNet human summary (title line dropped) is the good summary,
// eval/perturb derives damaged versions of it, and the critique must score
// each lower than the good one on the dimension the damage concerns and on
// the overall. It also measures the share of human summaries and of the
// engine's own summaries that pass the quality thresholds (accuracy >= 8,
// overall >= 7.5). ScisummNet only: CL-SciSumm is never used to develop
// the critique.
//
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestPerturbationScisummNet -v
func TestPerturbationScisummNet(t *testing.T) {
	dataDir := devdata.Requested(t)
	papers := loadScisummNet(t, dataDir, true, "all")
	corpus := make([]perturb.Summary, len(papers))
	for i, sp := range papers {
		corpus[i] = perturb.Summary{ID: sp.id, Sentences: sp.ref}
	}
	gen := perturb.New(rand.New(rand.NewPCG(perturb.DefaultSeed, 0)), corpus)
	kinds := perturb.Kinds()
	// Damage in one goroutine, in order, so the draws do not depend on
	// scheduling; score in parallel.
	damaged := make([][][]string, len(papers))
	for i := range papers {
		damaged[i] = make([][]string, len(kinds))
		for k, kind := range kinds {
			damaged[i][k], _ = gen.Damage(kind, i)
		}
	}
	e := New(Config{})
	type result struct {
		good, engine papersum.Scores
		bad          []*papersum.Scores
		// verifiable says, for a changed number or swapped name, that
		// the paper holds the original: a judge can only tell the two
		// apart when it can check the original.
		verifiable []bool
	}
	res := make([]result, len(papers))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				p := papers[i].paper
				r := result{bad: make([]*papersum.Scores, len(kinds)), verifiable: make([]bool, len(kinds))}
				// The good summary, the engine's and the damaged ones in
				// one pass: the paper is analysed once and each distinct
				// sentence measured once (critiqueMany).
				texts := []string{strings.Join(papers[i].ref, " "), e.Summarize(p, 0)}
				for k := range kinds {
					if damaged[i][k] != nil {
						texts = append(texts, strings.Join(damaged[i][k], " "))
					}
				}
				a := e.analysisOf(p)
				cs := e.critiqueMany(a, texts, e.cfg.TargetWords)
				for k, kind := range kinds {
					if damaged[i][k] != nil && (kind == perturb.Numbers || kind == perturb.SwapName) {
						r.verifiable[k] = a.holds(changedWord(papers[i].ref, damaged[i][k]))
					}
				}
				r.good, r.engine = cs[0].critique.Scores, cs[1].critique.Scores
				at := 2
				for k := range kinds {
					if damaged[i][k] != nil {
						s := cs[at].critique.Scores
						r.bad[k] = &s
						at++
					}
				}
				res[i] = r
			}
		})
	}
	for i := range papers {
		next <- i
	}
	close(next)
	wg.Wait()

	pass := func(s papersum.Scores) bool { return s.Accuracy >= 8 && s.Overall() >= 7.5 }
	var humanPass, enginePass int
	var humanMean, engineMean [5]float64
	for _, r := range res {
		if pass(r.good) {
			humanPass++
		}
		if pass(r.engine) {
			enginePass++
		}
		for d, v := range dims(r.good) {
			humanMean[d] += v / float64(len(res))
		}
		for d, v := range dims(r.engine) {
			engineMean[d] += v / float64(len(res))
		}
	}
	t.Logf("ScisummNet n=%d, seed %d, critique %s", len(res), perturb.DefaultSeed, CritiqueVersion)
	t.Logf("pass rate (accuracy >= 8, overall >= 7.5): human summaries %.1f%%, engine summaries %.1f%%",
		100*float64(humanPass)/float64(len(res)), 100*float64(enginePass)/float64(len(res)))
	t.Logf("mean acc/comp/clar/coh/overall: human %.2f/%.2f/%.2f/%.2f/%.2f, engine %.2f/%.2f/%.2f/%.2f/%.2f",
		humanMean[0], humanMean[1], humanMean[2], humanMean[3], humanMean[4], engineMean[0], engineMean[1], engineMean[2], engineMean[3], engineMean[4])
	t.Logf("%-18s %-12s %6s %8s %8s %8s %18s", "damage", "dimension", "pairs", "dim %", "overall %", "both %", "verifiable: n, both %")
	for k, kind := range kinds {
		d := dimIndex(kind.Dimension())
		var n, dimOK, allOK, both, nv, bothV int
		for _, r := range res {
			b := r.bad[k]
			if b == nil {
				continue
			}
			n++
			dOK := dims(*b)[d] < dims(r.good)[d]
			oOK := b.Overall() < r.good.Overall()
			if dOK {
				dimOK++
			}
			if oOK {
				allOK++
			}
			if dOK && oOK {
				both++
			}
			if r.verifiable[k] {
				nv++
				if dOK && oOK {
					bothV++
				}
			}
		}
		share := func(x int) float64 { return 100 * float64(x) / float64(max(n, 1)) }
		verifiable := ""
		if nv > 0 {
			verifiable = fmt.Sprintf("%d, %.1f", nv, 100*float64(bothV)/float64(nv))
		}
		t.Logf("%-18s %-12s %6d %8.1f %8.1f %8.1f %18s", kind, kind.Dimension(), n, share(dimOK), share(allOK), share(both), verifiable)
		if goal, ok := perturbGoals[kind]; ok && share(both) < goal {
			t.Errorf("%s: %.1f%% of pairs ordered on %s and overall, want >= %.1f%%", kind, share(both), kind.Dimension(), goal)
		}
	}
}

// changedWord returns the first word of good that damaged replaces (the
// two have the same words otherwise), punctuation trimmed.
func changedWord(good, damaged []string) string {
	for i := range min(len(good), len(damaged)) {
		g, d := strings.Fields(good[i]), strings.Fields(damaged[i])
		for j := range min(len(g), len(d)) {
			if g[j] != d[j] {
				return strings.TrimFunc(g[j], func(r rune) bool {
					return !unicode.IsLetter(r) && !unicode.IsDigit(r)
				})
			}
		}
	}
	return ""
}

// holds reports whether the paper contains word w as the critique looks
// it up: a number (or a rounding of one), a word with digits (or its
// letters and digits apart), a word, an acronym in capitals, or an
// acronym it spells out.
func (a *analysis) holds(w string) bool {
	t := textproc.Lower(w)
	if t == "" {
		return false
	}
	if textproc.IsNumber(t) {
		_, ok := a.tokenSents[textproc.NormalizeNumber(t)]
		if !ok {
			_, ok = a.roundingOf(textproc.NormalizeNumber(t))
		}
		return ok
	}
	if textproc.HasDigit(t) {
		if _, ok := a.tokenSents[t]; ok {
			return true
		}
		_, ok := a.splitToken(t)
		return ok
	}
	if isAcronym(w) {
		if _, ok := a.acronyms[strings.TrimSuffix(w, "s")]; ok {
			return true
		}
	} else if _, ok := a.tokens[t]; ok {
		return true
	}
	return a.expansionOf(w) != nil
}

// dims returns accuracy, completeness, clarity, coherence and overall.
func dims(s papersum.Scores) [5]float64 {
	return [5]float64{s.Accuracy, s.Completeness, s.Clarity, s.Coherence, s.Overall()}
}

func dimIndex(name string) int {
	switch name {
	case "accuracy":
		return 0
	case "completeness":
		return 1
	case "clarity":
		return 2
	case "coherence":
		return 3
	}
	return 4
}

// qagsGoal is the least summary-level Pearson correlation between the
// critique's accuracy and the human consistency rating on QAGS-XSUM that
// TestQAGSXSum accepts (what it reaches, less a margin; BENCHMARKS.md).
const qagsGoal = 0.35

// TestQAGSXSum measures agreement with people: the summary-level Pearson,
// Spearman and Kendall correlations between the critique's accuracy and
// the QAGS-XSUM consistency ratings, with percentile bootstrap 95%
// intervals (2000 resamples, seed 1), beside the baseline "share of the
// summary's unigrams found in the source" computed in the same run, and
// the paired bootstrap interval of the difference of the two Pearson
// correlations.
//
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestQAGSXSum -v
func TestQAGSXSum(t *testing.T) {
	path := filepath.Join(devdata.Requested(t), "meta-eval", "qags_xsum.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("QAGS-XSUM: %v", err)
	}
	var items []struct {
		Source string             `json:"source"`
		Output string             `json:"system_output"`
		Scores map[string]float64 `json:"scores"`
	}
	if err := json.Unmarshal(data, &items); err != nil {
		t.Fatal(err)
	}
	e := New(Config{})
	var acc, base, human []float64
	for i, it := range items {
		p, err := ingest.Parse(context.Background(), fmt.Sprintf("qags-%d.txt", i), []byte(it.Source), ingest.Options{})
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		acc = append(acc, e.Critique(p, it.Output, 0).Scores.Accuracy)
		base = append(base, unigramShare(it.Source, it.Output))
		human = append(human, it.Scores["consistency"])
	}
	rng := rand.New(rand.NewPCG(1, 0))
	opts := stats.BootstrapOptions{Resamples: 2000, Method: stats.Percentile}
	pearson := func(x, y []float64) float64 {
		r, err := stats.Pearson(x, y, stats.TwoSided)
		if err != nil {
			return math.NaN()
		}
		return r.Statistic
	}
	spearman := func(x, y []float64) float64 {
		r, err := stats.Spearman(x, y, stats.TwoSided)
		if err != nil {
			return math.NaN()
		}
		return r.Statistic
	}
	t.Logf("QAGS-XSUM n=%d, critique %s", len(items), CritiqueVersion)
	for _, sys := range []struct {
		name string
		x    []float64
	}{{"accuracy", acc}, {"unigram share", base}} {
		line := fmt.Sprintf("%-14s", sys.name)
		for _, c := range []struct {
			name string
			f    func(x, y []float64) float64
		}{{"pearson", pearson}, {"spearman", spearman}, {"kendall", stats.KendallTau}} {
			ci, err := stats.PairedBootstrapCI(rng, sys.x, human, c.f, opts)
			if err != nil {
				t.Fatal(err)
			}
			line += fmt.Sprintf(" %s %.3f [%.3f, %.3f]", c.name, ci.Estimate, ci.Low, ci.High)
		}
		t.Log(line)
	}
	// The difference of the two Pearson correlations, resampling items.
	idx := make([]float64, len(items))
	for i := range idx {
		idx[i] = float64(i)
	}
	diff := func(ix []float64) float64 {
		a, b, h := make([]float64, len(ix)), make([]float64, len(ix)), make([]float64, len(ix))
		for k, v := range ix {
			a[k], b[k], h[k] = acc[int(v)], base[int(v)], human[int(v)]
		}
		return pearson(a, h) - pearson(b, h)
	}
	ci, err := stats.BootstrapCI(rng, idx, diff, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pearson(accuracy) - pearson(unigram share) = %.3f [%.3f, %.3f]", ci.Estimate, ci.Low, ci.High)
	if r := pearson(acc, human); r < qagsGoal {
		t.Errorf("pearson %.3f below %.3f", r, qagsGoal)
	}
}

// unigramShare is the share of the summary's tokens that occur in the
// source: the baseline judge of factual consistency.
func unigramShare(source, summary string) float64 {
	src := map[string]bool{}
	for _, t := range textproc.Tokens(source) {
		src[t] = true
	}
	toks := textproc.Tokens(summary)
	if len(toks) == 0 {
		return 0
	}
	n := 0
	for _, t := range toks {
		if src[t] {
			n++
		}
	}
	return float64(n) / float64(len(toks))
}
