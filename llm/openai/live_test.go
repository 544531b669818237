package openai

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/papersum/papersum"
)

// TestLive calls a real server once. It runs only when OPENAI_BASE_URL is
// set (e.g. http://127.0.0.1:8000/v1 for vLLM, https://api.openai.com/v1);
// OPENAI_API_KEY is sent when set, and OPENAI_MODEL names the model,
// defaulting to the first model the server lists. The environment is read
// here, in the test, never by the package.
func TestLive(t *testing.T) {
	base := os.Getenv("OPENAI_BASE_URL")
	if base == "" {
		t.Skip("OPENAI_BASE_URL not set")
	}
	cfg := Config{BaseURL: base, APIKey: os.Getenv("OPENAI_API_KEY")}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	model := os.Getenv("OPENAI_MODEL")
	if model == "" {
		models := openai.NewModelService(sdkOptions(c.cfg)...)
		page, err := models.List(ctx)
		if err != nil || len(page.Data) == 0 {
			t.Fatalf("OPENAI_MODEL not set and the server lists no model: %v", err)
		}
		model = page.Data[0].ID
	}
	t.Logf("server %s, model %s", cfg.Redacted().BaseURL, model)

	res, err := c.Generate(ctx, &papersum.Request{
		Model:     model,
		Paper:     &papersum.Document{Text: "We show that the sky appears blue because air scatters short wavelengths more strongly (Rayleigh scattering).", Cacheable: true},
		System:    "You summarize research papers in one sentence.",
		Prompt:    "Summarize the paper above in one sentence.",
		MaxTokens: 64,
		Timeout:   90 * time.Second,
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	t.Logf("%s/%s stop=%s usage=%+v\n%s", res.Provider, res.Model, res.StopReason, res.Usage, res.Text)
	if res.Text == "" || res.Usage.OutputTokens <= 0 || res.Usage.TotalInput() <= 0 {
		t.Errorf("response %+v", res)
	}
}
