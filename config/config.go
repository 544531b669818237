package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/papersum/papersum"
)

// Providers papersum knows. Only "local" is built in so far; the others
// are accepted by the file format and rejected at validation until their
// adapters exist.
const (
	ProviderLocal     = "local"
	ProviderAnthropic = "anthropic"
	ProviderOpenAI    = "openai"
)

// The range of target_words (and of the commands' --words).
const (
	MinTargetWords = 10
	MaxTargetWords = 5000
)

// TLDRTargetWords is the default length of a one-sentence summary (style
// tldr): the length of a typical SciTLDR TLDR.
const TLDRTargetWords = 25

// Config is the whole configuration file.
type Config struct {
	// TargetWords is the summary length in words. Default 150, or
	// TLDRTargetWords when Style is tldr.
	TargetWords int `yaml:"target_words" json:"target_words"`
	// Style is the kind of summary: abstract, highlights or tldr (see
	// papersum.Style). Default papersum.DefaultStyle.
	Style papersum.Style `yaml:"style" json:"style,omitempty"`
	// PricingFile overrides the embedded pricing table. Default: none.
	PricingFile string `yaml:"pricing_file" json:"pricing_file,omitempty"`
	// Prompts is a directory of prompt templates overriding the embedded
	// ones. Default: none.
	Prompts string `yaml:"prompts" json:"prompts,omitempty"`
	// Stages configures each stage. A stage left out runs on the local
	// engine.
	Stages Stages `yaml:"stages" json:"stages"`
	// Providers configures how to reach each provider named by a stage.
	// "local", "anthropic" and "openai" exist without configuration; other
	// names (e.g. "vllm", "ollama") must say their type.
	Providers map[string]ProviderConfig `yaml:"providers" json:"providers,omitempty"`
	// CachePaper marks the paper as one cacheable block shared by the three
	// stages, so providers with prompt caching (Anthropic) bill critique
	// and revise a tenth of the input price for it. Default true; false
	// measures the cost without caching.
	CachePaper *bool `yaml:"cache_paper" json:"cache_paper,omitempty"`
	// Judge is the model that grades summaries in evaluations, with a
	// fixed rubric prompt. Default: the local engine's measured critique.
	Judge ModelRef `yaml:"judge" json:"judge"`
	// Thresholds is the quality bar of evaluations: the share of
	// summaries meeting it is reported. Defaults: accuracy 8.0, overall 7.5.
	Thresholds Thresholds `yaml:"thresholds" json:"thresholds"`
	// Retry is the one retry policy of model calls.
	Retry RetryConfig `yaml:"retry" json:"retry"`
	// Breaker configures the circuit breaker kept per provider and model.
	Breaker BreakerConfig `yaml:"breaker" json:"breaker"`
	// Tracing exports OpenTelemetry traces (see TracingConfig). Default:
	// off unless the OTEL_* variables turn it on.
	Tracing TracingConfig `yaml:"tracing,omitempty" json:"tracing,omitzero"`
	// Anomaly configures the online anomaly detection of serve (package
	// anomaly): defaults in AnomalyConfig.
	Anomaly AnomalyConfig `yaml:"anomaly" json:"anomaly"`
	// Budget configures the budget.threshold webhook of serve.
	Budget BudgetConfig `yaml:"budget" json:"budget"`
}

// ProviderConfig says how to reach a provider. Secrets never live in the
// file: it names the environment variable or the file that holds the key.
type ProviderConfig struct {
	// Type is "anthropic", "openai" (any OpenAI-compatible server) or
	// "local". Default: the provider's name when it is one of those.
	Type string `yaml:"type" json:"type"`
	// BaseURL overrides the API address, e.g. http://127.0.0.1:8000/v1
	// for vLLM or http://127.0.0.1:11434/v1 for Ollama. Default: the
	// official API (Anthropic, OpenAI).
	BaseURL string `yaml:"base_url" json:"base_url,omitempty"`
	// APIKeyEnv names the environment variable holding the API key.
	// Default ANTHROPIC_API_KEY for anthropic, OPENAI_API_KEY for openai.
	APIKeyEnv string `yaml:"api_key_env" json:"api_key_env,omitempty"`
	// APIKeyFile is a file holding the API key (e.g. a mounted secret);
	// it takes precedence over APIKeyEnv. Default: none.
	APIKeyFile string `yaml:"api_key_file" json:"api_key_file,omitempty"`
}

