package anthropic

import (
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest"
)

// TestConformance runs the suite that every remote adapter passes, against
// the fake upstream.
func TestConformance(t *testing.T) {
	llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
		c, err := New(Config{
			APIKey:  testKey,
			BaseURL: baseURL,
			// Every model "accepts" a temperature here, so that the suite's
			// invalid_request scenario (a temperature sent to a model that
			// rejects it) reaches the upstream and its 400 is classified.
			// With the real capabilities the adapter drops the temperature
			// and the call succeeds; TestFakeTemperature covers that.
			Capabilities: func(string) (bool, bool) { return true, true },
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}, llmtest.Options{SupportsCaching: true})
}
