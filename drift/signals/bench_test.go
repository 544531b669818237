package signals

import (
	"fmt"
	"testing"

	"github.com/papersum/papersum"
)

// benchPaper is a synthetic paper of about 6,000 words in 8 sections.
func benchPaper() *papersum.Paper {
	p := &papersum.Paper{ID: "p", Format: "pdf"}
	for s := range 8 {
		sec := papersum.Section{Kind: papersum.KindMethod}
		for i := range 30 {
			sec.Sentences = append(sec.Sentences, fmt.Sprintf("The Parser %d improves the accuracy of the dependency model by %d.5 points on Treebank %d with twenty-five labelled sentences.", s, i, i%7))
		}
		p.Sections = append(p.Sections, sec)
	}
	return p
}

func BenchmarkExtract(b *testing.B) {
	paper := benchPaper()
	run := &papersum.Run{Status: papersum.RunSucceeded, Summary: "The Parser 3 improves accuracy by 4.5 points on Treebank 2.",
		Scores: &papersum.Scores{Accuracy: 8, Completeness: 8, Clarity: 8, Coherence: 8},
		Stages: []papersum.StageResult{{Stage: papersum.StageSummarize}, {Stage: papersum.StageCritique}, {Stage: papersum.StageRevise}}}
	b.ReportAllocs()
	for b.Loop() {
		Extract(paper, run, Options{})
	}
}