// RetryConfig is the retry policy of model calls (see package llm).
type RetryConfig struct {
	// MaxAttempts is the number of tries of one call, the first included.
	// Default 4.
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts"`
	// BaseDelay is the first backoff step; each retry doubles it, with
	// full jitter. Default 500ms.
	BaseDelay Duration `yaml:"base_delay" json:"base_delay"`
	// MaxDelay caps one backoff sleep. Default 30s.
	MaxDelay Duration `yaml:"max_delay" json:"max_delay"`
	// TotalDeadline caps all tries of one call together. Default 5m.
	TotalDeadline Duration `yaml:"total_deadline" json:"total_deadline"`
}

// Thresholds are minimum rubric scores (0-10).
type Thresholds struct {
	// Accuracy is the minimum accuracy score. Default 8.0.
	Accuracy float64 `yaml:"accuracy" json:"accuracy"`
	// Overall is the minimum weighted overall score. Default 7.5.
	Overall float64 `yaml:"overall" json:"overall"`
}

// BreakerConfig configures the circuit breakers.
type BreakerConfig struct {
	// Failures is the number of consecutive infrastructure failures that
	// opens a circuit. Default 5.
	Failures int `yaml:"failures" json:"failures"`
	// OpenTimeout is how long a circuit stays open before one trial call.
	// Default 30s.
	OpenTimeout Duration `yaml:"open_timeout" json:"open_timeout"`
}

// Stages holds one StageConfig per pipeline stage.
type Stages struct {
	Summarize StageConfig `yaml:"summarize" json:"summarize"`
	Critique  StageConfig `yaml:"critique" json:"critique"`
	Revise    StageConfig `yaml:"revise" json:"revise"`
}

// Get returns the configuration of stage s.
func (s *Stages) Get(stage papersum.Stage) *StageConfig {
	switch stage {
	case papersum.StageSummarize:
		return &s.Summarize
	case papersum.StageCritique:
		return &s.Critique
	default:
		return &s.Revise
	}
}

// StageConfig says which model runs a stage and how.
type StageConfig struct {
	// Provider is "local" (default), "anthropic" or "openai".
	Provider string `yaml:"provider" json:"provider"`
	// Model is the provider's model name. Default "local" for the local
	// provider; required for the others.
	Model string `yaml:"model" json:"model"`
	// MaxTokens bounds the output. Default 1024 (2048 for critique, whose
	// issue list can be long).
	MaxTokens int `yaml:"max_tokens" json:"max_tokens"`
	// Temperature is sent when set and the model accepts it. Default: not
	// sent.
	Temperature *float64 `yaml:"temperature" json:"temperature,omitempty"`
	// Timeout bounds one call, e.g. "90s". Default: scaled with the
	// paper's length (see llm.TimeoutFor).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// CacheTTL is the prompt-cache lifetime of the paper block: "5m"
	// (default) or "1h" (costs more to write, worth it when the stages of
	// a paper run more than five minutes apart, as in batches).
	CacheTTL string `yaml:"cache_ttl" json:"cache_ttl,omitempty"`
	// Fallback lists the models to try, in order, when this one is rate
	// limited, overloaded, timing out or behind an open circuit, e.g.
	// opus -> sonnet -> haiku -> local. Default: none.
	Fallback []ModelRef `yaml:"fallback" json:"fallback,omitempty"`
}

// ModelRef names a model of a provider.
type ModelRef struct {
	Provider string `yaml:"provider" json:"provider"`
	Model    string `yaml:"model" json:"model"`
}

// Duration is a time.Duration written as "500ms", "2m" in the file.
type Duration time.Duration

// UnmarshalYAML reads "90s" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if v, err := time.ParseDuration(s); err == nil {
		*d = Duration(v)
		return nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && fmt.Sprint(secs) == strings.TrimSpace(s) {
		*d = Duration(time.Duration(secs * float64(time.Second)))
		return nil
	}
	return fmt.Errorf("line %d: %q is not a duration (write e.g. \"90s\" or \"2m\")", n.Line, s)
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Default returns the configuration used when there is no file: every
// stage on the local engine.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

