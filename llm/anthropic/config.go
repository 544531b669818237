package anthropic

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
)

// DefaultBaseURL is the Anthropic API root, the SDK's production default.
const DefaultBaseURL = "https://api.anthropic.com/"

// ProviderName names this provider in responses, errors and price lookups.
const ProviderName = "anthropic"

// DefaultMaxTokens bounds the output of a request whose MaxTokens is zero.
// The Messages API has no default of its own (max_tokens is required), and
// papersum's stages ask for a few hundred words, well under 1024 tokens.
const DefaultMaxTokens = 1024

// Config configures a Client.
type Config struct {
	// APIKey authenticates every request. Required; there is no default,
	// and nothing is read from the environment: cmd/papersum passes the key
	// it read from ANTHROPIC_API_KEY or a key file.
	APIKey string

	// BaseURL is the API root. Default DefaultBaseURL
	// ("https://api.anthropic.com/"). Tests point it at an httptest server;
	// a gateway or proxy in front of the API goes here too.
	BaseURL string

	// HTTPClient makes the requests. Default nil uses a client on
	// http.DefaultTransport with no timeout of its own: the caller's context
	// and Request.Timeout already bound each call.
	HTTPClient *http.Client

	// Capabilities reports whether a model accepts a temperature, and known
	// whether the model is known at all. cmd/papersum fills it from the
	// pricing table (pricing.Row.AcceptsTemperature). Request.Temperature is
	// sent only when the model is known and accepts one: the newest Claude
	// models answer 400 to any non-default temperature, and an unknown model
	// is more likely new than old, so dropping an optional sampling knob is
	// the safe side. Default nil: every model is unknown, so no temperature
	// is ever sent.
	Capabilities func(model string) (acceptsTemperature bool, known bool)

	// Clock turns an HTTP-date Retry-After header into seconds. Default
	// papersum.SystemClock.
	Clock papersum.Clock

	// TracerProvider, when set, gets the SDK's span of each API call, with
	// metadata only (model, tokens, status; never the paper or the prompts,
	// which may be private) and trace-context propagation on. Default nil:
	// the SDK's spans are off. Without this, the SDK would trace through the
	// global provider and let ANTHROPIC_OPEN_TELEMETRY* variables decide
	// what goes into spans, content included.
	TracerProvider trace.TracerProvider
}

// withDefaults returns c with every empty field set to its default.
func (c Config) withDefaults() Config {
	c.APIKey = strings.TrimSpace(c.APIKey)
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	return c
}

// validate reports the first invalid field as an EINVALID *papersum.Error.
func (c Config) validate() error {
	if c.APIKey == "" {
		return papersum.Errorf(papersum.EINVALID, "anthropic: API key is required (set ANTHROPIC_API_KEY or point the config at a key file)")
	}
	if strings.ContainsAny(c.APIKey, " \t\r\n") {
		// A key read from a file with a stray newline inside would be sent
		// as a broken header; say so instead of failing with a 401.
		return papersum.Errorf(papersum.EINVALID, "anthropic: API key contains whitespace")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return papersum.Errorf(papersum.EINVALID, "anthropic: base URL %q: %v", redactURL(c.BaseURL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return papersum.Errorf(papersum.EINVALID, "anthropic: base URL %q: scheme must be http or https", redactURL(c.BaseURL))
	}
	if u.Host == "" {
		return papersum.Errorf(papersum.EINVALID, "anthropic: base URL %q has no host", redactURL(c.BaseURL))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return papersum.Errorf(papersum.EINVALID, "anthropic: base URL %q must not have a query or fragment", redactURL(c.BaseURL))
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

// String keeps a Config printed with %v from showing the key.
func (c Config) String() string {
	r := c.Redacted()
	return fmt.Sprintf("anthropic.Config{BaseURL:%s APIKey:%s Capabilities:%t Tracing:%t}",
		r.BaseURL, r.APIKey, c.Capabilities != nil, c.TracerProvider != nil)
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
