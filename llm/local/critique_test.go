package local

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/ingest/sentences"
)

// tunerPaper is a short paper written for these tests: it gives numbers in
// distinct contexts, spells out "minimum error rate training" without
// ever writing "MERT", and states its contribution after background.
const tunerPaper = `# Tuning Translation Weights with Fewer Sentences

## Abstract

Statistical translation systems combine many feature weights that must be tuned on held-out data. Tuning usually needs thousands of development sentences and hours of decoding. We present a tuner that reaches the same quality with a small fraction of the development data. On three language pairs it scores 31.47 BLEU, within 0.2 of the full tuner.

## 1 Introduction

Feature weights decide how a translation system trades fluency against adequacy. The usual method is minimum error rate training, which searches the weight space line by line. It needs 2000 development sentences per language pair to be stable.

## 2 Method

Our tuner selects 120 development sentences whose translations disagree most across candidate weights. It then runs minimum error rate training on that subset only. Selection takes 4 minutes on one machine.

## 3 Results

On German, French and Czech into English the tuner scores 31.47 BLEU on average. The full tuner scores 31.62 BLEU. Decoding time falls from 9 hours to 40 minutes.
`

func loadTunerPaper(t *testing.T) *papersum.Paper {
	t.Helper()
	p, err := ingest.Parse(context.Background(), "tuner.md", []byte(tunerPaper), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCritiqueHoldsNumbersAndNamesToThePaper(t *testing.T) {
	e := New(Config{})
	p := loadTunerPaper(t)
	const good = "The tuner scores 31.47 BLEU on average on German, French and Czech into English."
	base := e.Critique(p, good, 0)
	cases := []struct {
		name, summary string
		issue         string // an issue the critique must raise ("" none)
		noIssue       string // an issue it must not raise
		lower         bool   // accuracy below the good summary's
	}{
		// A rounding of the paper's 31.47 is the paper's number.
		{"rounded", "The tuner scores 31.5 BLEU on average on German, French and Czech into English.", "", "31.5", false},
		// 120 is in the paper, about something else.
		{"moved", "The tuner scores 120 BLEU on average on German, French and Czech into English.", "number 120 in sentence 1 is not in the passage", "", true},
		{"absent", "The tuner scores 57.3 BLEU on average on German, French and Czech into English.", "number 57.3 in sentence 1 does not appear", "", true},
		// The paper spells MERT out; it never mentions PRO.
		{"spelled out", "The tuner runs MERT on the selected development sentences only.", "", "\"MERT\"", false},
		{"unknown acronym", "The tuner runs PRO on the selected development sentences only.", "\"PRO\" in sentence 1 does not appear", "", true},
		{"impossible year", "The tuner scores 31.47 BLEU on average on German, French and Czech into English (Och, 3446).", "3446 in sentence 1 cannot be the year of a citation", "", true},
	}
	for _, c := range cases {
		got := e.Critique(p, c.summary, 0)
		if c.issue != "" && !hasIssue(got, c.issue) {
			t.Errorf("%s: no issue %q: %q", c.name, c.issue, got.Issues)
		}
		if c.noIssue != "" && hasIssue(got, c.noIssue) {
			t.Errorf("%s: issue about %s: %q", c.name, c.noIssue, got.Issues)
		}
		if c.lower && got.Scores.Accuracy >= base.Scores.Accuracy {
			t.Errorf("%s: accuracy %.1f, good summary %.1f", c.name, got.Scores.Accuracy, base.Scores.Accuracy)
		}
	}
	// A plausible citation year the paper does not hold is not an
	// impossible one.
	if got := e.Critique(p, strings.TrimSuffix(good, ".")+" (Och, 2003).", 0); hasIssue(got, "cannot be the year") {
		t.Errorf("2003 reported as impossible: %q", got.Issues)
	}
}

func TestCritiqueAccuracyIsNotMarkedDownForLength(t *testing.T) {
	e := New(Config{})
	p := loadTunerPaper(t)
	// Each sentence has one number the paper lacks: the share of what the
	// summary states wrongly is the same, so is its accuracy.
	one := "Our tuner selects 730 development sentences whose translations disagree most across candidate weights."
	two := one + " Selection takes 7 minutes on one machine."
	a1, a2 := e.Critique(p, one, 0).Scores.Accuracy, e.Critique(p, two, 0).Scores.Accuracy
	if a2 < a1-0.3 {
		t.Errorf("two faulty sentences %.1f, one %.1f: accuracy falls with length", a2, a1)
	}
}

func TestCoherenceLetsBackgroundLeadToTheContribution(t *testing.T) {
	e := New(Config{})
	p := loadTunerPaper(t)
	// The abstract's own order: background, then "We present".
	inOrder := "Statistical translation systems combine many feature weights that must be tuned on held-out data. " +
		"We present a tuner that reaches the same quality with a small fraction of the development data."
	c := e.Critique(p, inOrder, 0)
	if hasIssue(c, "it should open the summary") {
		t.Errorf("background in the paper's order punished: %q", c.Issues)
	}
	// A result from the end of the paper, then the contribution.
	late := "Decoding time falls from 9 hours to 40 minutes. " +
		"We present a tuner that reaches the same quality with a small fraction of the development data."
	if c := e.Critique(p, late, 0); !hasIssue(c, "sentence 2 states what the paper does") {
		t.Errorf("contribution after a later result not reported: %q", c.Issues)
	}
}

func TestCoherenceAcronymBeforeItsDefinition(t *testing.T) {
	e := New(Config{})
	p := loadTunerPaper(t)
	defined := "Tuning usually relies on minimum error rate training (MERT). Our tuner runs MERT on a small subset of development sentences."
	early := "Our tuner runs MERT on a small subset of development sentences. Tuning usually relies on minimum error rate training (MERT)."
	cd, ce := e.Critique(p, defined, 0), e.Critique(p, early, 0)
	if hasIssue(cd, "spells it out") {
		t.Errorf("defined acronym reported: %q", cd.Issues)
	}
	if !hasIssue(ce, "\"MERT\" is used in sentence 1 before sentence 2 spells it out") || ce.Scores.Coherence >= cd.Scores.Coherence {
		t.Errorf("early acronym: coherence %.1f vs %.1f, %q", ce.Scores.Coherence, cd.Scores.Coherence, ce.Issues)
	}
}

func TestFirstSentenceAloneLosesOverall(t *testing.T) {
	e := New(Config{})
	for _, id := range []string{"retry", "rouge", "pdfcolumns", "groupcommit", "papersum"} {
		p := loadFixture(t, id)
		full := e.Summarize(p, 0)
		first := sentences.Split(full)[0]
		fc, oc := e.Critique(p, full, 0), e.Critique(p, first, 0)
		if oc.Scores.Completeness >= fc.Scores.Completeness || oc.Scores.Overall() >= fc.Scores.Overall() {
			t.Errorf("%s: first sentence alone completeness %.1f overall %.2f, whole summary %.1f %.2f",
				id, oc.Scores.Completeness, oc.Scores.Overall(), fc.Scores.Completeness, fc.Scores.Overall())
		}
	}
}

func TestForeignSentenceLowersAccuracyAndOverall(t *testing.T) {
	e := New(Config{})
	p := loadFixture(t, "retry")
	draft := e.Summarize(p, 0)
	// A sentence of another paper's summary (the rouge fixture's).
	foreign := sentences.Split(e.Summarize(loadFixture(t, "rouge"), 0))[1]
	bad := corrupt(draft, func(s []string) []string { return slices.Insert(s, 1, foreign) })
	g, b := e.Critique(p, draft, 0), e.Critique(p, bad, 0)
	if b.Scores.Accuracy >= g.Scores.Accuracy || b.Scores.Overall() >= g.Scores.Overall() {
		t.Errorf("foreign sentence: accuracy %.1f overall %.2f, draft %.1f %.2f (%q)",
			b.Scores.Accuracy, b.Scores.Overall(), g.Scores.Accuracy, g.Scores.Overall(), foreign)
	}
}

func TestCritiqueManyMatchesCritique(t *testing.T) {
	e := New(Config{})
	p := loadFixture(t, "pdfcolumns")
	draft := e.Summarize(p, 0)
	texts := []string{
		draft,
		corrupt(draft, func(s []string) []string { slices.Reverse(s); return s }),
		sentences.Split(draft)[0],
		"A summary about something else entirely, with a Foo Bar name in it.",
		"",
	}
	a := e.analysisOf(p)
	many := e.critiqueMany(a, texts, e.cfg.TargetWords)
	for i, s := range texts {
		if want := e.Critique(p, s, 0); !reflect.DeepEqual(many[i].critique, want) {
			t.Errorf("summary %d: critiqueMany %+v, Critique %+v", i, many[i].critique, want)
		}
	}
}
