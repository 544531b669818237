package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleRun(status papersum.RunStatus) *papersum.Run {
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

func TestWriteRunGolden(t *testing.T) {
	for _, status := range []papersum.RunStatus{papersum.RunSucceeded, papersum.RunFailed, papersum.RunQueued} {
		for _, format := range []string{FormatText, FormatMarkdown, FormatJSON} {
			name := string(status) + "." + format
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteRun(&buf, sampleRun(status), format); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", name+".golden")
				if *update {
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("output differs from %s:\n%s", golden, buf.String())
				}
			})
		}
	}
}

// TestJSONIsStable checks what consumers rely on: the schema name, the
// weighted overall computed by papersum, and totals that add up.
func TestJSONIsStable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRun(&buf, sampleRun(papersum.RunSucceeded), FormatJSON); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["schema"] != SchemaRun {
		t.Errorf("schema %v", got["schema"])
	}
	scores := got["scores"].(map[string]any)
	// 0.4*9 + 0.3*7.5 + 0.2*8 + 0.1*6.5 = 8.1
	if scores["overall"] != 8.1 {
		t.Errorf("overall %v", scores["overall"])
	}
	totals := got["totals"].(map[string]any)
	if totals["cost_usd"] != 0.00216 {
		t.Errorf("total cost %v", totals["cost_usd"])
	}
	if n := len(got["stages"].([]any)); n != 3 {
		t.Errorf("%d stages", n)
	}
}

func TestUnknownFormat(t *testing.T) {
	err := WriteRun(&bytes.Buffer{}, sampleRun(papersum.RunSucceeded), "yaml")
	if papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("err %v", err)
	}
}

// TestMoneyOnePrecision: every amount has the same six decimals, so that
// cost columns line up (the table once mixed "$0", "$0.000123" and "$0.0123").
func TestMoneyOnePrecision(t *testing.T) {
	for usd, want := range map[float64]string{0: "$0.000000", 0.000123: "$0.000123", 0.0123: "$0.012300", 0.5: "$0.500000", 12.3456789: "$12.345679"} {
		if got := Money(usd); got != want {
			t.Errorf("Money(%g) = %q, want %q", usd, got, want)
		}
	}
}
