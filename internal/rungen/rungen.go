package rungen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// Config says what to generate. Zero fields take the defaults noted.
type Config struct {
	// Runs is how many runs to store. Default 1000.
	Runs int
	// Start and End bound the runs' creation times, spread evenly.
	// Default: the 30 days before 2026-12-01.
	Start, End time.Time
	// Seed makes the runs the same on every call. Default 1.
	Seed uint64
	// Teams is how many teams (each with 3 users and 2 keys). Default 5.
	Teams int
	// Papers is how many distinct papers the runs summarize. Default 200.
	Papers int
}

func (c Config) withDefaults() Config {
	if c.Runs == 0 {
		c.Runs = 1000
	}
	if c.End.IsZero() {
		c.End = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Start.IsZero() {
		c.Start = c.End.AddDate(0, 0, -30)
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Teams == 0 {
		c.Teams = 5
	}
	if c.Papers == 0 {
		c.Papers = 200
	}
	return c
}

// models are what the stages run on, with their provider.
var models = [][2]string{
	{"anthropic", "claude-sonnet-4-5"},
	{"anthropic", "claude-haiku-4-5"},
	{"anthropic", "claude-opus-4-5"},
	{"local", "local"},
}

var stages = []papersum.Stage{papersum.StageSummarize, papersum.StageCritique, papersum.StageRevise}

// Generate stores c.Runs finished runs in store through its interface
// (CreateRun with the stages, then FinishRun), calling progress after
// every 1000 runs when it is not nil. Costs are recorded as the price
// function gives them (nil: 0). The runs' IDs start with "gen_".
func Generate(ctx context.Context, store papersum.Store, c Config, price func(provider, model string, u papersum.Usage, batch bool, at time.Time) float64, progress func(done int)) error {
	c = c.withDefaults()
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	words := make([]int, c.Papers)
	for i := range words {
		words[i] = 1500 + rng.IntN(14000)
		p := &papersum.Paper{ID: fmt.Sprintf("sha256:gen-%05d", i), Title: fmt.Sprintf("Generated paper %d", i), Format: "text",
			Sections: []papersum.Section{{Title: "Body", Kind: papersum.KindOther, Sentences: []string{strings.Repeat("word ", words[i])}}}}
		if err := store.PutPaper(ctx, p); err != nil {
			return fmt.Errorf("rungen: paper %d: %w", i, err)
		}
	}
	span := c.End.Sub(c.Start)
	for i := 0; i < c.Runs; i++ {
		created := c.Start.Add(time.Duration(float64(span) * float64(i) / float64(c.Runs)))
		team := rng.IntN(c.Teams)
		paper := rng.IntN(c.Papers)
		r := &papersum.Run{
			ID: fmt.Sprintf("gen_%07d", i), PaperID: fmt.Sprintf("sha256:gen-%05d", paper), Title: "generated",
			ConfigHash: "sha256:gen", TargetWords: 250, CreatedAt: created,
			Team: fmt.Sprintf("team-%d", team), User: fmt.Sprintf("user-%d-%d", team, rng.IntN(3)), KeyID: fmt.Sprintf("key-%d-%d", team, rng.IntN(2)),
		}
		if rng.IntN(20) == 0 { // 5% answered from the result cache
			r.Status, r.Cached, r.Summary = papersum.RunSucceeded, true, "cached"
			r.CacheHits = 1 + rng.IntN(4)
			fin := created.Add(5 * time.Millisecond)
			r.FinishedAt = &fin
			if err := store.CreateRun(ctx, r); err != nil {
				return fmt.Errorf("rungen: run %s: %w", r.ID, err)
			}
			continue
		}
		batch := rng.IntN(10) == 0
		m := models[rng.IntN(len(models))]
		at := created.Add(time.Duration(rng.IntN(3000)) * time.Millisecond) // queue wait
		tokens := int64(words[paper]) * 4 / 3
		for k, st := range stages {
			u := papersum.Usage{InputTokens: tokens/4 + int64(rng.IntN(500)), OutputTokens: 200 + int64(rng.IntN(400))}
			if m[0] == "anthropic" {
				if k == 0 {
					u.CacheCreation5mTokens = tokens * 3 / 4
				} else {
					u.CacheReadTokens = tokens * 3 / 4
				}
			}
			lat := time.Duration(float64(2*time.Second)*(0.5+float64(tokens)/8000)*(1+rng.ExpFloat64()/2)) + time.Duration(k)*time.Second
			res := papersum.StageResult{Stage: st, Provider: m[0], Model: m[1], PromptVersion: "sha256:gen",
				Raw: "r", Output: "o", Usage: u, Latency: lat, StopReason: papersum.StopEnd, StartedAt: at}
			if batch {
				res.FallbackReason = "batch msgbatch_gen"
			}
			if price != nil {
				res.CostUSD = price(m[0], m[1], u, batch, at)
			}
			r.Stages = append(r.Stages, res)
			at = at.Add(lat)
		}
		if err := store.CreateRun(ctx, r); err != nil {
			return fmt.Errorf("rungen: run %s: %w", r.ID, err)
		}
		r.Status, r.Summary = papersum.RunSucceeded, "generated summary"
		if rng.IntN(50) == 0 {
			r.Status, r.Summary, r.Error = papersum.RunFailed, "", "generated failure"
		}
		r.FinishedAt = &at
		if err := store.FinishRun(ctx, r); err != nil {
			return fmt.Errorf("rungen: finish %s: %w", r.ID, err)
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress(i + 1)
		}
	}
	return nil
}
