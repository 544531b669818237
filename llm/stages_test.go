package llm

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// BuildStages puts remote models behind retry and a breaker, chains a
// stage's fallbacks, names the local engine as the last resort, and
// builds each provider's adapter once.
func TestBuildStages(t *testing.T) {
	remote := script("remote", fail(papersum.ClassOverloaded))
	engine := script("local")
	built := map[string]int{}
	breakers, err := NewBreakers(BreakerConfig{ConsecutiveFailures: 100})
	if err != nil {
		t.Fatal(err)
	}
	var checked []ChainLink
	st, err := BuildStages(StagesConfig{
		Stages: map[papersum.Stage][]ChainLink{
			papersum.StageSummarize: {{Provider: "api", Model: "big"}, {Provider: "local", Model: "local", Local: true}},
			papersum.StageCritique:  {{Provider: "local", Model: "local", Local: true}},
			papersum.StageRevise:    {{Provider: "api", Model: "big"}},
		},
		Check: func(_ papersum.Stage, l ChainLink) error { checked = append(checked, l); return nil },
		Adapter: func(p string) (papersum.Model, error) {
			built[p]++
			if p == "local" {
				return engine, nil
			}
			return remote, nil
		},
		Retry:    RetryConfig{MaxAttempts: 2, Sleep: func(context.Context, time.Duration) error { return nil }},
		Breakers: breakers,
	})
	if err != nil {
		t.Fatal(err)
	}
	if built["api"] != 1 || built["local"] != 1 || len(checked) != 4 {
		t.Fatalf("adapters built %v, links checked %d; want each provider once and every link checked", built, len(checked))
	}
	if st.Chains[papersum.StageCritique].Client != papersum.Model(engine) {
		t.Error("a local-only stage is not the engine itself (no retry, no breaker)")
	}
	sum := st.Chains[papersum.StageSummarize]
	if _, ok := sum.Client.(*Chain); !ok || sum.Fallback == nil || sum.Fallback.Provider != "local" || sum.Local != papersum.Model(engine) {
		t.Fatalf("summarize stage = %+v; want a chain with the local engine as fallback", sum)
	}
	if st.Chains[papersum.StageRevise].Fallback != nil {
		t.Error("a stage without a local last link has a fallback")
	}
	// The remote model is retried (2 attempts), then the chain falls back
	// to the engine.
	resp, err := sum.Client.Generate(context.Background(), &papersum.Request{Model: "big"})
	if err != nil || resp.Text != "answer from local" || remote.NCalls() != 2 {
		t.Fatalf("answer %+v, %v after %d remote calls; want the engine's after 2", resp, err, remote.NCalls())
	}

	stop := errors.New("no price")
	_, err = BuildStages(StagesConfig{Stages: map[papersum.Stage][]ChainLink{papersum.StageSummarize: {{Provider: "api", Model: "x"}}},
		Check:    func(papersum.Stage, ChainLink) error { return stop },
		Adapter:  func(string) (papersum.Model, error) { t.Fatal("adapter built after a failed check"); return nil, nil },
		Breakers: breakers})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the check's", err)
	}
	if _, err := BuildStages(StagesConfig{}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("empty config: %v, want EINVALID", err)
	}
}
