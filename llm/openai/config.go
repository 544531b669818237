package openai

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/papersum/papersum"
)

// DefaultBaseURL is the OpenAI API. Self-hosted servers need their own
// BaseURL; see Config.BaseURL.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultProviderName names the provider in responses and errors when
// Config.ProviderName is empty.
const DefaultProviderName = "openai"

// MaxTokensField names the request field that carries Request.MaxTokens.
//
// OpenAI deprecated max_tokens in favour of max_completion_tokens, and its
// reasoning models (o-series, gpt-5) reject max_tokens outright. The
// self-hosted servers go the other way: Ollama's OpenAI layer reads only
// max_tokens, llama-server reads max_tokens (and n_predict), and vLLM reads
// both. So the default picks by host.
type MaxTokensField string

// The values of Config.MaxTokensField.
const (
	// MaxTokensAuto sends max_completion_tokens to api.openai.com and
	// max_tokens to every other host.
	MaxTokensAuto MaxTokensField = ""
	// MaxTokensLegacy always sends max_tokens.
	MaxTokensLegacy MaxTokensField = "max_tokens"
	// MaxTokensCompletion always sends max_completion_tokens.
	MaxTokensCompletion MaxTokensField = "max_completion_tokens"
)

// Config configures a Client. The zero value talks to api.openai.com
// without an API key, which that server refuses; every other field has a
// working default.
type Config struct {
	// BaseURL is the API root including its version path. Default
	// DefaultBaseURL ("https://api.openai.com/v1"). Self-hosted servers
	// must set it:
	//
	//	vLLM       http://127.0.0.1:8000/v1
	//	Ollama     http://127.0.0.1:11434/v1
	//	llama.cpp  http://127.0.0.1:8080/v1
	//
	// The path matters: without "/v1" these servers answer 404.
	BaseURL string

	// APIKey is sent as "Authorization: Bearer <key>". Default "" sends no
	// Authorization header at all, which is what servers started without
	// --api-key (vLLM, llama-server) and Ollama expect; the SDK does not
	// require a key, so no placeholder is needed.
	APIKey string

	// HTTPClient makes the requests. Default nil uses http.DefaultClient.
	// Give it no Timeout of its own unless you want one: Request.Timeout
	// and the caller's context already bound each call.
	HTTPClient *http.Client

	// ProviderName fills Response.Provider and ProviderError.Provider, and
	// is what pricing looks models up under. Default DefaultProviderName
	// ("openai"); set it to "vllm", "ollama" or "llamacpp" for local
	// servers so their usage is not priced as OpenAI's.
	ProviderName string

	// AcceptsTemperature reports whether a model takes a temperature.
	// Request.Temperature is dropped for models it rejects (OpenAI's
	// reasoning models answer 400 to any temperature but the default).
	// Default nil: every model accepts one.
	AcceptsTemperature func(model string) bool

	// MaxTokensField chooses the request field for Request.MaxTokens.
	// Default MaxTokensAuto: max_completion_tokens for api.openai.com,
	// max_tokens elsewhere.
	MaxTokensField MaxTokensField

	// SingleSystemMessage joins the paper and Request.System into one
	// system message (paper first, so the cacheable prefix is unchanged).
	// Default false sends them as two system messages. Set it for chat
	// templates that reject a second system message, such as Mistral's,
	// which raise "conversation roles must alternate" in vLLM and
	// llama-server.
	SingleSystemMessage bool

	// Clock resolves an HTTP-date Retry-After header into seconds. Default
	// papersum.SystemClock.
	Clock papersum.Clock
}

// withDefaults returns c with every empty field set to its default.
func (c Config) withDefaults() Config {
	if strings.TrimSpace(c.BaseURL) == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	if strings.TrimSpace(c.ProviderName) == "" {
		c.ProviderName = DefaultProviderName
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	return c
}

// validate reports the first invalid field as an EINVALID *papersum.Error.
func (c Config) validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return papersum.Errorf(papersum.EINVALID, "openai: base URL %q: %v", redactURL(c.BaseURL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return papersum.Errorf(papersum.EINVALID, "openai: base URL %q: scheme must be http or https", redactURL(c.BaseURL))
	}
	if u.Host == "" {
		return papersum.Errorf(papersum.EINVALID, "openai: base URL %q has no host", redactURL(c.BaseURL))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return papersum.Errorf(papersum.EINVALID, "openai: base URL %q must not have a query or fragment", redactURL(c.BaseURL))
	}
	if strings.ContainsAny(c.ProviderName, " \t\r\n/") {
		return papersum.Errorf(papersum.EINVALID, "openai: provider name %q must not contain spaces or '/'", c.ProviderName)
	}
	switch c.MaxTokensField {
	case MaxTokensAuto, MaxTokensLegacy, MaxTokensCompletion:
	default:
		return papersum.Errorf(papersum.EINVALID, "openai: max tokens field %q: want %q, %q or empty",
			c.MaxTokensField, MaxTokensLegacy, MaxTokensCompletion)
	}
	return nil
}

// Redacted returns a copy of c that is safe to print or log: the API key
// and any password in the base URL are masked.
func (c Config) Redacted() Config {
	if c.APIKey != "" {
		c.APIKey = "REDACTED"
	}
	c.BaseURL = redactURL(c.BaseURL)
	return c
}

// redactURL masks the password of a URL with user info; it returns other
// strings unchanged.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// maxTokensField resolves MaxTokensAuto for the configured host.
func (c Config) maxTokensField() MaxTokensField {
	if c.MaxTokensField != MaxTokensAuto {
		return c.MaxTokensField
	}
	if u, err := url.Parse(c.BaseURL); err == nil && strings.EqualFold(u.Hostname(), "api.openai.com") {
		return MaxTokensCompletion
	}
	return MaxTokensLegacy
}

// String keeps a Config printed with %v from showing the key.
func (c Config) String() string {
	r := c.Redacted()
	return fmt.Sprintf("openai.Config{BaseURL:%s ProviderName:%s APIKey:%s MaxTokensField:%q SingleSystemMessage:%t}",
		r.BaseURL, r.ProviderName, r.APIKey, r.MaxTokensField, r.SingleSystemMessage)
}
