// Package anthropic is papersum's adapter for Claude models over the
// official SDK (github.com/anthropics/anthropic-sdk-go/v2, Messages API). It
// owns three things:
//
//   - The request layout. The paper goes first, as a system text block
//     with a cache_control breakpoint, and the stage's system prompt comes
//     after it. The cached prefix is then byte-identical across the three
//     stages of a run, so critique and revise read the paper from cache
//     instead of paying for it again.
//   - Error normalisation. Every SDK, HTTP and network failure becomes a
//     *papersum.ProviderError of the closed Class set, classified here and
//     only here, so retry, fallback and circuit-breaking policy switch on
//     the class and never on strings. The SDK's own retries are off: the
//     llm layer owns retry, and two layers of it would multiply attempts.
//   - Message Batches (papersum.Batcher), built with the same request
//     builder as Generate so a batched call is the same call at half price.
//
// The package reads no environment and no files: the API key, base URL and
// HTTP client come in through Config, which cmd/papersum fills. The SDK's
// environment defaults (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, profiles)
// are switched off so a stray variable cannot redirect or re-key a client.
package anthropic
