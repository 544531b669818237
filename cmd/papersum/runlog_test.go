package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunLogLinesCarryTheRunsFields runs `papersum summarize -v` and
// checks, through the real log output, that every line about a run names
// it (run_id, paper_id, attempt, stage, model), and that the completion
// line carries latency, tokens, cost and the quality scores.
func TestRunLogLinesCarryTheRunsFields(t *testing.T) {
	env := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "l.db"), "HOME": t.TempDir()}
	r := runCLI(t, context.Background(), env, "", "summarize", "-v", "../../examples/papers/papersum.md")
	if r.code != 0 {
		t.Fatalf("summarize: %d %v\n%s", r.code, r.err, r.stderr)
	}
	var about, done int
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.Contains(line, "stage=") && !strings.Contains(line, "run_id=") && !strings.Contains(line, `msg="run `) {
			continue
		}
		about++
		for _, k := range []string{"run_id=run_", "paper_id=", "attempt=", "stage=", "model="} {
			if !strings.Contains(line, k) {
				t.Errorf("log line about a run lacks %s:\n%s", k, line)
			}
		}
		if strings.Contains(line, `msg="run succeeded"`) {
			done++
			for _, k := range []string{"latency=", "input_tokens=", "output_tokens=", "cost_usd=", "score_overall=", "score_accuracy="} {
				if !strings.Contains(line, k) {
					t.Errorf("completion line lacks %s:\n%s", k, line)
				}
			}
		}
	}
	if about < 4 || done != 1 {
		t.Fatalf("%d lines about the run, %d completion lines; want the three stages and one completion:\n%s", about, done, r.stderr)
	}
}
