package local

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/textproc"
)

var (
	tuneConfig = flag.String("local.config", "", "JSON Config overrides for TestScisummNet, e.g. '{\"Lambda\":0.6}'")
	tuneLimit  = flag.Int("local.papers", 0, "use only the first n ScisummNet papers (0: all)")
	tuneNoAbs  = flag.Bool("local.noabstract", false, "drop the abstract from the input in TestScisummNet")
)

// scisummPaper is one ScisummNet paper with its human summary.
type scisummPaper struct {
	id    string
	paper *papersum.Paper
	ref   []string // reference sentences (lines), title line dropped
}

// loadScisummNet reads every ScisummNet paper under dataDir, in ID order.
func loadScisummNet(t testing.TB, dataDir string, withAbstract bool, limit int) []scisummPaper {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(dataDir, "scisummnet", "*", "Reference_XML", "*.xml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no ScisummNet papers under %s: %v", dataDir, err)
	}
	slices.Sort(dirs)
	var out []scisummPaper
	for _, f := range dirs {
		id := strings.TrimSuffix(filepath.Base(f), ".xml")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseRefXML(data, withAbstract)
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
		if len(ref) == 0 || len(p.Sentences()) == 0 {
			continue
		}
		out = append(out, scisummPaper{id: id, paper: p, ref: ref})
		if limit > 0 && len(out) == limit {
			break
		}
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

// TestScisummNet is the tuning harness: it runs summarize, critique and
// revise over ScisummNet and reports mean ROUGE-1/2/L F (ROUGE-1.5.5 with
// -n 2 -m, against the human summary without its title line) for a lead
// baseline, the first draft and the revision, and the mean critique
// overall score of draft and revision. It runs only when PAPERSUM_DATA
// names the shared data folder. ScisummNet only: CL-SciSumm is a test set.
//
// Papers whose XML has no sections (49 of 781) or whose human summary is
// only a title line are skipped.
//
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestScisummNet -v -args -local.noabstract
//	PAPERSUM_DATA=/work/shared/data go test ./llm/local -run TestScisummNet -v
func TestScisummNet(t *testing.T) {
	dataDir := os.Getenv("PAPERSUM_DATA")
	if dataDir == "" {
		t.Skip("PAPERSUM_DATA not set")
	}
	var cfg Config
	if *tuneConfig != "" {
		if err := json.Unmarshal([]byte(*tuneConfig), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	e := New(cfg)
	papers := loadScisummNet(t, dataDir, !*tuneNoAbs, *tuneLimit)
	rcfg, err := rouge.ParseFlags("-n 2 -m")
	if err != nil {
		t.Fatal(err)
	}
	const target = 150
	type sums struct{ r1, r2, rl, crit, words float64 }
	var lead, draft, rev sums
	worse, better, same := 0, 0, 0
	rougeWorse := 0
	add := func(s *sums, r rouge.Result, crit float64, text string) {
		s.words += float64(textproc.CountWords(text))
		s.r1 += r[rouge.ROUGE1].F
		s.r2 += r[rouge.ROUGE2].F
		s.rl += r[rouge.ROUGEL].F
		s.crit += crit
	}
	for _, sp := range papers {
		sc, err := rouge.NewScorer([][]string{sp.ref}, rcfg)
		if err != nil {
			t.Fatal(err)
		}
		a := e.analyze(sp.paper)
		l := leadBaseline(sp.paper, target)
		d := e.summarize(a, target)
		dc := e.critique(a, d, target)
		r := e.revise(t.Context(), a, d, &dc.critique, target)
		rc := e.critique(a, r, target)
		lc := e.critique(a, l, target)
		dr, rr := sc.Score(sentences.Split(d)), sc.Score(sentences.Split(r))
		add(&lead, sc.Score(sentences.Split(l)), lc.critique.Scores.Overall(), l)
		add(&draft, dr, dc.critique.Scores.Overall(), d)
		add(&rev, rr, rc.critique.Scores.Overall(), r)
		switch do, ro := dc.critique.Scores.Overall(), rc.critique.Scores.Overall(); {
		case ro < do:
			worse++
			t.Errorf("%s: revised critique %.2f < draft %.2f", sp.id, ro, do)
		case ro > do:
			better++
		default:
			same++
		}
		if rr[rouge.ROUGE1].F < dr[rouge.ROUGE1].F {
			rougeWorse++
		}
		if textproc.CountWords(r) > 2*target {
			t.Errorf("%s: revision has %d words", sp.id, textproc.CountWords(r))
		}
	}
	n := float64(len(papers))
	row := func(name string, s sums) string {
		return fmt.Sprintf("%-8s R1 %.4f  R2 %.4f  RL %.4f  critique %.3f  words %.1f", name, s.r1/n, s.r2/n, s.rl/n, s.crit/n, s.words/n)
	}
	t.Logf("ScisummNet n=%d, abstract in input: %v, target %d words, config %s", len(papers), !*tuneNoAbs, target, *tuneConfig)
	t.Log(row("lead", lead))
	t.Log(row("draft", draft))
	t.Log(row("revised", rev))
	t.Logf("revision vs draft on critique: better %d, same %d, worse %d; lower ROUGE-1 on %d papers", better, same, worse, rougeWorse)
	if rev.r1 < draft.r1 {
		t.Logf("WARNING: mean ROUGE-1 of revisions below drafts")
	}
}

var updateGeneric = flag.Bool("update-generic", false, "rewrite generic.txt from ScisummNet in TestGenericList")

// TestGenericList checks that generic.txt is what ScisummNet gives: the
// stems found in at least 65% of its papers. With -update-generic it
// rewrites the file.
func TestGenericList(t *testing.T) {
	dataDir := os.Getenv("PAPERSUM_DATA")
	if dataDir == "" {
		t.Skip("PAPERSUM_DATA not set")
	}
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
