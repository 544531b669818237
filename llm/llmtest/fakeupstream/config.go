package fakeupstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pause"
)

// Config configures a Server. The zero Config is valid: every zero field
// takes the default documented on it.
type Config struct {
	// Seed seeds the generator that draws faults and their variants.
	// The same seed and the same order of requests give the same faults.
	// Default 0 (a valid seed).
	Seed int64
	// Latency is added to every request before it is answered. The wait
	// ends early when the client gives up (the request's context is done).
	// Default 0.
	Latency time.Duration
	// Faults sets the rates of injected faults. Default: none.
	Faults Faults
	// Script forces the outcomes of the first len(Script) Messages and
	// Chat Completions requests, in the order they arrive, as ForceHeader
	// would; an entry "" leaves its request to the rates, and a header
	// forced by the client wins over the script. A test that sends one
	// request at a time gets exactly these faults, whatever the seed. The
	// fault generator still draws for scripted requests, so the requests
	// after the script get the same faults as without it. Default none.
	Script []Fault
	// CacheTTL is the lifetime of a prompt-cache entry written with
	// cache_control ttl "5m" (or no ttl), and of an OpenAI automatic cache
	// entry. Reading an entry refreshes it. Default 5m.
	CacheTTL time.Duration
	// CacheTTLLong is the lifetime of an entry written with ttl "1h".
	// Default 1h.
	CacheTTLLong time.Duration
	// MinCacheableTokens maps a model-name fragment to the minimum length,
	// in tokens, of a prefix that Anthropic caches for models whose name
	// contains it; the longest matching fragment wins. It is merged over
	// DefaultMinCacheableTokens, so only exceptions need listing. Models
	// that match no fragment use 1024.
	MinCacheableTokens map[string]int64
	// OpenAIMinCacheableTokens is the prompt length from which the OpenAI
	// endpoint caches prefixes automatically; cached_tokens then grows in
	// steps of 128 tokens. Default 1024, as OpenAI documents.
	OpenAIMinCacheableTokens int64
	// MaxCacheEntries bounds the prompt cache; when it is full, expired
	// entries are dropped, then arbitrary ones. Default 100000.
	MaxCacheEntries int
	// BatchProcessingDelay is how long a message batch stays in_progress
	// (on Clock) before it ends with every result. Default 0: a batch ends
	// at the first retrieve after its creation.
	BatchProcessingDelay time.Duration
	// APIKey, when set, is required on every request, as x-api-key or as
	// "Authorization: Bearer <key>"; requests without it get 401
	// authentication_error. Default "" (no check).
	APIKey string
	// ContextWindow is the largest estimated input, in tokens, a model
	// accepts; larger requests get 400 invalid_request_error "prompt is too
	// long: N tokens > M maximum" (Anthropic) or context_length_exceeded
	// (OpenAI). Default 200000.
	ContextWindow int64
	// MaxBodyBytes bounds a request body; larger bodies get 413
	// request_too_large. Default 32 MiB (256 MiB for batch creation), the
	// limits Anthropic documents.
	MaxBodyBytes int64
	// Clock tells the time for cache lifetimes, batch progress and the
	// "created" fields. Default the system clock.
	Clock papersum.Clock
	// Rewrite, when set, is handed the well-formed answer to every request
	// of a recognised stage and returns the text answered instead, so that
	// a test can make the model worse from some request on (truncated or
	// off-topic summaries). It must be safe for concurrent use. Default
	// nil: the local engine's answer as it is.
	Rewrite func(stage papersum.Stage, text string) string
	// Sleep waits for d or until ctx is done, returning ctx.Err() in the
	// latter case. It implements Latency and Hang. Default a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Faults are the rates, each in [0,1], at which faults are injected into
// /v1/messages, /v1/chat/completions and batch requests. Their sum must
// not exceed 1: one uniform draw per request picks at most one fault, in
// the order of the fields. The zero Faults injects none.
type Faults struct {
	// RateLimit429 answers 429 rate_limit_error with retry-after (seconds,
	// rounded up) and retry-after-ms headers of RetryAfter.
	RateLimit429 float64
	// Overloaded529 answers 529 overloaded_error (Anthropic) or 503 with
	// OpenAI's "engine is currently overloaded" message.
	Overloaded529 float64
	// Server500 answers 500 api_error / server_error.
	Server500 float64
	// Unavailable503 answers 503 Service Unavailable.
	Unavailable503 float64
	// Hang waits until the client gives up or HangMax passes, then answers
	// 504 timeout_error. With HangMax NoHangMax it never answers: only the
	// client giving up (or the server closing) ends it, so a hang never
	// serves a token and every hang is a call its client abandoned.
	Hang float64
	// ConnectionReset hijacks the connection and resets it (RST) without
	// answering.
	ConnectionReset float64
	// MalformedXML answers 200 with text that breaks the stage's output
	// contract (no tags at all, or an empty element). Like Truncate, it is
	// not drawn for a repair request (one with turns after the first user
	// message), which the fake answers well formed unless forced.
	MalformedXML float64
	// Truncate answers 200 with about half of the reply and stop_reason
	// max_tokens (finish_reason length).
	Truncate float64

	// RetryAfter is the wait a 429 asks for. Default 2s.
	RetryAfter time.Duration
	// HangMax bounds a hang. NoHangMax (any negative value) makes a hang
	// last until the client gives up. Default 30s.
	HangMax time.Duration
	// RejectTemperatureModels lists model-name fragments of models that
	// reject a temperature: a request that sets one on a model whose name
	// contains a fragment gets 400 invalid_request_error "temperature is
	// not supported for this model". nil means the default {"opus-4-7"};
	// an empty non-nil slice rejects nothing.
	RejectTemperatureModels []string
}

// DefaultMinCacheableTokens returns the minimum cacheable prompt lengths
// that Anthropic documents, keyed by model-name fragment: 4096 for Opus
// 4.5 and later and Haiku 4.5, 2048 for Haiku 3 and 3.5, 1024 for every
// other model (Sonnet, Opus 4 and 4.1).
func DefaultMinCacheableTokens() map[string]int64 {
	return map[string]int64{
		"opus-4-5":       4096,
		"opus-4-6":       4096,
		"opus-4-7":       4096,
		"haiku-4-5":      4096,
		"3-haiku":        2048,
		"3-5-haiku":      2048,
		"haiku-3":        2048,
		"claude-instant": 2048,
	}
}

// NoHangMax is the Faults.HangMax of hangs that never answer.
const NoHangMax time.Duration = -1

// defaultMinCacheable is the minimum for models that match no fragment.
const defaultMinCacheable = 1024

// ForceHeader is the request header that forces one outcome on a request
// regardless of the configured rates; see the Fault constants for values.
// On batch creation it applies to every request of the batch.
const ForceHeader = "X-Fake-Fault"

// BatchFaultsHeader forces outcomes per request of a batch on creation:
// "id1=529,id2=expired,id3=canceled". Besides the Fault values it accepts
// "expired" and "canceled", which give those result types.
const BatchFaultsHeader = "X-Fake-Batch-Faults"

// Fault names a forced or injected outcome. The values are what
// ForceHeader accepts.
type Fault string

// The faults. FaultNone forces a normal answer, even when rates are set.
const (
	FaultNone        Fault = "none"
	FaultRateLimit   Fault = "429"
	FaultOverloaded  Fault = "529"
	FaultServer      Fault = "500"
	FaultUnavailable Fault = "503"
	FaultHang        Fault = "hang"
	FaultReset       Fault = "reset"
	FaultMalformed   Fault = "malformed"
	FaultTruncate    Fault = "truncate"
	// FaultTemperature answers as a model that rejects temperature does,
	// whatever the model and even without a temperature.
	FaultTemperature Fault = "temperature"
	// FaultAuth answers 401 authentication_error.
	FaultAuth Fault = "auth"
	// FaultContext answers 400 "prompt is too long" with the request's
	// estimated input and a window one token smaller.
	FaultContext Fault = "context"
	// FaultEmptyBody answers 200 with an empty body and no Content-Type,
	// as a proxy or a server dying mid-answer may: a client must take it
	// for a server fault, not for an answer or a bad request. Batch items
	// forced to it answer normally (a batch result line cannot be empty).
	FaultEmptyBody Fault = "empty"
)

// allFaults lists every value ForceHeader accepts.
var allFaults = []Fault{FaultNone, FaultRateLimit, FaultOverloaded, FaultServer, FaultUnavailable,
	FaultHang, FaultReset, FaultMalformed, FaultTruncate, FaultTemperature, FaultAuth, FaultContext, FaultEmptyBody}

func parseFault(s string) (Fault, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, f := range allFaults {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.CacheTTL == 0 {
		c.CacheTTL = 5 * time.Minute
	}
	if c.CacheTTLLong == 0 {
		c.CacheTTLLong = time.Hour
	}
	mins := DefaultMinCacheableTokens()
	for k, v := range c.MinCacheableTokens {
		mins[k] = v
	}
	c.MinCacheableTokens = mins
	if c.OpenAIMinCacheableTokens == 0 {
		c.OpenAIMinCacheableTokens = 1024
	}
	if c.MaxCacheEntries == 0 {
		c.MaxCacheEntries = 100000
	}
	if c.ContextWindow == 0 {
		c.ContextWindow = 200000
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 32 << 20
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	if c.Sleep == nil {
		c.Sleep = pause.For
	}
	if c.Faults.RetryAfter == 0 {
		c.Faults.RetryAfter = 2 * time.Second
	}
	if c.Faults.HangMax == 0 {
		c.Faults.HangMax = 30 * time.Second
	}
	if c.Faults.RejectTemperatureModels == nil {
		c.Faults.RejectTemperatureModels = []string{"opus-4-7"}
	}
	return c
}

// Validate reports the first invalid field of c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	f := c.Faults
	rates := []float64{f.RateLimit429, f.Overloaded529, f.Server500, f.Unavailable503,
		f.Hang, f.ConnectionReset, f.MalformedXML, f.Truncate}
	sum := 0.0
	for _, r := range rates {
		if r < 0 || r > 1 || r != r {
			return fmt.Errorf("fakeupstream: fault rate %v is outside [0,1]", r)
		}
		sum += r
	}
	switch {
	case sum > 1+1e-9:
		return fmt.Errorf("fakeupstream: fault rates sum to %.3f; at most one fault is drawn per request, so the sum must not exceed 1", sum)
	case c.Latency < 0, c.CacheTTL < 0, c.CacheTTLLong < 0, c.BatchProcessingDelay < 0,
		f.RetryAfter < 0:
		return errors.New("fakeupstream: durations must not be negative")
	case c.ContextWindow < 0, c.MaxBodyBytes < 0, c.MaxCacheEntries < 0, c.OpenAIMinCacheableTokens < 0:
		return errors.New("fakeupstream: sizes must not be negative")
	}
	for i, f := range c.Script {
		if _, ok := parseFault(string(f)); f != "" && !ok {
			return fmt.Errorf("fakeupstream: Script[%d] %q is not a fault (see the Fault constants)", i, f)
		}
	}
	for k, v := range c.MinCacheableTokens {
		if v < 0 {
			return fmt.Errorf("fakeupstream: MinCacheableTokens[%q] is negative", k)
		}
	}
	return nil
}

// minCacheable returns the minimum cacheable prefix length for model.
func (c *Config) minCacheable(model string) int64 {
	best, n := "", int64(defaultMinCacheable)
	for frag, v := range c.MinCacheableTokens {
		if strings.Contains(model, frag) && len(frag) > len(best) {
			best, n = frag, v
		}
	}
	return n
}

// rejectsTemperature reports whether model refuses a temperature.
func (c *Config) rejectsTemperature(model string) bool {
	for _, frag := range c.Faults.RejectTemperatureModels {
		if frag != "" && strings.Contains(model, frag) {
			return true
		}
	}
	return false
}
