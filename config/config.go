package config

import (
	"bytes"
	"encoding/json"
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

// Config is the whole configuration file.
type Config struct {
	// TargetWords is the summary length in words. Default 150.
	TargetWords int `yaml:"target_words" json:"target_words"`
	// PricingFile overrides the embedded pricing table. Default: none.
	PricingFile string `yaml:"pricing_file" json:"pricing_file,omitempty"`
	// Prompts is a directory of prompt templates overriding the embedded
	// ones. Default: none.
	Prompts string `yaml:"prompts" json:"prompts,omitempty"`
	// Stages configures each stage. A stage left out runs on the local
	// engine.
	Stages Stages `yaml:"stages" json:"stages"`
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
	// Timeout bounds one call, e.g. "90s". Default 120s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
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
// Unknown fields are errors: a misspelt key must not be silently ignored.
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
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
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
	if c.TargetWords == 0 {
		c.TargetWords = 150
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
		if sc.Timeout == 0 {
			sc.Timeout = Duration(120 * time.Second)
		}
	}
}

func (c *Config) check() error {
	if c.TargetWords < 10 || c.TargetWords > 5000 {
		return fmt.Errorf("target_words %d is out of range (10-5000)", c.TargetWords)
	}
	for _, s := range papersum.Stages {
		sc := c.Stages.Get(s)
		switch sc.Provider {
		case ProviderLocal, ProviderAnthropic, ProviderOpenAI:
		default:
			return fmt.Errorf("stages.%s.provider %q is unknown (use local, anthropic or openai)", s, sc.Provider)
		}
		if sc.Model == "" {
			return fmt.Errorf("stages.%s.model is required for provider %s", s, sc.Provider)
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
	data, _ := json.Marshal(struct {
		TargetWords int    `json:"target_words"`
		Stages      Stages `json:"stages"`
	}{c.TargetWords, c.Stages})
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
