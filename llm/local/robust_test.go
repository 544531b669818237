package local

import (
	"context"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/textproc"
)

// runStages runs summarize, critique and revise through Generate as the
// pipeline does and returns the parsed summary and revision, failing on
// any error, malformed XML or empty output.
func runStages(t *testing.T, e *Engine, p *papersum.Paper, target int) (summary, revised string) {
	t.Helper()
	ctx := context.Background()
	gen := func(task papersum.Task) string {
		t.Helper()
		resp, err := e.Generate(ctx, &papersum.Request{Task: task})
		if err != nil {
			t.Fatalf("%s: %v", task.Stage, err)
		}
		return resp.Text
	}
	summary = innerText(t, gen(papersum.Task{Stage: papersum.StageSummarize, Paper: p, TargetWords: target}), "summary")
	if strings.TrimSpace(summary) == "" {
		t.Fatal("empty summary")
	}
	crit := parseCritique(t, gen(papersum.Task{Stage: papersum.StageCritique, Paper: p, TargetWords: target, Draft: summary}))
	revised = innerText(t, gen(papersum.Task{Stage: papersum.StageRevise, Paper: p, TargetWords: target, Draft: summary, Critique: &crit}), "revised_summary")
	if strings.TrimSpace(revised) == "" {
		t.Fatal("empty revision")
	}
	if rc := e.Critique(p, revised, target); rc.Scores.Overall() < crit.Scores.Overall() {
		t.Errorf("revision %.2f < draft %.2f", rc.Scores.Overall(), crit.Scores.Overall())
	}
	return summary, revised
}

// words returns n words of filler prose.
func filler(n int) string {
	base := strings.Fields("the model reads each token of the corpus and updates its estimate of the parse with a learned weight")
	w := make([]string, n)
	for i := range w {
		w[i] = base[i%len(base)]
	}
	return strings.Join(w, " ")
}

