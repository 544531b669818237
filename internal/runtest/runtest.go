package runtest

import (
	"time"

	"github.com/papersum/papersum"
)

// Sample returns a run of three stages with scores, issues, a fallback
// and estimated tokens when status is RunSucceeded, a queued run waiting
// for its provider with a repeated call when it is RunQueued, and a failed
// run with abandoned calls otherwise: every part a rendering of a run
// shows.
func Sample(status papersum.RunStatus) *papersum.Run {
	created := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	finished := created.Add(42 * time.Millisecond)
	crit := &papersum.Critique{Scores: papersum.Scores{Accuracy: 9, Completeness: 7.5, Clarity: 8, Coherence: 6.5},
		Issues: []string{`key term "treebank" not covered`, "sentences 2 and 3 overlap 71% | pipe"}}
	u := papersum.Usage{InputTokens: 2400, OutputTokens: 180, Estimated: true}
	r := &papersum.Run{
		ID: "run_test1", PaperID: "sha256:0123456789abcdef0123", Title: "A Maximum-Entropy-Inspired Parser",
		Source: "A00-2018.pdf", Status: status, ConfigHash: "sha256:cfg", TargetWords: 150,
		CreatedAt: created, FinishedAt: &finished,
		Stages: []papersum.StageResult{
			{Stage: papersum.StageSummarize, Provider: "local", Model: "local", PromptVersion: "sha256:aaaaaaaaaaaaaaaa",
				Raw: "<summary>Draft.</summary>", Output: "Draft.", Usage: u, Latency: 12345 * time.Microsecond, StopReason: papersum.StopEnd, StartedAt: created},
			{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-sonnet-4-5", PromptVersion: "sha256:bbbbbbbbbbbbbbbb",
				Raw: "<critique>…</critique>", Critique: crit, Usage: papersum.Usage{InputTokens: 300, CacheReadTokens: 2100, OutputTokens: 90},
				CostUSD: 0.00216, Latency: 2 * time.Second, StopReason: papersum.StopEnd, FallbackReason: "claude-opus-4-5: overloaded", StartedAt: created},
		},
	}
	if status == papersum.RunQueued {
		// Waiting for its provider after the critique failed, with one
		// summarize call paid twice.
		started := created.Add(time.Second)
		r.FinishedAt, r.StartedAt, r.Waits, r.RepeatedCalls = nil, &started, 2, 1
		r.Stages = r.Stages[:1]
		r.Waiting = &papersum.RunWait{Class: papersum.ClassConnection, Reason: "critique: connection from anthropic/claude-sonnet-4-5: connection failed",
			NextAttemptAt: created.Add(time.Minute), Deadline: started.Add(time.Hour)}
		return r
	}
	if status == papersum.RunFailed {
		r.Error = "revise: overloaded from anthropic/claude-sonnet-4-5: 529"
		r.ErrorClass = papersum.ClassOverloaded
		r.Abandoned = []papersum.AbandonedCalls{{Stage: papersum.StageRevise, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 2}}
	} else {
		r.Summary = "We present a parser. It achieves 90.1% precision."
		r.Scores = &crit.Scores
		r.RevisedScores = &papersum.Scores{Accuracy: 9.5, Completeness: 8, Clarity: 8, Coherence: 7}
		r.Stages = append(r.Stages, papersum.StageResult{Stage: papersum.StageRevise, Provider: "local", Model: "local",
			PromptVersion: "sha256:cccccccccccccccc", Raw: "<revised_summary>…</revised_summary>", Output: r.Summary,
			Usage: u, Latency: 3 * time.Millisecond, StopReason: papersum.StopEnd, StartedAt: created})
	}
	return r
}
