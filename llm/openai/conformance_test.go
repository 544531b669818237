package openai

import (
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// TestConformance runs the shared provider suite against the adapter,
// configured twice: as for api.openai.com (a key, max_completion_tokens,
// a reasoning model that rejects temperature) and as for a self-hosted
// server (no key, max_tokens), and once more with the paper and system
// prompt joined, to show that the joined form keeps the cacheable prefix.
func TestConformance(t *testing.T) {
	t.Run("openai", func(t *testing.T) {
		llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
			c, err := New(Config{
				BaseURL: baseURL + "/v1", APIKey: "sk-llmtest",
				// The fake runs on loopback, so the host-based default
				// would pick max_tokens; api.openai.com gets this.
				MaxTokensField: MaxTokensCompletion,
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, llmtest.Options{
			Model:                     "gpt-4.1",
			TemperatureRejectingModel: "o4-mini",
			SupportsCaching:           true, // automatic prefix caching, reported as cached_tokens
			Config:                    fakeupstream.Config{APIKey: "sk-llmtest"},
		})
	})
	t.Run("selfhosted", func(t *testing.T) {
		llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
			c, err := New(Config{BaseURL: baseURL + "/v1", ProviderName: "vllm"})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, llmtest.Options{
			Model: "Qwen/Qwen2.5-7B-Instruct",
			// Not a reasoning-model name, so the fake accepts max_tokens
			// and rejects only the temperature.
			TemperatureRejectingModel: "gpt-4o-search-preview",
			SupportsCaching:           true,
		})
	})
	t.Run("single-system-message", func(t *testing.T) {
		llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
			c, err := New(Config{BaseURL: baseURL + "/v1", ProviderName: "llamacpp", SingleSystemMessage: true})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, llmtest.Options{
			Model:                     "qwen2.5-7b-instruct-q4_k_m.gguf",
			TemperatureRejectingModel: "gpt-4o-search-preview",
			SupportsCaching:           true,
			Skip:                      []string{"errors"}, // identical to selfhosted; the message layout does not change error handling
		})
	})
}
