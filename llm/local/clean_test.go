package local

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/textproc/prose"
)

// unquotable returns the sentences of summary that prose.Unquotable
// refuses, with their problems: the detector of non-prose text.
func unquotable(summary string) []string {
	var bad []string
	for _, s := range sentences.Split(summary) {
		if ps := prose.Unquotable(s, prose.Options{}); len(ps) > 0 {
			bad = append(bad, string(ps[0].Kind)+": "+s)
		}
	}
	return bad
}

// stageText runs one stage of the engine through Generate, as the pipeline
// does, and returns the text inside the answer's element.
func stageText(t *testing.T, e *Engine, task papersum.Task) string {
	t.Helper()
	resp, err := e.Generate(context.Background(), &papersum.Request{Task: task})
	if err != nil {
		t.Fatal(err)
	}
	tag := map[papersum.Stage]string{papersum.StageSummarize: "summary", papersum.StageRevise: "revised_summary"}[task.Stage]
	return innerText(t, resp.Text, tag)
}

// TestSummariesQuoteOnlyProse summarizes a paper whose abstract and body
// carry the debris of real text layers (papersum issue 13) in every style
// and wants no sentence of it quoted, citation brackets removed, and the
// clean sentences of the abstract kept.
func TestSummariesQuoteOnlyProse(t *testing.T) {
	p := loadFixture(t, "debris")
	e := New(Config{})
	for _, style := range papersum.Styles {
		draft := stageText(t, e, papersum.Task{Stage: papersum.StageSummarize, Paper: p, TargetWords: 150, Style: style})
		for _, bad := range unquotable(draft) {
			t.Errorf("%s: quotes %s", style, bad)
		}
		for _, debris := range []string{"trMned", "po1icy", "[", "Lisbon", "(question)", "treebank Our", "best cache size in", "and the eviction policy was"} {
			if strings.Contains(draft, debris) {
				t.Errorf("%s: summary has %q: %s", style, debris, draft)
			}
		}
		c := e.Critique(p, draft, 150)
		revised := stageText(t, e, papersum.Task{Stage: papersum.StageRevise, Paper: p, TargetWords: 150, Style: style, Draft: draft, Critique: &c})
		for _, bad := range unquotable(revised) {
			t.Errorf("%s: revision quotes %s", style, bad)
		}
	}
	abs := e.Summarize(p, 150)
	if !strings.Contains(abs, "A second summary of a cached paper takes 12 ms instead of 480 ms") {
		t.Errorf("abstract style dropped a clean abstract sentence: %s", abs)
	}
}

