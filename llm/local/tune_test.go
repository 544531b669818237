package local

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/internal/devdata"
	"github.com/papersum/papersum/textproc"
)

var (
	tuneConfig = flag.String("local.config", "", "JSON Config overrides for TestScisummNet, e.g. '{\"Lambda\":0.6}'")
	tuneSplit  = flag.String("local.split", "all", "ScisummNet papers for TestScisummNet: tune (the first 400 in ID order), heldout (the rest) or all")
	tuneNoAbs  = flag.Bool("local.noabstract", false, "drop the abstract from the input in TestScisummNet")
	tuneList   = flag.Bool("local.list", false, "log every paper whose revision loses ROUGE-2 against its draft")
	tuneStyle  = flag.String("local.style", "abstract", "summary style in TestScisummNet: abstract, highlights or tldr")
)

// tuneSize is how many ScisummNet papers (in ID order) the defaults were
// tuned on; the rest are held out to check that tuning did not overfit.
const tuneSize = 400

// scisummPaper is one ScisummNet paper with its human summary.
type scisummPaper struct {
	id    string
	paper *papersum.Paper
	ref   []string // reference sentences (lines), title line dropped
}

// loadScisummNet reads the ScisummNet papers under dataDir through
// ingest.Parse, in ID order, and returns those of split ("tune",
// "heldout" or "all"). Papers that ingest refuses or whose human summary
// is only a title line are skipped, after the split, so that the split
// does not depend on the setting.
func loadScisummNet(t testing.TB, dataDir string, withAbstract bool, split string) []scisummPaper {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, "scisummnet", "*", "Reference_XML", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ScisummNet papers under %s: %v", dataDir, err)
	}
	slices.Sort(files)
	switch split {
	case "tune":
		files = files[:min(tuneSize, len(files))]
	case "heldout":
		files = files[min(tuneSize, len(files)):]
	case "all":
	default:
		t.Fatalf("unknown split %q", split)
	}
	var out []scisummPaper
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".xml")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ingest.Parse(context.Background(), id+".xml", data, ingest.Options{DropAbstract: !withAbstract})
		if err != nil {
			t.Logf("skip %s: %v", id, err)
			continue
		}
		sum, err := os.ReadFile(filepath.Join(dataDir, "scisummnet", id, "summary", id+".scisummnet_human.txt"))
		if err != nil {
			t.Logf("skip %s: %v", id, err)
			continue
		}
		var ref []string
		for i, l := range strings.Split(strings.ReplaceAll(string(sum), "\r", ""), "\n") {
			// The first line is the paper's title, not part of the summary.
			if l = strings.TrimSpace(l); i > 0 && l != "" {
				ref = append(ref, l)
			}
		}
		if len(ref) == 0 {
			continue
		}
		out = append(out, scisummPaper{id: id, paper: p, ref: ref})
	}
	return out
}

// leadBaseline is the first n words of the paper, cut mid-sentence if need be.
func leadBaseline(p *papersum.Paper, n int) string {
	var words []string
	for _, s := range p.Sentences() {
		words = append(words, strings.Fields(s.Text)...)
		if len(words) >= n {
			break
		}
	}
	if len(words) > n {
		words = words[:n]
	}
	return strings.Join(words, " ")
}

// tuneResult is what TestScisummNet measures on one paper.
type tuneResult struct {
	lead, draft, rev    rouge.Result
	leadC, draftC, revC float64 // critique overall
	leadW, draftW, revW int     // words
	changed             bool    // the revision differs from the draft
	// draftIssues and revIssues are the critique's issues of the draft
	// and of the revision.
	draftIssues, revIssues []string
}

