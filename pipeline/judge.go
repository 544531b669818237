package pipeline

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/papersum/papersum"
)

// Judge grades a summary against its paper with a fixed rubric prompt
// (prompts/judge.tmpl, versioned by content hash like the stage prompts).
// Any configured model can judge; the local engine's measured critique is
// the default judge, since it needs no API and is deterministic.
type Judge struct {
	// Provider and Model name the judge for pricing and the record.
	Provider, Model string
	Client          papersum.Model
	Pricer          papersum.Pricer
	// MaxTokens bounds the judge's answer. Default 2048.
	MaxTokens int
	// Clock dates each answer for its price (prices change over time).
	// Default papersum.SystemClock.
	Clock papersum.Clock
	tmpl  *Template
}

// JudgeTemplate returns the judge prompt: judge.tmpl from dir when dir is
// set and has one, else the embedded one.
func JudgeTemplate(dir string) (*Template, error) {
	if dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, "judge.tmpl"))
		if err == nil {
			return ParseTemplate(papersum.StageCritique, filepath.Join(dir, "judge.tmpl"), data)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, papersum.Errorf(papersum.EINVALID, "prompt %s: %v", filepath.Join(dir, "judge.tmpl"), err)
		}
	}
	data, err := embeddedPrompts.ReadFile("prompts/judge.tmpl")
	if err != nil {
		return nil, err
	}
	return ParseTemplate(papersum.StageCritique, "embedded judge", data)
}

// NewJudge returns a judge using tmpl (see JudgeTemplate).
func NewJudge(provider, model string, client papersum.Model, pricer papersum.Pricer, tmpl *Template) *Judge {
	return &Judge{Provider: provider, Model: model, Client: client, Pricer: pricer, MaxTokens: 2048, tmpl: tmpl}
}

// now is the judge's clock's time.
func (j *Judge) now() time.Time {
	if j.Clock == nil {
		return papersum.SystemClock{}.Now()
	}
	return j.Clock.Now()
}

// Verdict is a judge's grading of one summary.
type Verdict struct {
	Critique *papersum.Critique
	// PromptVersion is the content hash of the judge prompt.
	PromptVersion string
	Usage         papersum.Usage
	CostUSD       float64
	Provider      string
	Model         string
}

// Grade asks the judge to score summary against paper. An answer that does
// not follow the contract is repaired once, as a stage's would be.
func (j *Judge) Grade(ctx context.Context, paper *papersum.Paper, summary string, targetWords int) (*Verdict, error) {
	system, user, err := j.tmpl.Render(PromptData{Title: paper.Title, TargetWords: targetWords,
		MaxWords: MaxWords(targetWords), Draft: summary})
	if err != nil {
		return nil, err
	}
	req := &papersum.Request{Model: j.Model, System: system, Prompt: user, MaxTokens: j.MaxTokens,
		Paper: &papersum.Document{Text: paper.Text(), Cacheable: true, CacheTTL: "5m"},
		Task:  papersum.Task{Stage: papersum.StageCritique, Paper: paper, TargetWords: targetWords, Draft: summary}}
	v := &Verdict{PromptVersion: j.tmpl.Version, Provider: j.Provider, Model: j.Model}
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := j.Client.Generate(ctx, req)
		if err != nil {
			return nil, err
		}
		provider, model := orDefault(resp.Provider, j.Provider), orDefault(resp.Model, j.Model)
		cost, err := j.Pricer.Price(provider, model, resp.Usage, false, j.now())
		if err != nil {
			return nil, err
		}
		v.Usage, v.CostUSD, v.Provider, v.Model = v.Usage.Add(resp.Usage), v.CostUSD+cost, provider, model
		c, perr := ExtractCritique(resp.Text)
		if perr == nil && resp.StopReason != papersum.StopMaxTokens {
			StampJudge(&c.Scores, provider, model, j.tmpl.Version)
			v.Critique = c
			return v, nil
		}
		if perr == nil {
			perr = &papersum.ProviderError{Class: papersum.ClassTruncated, Stage: papersum.StageCritique, Raw: resp.Text, Message: "judge answer cut off"}
		}
		if attempt == 1 {
			return nil, perr
		}
		repair := *req
		repair.Turns = []papersum.Turn{{Role: papersum.RoleAssistant, Text: resp.Text},
			{Role: papersum.RoleUser, Text: repairPrompt(papersum.StageCritique, perr)}}
		req = &repair
	}
	return nil, errors.New("unreachable")
}

// StampJudge records who gave scores: Judge is the provider, with the
// model when it names more than the provider ("anthropic/claude-..."),
// and JudgeVersion the rubric version the answer stated
// (<judge_version>, which the local engine writes) or else the content
// hash of the prompt the model was given.
func StampJudge(s *papersum.Scores, provider, model, promptVersion string) {
	s.Judge = provider
	if model != "" && model != provider {
		s.Judge += "/" + model
	}
	if s.JudgeVersion == "" {
		s.JudgeVersion = promptVersion
	}
}
