package anthropic

import (
	"context"
	"net/http"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/papersum/papersum"
)

// Client is a papersum.Model and papersum.Batcher on the Anthropic Messages
// API. It is safe for concurrent use.
type Client struct {
	sdk   sdk.Client
	caps  func(model string) (acceptsTemperature bool, known bool)
	clock papersum.Clock
}

var (
	_ papersum.Model          = (*Client)(nil)
	_ papersum.MessageBatcher = (*Client)(nil)
)

// New returns a Client for cfg after filling defaults and validating it.
//
// Errors: EINVALID (*papersum.Error) when the API key is missing or the
// base URL is not an http(s) URL with a host.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	opts := []option.RequestOption{
		// Nothing from the environment: the key and URL are the caller's.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(cfg.HTTPClient),
		// One retry layer: papersum's llm package retries on the Class of
		// the error; SDK retries underneath would multiply the attempts and
		// hide 429s and 529s from the circuit breaker.
		option.WithMaxRetries(0),
	}
	if cfg.TracerProvider != nil {
		// Every tracing knob set explicitly, so no environment variable
		// decides any of them.
		opts = append(opts,
			option.WithTracerProvider(cfg.TracerProvider),
			option.WithOpenTelemetryTraces(true),
			option.WithOpenTelemetryTracesContentMode(option.OpenTelemetryContentModeMetadataOnly),
			option.WithOpenTelemetryPropagation(true))
	} else {
		opts = append(opts, option.WithoutOpenTelemetry())
	}
	c := sdk.NewClient(opts...)
	return &Client{sdk: c, caps: cfg.Capabilities, clock: cfg.Clock}, nil
}

// Generate sends req to the Messages API and returns the answer.
//
// The paper, when present, is the first system block, marked for caching
// when req.Paper.Cacheable; req.System follows it; the user message is
// req.Prompt, followed by req.Turns. req.Timeout bounds the call.
//
// Errors: a *papersum.ProviderError for every failure, classified as
// rate_limit (with RetryAfterSeconds), overloaded (529, 503), server (5xx,
// or a 2xx body that is not a message), timeout (Request.Timeout, the
// caller's deadline, 504/408), connection, auth (401, 402, 403),
// invalid_request (4xx, and a request rejected before it is sent) or
// context_too_large (413, "prompt is too long"). Status, Model, Stage and a
// short Message are set; Err wraps the SDK's error (errors.As finds its
// *anthropic.Error). When the caller cancels ctx the error wraps ctx.Err()
// and is not a ProviderError: nobody is waiting for a retry.
func (c *Client) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	b, err := c.build(req)
	if err != nil {
		return nil, err
	}
	callCtx := ctx
	var opts []option.RequestOption
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
		// Also the SDK's per-attempt timeout: without it the SDK picks its
		// own (10 minutes) and refuses large max_tokens without streaming;
		// with it the caller's bound is the only one.
		opts = append(opts, option.WithRequestTimeout(req.Timeout))
	}
	var httpRes *http.Response
	opts = append(opts, option.WithResponseInto(&httpRes))
	msg, err := c.sdk.Messages.New(callCtx, b.params, opts...)
	if err != nil {
		return nil, c.callError(ctx, req.Model, req.Task.Stage, answered(httpRes, err))
	}
	if !wellFormed(msg) {
		return nil, &papersum.ProviderError{Class: papersum.ClassServer, Provider: ProviderName, Model: req.Model,
			Stage: req.Task.Stage, Status: http.StatusOK, Message: malformedMessage}
	}
	return toResponse(msg, req.Model, b.ttl), nil
}

// now is the client's clock, for Retry-After dates.
func (c *Client) now() time.Time { return c.clock.Now() }
