package config

import (
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func TestDefaultIsAllLocal(t *testing.T) {
	c := Default()
	for _, s := range papersum.Stages {
		sc := c.Stages.Get(s)
		if sc.Provider != ProviderLocal || sc.Model != "local" || sc.MaxTokens == 0 || sc.CacheTTL != "5m" {
			t.Errorf("%s: %+v", s, sc)
		}
	}
	if c.TargetWords != 150 {
		t.Errorf("target words %d", c.TargetWords)
	}
}

func TestLoad(t *testing.T) {
	c, err := Load(strings.NewReader(`
target_words: 120
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5, temperature: 0.2, timeout: 90s}
  critique:
    provider: anthropic
    model: claude-sonnet-4-5
    max_tokens: 4000
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.TargetWords != 120 || c.Stages.Summarize.Model != "claude-haiku-4-5" || *c.Stages.Summarize.Temperature != 0.2 ||
		time.Duration(c.Stages.Summarize.Timeout) != 90*time.Second || c.Stages.Critique.MaxTokens != 4000 ||
		c.Stages.Revise.Provider != ProviderLocal {
		t.Errorf("%+v", c)
	}
	if c.Hash() == Default().Hash() {
		t.Error("different configs hash the same")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]string{
		"unknown key":      "target_wrods: 100",
		"unknown provider": "stages: {summarize: {provider: gpt, model: x}}",
		"model required":   "stages: {critique: {provider: anthropic}}",
		"bad duration":     "stages: {revise: {timeout: soon}}",
		"bad temperature":  "stages: {revise: {temperature: 7}}",
		"target range":     "target_words: 3",
		"not yaml":         "{{{",
		"wrong type":       "target_words: many",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(strings.NewReader(src), "c.yaml")
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("err %v", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "config c.yaml: ") {
				t.Errorf("message not one line naming the file: %q", msg)
			}
		})
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	c, err := Load(strings.NewReader("# nothing\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash() != Default().Hash() {
		t.Error("empty file differs from defaults")
	}
}

func TestProvidersAndFallback(t *testing.T) {
	c, err := Load(strings.NewReader(`
providers:
  vllm: {type: openai, base_url: "http://127.0.0.1:8000/v1", api_key_env: VLLM_KEY}
  anthropic: {api_key_file: /run/secrets/anthropic}
stages:
  summarize:
    provider: anthropic
    model: claude-opus-4-5
    fallback:
      - {provider: anthropic, model: claude-sonnet-4-5}
      - {provider: vllm, model: llama-3.1-8b}
      - {provider: local}
retry: {max_attempts: 6, base_delay: 100ms}
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fb := c.Stages.Summarize.Fallback
	if len(fb) != 3 || fb[2].Model != "local" || fb[1].Provider != "vllm" {
		t.Fatalf("fallback %+v", fb)
	}
	v, ok := c.Provider("vllm")
	if !ok || v.Type != ProviderOpenAI || v.APIKeyEnv != "VLLM_KEY" || v.BaseURL == "" {
		t.Errorf("vllm %+v", v)
	}
	a, _ := c.Provider("anthropic")
	if a.Type != ProviderAnthropic || a.APIKeyEnv != "ANTHROPIC_API_KEY" || a.APIKeyFile == "" {
		t.Errorf("anthropic %+v", a)
	}
	if c.Retry.MaxAttempts != 6 || time.Duration(c.Retry.BaseDelay) != 100*time.Millisecond || time.Duration(c.Retry.MaxDelay) != 30*time.Second {
		t.Errorf("retry %+v", c.Retry)
	}
}
