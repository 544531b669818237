package fakeupstream_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// Rewrite replaces the answers of the stages it is handed, from the
// moment the test says so, and leaves the others as the engine wrote them.
func TestRewrite(t *testing.T) {
	var worse atomic.Bool
	var seen []papersum.Stage
	_, url := start(t, fakeupstream.Config{Rewrite: func(stage papersum.Stage, text string) string {
		seen = append(seen, stage)
		if worse.Load() && stage == papersum.StageSummarize {
			return "<summary>Off topic.</summary>"
		}
		return text
	}})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	m1 := message(t, url, anthropicBody(sonnet, paperText(), "", sys, user, 1024))
	good := m1.text()
	if strings.Contains(good, "Off topic.") || !strings.Contains(good, "<summary>") {
		t.Fatalf("answer before the switch: %q", good)
	}
	worse.Store(true)
	m2 := message(t, url, anthropicBody(sonnet, paperText(), "", sys, user, 1024))
	if bad := m2.text(); bad != "<summary>Off topic.</summary>" {
		t.Errorf("answer after the switch: %q", bad)
	}
	csys, cuser := stagePrompts(t, papersum.StageCritique, "A draft.", nil)
	m3 := message(t, url, anthropicBody(sonnet, paperText(), "", csys, cuser, 1024))
	if crit := m3.text(); !strings.Contains(crit, "<critique>") {
		t.Errorf("critique after the switch: %q", crit)
	}
	if len(seen) != 3 || seen[2] != papersum.StageCritique {
		t.Errorf("Rewrite saw %v", seen)
	}
}
