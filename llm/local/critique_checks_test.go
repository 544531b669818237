package local

import (
	"context"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
)

// lexiconPaper is a short paper written for these tests: a thousands
// separator spaced as PDF extraction leaves it, a venue and year apart,
// and the word "as" only in lowercase.
const lexiconPaper = `# A Lexicon of Unique Words

## Abstract

We build a lexicon of unique words from the runs of a tagger. The 58 runs were then collapsed into a single set of 7, 813 unique words. The lexicon was released at the NAACL 2010 workshop on lexical resources. We treat rare words as unknown words.

## 1 Method

The tagger assigns each word a class, and the classes are merged by frequency. The merge keeps the most frequent class of each word.
`

func loadLexiconPaper(t *testing.T) *papersum.Paper {
	t.Helper()
	p, err := ingest.Parse(context.Background(), "lexicon.md", []byte(lexiconPaper), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCritiqueChecksNumbersAndNamesInTheirPassage covers local-critique/4's
// checks: a number or name against the passage the words around it
// restate, approximate numbers, misnumbered lists, acronyms that do not
// stand for the words they are given for, spaced thousands, run-together
// years and acronyms matched in capitals.
func TestCritiqueChecksNumbersAndNamesInTheirPassage(t *testing.T) {
	e := New(Config{})
	tuner, lexicon := loadTunerPaper(t), loadLexiconPaper(t)
	cases := []struct {
		name      string
		p         *papersum.Paper
		good, bad string
		issue     string // an issue the bad summary must raise
		goodIssue bool   // the good summary has an issue of its own
	}{
		// 120 is in the paper, about the selected sentences: the passage
		// these words restate gives 2000.
		{"number swapped", tuner,
			"It needs 2000 development sentences per language pair to be stable.",
			"It needs 120 development sentences per language pair to be stable.",
			"number 120 in sentence 1 is not in the passage its words come from, which gives 2000", false},
		// 31.9 is near the paper's 31.62 (an approximation, a slip), 83.9
		// far from any of its numbers: the far one costs more.
		{"near vs far", tuner,
			"The full tuner scores 31.9 BLEU.",
			"The full tuner scores 83.9 BLEU.",
			"number 83.9 in sentence 1 does not appear in the paper", true},
		{"misnumbered list", tuner,
			"The tuner (1) selects 120 development sentences, (2) runs minimum error rate training on them and (3) scores 31.47 BLEU.",
			"The tuner (1) selects 120 development sentences, (4) runs minimum error rate training on them and (3) scores 31.47 BLEU.",
			"list item (4) in sentence 1 is out of sequence", false},
		{"misdefined acronym", tuner,
			"The usual method is minimum error rate training (MERT), which searches the weight space line by line.",
			"The usual method is minimum error rate training (PRO), which searches the weight space line by line.",
			`"PRO" in sentence 1 does not stand for the words it is given for`, false},
		// "AS" is no acronym of the paper, which only has the word "as".
		{"acronym in capitals", lexicon,
			"We treat rare words as unknown words.",
			"We treat rare words with AS unknown words.",
			`"AS" in sentence 1`, false},
		{"run-together year", lexicon,
			"The lexicon was released at the NAACL2010 workshop on lexical resources.",
			"The lexicon was released at the NAACL8659 workshop on lexical resources.",
			`"NAACL8659" in sentence 1`, false},
	}
	for _, c := range cases {
		g, b := e.Critique(c.p, c.good, 0), e.Critique(c.p, c.bad, 0)
		if !hasIssue(b, c.issue) {
			t.Errorf("%s: no issue %q: %q", c.name, c.issue, b.Issues)
		}
		if b.Scores.Accuracy >= g.Scores.Accuracy {
			t.Errorf("%s: accuracy %.2f, good summary %.2f (issues %q)", c.name, b.Scores.Accuracy, g.Scores.Accuracy, g.Issues)
		}
		for _, is := range g.Issues {
			if !c.goodIssue && (strings.Contains(is, "out of sequence") || strings.Contains(is, "does not stand for") ||
				strings.Contains(is, "does not appear") || strings.Contains(is, "passage its words")) {
				t.Errorf("%s: good summary: %q", c.name, is)
			}
		}
	}
	// "7,813" is the paper's "7, 813"; a citation bracket alone is no list.
	c := e.Critique(lexicon, "The 58 runs were collapsed into a single set of 7,813 unique words [5].", 0)
	for _, is := range c.Issues {
		if strings.Contains(is, "7,813") || strings.Contains(is, "out of sequence") {
			t.Errorf("spaced thousands or citation: %q", is)
		}
	}
}

// TestCoherenceFirstSentencePointsBack: a summary that opens with "this
// formalism" points at nothing; "this paper" is the paper itself.
func TestCoherenceFirstSentencePointsBack(t *testing.T) {
	e := New(Config{})
	p := loadTunerPaper(t)
	c := e.Critique(p, "Many of the gains of this tuner come from selecting sentences. We present a tuner that reaches the same quality.", 0)
	if !hasIssue(c, `sentence 1 speaks of "this tuner"`) {
		t.Errorf("no issue for the opening reference: %q", c.Issues)
	}
	c = e.Critique(p, "In this paper we present a tuner that reaches the same quality with a small fraction of the development data.", 0)
	if hasIssue(c, "speaks of") {
		t.Errorf("issue for this paper: %q", c.Issues)
	}
}

// TestScoresCarryTwoDecimals: the critique and its XML keep two decimals,
// so that a small fault is not rounded away into a tie.
func TestScoresCarryTwoDecimals(t *testing.T) {
	if got := roundScore(8.246); got != 8.25 {
		t.Errorf("roundScore(8.246) = %v", got)
	}
	out := RenderCritique(papersum.Critique{Scores: papersum.Scores{Accuracy: 8.25, Completeness: 7, Clarity: 9.5, Coherence: 10}})
	if !strings.Contains(out, "<accuracy>8.25</accuracy>") || !strings.Contains(out, "<completeness>7.00</completeness>") {
		t.Errorf("rendered %s", out)
	}
	if c := parseCritique(t, out); c.Scores.Accuracy != 8.25 {
		t.Errorf("parsed accuracy %v", c.Scores.Accuracy)
	}
}