// TestScisummNet is the tuning harness: it runs summarize, critique and
// revise over ScisummNet and reports mean ROUGE-1/2/L F (ROUGE-1.5.5 with
// -n 2 -m, against the human summary without its title line) for a lead
// baseline, the first draft and the revision, and the mean critique
// overall score of each. It runs only when PAPERSUM_DATA names the shared
// data folder. ScisummNet only: CL-SciSumm is a test set.
//
// Tune with -local.split tune (the first 400 papers) and report with the
// default, all:
//
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestScisummNet -v
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestScisummNet -v -args -local.noabstract
func TestScisummNet(t *testing.T) {
	dataDir := devdata.Requested(t)
	var cfg Config
	if *tuneConfig != "" {
		if err := json.Unmarshal([]byte(*tuneConfig), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	e := New(cfg)
	papers := loadScisummNet(t, dataDir, !*tuneNoAbs, *tuneSplit)
	rcfg, err := rouge.ParseFlags("-n 2 -m")
	if err != nil {
		t.Fatal(err)
	}
	rcfg.Resources = rougeData(t)
	const target = 150
	res := make([]tuneResult, len(papers))
	// Papers are independent and the Engine is safe for concurrent use;
	// one worker per CPU keeps a full run around a minute.
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				sp := papers[i]
				sc, err := rouge.NewScorer([][]string{sp.ref}, rcfg)
				if err != nil {
					t.Error(err)
					continue
				}
				a := e.analyze(sp.paper)
				l := leadBaseline(sp.paper, target)
				style := papersum.Style(*tuneStyle)
				d := e.summarizeStyle(a, sp.paper.Title, style, target)
				dc := e.critique(a, d, target)
				r := d
				if style != papersum.StyleTLDR {
					r = e.reviseStyle(t.Context(), a, d, &dc.critique, target, style)
				}
				rc := e.critique(a, r, target).critique
				res[i] = tuneResult{changed: r != d, draftIssues: dc.critique.Issues, revIssues: rc.Issues,
					lead: sc.Score(sentences.Split(l)), draft: sc.Score(sentences.Split(d)), rev: sc.Score(sentences.Split(r)),
					leadC: e.critique(a, l, target).critique.Scores.Overall(), draftC: dc.critique.Scores.Overall(),
					revC:  e.critique(a, r, target).critique.Scores.Overall(),
					leadW: textproc.CountWords(l), draftW: textproc.CountWords(d), revW: textproc.CountWords(r),
				}
				if d == "" || r == "" {
					t.Errorf("%s: empty summary (draft %d words, revision %d)", sp.id, res[i].draftW, res[i].revW)
				}
				if res[i].revW > 2*target {
					t.Errorf("%s: revision has %d words", sp.id, res[i].revW)
				}
			}
		})
	}
	for i := range papers {
		next <- i
	}
	close(next)
	wg.Wait()

	type sums struct{ r1, r2, rl, crit, words float64 }
	var lead, draft, rev sums
	add := func(s *sums, r rouge.Result, crit float64, words int) {
		s.r1 += r[rouge.ROUGE1].F
		s.r2 += r[rouge.ROUGE2].F
		s.rl += r[rouge.ROUGEL].F
		s.crit += crit
		s.words += float64(words)
	}
	critWorse, critBetter, critSame, changed := 0, 0, 0, 0
	// Issues by kind (their text up to the first quote or digit), raised
	// on drafts and left on revisions.
	quoted, digits := regexp.MustCompile(`"[^"]*"`), regexp.MustCompile(`[0-9.]+`)
	issueKind := func(s string) string {
		s = digits.ReplaceAllString(quoted.ReplaceAllString(s, `"…"`), "N")
		if k := strings.Index(s, "e.g.:"); k > 0 {
			s = s[:k]
		}
		return s
	}
	raised, left := map[string]int{}, map[string]int{}
	r2Worse, r2Better := 0, 0
	for i, r := range res {
		add(&lead, r.lead, r.leadC, r.leadW)
		add(&draft, r.draft, r.draftC, r.draftW)
		add(&rev, r.rev, r.revC, r.revW)
		if r.changed {
			changed++
		}
		for _, is := range r.draftIssues {
			raised[issueKind(is)]++
		}
		for _, is := range r.revIssues {
			left[issueKind(is)]++
		}
		switch {
		case r.revC < r.draftC:
			critWorse++
			t.Errorf("%s: revised critique %.2f < draft %.2f", papers[i].id, r.revC, r.draftC)
		case r.revC > r.draftC:
			critBetter++
		default:
			critSame++
		}
		switch d, v := r.draft[rouge.ROUGE2].F, r.rev[rouge.ROUGE2].F; {
		case v < d:
			r2Worse++
			if *tuneList {
				t.Logf("%s: R-2 %.4f -> %.4f", papers[i].id, d, v)
			}
		case v > d:
			r2Better++
		}
	}
	n := float64(len(papers))
	row := func(name string, s sums) string {
		return fmt.Sprintf("%-8s R1 %.4f  R2 %.4f  RL %.4f  critique %.3f  words %.1f", name, s.r1/n, s.r2/n, s.rl/n, s.crit/n, s.words/n)
	}
	t.Logf("ScisummNet %s n=%d, abstract in input: %v, style %s, target %d words, config %s", *tuneSplit, len(papers), !*tuneNoAbs, *tuneStyle, target, *tuneConfig)
	t.Log(row("lead", lead))
	t.Log(row("draft", draft))
	t.Log(row("revised", rev))
	t.Logf("revision vs draft: changed %d of %d; critique better %d, same %d, worse %d; ROUGE-2 better %d, same %d, worse %d",
		changed, len(res), critBetter, critSame, critWorse, r2Better, len(res)-r2Better-r2Worse, r2Worse)
	nRaised, nLeft := 0, 0
	for _, n := range raised {
		nRaised += n
	}
	for _, n := range left {
		nLeft += n
	}
	t.Logf("issues: %d raised on the drafts, %d left on the revisions", nRaised, nLeft)
	for k, n := range raised {
		t.Logf("issue %-70q raised on %4d drafts, left on %4d revisions", k, n, left[k])
	}
	for k, n := range left {
		if raised[k] == 0 {
			t.Logf("issue %-70q raised on    0 drafts, left on %4d revisions", k, n)
		}
	}
	if rev.r2 < draft.r2 || rev.r1 < draft.r1 || rev.rl < draft.rl {
		t.Logf("WARNING: mean ROUGE of revisions below drafts")
	}
}

