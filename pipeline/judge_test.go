package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

func TestJudge(t *testing.T) {
	tmpl, err := JudgeTemplate("")
	if err != nil {
		t.Fatal(err)
	}
	m := &scriptedModel{queue: map[papersum.Stage][]scripted{papersum.StageCritique: {
		{text: "I think it is good."}, {text: goodCritique}}}}
	j := NewJudge("test", "m", m, flatPricer{}, tmpl)
	v, err := j.Grade(context.Background(), testPaper(), "We parse.", 50)
	if err != nil {
		t.Fatal(err)
	}
	if v.Critique.Scores.Overall() != 7.3 || !strings.HasPrefix(v.PromptVersion, "sha256:") || v.Usage.InputTokens != 2000 {
		t.Errorf("%+v", v)
	}
	if len(m.seen) != 2 || len(m.seen[1].Turns) != 2 || !strings.Contains(m.seen[0].Prompt, "We parse.") {
		t.Errorf("judge did not repair once: %d calls", len(m.seen))
	}
	if tmpl.Version == mustPrompts(t)[papersum.StageCritique].Version {
		t.Error("the judge prompt must differ from the critique stage's")
	}
}

func mustPrompts(t *testing.T) Prompts {
	p, err := DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
