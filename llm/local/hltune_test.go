package local

import (
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/internal/devdata"
)

var (
	hlSearch = flag.Bool("local.hlsearch", false, "in TestHighlightsTune, search the highlights weights by coordinate ascent on the split")
	hlTarget = flag.Int("local.hltarget", 150, "engine target words in TestHighlightsTune")
	hlOld    = flag.Bool("local.hlold", false, "highlights with the weights before tuning (oldHL) in TestCLSciSumm2018 and TestHighlightsTune: the baseline")
)

// oldHL are the highlights weights before TestHighlightsTune: the
// abstract style's feature mix (Config defaults), the baseline of
// BENCHMARKS.md.
var oldHL = hlWeights{hfCentrality: 0.4, hfPrior: 0.4, hfLead: 0.8, hfKeyTerms: 0.2, hfCue: 0.2, hfOpening: 2}

// useOldHL makes defaultHL oldHL for the rest of the test when
// -local.hlold is set.
func useOldHL(t *testing.T) {
	if !*hlOld {
		return
	}
	saved := defaultHL
	defaultHL = oldHL
	t.Cleanup(func() { defaultHL = saved })
	t.Log("highlights weights: oldHL (baseline)")
}

// hlFeatureNames name the highlights features in the logs.
var hlFeatureNames = [numHF]string{
	hfCentrality: "centrality", hfPrior: "prior", hfLead: "lead", hfKeyTerms: "keyterms", hfCue: "cue",
	hfStrongCue: "strongcue", hfTitle: "title", hfIntro: "intro", hfConclusion: "conclusion",
	hfSectionStart: "sectionstart", hfResult: "result", hfFirstPerson: "firstperson",
	hfRelated: "related", hfLate: "late", hfMethod: "method", hfLength: "length", hfOpening: "opening",
}

// TestHighlightsTune is the tuning harness of the highlights style, on
// ScisummNet only: each paper is read without its abstract (as `eval run
// --style highlights` reads it), its highlights draft of -local.hltarget
// words is capped at 250 words of whole sentences and scored with the
// CL-SciSumm flags (rouge.Preset("clscisumm")) against the ScisummNet
// human summary, pooled over the papers (-t 1; the objective is the
// pooled F without the bootstrap). It logs the default weights' R-2 and,
// with -local.hlsearch, searches the weights by coordinate ascent on the
// split and logs the best. CL-SciSumm is never used here.
//
//	PAPERSUM_DATA=../shared/data go test ./llm/local -run TestHighlightsTune -v -args -local.split tune -local.hlsearch
func TestHighlightsTune(t *testing.T) {
	dataDir := devdata.Requested(t)
	useOldHL(t)
	var cfg Config
	if *tuneConfig != "" {
		if err := json.Unmarshal([]byte(*tuneConfig), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	e := New(cfg)
	rcfg, err := rouge.Preset("clscisumm")
	if err != nil {
		t.Fatal(err)
	}
	rcfg.Resources = rougeData(t)
	papers := loadScisummNet(t, dataDir, false, *tuneSplit)
	as := make([]*analysis, len(papers))
	scorers := make([]*rouge.Scorer, len(papers))
	parallel(len(papers), func(i int) {
		as[i] = e.analyze(papers[i].paper)
		sc, err := rouge.NewScorer([][]string{papers[i].ref}, rcfg)
		if err != nil {
			t.Error(err)
			return
		}
		scorers[i] = sc
	})
	target := *hlTarget
	eval := func(w hlWeights) (r2, su float64) {
		res := make([]rouge.Result, len(papers))
		parallel(len(papers), func(i int) {
			d := e.highlightsWith(as[i].withHLScores(w), target)
			if d == "" {
				d = e.summarize(as[i], target)
			}
			res[i] = scorers[i].Score(capWords(sentences.Split(d), 250))
		})
		return pooledF(res, rouge.ROUGE2), pooledF(res, rouge.ROUGESUStar)
	}
	show := func(w hlWeights) string {
		s := ""
		for k, v := range w {
			if v != 0 {
				s += fmt.Sprintf("%s=%.2f ", hlFeatureNames[k], v)
			}
		}
		return s
	}
	start := time.Now()
	r2, su := eval(defaultHL)
	t.Logf("one evaluation: %v", time.Since(start))
	t.Logf("ScisummNet %s n=%d, abstract removed, target %d, cap 250, clscisumm flags, pooled F", *tuneSplit, len(papers), target)
	t.Logf("default weights: R-2 %.4f SU* %.4f  [%s]", r2, su, show(defaultHL))
	if !*hlSearch {
		return
	}
	best, bestV := defaultHL, r2
	steps := []float64{-0.3, 0.3, 1}
	for pass := range 2 {
		improved := false
		for k := range numHF {
			for _, d := range steps {
				w := best
				w[k] += d
				if v, _ := eval(w); v > bestV+1e-5 {
					best, bestV, improved = w, v, true
					t.Logf("pass %d: %s %+.1f -> R-2 %.4f", pass, hlFeatureNames[k], d, v)
				}
			}
		}
		if !improved {
			break
		}
	}
	r2, su = eval(best)
	t.Logf("best weights: R-2 %.4f SU* %.4f  [%s]", r2, su, show(best))
	t.Logf("as Go: %#v", best)
}

// pooledF is the F of metric from counts pooled over res (ROUGE's -t 1
// Average_F without the bootstrap).
func pooledF(res []rouge.Result, metric string) float64 {
	var m, p, h int
	for _, r := range res {
		s := r[metric]
		m += s.ModelCount
		p += s.PeerCount
		h += s.Hits
	}
	if m == 0 || p == 0 || h == 0 {
		return 0
	}
	rec, prec := float64(h)/float64(m), float64(h)/float64(p)
	return 2 * rec * prec / (rec + prec)
}

// parallel runs f(0..n-1) on one worker per CPU.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