// Load reads a YAML configuration, applies defaults and validates what can
// be checked without the pricing table (see Validate for the rest).
// Unknown keys are errors, named by their path in the file with the keys
// that are known there: a misspelt key must not be silently ignored.
func Load(r io.Reader, name string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "config %s: %v", name, err)
	}
	if len(data) > 1<<20 {
		return nil, papersum.Errorf(papersum.EINVALID, "config %s: larger than 1 MiB", name)
	}
	c := &Config{}
	if len(bytes.TrimSpace(data)) > 0 {
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
			return nil, papersum.Errorf(papersum.EINVALID, "config %s: %s", name, oneLine(err.Error()))
		}
		// Unknown keys and values of the wrong kind are reported by their
		// key path, before yaml reports them by Go type.
		if err := checkKeys(&doc); err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "config %s: %s", name, err)
		}
		if err := doc.Decode(c); err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "config %s: %s", name, oneLine(err.Error()))
		}
	}
	c.applyDefaults()
	if err := c.check(); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "config %s: %s", name, papersum.ErrorMessage(err))
	}
	return c, nil
}

func (c *Config) applyDefaults() {
	c.Style = papersum.Style(strings.ToLower(strings.TrimSpace(string(c.Style)))).OrDefault()
	if c.TargetWords == 0 {
		c.TargetWords = 150
		if c.Style == papersum.StyleTLDR {
			c.TargetWords = TLDRTargetWords
		}
	}
	for _, s := range papersum.Stages {
		sc := c.Stages.Get(s)
		if sc.Provider == "" {
			sc.Provider = ProviderLocal
		}
		if sc.Model == "" && sc.Provider == ProviderLocal {
			sc.Model = "local"
		}
		if sc.MaxTokens == 0 {
			sc.MaxTokens = 1024
			if s == papersum.StageCritique {
				sc.MaxTokens = 2048
			}
		}
		if sc.CacheTTL == "" {
			sc.CacheTTL = "5m"
		}
		sc.CacheTTL = strings.ToLower(sc.CacheTTL)
		for i := range sc.Fallback {
			if sc.Fallback[i].Provider == "" {
				sc.Fallback[i].Provider = ProviderLocal
			}
			if sc.Fallback[i].Model == "" && sc.Fallback[i].Provider == ProviderLocal {
				sc.Fallback[i].Model = "local"
			}
		}
	}
	if c.Judge.Provider == "" {
		c.Judge.Provider = ProviderLocal
	}
	if c.Judge.Model == "" && c.Judge.Provider == ProviderLocal {
		c.Judge.Model = "local"
	}
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = Thresholds{Accuracy: 8.0, Overall: 7.5}
	}
	if c.CachePaper == nil {
		on := true
		c.CachePaper = &on
	}
	if c.Retry.MaxAttempts == 0 {
		c.Retry.MaxAttempts = 4
	}
	if c.Retry.BaseDelay == 0 {
		c.Retry.BaseDelay = Duration(500 * time.Millisecond)
	}
	if c.Retry.MaxDelay == 0 {
		c.Retry.MaxDelay = Duration(30 * time.Second)
	}
	if c.Retry.TotalDeadline == 0 {
		c.Retry.TotalDeadline = Duration(5 * time.Minute)
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = 5
	}
	if c.Breaker.OpenTimeout == 0 {
		c.Breaker.OpenTimeout = Duration(30 * time.Second)
	}
	c.Anomaly.applyDefaults()
	for name, p := range c.Providers {
		if p.Type == "" {
			p.Type = name
		}
		// Enumerated values are read in any case, as the flags are.
		p.Type = strings.ToLower(p.Type)
		c.Providers[name] = p
	}
}

// Provider returns the configuration of the provider called name, with
// defaults for the built-in names.
func (c *Config) Provider(name string) (ProviderConfig, bool) {
	p, ok := c.Providers[name]
	if !ok {
		switch name {
		case ProviderLocal, ProviderAnthropic, ProviderOpenAI:
			p, ok = ProviderConfig{Type: name}, true
		}
	}
	if p.APIKeyEnv == "" {
		switch p.Type {
		case ProviderAnthropic:
			p.APIKeyEnv = "ANTHROPIC_API_KEY"
		case ProviderOpenAI:
			p.APIKeyEnv = "OPENAI_API_KEY"
		}
	}
	return p, ok
}