// TestTidiedSentencesAreQuoted wants a sentence whose only blemish is a
// citation bracket quoted without it.
func TestTidiedSentencesAreQuoted(t *testing.T) {
	p := &papersum.Paper{Title: "Caches", Sections: []papersum.Section{
		{Kind: papersum.KindAbstract, Sentences: []string{
			"We present a cache of parsed papers that makes repeated summaries faster [3].",
			"The cache keeps 91.5% of the hits of an ideal cache on a month of requests [5,9,10,15,17].",
			"A repeated summary takes 12 ms instead of 480 ms.",
		}},
	}}
	got := New(Config{}).Summarize(p, 150)
	want := "We present a cache of parsed papers that makes repeated summaries faster. The cache keeps 91.5% of the hits of an ideal cache on a month of requests. A repeated summary takes 12 ms instead of 480 ms."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestHighlightsComeFromTheBody wants a highlights summary that quotes no
// abstract sentence and no body sentence repeating one, and that states
// a result with its number and a limitation.
func TestHighlightsComeFromTheBody(t *testing.T) {
	for _, id := range []string{"debris", "groupcommit", "rouge", "pdfcolumns"} {
		p := loadFixture(t, id)
		e := New(Config{})
		a := e.analysisOf(p)
		h := stageText(t, e, papersum.Task{Stage: papersum.StageSummarize, Paper: p, TargetWords: 150, Style: papersum.StyleHighlights})
		if h == "" {
			t.Fatalf("%s: empty highlights", id)
		}
		for _, s := range sentences.Split(h) {
			for i := range a.sents {
				if a.sents[i].kind == papersum.KindAbstract && (strings.Contains(s, a.sents[i].text) || strings.Contains(a.sents[i].text, s)) {
					t.Errorf("%s: highlights copy the abstract: %q", id, s)
				}
			}
		}
		c := e.Critique(p, h, 150)
		rev := stageText(t, e, papersum.Task{Stage: papersum.StageRevise, Paper: p, TargetWords: 150, Style: papersum.StyleHighlights, Draft: h, Critique: &c})
		for _, s := range sentences.Split(rev) {
			for i := range a.sents {
				if a.sents[i].kind == papersum.KindAbstract && strings.Contains(s, a.sents[i].text) {
					t.Errorf("%s: revised highlights copy the abstract: %q", id, s)
				}
			}
		}
		if e.Critique(p, rev, 150).Scores.Overall() < c.Scores.Overall() {
			t.Errorf("%s: revision scores below the draft", id)
		}
	}
	h := New(Config{}).summarizeStyle(New(Config{}).analysisOf(loadFixture(t, "debris")), "", papersum.StyleHighlights, 150)
	if !strings.Contains(h, "61 percent") {
		t.Errorf("highlights lack the result with its number: %s", h)
	}
	if !strings.Contains(h, "limitation") && !strings.Contains(h, "does not help") {
		t.Errorf("highlights state no limitation: %s", h)
	}
}

// TestTLDRStyleIsOneSentence wants one sentence for the tldr style
// whatever the target length, and a revision that leaves it alone.
func TestTLDRStyleIsOneSentence(t *testing.T) {
	for _, id := range fixtureIDs {
		p := loadFixture(t, id)
		e := New(Config{})
		s := stageText(t, e, papersum.Task{Stage: papersum.StageSummarize, Paper: p, TargetWords: 150, Style: papersum.StyleTLDR})
		if n := len(sentences.Split(s)); n != 1 {
			t.Errorf("%s: %d sentences: %q", id, n, s)
		}
		if r := stageText(t, e, papersum.Task{Stage: papersum.StageRevise, Paper: p, TargetWords: 150, Style: papersum.StyleTLDR, Draft: s}); r != s {
			t.Errorf("%s: revision changed the TLDR: %q -> %q", id, s, r)
		}
	}
}

// TestReviseAppendsNoFragment revises a draft of a paper in which
// ingestion left a cut sentence glued to a whole one ("techniques. on
// constituents' membership", W99-0623 of CL-SciSumm): the revision may
// add sentences, but never that one, and never scores below the draft.
func TestReviseAppendsNoFragment(t *testing.T) {
	p := &papersum.Paper{Title: "Combining Parsers", Sections: []papersum.Section{
		{Kind: papersum.KindAbstract, Sentences: []string{
			"Three statistical parsers are combined to produce more accurate parses.",
			"Two general approaches are presented and two combination techniques are described for each approach.",
		}},
		{Kind: papersum.KindIntroduction, Title: "1 Introduction", Sentences: []string{
			"We used these three parsers to explore parser combination techniques. on constituents' membership in the hypothesized set.",
			"The machine learning community has studied the combination of multiple classifiers for a long time.",
			"We are interested in combining the substructures of the input parses to produce a better parse.",
			"Parser combination reduces the error rate of the best single parser by thirty percent on the test set.",
		}},
	}}
	e := New(Config{})
	draft := "Three statistical parsers are combined to produce more accurate parses."
	c := e.Critique(p, draft, 100)
	rev := e.Revise(p, draft, &c, 100)
	if strings.Contains(rev, "membership") {
		t.Errorf("revision appended the cut sentence: %s", rev)
	}
	if e.Critique(p, rev, 100).Scores.Overall() < c.Scores.Overall() {
		t.Errorf("revision scores below the draft")
	}
	if rev == draft {
		t.Errorf("revision did not act on the critique (%v)", c.Issues)
	}
}

// TestHighlightsScore checks the highlights view: every sentence that may
// not be highlighted scores 0 on it, every one that may scores above 0,
// the abstract-style score is left alone, and under a title weight alone
// only sentences that hold a title term score more than the floor.
func TestHighlightsScore(t *testing.T) {
	e := New(Config{})
	a := e.analysisOf(loadFixture(t, "groupcommit"))
	v := a.highlightsView()
	if v == a || v.highlightsView() != v || a.highlightsView() != v {
		t.Fatal("the view is not built once and kept")
	}
	for i := range a.sents {
		if got, want := v.score[i] > 0, a.highlightable(i); got != want {
			t.Errorf("sentence %d: highlights score %.3f, highlightable %v", i, v.score[i], want)
		}
		if a.sents[i].kind == papersum.KindAbstract && v.highlightable(i) {
			t.Errorf("sentence %d: an abstract sentence may be highlighted", i)
		}
	}
	if slices.Equal(v.score, a.score) {
		t.Error("the view has the abstract-style scores")
	}
	var w hlWeights
	w[hfTitle] = 1
	only := a.withHLScores(w)
	titled := 0
	for i := range a.sents {
		hasTitle := a.hlFeatures(i)[hfTitle] > 0
		if only.score[i] > 1e-5 != (hasTitle && a.highlightable(i)) {
			t.Errorf("sentence %d scores %.3g with only the title weight (title terms: %v)", i, only.score[i], hasTitle)
		}
		if only.score[i] > 1e-5 {
			titled++
		}
	}
	if titled == 0 {
		t.Error("no sentence holds a title term")
	}
}
