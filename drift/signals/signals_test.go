package signals

import (
	"math"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func testPaper() *papersum.Paper {
	return &papersum.Paper{ID: "p", Format: "markdown", Sections: []papersum.Section{
		{Kind: papersum.KindTitle, Sentences: []string{"Parsing Trees with BERT"}},
		{Kind: papersum.KindAbstract, Sentences: []string{"We parse trees with BERT and reach 93.2 F1 on the treebank."}},
		{Kind: papersum.KindMethod, Sentences: []string{"The parser encodes each sentence with BERT.", "Trees are decoded by a chart parser."}},
	}}
}

func values(vs []Value) map[string]Value {
	m := map[string]Value{}
	for _, v := range vs {
		m[v.Name] = v
	}
	return m
}

func TestExtract(t *testing.T) {
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	run := &papersum.Run{ID: "r", Status: papersum.RunSucceeded,
		Summary: "The parser reaches 93.2 F1 and 99.9 recall with BERT and Zorblax.",
		Scores:  &papersum.Scores{Accuracy: 6, Completeness: 6, Clarity: 6, Coherence: 6},
		Stages: []papersum.StageResult{
			{Stage: papersum.StageSummarize, CostUSD: 0.01, Usage: papersum.Usage{InputTokens: 100, OutputTokens: 20}, Latency: 2 * time.Second, StartedAt: now},
			{Stage: papersum.StageCritique, CostUSD: 0.02, Latency: time.Second, StartedAt: now},
		}}
	v := values(Extract(testPaper(), run, Options{}))
	if got := v[InputWords].X; got != 30 {
		t.Errorf("paper words = %v, want 30", got)
	}
	if got := v[InputSections].X; got != 3 {
		t.Errorf("sections = %v", got)
	}
	if got := v[InputBodyShare].X; math.Abs(got-14.0/30) > 1e-12 {
		t.Errorf("body share = %v, want 14/30", got)
	}
	if got := v[InputSectionKind].Labels; len(got) != 3 || got[0] != "abstract" || got[1] != "method" || got[2] != "title" {
		t.Errorf("section kinds = %v", got)
	}
	if got := v[InputTerms].Labels; len(got) == 0 || got[0] != "bert" {
		t.Errorf("top terms = %v, want bert first", got)
	}
	if v[InputLanguage].Labels[0] != "en" || v[InputFormat].Labels[0] != "markdown" {
		t.Errorf("language %v format %v", v[InputLanguage].Labels, v[InputFormat].Labels)
	}
	// 93.2 is in the paper, 99.9 is not.
	if got := v[OutputNumbers].X; got != 0.5 {
		t.Errorf("number faithfulness = %v, want 0.5", got)
	}
	// BERT is in the paper, Zorblax is not (F1 neither: the paper has F1 — it does).
	if got := v[OutputNames].X; math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("name faithfulness = %v, want 2/3 (F1, BERT found; Zorblax not)", got)
	}
	if got := v[OutputCompression].X; math.Abs(got-12.0/30) > 1e-12 {
		t.Errorf("compression = %v", got)
	}
	if got := v[QualityOverall].X; got != 6 || v[QualityFail].X != 1 {
		t.Errorf("overall %v fail %v", got, v[QualityFail].X)
	}
	if got := v[StageSignal("tokens", papersum.StageSummarize)].X; got != 120 {
		t.Errorf("summarize tokens = %v", got)
	}
	if got := v[StageSignal("latency_s", papersum.StageCritique)].X; got != 1 {
		t.Errorf("critique latency = %v", got)
	}
	if _, ok := v[StageSignal("cost_usd", papersum.StageRevise)]; ok {
		t.Error("a stage that did not run has signals")
	}
	if v[OpsError].X != 0 || v[OpsErrorClass].Labels[0] != "none" {
		t.Errorf("error %v class %v", v[OpsError].X, v[OpsErrorClass].Labels)
	}
	for name := range v {
		if _, ok := Lookup(name); !ok {
			t.Errorf("extracted %s, which Defs does not list", name)
		}
	}
}

func TestExtractFailedAndCached(t *testing.T) {
	failed := &papersum.Run{Status: papersum.RunFailed, ErrorClass: papersum.ClassRateLimit, Error: "x"}
	v := values(Extract(nil, failed, Options{}))
	if v[OpsError].X != 1 || v[OpsErrorClass].Labels[0] != string(papersum.ClassRateLimit) {
		t.Errorf("failed run: %+v", v)
	}
	if _, ok := v[OutputWords]; ok {
		t.Error("a failed run has output signals")
	}
	cached := &papersum.Run{Status: papersum.RunSucceeded, Cached: true, Summary: "x y"}
	v = values(Extract(testPaper(), cached, Options{}))
	if _, ok := v[OutputWords]; ok {
		t.Error("a cached run has output signals")
	}
	if _, ok := v[InputWords]; !ok {
		t.Error("a cached run lost its input signals")
	}
	// An empty paper gives no NaN.
	for _, x := range Extract(&papersum.Paper{}, nil, Options{}) {
		if math.IsNaN(x.X) {
			t.Errorf("%s is NaN", x.Name)
		}
	}
}