// styleList names the styles for error messages: "abstract, highlights, tldr".
func styleList() string {
	names := make([]string, len(papersum.Styles))
	for i, s := range papersum.Styles {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func (c *Config) check() error {
	if err := c.Tracing.check(); err != nil {
		return err
	}
	if c.TargetWords < MinTargetWords || c.TargetWords > MaxTargetWords {
		return fmt.Errorf("target_words %d is out of range (%d-%d)", c.TargetWords, MinTargetWords, MaxTargetWords)
	}
	if !c.Style.Valid() {
		return fmt.Errorf("style %q is not one of %s", c.Style, styleList())
	}
	for name, p := range c.Providers {
		switch p.Type {
		case ProviderLocal, ProviderAnthropic, ProviderOpenAI:
		default:
			return fmt.Errorf("providers.%s.type %q is unknown (use anthropic, openai or local)", name, p.Type)
		}
	}
	if c.Retry.MaxAttempts < 1 || c.Retry.MaxAttempts > 20 {
		return fmt.Errorf("retry.max_attempts %d is out of range (1-20)", c.Retry.MaxAttempts)
	}
	if c.Retry.BaseDelay < 0 || c.Retry.MaxDelay < c.Retry.BaseDelay || c.Retry.TotalDeadline <= 0 {
		return fmt.Errorf("retry delays must satisfy 0 <= base_delay <= max_delay and total_deadline > 0")
	}
	if _, ok := c.Provider(c.Judge.Provider); !ok || c.Judge.Model == "" {
		return fmt.Errorf("judge needs a known provider and a model (got %q/%q)", c.Judge.Provider, c.Judge.Model)
	}
	for _, v := range []float64{c.Thresholds.Accuracy, c.Thresholds.Overall} {
		if v < 0 || v > 10 {
			return fmt.Errorf("thresholds must be between 0 and 10")
		}
	}
	if err := c.Budget.check(); err != nil {
		return err
	}
	if err := c.Anomaly.check(); err != nil {
		return err
	}
	if c.Breaker.Failures < 1 || c.Breaker.OpenTimeout <= 0 {
		return fmt.Errorf("breaker.failures must be at least 1 and breaker.open_timeout positive")
	}
	for _, s := range papersum.Stages {
		sc := c.Stages.Get(s)
		refs := append([]ModelRef{{Provider: sc.Provider, Model: sc.Model}}, sc.Fallback...)
		for i, ref := range refs {
			where := fmt.Sprintf("stages.%s", s)
			if i > 0 {
				where = fmt.Sprintf("stages.%s.fallback[%d]", s, i-1)
			}
			if _, ok := c.Provider(ref.Provider); !ok {
				return fmt.Errorf("%s.provider %q is unknown (use local, anthropic, openai or a name under providers:)", where, ref.Provider)
			}
			if ref.Model == "" {
				return fmt.Errorf("%s.model is required for provider %s", where, ref.Provider)
			}
		}
		if sc.CacheTTL != "5m" && sc.CacheTTL != "1h" {
			return fmt.Errorf("stages.%s.cache_ttl %q must be 5m or 1h", s, sc.CacheTTL)
		}
		if sc.MaxTokens < 1 || sc.MaxTokens > 128000 {
			return fmt.Errorf("stages.%s.max_tokens %d is out of range (1-128000)", s, sc.MaxTokens)
		}
		if t := sc.Temperature; t != nil && (*t < 0 || *t > 2) {
			return fmt.Errorf("stages.%s.temperature %g is out of range (0-2)", s, *t)
		}
		if sc.Timeout < 0 {
			return fmt.Errorf("stages.%s.timeout must be positive", s)
		}
	}
	return nil
}

// Hash identifies the configuration that shapes results (stages, length,
// prompts), for run records and cache keys.
func (c *Config) Hash() string {
	// Only what shapes results counts: not retry timing, keys or URLs.
	// The default style leaves the hash as it was before styles, so
	// stored runs and cache entries of default configurations still match.
	style := c.Style
	if style == papersum.DefaultStyle {
		style = ""
	}
	data, _ := json.Marshal(struct {
		TargetWords int            `json:"target_words"`
		Stages      Stages         `json:"stages"`
		Style       papersum.Style `json:"style,omitempty"`
	}{c.TargetWords, c.Stages, style})
	return papersum.ContentHash(data)
}

// Redacted returns the configuration as YAML for display. It holds no
// secrets today; the method is the one place to strip them when provider
// settings grow keys.
func (c *Config) Redacted() string {
	out, _ := yaml.Marshal(c)
	return string(out)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// MarshalYAML writes the duration as text ("30s"), as it is read.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
