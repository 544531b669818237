// Package fakeupstream is a wire-faithful fake of the upstream model APIs
// that papersum's provider adapters talk to: the Anthropic Messages API
// (POST /v1/messages), the Anthropic Message Batches API
// (/v1/messages/batches...) and the OpenAI Chat Completions API
// (POST /v1/chat/completions).
//
// The real APIs cannot be reached from tests (and must not be: tests are
// hermetic), so adapters are tested against this server instead. It owns
// everything that makes such a test meaningful:
//
//   - Wire shapes. Requests are validated as the real APIs validate them
//     (required fields, anthropic-version, cache_control rules, unknown
//     top-level fields) and answered with the documented JSON, headers and
//     error bodies, so an adapter that passes here speaks the real protocol.
//   - Replies that follow papersum's stage contracts. The stage is read
//     from the prompt (<summary>, <critique> or <revised_summary>), the
//     paper is recovered from its own text block and parsed with
//     ingest.Parse, and the answer is written by the local engine
//     (llm/local), so a whole pipeline run over the fake produces real
//     summaries, critiques and revisions. max_tokens and stop_sequences are
//     honoured.
//   - Faults. Rate limits with retry-after, overload, server errors, hangs,
//     connection resets, malformed and truncated output, rejected
//     temperature, authentication and context-window errors: drawn from a
//     seeded generator in request order (so a failing test replays
//     exactly), or forced per request with the X-Fake-Fault header (which
//     also forces an empty 200, FaultEmptyBody).
//   - A shutdown that fails like a real server's: requests in flight when
//     Close is called or Serve's context ends (SIGTERM for the command)
//     get a 503 error of their API, never an empty 200.
//   - Prompt caching that is real enough to measure costs: Anthropic's
//     explicit cache_control breakpoints with minimum cacheable lengths per
//     model family and 5m/1h lifetimes refreshed on read, and OpenAI's
//     automatic prefix caching in 128-token steps above 1024 tokens.
//   - Message Batches: create, retrieve, cancel and results, ending after a
//     delay on the injected clock.
//
// Token counts are estimates (local.EstimateTokens, four characters per
// token), the same estimate for every count, so cached plus uncached input
// always adds up to the request's total.
//
// Stats returns counters of what happened (requests by endpoint, faults
// by kind, cache reads and writes, tokens) for assertions.
//
// The server is an http.Handler. Start serves it on a loopback httptest
// server for tests; Serve and ListenAndServe serve it on a listener for
// the `papersum dev fake-upstream` command.
package fakeupstream