// TestOddPapers runs papers that the suitability filters were not made
// for through all three stages: every one with at least one sentence that
// has a word must get a non-empty summary within the length rule.
func TestOddPapers(t *testing.T) {
	tiny, err := ingest.Parse(context.Background(), "tiny.txt",
		[]byte("café naïve résumé. Second sentence here. Third sentence is here too. Fourth one."), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sec := func(kind papersum.SectionKind, title string, sents ...string) papersum.Section {
		return papersum.Section{Title: title, Kind: kind, Sentences: sents}
	}
	body := []string{
		"We present a dependency parser for long sentences that runs in linear time.",
		"The parser keeps a stack of partial trees and scores each transition with a linear model.",
		"Training uses the averaged perceptron over gold transition sequences from the treebank.",
		"On the test set the parser reaches an attachment score of 91.2 percent.",
		"Errors concentrate on coordination and on long-distance attachments of prepositions.",
		"We conclude that simple transition systems remain competitive with graph-based parsers.",
	}
	papers := map[string]*papersum.Paper{
		"tiny (ingest)":     tiny,
		"three short":       {Sections: []papersum.Section{sec(papersum.KindOther, "", "One.", "Two words.", "Three words here.")}},
		"one huge sentence": {Sections: []papersum.Section{sec(papersum.KindOther, "", filler(900))}},
		"huge and short": {Sections: []papersum.Section{sec(papersum.KindOther, "",
			filler(700)+".", "A short one.", "Another short sentence.")}},
		"no sections":   {Sections: []papersum.Section{sec(papersum.KindOther, "", body...)}},
		"only abstract": {Title: "Linear-time parsing", Sections: []papersum.Section{sec(papersum.KindAbstract, "Abstract", body...)}},
		"abstract of two": {Sections: []papersum.Section{sec(papersum.KindAbstract, "Abstract", body[:2]...),
			sec(papersum.KindIntroduction, "1 Introduction", body[2:]...)}},
		"all numbers": {Sections: []papersum.Section{sec(papersum.KindResults, "Results",
			"1 2 3.", "4.5 6.7 8.9.", "10 20 30 40.", "2019 2020 2021.")}},
		"russian": {Sections: []papersum.Section{sec(papersum.KindOther, "",
			"Мы представляем новый синтаксический анализатор для длинных предложений.",
			"Анализатор обучается на размеченном корпусе и работает за линейное время.",
			"Точность на тестовом наборе составляет 91,2 процента.",
			"Ошибки связаны в основном с сочинением.")}},
		"japanese": {Sections: []papersum.Section{sec(papersum.KindOther, "",
			"本論文では長い文のための新しい構文解析器を提案する。",
			"解析器は注釈付きコーパスで学習し線形時間で動作する。",
			"テストセットでの精度は91.2パーセントである。")}},
		"mixed scripts": {Title: "Ünïcödé", Sections: []papersum.Section{sec(papersum.KindAbstract, "Abstract",
			"Die Ergebnisse zeigen eine Verbesserung um 3,5 Prozent gegenüber früheren Systemen.",
			"Nous présentons un modèle pour l'analyse syntaxique des phrases très longues.",
			"Ελληνικό κείμενο με τόνους και διαλυτικά δοκιμάζει τον διαχωριστή λέξεων σωστά.")}},
	}
	e := New(Config{})
	for name, p := range papers {
		t.Run(name, func(t *testing.T) {
			for _, target := range []int{20, 150} {
				s, r := runStages(t, e, p, target)
				checkLength(t, name+" summary", s, target)
				checkLength(t, name+" revision", r, target)
				for _, x := range []string{s, r} {
					if n := textproc.CountWords(x); n > 2*target && n > 60 {
						t.Errorf("%d words for target %d: %.80q", n, target, x)
					}
				}
			}
		})
	}
}

// TestShortPaperUsesEverySentence checks that a tiny paper is summarised
// by its own sentences, in order, rather than by a fragment.
func TestShortPaperUsesEverySentence(t *testing.T) {
	p := &papersum.Paper{Sections: []papersum.Section{{Kind: papersum.KindOther,
		Sentences: []string{"café naïve résumé.", "Second sentence here.", "Third sentence is here too.", "Fourth one."}}}}
	got := New(Config{}).Summarize(p, 150)
	if want := "café naïve résumé. Second sentence here. Third sentence is here too. Fourth one."; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestAbstractFirst checks the abstract prior: a paper with an abstract is
// summarised from it, in order, and body sentences only top it up to
// AbstractFill of the target.
func TestAbstractFirst(t *testing.T) {
	e := New(Config{})
	for _, id := range fixtureIDs {
		p := loadFixture(t, id)
		a := e.analysisOf(p)
		hasAbstract := false
		for _, s := range p.Sections {
			hasAbstract = hasAbstract || s.Kind == papersum.KindAbstract
		}
		if a.abstract != hasAbstract {
			t.Errorf("%s: abstract %v, paper has one: %v", id, a.abstract, hasAbstract)
		}
		if !hasAbstract {
			continue // retry.md has no abstract
		}
		abstractWords := 0
		for i := range a.sents {
			if a.sents[i].kind == papersum.KindAbstract {
				abstractWords += a.sents[i].words
			}
		}
		idxs := e.selectSentences(a, 150)
		words, absChosen := 0, 0
		for _, i := range idxs {
			words += a.sents[i].words
			if a.sents[i].abs {
				absChosen += a.sents[i].words
			}
		}
		if abstractWords <= 150 && absChosen < abstractWords-a.maxAbstractSentence() {
			t.Errorf("%s: %d of %d abstract words chosen", id, absChosen, abstractWords)
		}
		if body := words - absChosen; body > 0 && words > int(e.cfg.AbstractFill*150)+longestBody(a, idxs) {
			t.Errorf("%s: %d words with %d from the body; body fill is capped at %.0f%%", id, words, body, 100*e.cfg.AbstractFill)
		}
	}
}

// maxAbstractSentence is the length of the longest abstract sentence.
func (a *analysis) maxAbstractSentence() int {
	m := 0
	for i := range a.sents {
		if a.sents[i].abs {
			m = max(m, a.sents[i].words)
		}
	}
	return m
}

func longestBody(a *analysis, idxs []int) int {
	m := 0
	for _, i := range idxs {
		if !a.sents[i].abs {
			m = max(m, a.sents[i].words)
		}
	}
	return m
}
