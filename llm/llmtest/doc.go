// Package llmtest is the conformance suite that every papersum.Model
// adapter over a remote API passes (llm/anthropic, llm/openai): Exercise
// runs the same scenarios against any adapter, each against its own fake
// upstream from package fakeupstream, so an adapter proves that it speaks
// the wire protocol, reports usage and prompt caching, and normalises
// every failure to the right papersum.Class.
//
// Adapters call it from their own tests:
//
//	func TestConformance(t *testing.T) {
//		llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
//			c, err := anthropic.New(anthropic.Config{BaseURL: baseURL, APIKey: "k"})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return c
//		}, llmtest.Options{SupportsCaching: true})
//	}
//
// baseURL has no version path: an OpenAI-compatible adapter appends "/v1".
//
// The suite checks the house rule that one layer owns retries: for every
// failure, the fake must have seen exactly one request, so an adapter must
// turn its SDK's retries off.
package llmtest
