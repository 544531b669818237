package local

import (
	"context"
	"strings"
	"testing"

	"github.com/papersum/papersum/ingest"
)

// TestWordSaladFailsThresholds: a paper that is one ungrammatical
// sentence repeated (papersum issue 13 found a 49 MB one scored overall
// 9.56, accuracy 10) must fail the quality thresholds, accuracy >= 8 and
// overall >= 7.5, whatever summary the engine makes of it. The paper is
// generated here, about 1 MB.
func TestWordSaladFailsThresholds(t *testing.T) {
	const salad = "We baseline model show data corpus language corpus sentence method data corpus the sentence dependency. "
	text := strings.Repeat(salad, 1<<20/len(salad))
	p, err := ingest.Parse(context.Background(), "salad.txt", []byte(text), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Config{})
	summary := e.Summarize(p, 0)
	c := e.Critique(p, summary, 0)
	if c.Scores.Accuracy >= 8 && c.Scores.Overall() >= 7.5 {
		t.Errorf("word salad passes: %+v overall %.2f, issues %q", c.Scores, c.Scores.Overall(), c.Issues)
	}
	if !hasIssue(c, "not prose") && !hasIssue(c, "word salad") {
		t.Errorf("no issue names the salad: %q", c.Issues)
	}
}