var updateGeneric = flag.Bool("update-generic", false, "rewrite generic.txt from ScisummNet in TestGenericList")

// TestGenericList checks that generic.txt is what ScisummNet gives: the
// stems found in at least 65% of its papers. With -update-generic it
// rewrites the file.
func TestGenericList(t *testing.T) {
	dataDir := devdata.Requested(t)
	files, _ := filepath.Glob(filepath.Join(dataDir, "scisummnet", "*", "Reference_XML", "*.xml"))
	if len(files) == 0 {
		t.Fatal("no ScisummNet papers")
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	an := textproc.NewAnalyzer(textproc.NewStemmer(0))
	df := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, term := range an.Terms(tag.ReplaceAllString(string(b), " ")) {
			if !seen[term] {
				seen[term] = true
				df[term]++
			}
		}
	}
	var terms []string
	for term, n := range df {
		if float64(n)/float64(len(files)) >= 0.65 {
			terms = append(terms, term)
		}
	}
	slices.SortFunc(terms, func(a, b string) int {
		if df[a] != df[b] {
			return df[b] - df[a]
		}
		return strings.Compare(a, b)
	})
	var header []string
	for _, l := range strings.Split(genericFile, "\n") {
		if strings.HasPrefix(l, "#") {
			header = append(header, l)
		}
	}
	want := strings.Join(append(header, terms...), "\n") + "\n"
	if *updateGeneric {
		if err := os.WriteFile("generic.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != genericFile {
		t.Error("generic.txt is stale; run with -update-generic")
	}
}
