// Package llm owns what happens around a model call: retry with backoff,
// circuit breaking per provider and model, and fallback from one model to
// the next. Each is a papersum.Model decorator, so the pipeline calls a
// stack of them exactly as it would call an adapter, and adapters
// (llm/anthropic, llm/openai, llm/local) stay free of policy.
//
// This is the one retry layer of papersum: adapters turn their SDK's
// retries off and return a *papersum.ProviderError for every failure, and
// every decision here switches on its papersum.Class, never on a message.
//
// # Typical wiring
//
// One chain per stage. Each link is an adapter inside a Retrier inside the
// provider/model's breaker, so a breaker counts whole retried calls (five
// calls that each failed four times open it, not five attempts) and an
// open circuit sends the chain straight to the next link without waiting:
//
//	breakers, _ := llm.NewBreakers(llm.BreakerConfig{Logger: logger})
//	link := func(provider, model string, adapter papersum.Model) llm.Link {
//		r, _ := llm.NewRetrier(adapter, llm.RetryConfig{
//			Provider: provider, Clock: clock, Rand: rand.New(rand.NewPCG(seed, 1)),
//			Logger: logger, OnAttempt: metrics.observeAttempt,
//		})
//		return llm.Link{Provider: provider, Model: model,
//			Client: breakers.Wrap(provider, model, r)}
//	}
//	summarize, _ := llm.NewChain(logger,
//		link("anthropic", "claude-opus-4-5", anthropicClient),
//		link("anthropic", "claude-sonnet-4-5", anthropicClient),
//		link("anthropic", "claude-haiku-4-5", anthropicClient),
//		link("local", "local", localEngine),
//	)
//
// The breakers registry is shared by every stage, so the stages of all
// runs see the same state of claude-opus-4-5, and `papersum doctor` lists
// it with Breakers.States.
//
// # What each layer does with each class
//
//	failure                          Retrier       Breaker            Chain
//	rate_limit, overloaded, server,  retried       failure            next link
//	timeout, connection
//	circuit open (overloaded         not retried   (it refused)       next link
//	wrapping ErrCircuitOpen)
//	invalid_request, auth, parse,    returned      success: the       returned
//	truncated, context_too_large                   server answered
//	error without a class            returned      not counted        returned
//	caller's context ended           stops         not counted        stops
//
// The three policies hang on one set of classes, the one that
// papersum.ProviderError.Retryable names. A Chain falls back on server and
// connection failures as well as on rate_limit, overloaded and timeout:
// they say as little about the request as the others do, and the next
// link is often another provider or the local engine.
//
// Cancellation of the caller's context always stops at once and returns an
// error that matches the context's error with errors.Is.
//
// # Abandoned calls
//
// An attempt that ends because its deadline passed or the caller's
// context ended, with no answer from the provider (no HTTP status), is
// abandoned (Attempt.Abandoned): the provider may have answered it after
// all, and billed it, but its tokens are unknown. The Retrier reports
// each one to the attempt hook and to the papersum.CallTrace of the
// caller's context, which is how the pipeline counts them on the run and
// the service in pipeline_calls_abandoned_total. An error answer (429,
// 504, ...) is an answer and is never abandoned.
//
// # Time
//
// The Retrier reads time from an injected papersum.Clock and waits with an
// injected sleep function, so tests run its schedule without waiting. The
// per-attempt timeout is a real context deadline, because it bounds real
// I/O. gobreaker v2 reads time.Now itself and offers no way to inject a
// clock, so the breaker's open timeout is wall time; its tests use short
// timeouts.
package llm
