package local

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/internal/devdata"
)

// TestScisummNet250 is the tuning harness for the CL-SciSumm setting, on
// ScisummNet only: summaries of at most -local.clwords (250) words of whole
// sentences, scored with the CL-SciSumm flags (rouge.Preset("clscisumm"))
// against the ScisummNet human summary (title line dropped; whole paper in
// the input) and against the paper's abstract (summary/<ID>.abstract.txt;
// abstract removed from the input). It reports ROUGE's Average_F of one run
// over the papers (-t 1 pools counts) for ROUGE-2 and ROUGE-SU*, for the
// lead baseline of TestCLSciSumm2018, the draft and the revision.
//
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestScisummNet250 -v -args -local.split tune
func TestScisummNet250(t *testing.T) {
	dataDir := devdata.Requested(t)
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
	limit := *clWords
	target := limit
	if *clTarget > 0 {
		target = *clTarget
	}
	whole := loadScisummNet(t, dataDir, true, *tuneSplit)
	body := loadScisummNet(t, dataDir, false, *tuneSplit)
	bodyOf := map[string]*papersum.Paper{}
	for _, sp := range body {
		bodyOf[sp.id] = sp.paper
	}
	type sys struct {
		name string
		run  func(p *papersum.Paper) []string
	}
	systems := []sys{
		{"lead", func(p *papersum.Paper) []string { return leadSentences(p, limit) }},
		{"draft", func(p *papersum.Paper) []string { return capWords(sentences.Split(e.Summarize(p, target)), limit) }},
		{"revised", func(p *papersum.Paper) []string {
			a := e.analyze(p)
			d := e.summarize(a, target)
			c := e.critique(a, d, target)
			return capWords(sentences.Split(e.revise(context.Background(), a, d, &c.critique, target)), limit)
		}},
	}
	// Papers whose abstract file is missing or whose body ingest refuses
	// are skipped for the abstract comparison only.
	type out struct {
		human, abs []rouge.Result // per system
		words      []int
		hasAbs     bool
	}
	res := make([]out, len(whole))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				sp := whole[i]
				o := out{human: make([]rouge.Result, len(systems)), abs: make([]rouge.Result, len(systems)), words: make([]int, len(systems))}
				absText, err := os.ReadFile(filepath.Join(dataDir, "scisummnet", sp.id, "summary", sp.id+".abstract.txt"))
				bp := bodyOf[sp.id]
				o.hasAbs = err == nil && bp != nil && len(plainLines(string(absText))) > 0
				for k, s := range systems {
					var cand []string
					if k == 0 {
						if bp == nil {
							bp = sp.paper
						}
						cand = s.run(bp)
					} else {
						cand = s.run(sp.paper)
					}
					o.words[k] = len(strings.Fields(strings.Join(cand, " ")))
					o.human[k], _ = rouge.Evaluate(cand, [][]string{sp.ref}, rcfg)
					if o.hasAbs {
						bc := cand
						if k > 0 {
							bc = s.run(bp)
						}
						o.abs[k], _ = rouge.Evaluate(bc, [][]string{plainLines(string(absText))}, rcfg)
					}
				}
				res[i] = o
			}
		})
	}
	for i := range whole {
		next <- i
	}
	close(next)
	wg.Wait()
	t.Logf("ScisummNet %s n=%d, limit %d words, target %d, clscisumm flags, Average_F (pooled), config %s", *tuneSplit, len(whole), limit, target, *tuneConfig)
	for k, s := range systems {
		var hs, as []rouge.Result
		w := 0
		for _, o := range res {
			hs = append(hs, o.human[k])
			w += o.words[k]
			if o.hasAbs {
				as = append(as, o.abs[k])
			}
		}
		h, a := rouge.Aggregate(hs, rcfg), rouge.Aggregate(as, rcfg)
		t.Logf("%-8s words %5.1f | human R2 %.4f SU* %.4f | abstract (n=%d) R2 %.4f SU* %.4f", s.name, float64(w)/float64(len(res)),
			h[rouge.ROUGE2].F.Mean, h[rouge.ROUGESUStar].F.Mean, len(as), a[rouge.ROUGE2].F.Mean, a[rouge.ROUGESUStar].F.Mean)
	}
}
