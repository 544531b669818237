package local

import (
	"context"
	"testing"

	"github.com/papersum/papersum"
)

// BenchmarkPipeline10kWords runs summarize, critique and revise through
// Generate on D07-1096, a real 10,091-word paper (420 sentences, ScisummNet
// Reference_XML from the development data beside the clone; skipped
// without it), on a new
// Engine each time: cold stem cache, and the paper analysed once by the
// summarize stage and reused by the other two, as in a real run. The
// budget is 50 ms per op on one core:
//
//	go test -run '^$' -bench Pipeline10kWords -cpu 1 ./llm/local
func BenchmarkPipeline10kWords(b *testing.B) {
	p := loadDataPaper(b, "D07-1096")
	if n := p.WordCount(); n < 9500 {
		b.Fatalf("fixture has %d words", n)
	}
	ctx := context.Background()
	doc := &papersum.Document{Text: p.Text()}
	b.ReportAllocs()
	for b.Loop() {
		e := New(Config{})
		s, err := e.Generate(ctx, &papersum.Request{Paper: doc, Task: papersum.Task{Stage: papersum.StageSummarize, Paper: p, TargetWords: 150}})
		if err != nil {
			b.Fatal(err)
		}
		draft := innerText(b, s.Text, "summary")
		c, err := e.Generate(ctx, &papersum.Request{Paper: doc, Task: papersum.Task{Stage: papersum.StageCritique, Paper: p, TargetWords: 150, Draft: draft}})
		if err != nil {
			b.Fatal(err)
		}
		crit := parseCritique(b, c.Text)
		if _, err := e.Generate(ctx, &papersum.Request{Paper: doc, Task: papersum.Task{Stage: papersum.StageRevise, Paper: p, TargetWords: 150, Draft: draft, Critique: &crit}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCritique10kWords is the judge alone on the same paper, with
// the analysis cached: the cost of judging one more summary of a paper.
func BenchmarkCritique10kWords(b *testing.B) {
	p := loadDataPaper(b, "D07-1096")
	e := New(Config{})
	draft := e.Summarize(p, 150)
	for b.Loop() {
		e.Critique(p, draft, 150)
	}
}

// BenchmarkAnalyze10kWords is the analysis of the paper with a warm stem
// cache: what each new paper costs a long-running engine.
func BenchmarkAnalyze10kWords(b *testing.B) {
	p := loadDataPaper(b, "D07-1096")
	e := New(Config{})
	e.analyze(p)
	for b.Loop() {
		e.analyze(p)
	}
}
