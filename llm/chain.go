package llm

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/papersum/papersum"
)

// Link is one model of a fallback Chain.
type Link struct {
	// Provider and Model name the model; Model is sent as Request.Model.
	Provider string
	Model    string
	// Client makes the call: typically the provider/model's breaker around
	// a Retrier around the adapter (see the package documentation).
	Client papersum.Model
}

// Chain is a papersum.Model that asks its links in order and answers with
// the first that answers. It moves to the next link only when a link fails
// in a way another model may not: rate_limit, overloaded, timeout, server
// or connection (all after that link's own retries), or an open circuit.
// Any other failure (invalid_request, auth, context_too_large, parse,
// truncated, or an error without a class) is returned at once: another
// model would fail alike on the same request, or the pipeline handles it
// (a repair turn, a shorter paper). It is safe for concurrent use.
type Chain struct {
	links  []Link
	labels []string // how FallbackReason names each link
	logger *slog.Logger
}

// NewChain returns a Chain over links, which must be at least one and each
// have a Client and a Model. logger receives a line per fallback; nil
// discards.
func NewChain(logger *slog.Logger, links ...Link) (*Chain, error) {
	if len(links) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "fallback chain: no models")
	}
	for i, l := range links {
		if l.Client == nil || l.Model == "" {
			return nil, papersum.Errorf(papersum.EINVALID,
				"fallback chain: link %d (%s/%s) needs a model name and a client", i+1, l.Provider, l.Model)
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Models are named by their bare name, as people say them, unless two
	// links share one (the same open model on two servers).
	seen := map[string]int{}
	for _, l := range links {
		seen[l.Model]++
	}
	labels := make([]string, len(links))
	for i, l := range links {
		labels[i] = l.Model
		if seen[l.Model] > 1 && l.Provider != "" {
			labels[i] = l.Provider + "/" + l.Model
		}
	}
	return &Chain{links: slices.Clone(links), labels: labels, logger: logger}, nil
}

// Generate asks each link in turn with a copy of req whose Model is the
// link's model.
//
// An answer from the first link is returned as it came. An answer from a
// later link carries the reason in Response.FallbackReason: each link that
// failed as "<model>: <why>", then the model that answered, joined by
// " → ", e.g.
//
//	claude-opus-4-5: overloaded (529) → claude-sonnet-4-5: circuit open → claude-haiku-4-5
//
// where <why> is "circuit open" for a refusal by a breaker, and otherwise
// the class followed by the HTTP status in parentheses when there was one.
// A model is named "<provider>/<model>" instead when two links share its
// name. Response.Provider and Response.Model name the link that answered
// when the adapter left them empty.
//
// When every link fails, Generate returns the last link's error (a copy,
// when it is a *papersum.ProviderError, so its class is kept) with the
// chain's history appended to its message. When a later link fails with a
// class that is returned at once, the history is appended as well. When
// ctx ends, Generate returns at once.
func (c *Chain) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	var (
		hist    []string
		lastErr error
	)
	for i, l := range c.links {
		call := req
		if req.Model != l.Model {
			r := *req
			r.Model = l.Model
			call = &r
		}
		resp, err := l.Client.Generate(ctx, call)
		if err == nil {
			return c.answered(i, resp, hist), nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			if errors.Is(err, ctxErr) {
				return nil, err
			}
			return nil, cancelled(ctxErr, err)
		}
		if !fallbackable(err) {
			if i == 0 {
				return nil, err
			}
			return nil, annotate(err, "after falling back: "+strings.Join(hist, " → "))
		}
		why := fallbackWhy(err)
		hist = append(hist, c.labels[i]+": "+why)
		lastErr = err
		if i+1 < len(c.links) {
			next := c.links[i+1]
			fallbackEvent(ctx, l, next, why)
			c.logger.LogAttrs(ctx, slog.LevelWarn, "falling back to the next model",
				slog.String("provider", l.Provider), slog.String("model", l.Model),
				slog.String("reason", why),
				slog.String("next_provider", next.Provider), slog.String("next_model", next.Model),
				slog.String("err", err.Error()))
		}
	}
	if len(c.links) == 1 {
		return nil, lastErr
	}
	return nil, annotate(lastErr, "every model of the fallback chain failed: "+strings.Join(hist, " → "))
}

// answered stamps who answered and why on resp, copying it rather than
// writing to a value that the link may share.
func (c *Chain) answered(i int, resp *papersum.Response, hist []string) *papersum.Response {
	l := c.links[i]
	if i == 0 && resp.Provider != "" && resp.Model != "" {
		return resp
	}
	r := *resp
	if r.Provider == "" {
		r.Provider = l.Provider
	}
	if r.Model == "" {
		r.Model = l.Model
	}
	if i > 0 {
		r.FallbackReason = strings.Join(hist, " → ") + " → " + c.labels[i]
	}
	return &r
}

// fallbackable reports whether another model may answer where this one
// failed.
func fallbackable(err error) bool {
	// An open circuit is of class overloaded, so the class alone decides;
	// ErrCircuitOpen matters only for the reason's wording.
	return infrastructure(papersum.ClassOf(err))
}

// fallbackWhy is the reason part of a FallbackReason entry.
func fallbackWhy(err error) string {
	if errors.Is(err, ErrCircuitOpen) {
		return "circuit open"
	}
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) {
		return "error"
	}
	if pe.Status != 0 {
		return string(pe.Class) + " (" + strconv.Itoa(pe.Status) + ")"
	}
	return string(pe.Class)
}
