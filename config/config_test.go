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
		"unknown style":    "style: bullets",
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

// TestLoadErrorsNameTheKeyPath: a mistake in the file is reported by its
// key path and line, with what is allowed there, never by Go type names.
func TestLoadErrorsNameTheKeyPath(t *testing.T) {
	tests := []struct{ src, want string }{
		{"target_wrods: 100", "config c.yaml: target_wrods: line 1: unknown key; known keys: target_words, style, pricing_file, prompts, stages, providers, cache_paper, judge, thresholds, retry, breaker, tracing, anomaly, budget"},
		{"stages:\n  summarize:\n    modle: x\n", "config c.yaml: stages.summarize.modle: line 3: unknown key; known keys: provider, model, max_tokens, temperature, timeout, cache_ttl, fallback"},
		{"stages: {revise: {fallback: [{provider: local, modl: x}]}}", "config c.yaml: stages.revise.fallback[0].modl: line 1: unknown key; known keys: provider, model"},
		{"providers:\n  vllm: {type: openai, base_ur: x}\n", "config c.yaml: providers.vllm.base_ur: line 2: unknown key; known keys: type, base_url, api_key_env, api_key_file"},
		{"target_words: many", `config c.yaml: target_words: line 1: "many" is not a whole number`},
		{"stages: {revise: {timeout: soon}}", `config c.yaml: stages.revise.timeout: line 1: "soon" is not a duration (write e.g. "90s" or "2m")`},
		{"cache_paper: maybe", `config c.yaml: cache_paper: line 1: "maybe" is not true or false`},
		{"thresholds: {accuracy: high}", `config c.yaml: thresholds.accuracy: line 1: "high" is not a number`},
		{"stages: {revise: {fallback: {provider: local}}}", "config c.yaml: stages.revise.fallback: line 1: want a list, not a mapping"},
		{"stages: [1, 2]", "config c.yaml: stages: line 1: want keys (summarize, critique, revise), not a list"},
		{"- 1\n", "config c.yaml: the file: line 1: want keys (target_words, style, pricing_file, prompts, stages, providers, cache_paper, judge, thresholds, retry, breaker, tracing, anomaly, budget), not a list"},
		{"retry: {max_attempts: 0.5}", `config c.yaml: retry.max_attempts: line 1: "0.5" is not a whole number`},
	}
	for _, tc := range tests {
		_, err := Load(strings.NewReader(tc.src), "c.yaml")
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%q: err %v, want EINVALID", tc.src, err)
			continue
		}
		if got := papersum.ErrorMessage(err); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

// TestLoadKeepsNullsAndAnchors: an empty value keeps its default and YAML
// anchors and aliases are followed, so the key check refuses nothing valid.
func TestLoadKeepsNullsAndAnchors(t *testing.T) {
	c, err := Load(strings.NewReader(`
stages:
  summarize: &claude {provider: anthropic, model: claude-haiku-4-5, timeout: 90s}
  critique: *claude
  revise:
retry:
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Stages.Critique.Model != "claude-haiku-4-5" || c.Stages.Revise.Provider != ProviderLocal || c.Retry.MaxAttempts != 4 {
		t.Errorf("%+v", c)
	}
}

func TestEnumValuesInAnyCase(t *testing.T) {
	c, err := Load(strings.NewReader("providers:\n  vllm: {type: OpenAI, base_url: http://127.0.0.1:8000/v1}\nstages:\n  revise: {provider: vllm, model: m, cache_ttl: 1H}\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Provider("vllm"); p.Type != ProviderOpenAI || c.Stages.Revise.CacheTTL != "1h" {
		t.Errorf("type %q, cache_ttl %q", p.Type, c.Stages.Revise.CacheTTL)
	}
}

// TestStyle wants style read in any case, the default style to leave the
// hash as it was, another style to change it, and tldr to default to a
// one-sentence length.
func TestStyle(t *testing.T) {
	if d := Default(); d.Style != papersum.DefaultStyle {
		t.Errorf("default style %q", d.Style)
	}
	c, err := Load(strings.NewReader("style: Highlights\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Style != papersum.StyleHighlights || c.TargetWords != 150 {
		t.Errorf("style %q, target %d", c.Style, c.TargetWords)
	}
	if c.Hash() == Default().Hash() {
		t.Error("highlights hash like the default")
	}
	abs, err := Load(strings.NewReader("style: abstract\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if abs.Hash() != Default().Hash() {
		t.Error("the default style written out changes the hash")
	}
	tldr, err := Load(strings.NewReader("style: tldr\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if tldr.TargetWords != TLDRTargetWords {
		t.Errorf("tldr target %d", tldr.TargetWords)
	}
	_, err = Load(strings.NewReader("style: bullets\n"), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), "abstract, highlights, tldr") {
		t.Errorf("err %v, want the styles named", err)
	}
}
