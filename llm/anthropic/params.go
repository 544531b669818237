package anthropic

import (
	"fmt"
	"math"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/papersum/papersum"
)

// built is a request ready to send, with what the response mapping needs
// to know about it.
type built struct {
	params sdk.MessageNewParams
	// ttl is the cache TTL the paper block asked for ("5m" or "1h"), to
	// attribute cache writes when a response omits the per-TTL split.
	ttl string
}

// build turns req into Messages API parameters. Generate and SubmitBatch
// both use it, so a batched request is byte-for-byte the same call.
//
// Errors: a *papersum.ProviderError of ClassInvalidRequest for a request
// that the API would reject or that cannot be encoded; nothing is sent.
func (c *Client) build(req *papersum.Request) (built, error) {
	if req == nil {
		return built{}, invalid("", "", "nil request")
	}
	bad := func(format string, args ...any) error {
		return invalid(req.Model, req.Task.Stage, fmt.Sprintf(format, args...))
	}
	if req.Model == "" {
		return built{}, bad("no model named")
	}
	if req.MaxTokens < 0 {
		return built{}, bad("max tokens %d is negative", req.MaxTokens)
	}
	if req.Prompt == "" {
		// The API rejects empty text blocks; say so before paying a round trip.
		return built{}, bad("empty prompt")
	}

	b := built{ttl: "5m"}
	p := sdk.MessageNewParams{
		Model:     sdk.Model(req.Model),
		MaxTokens: int64(req.MaxTokens),
	}
	if p.MaxTokens == 0 {
		p.MaxTokens = DefaultMaxTokens
	}

	// The paper comes first so that the cached prefix (everything up to
	// and including the breakpoint) is the same for all three stages; the
	// stage's own system prompt follows the breakpoint.
	if d := req.Paper; d != nil && d.Text != "" {
		block := sdk.TextBlockParam{Text: d.Text}
		if d.Cacheable {
			switch d.CacheTTL {
			case "", "5m":
				block.CacheControl = sdk.CacheControlEphemeralParam{TTL: sdk.CacheControlEphemeralTTLTTL5m}
			case "1h":
				b.ttl = "1h"
				block.CacheControl = sdk.CacheControlEphemeralParam{TTL: sdk.CacheControlEphemeralTTLTTL1h}
			default:
				return built{}, bad("cache TTL %q: want 5m or 1h", d.CacheTTL)
			}
		}
		p.System = append(p.System, block)
	}
	if req.System != "" {
		p.System = append(p.System, sdk.TextBlockParam{Text: req.System})
	}

	p.Messages = make([]sdk.MessageParam, 0, 1+len(req.Turns))
	p.Messages = append(p.Messages, sdk.NewUserMessage(sdk.NewTextBlock(req.Prompt)))
	for i, t := range req.Turns {
		if t.Text == "" {
			return built{}, bad("turn %d is empty", i)
		}
		switch t.Role {
		case papersum.RoleUser:
			p.Messages = append(p.Messages, sdk.NewUserMessage(sdk.NewTextBlock(t.Text)))
		case papersum.RoleAssistant:
			p.Messages = append(p.Messages, sdk.NewAssistantMessage(sdk.NewTextBlock(t.Text)))
		default:
			return built{}, bad("turn %d has role %q: want user or assistant", i, t.Role)
		}
	}

	if t := req.Temperature; t != nil {
		if math.IsNaN(*t) || *t < 0 || *t > 1 {
			return built{}, bad("temperature %v: want 0 to 1", *t)
		}
		if c.acceptsTemperature(req.Model) {
			// SDK v2 has no temperature field any more (the newest models
			// reject it); older models still take it, so it goes in as an
			// extra body field.
			p.SetExtraFields(map[string]any{"temperature": *t})
		}
	}
	b.params = p
	return b, nil
}

// acceptsTemperature reports whether model is known to take a temperature.
func (c *Client) acceptsTemperature(model string) bool {
	if c.caps == nil {
		return false
	}
	accepts, known := c.caps(model)
	return known && accepts
}

// batchParams copies p into the parameter type of one batch request. The
// two SDK types carry the same fields; only the ones build sets are copied.
func batchParams(p sdk.MessageNewParams) sdk.MessageBatchNewParamsRequestParams {
	q := sdk.MessageBatchNewParamsRequestParams{
		Model:     p.Model,
		MaxTokens: p.MaxTokens,
		System:    p.System,
		Messages:  p.Messages,
	}
	if extra := p.ExtraFields(); extra != nil {
		q.SetExtraFields(extra)
	}
	return q
}

// invalid is the error for a request rejected before it is sent.
func invalid(model string, stage papersum.Stage, msg string) error {
	return &papersum.ProviderError{Class: papersum.ClassInvalidRequest, Provider: ProviderName,
		Model: model, Stage: stage, Message: msg}
}
