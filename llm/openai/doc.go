// Package openai implements papersum.Model over the Chat Completions API of
// the official openai-go SDK. One adapter serves every OpenAI-compatible
// server papersum supports: api.openai.com, vLLM, Ollama and llama.cpp's
// llama-server. They differ only in Config.BaseURL and in how they word
// their errors.
//
// The package owns three things:
//
//   - the request shape. The paper goes first, as its own system message,
//     so that the three stages of a run share a byte-identical prompt
//     prefix. Servers with automatic prefix caching (OpenAI, vLLM with
//     prefix caching on, llama.cpp's slot cache) then reuse it without any
//     cache markers, which Chat Completions does not have.
//   - the mapping of a completion to papersum.Response: text, stop reason
//     and usage, with cached prompt tokens split out of input tokens so that
//     pricing charges them at the cache-read rate.
//   - the normalisation of every failure into a *papersum.ProviderError of
//     one papersum.Class. Servers word the same failure differently (a too
//     long prompt is "context_length_exceeded" on OpenAI, "maximum context
//     length" on vLLM, "exceeds the available context size" on llama.cpp);
//     the table in errors.go turns them into one class, here and only here,
//     so that retry policy never looks at strings.
//
// The SDK's own retries are off: llm owns retry, and two retry layers
// would multiply attempts and hide the error class from the circuit
// breaker. The package reads no environment variables; the caller passes
// the base URL and API key.
package openai
