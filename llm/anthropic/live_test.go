package anthropic

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// TestLive makes one tiny call to the real API. It runs only when
// ANTHROPIC_API_KEY is set (CI sets it), so plain `go test ./...` stays
// hermetic. The test reads the key itself; the package never does.
func TestLive(t *testing.T) {
	key := os.Getenv("ANTHROPIC_API_KEY")
	if key == "" {
		t.Skip("ANTHROPIC_API_KEY is not set: skipping the live call to the Anthropic API")
	}
	c, err := New(Config{APIKey: key, Capabilities: func(model string) (bool, bool) {
		return strings.HasPrefix(model, "claude-haiku-4-5"), true
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := c.Generate(ctx, &papersum.Request{
		Model:       "claude-haiku-4-5",
		System:      "You answer with one word.",
		Prompt:      "Reply with the word OK.",
		MaxTokens:   16,
		Temperature: ptr(0.0),
		Timeout:     30 * time.Second,
	})
	if err != nil {
		t.Fatalf("live call: %v", err)
	}
	t.Logf("live answer %q, stop %s, model %s, usage %+v", resp.Text, resp.StopReason, resp.Model, resp.Usage)
	if resp.Provider != ProviderName || !strings.HasPrefix(resp.Model, "claude-haiku-4-5") {
		t.Errorf("provider %q model %q", resp.Provider, resp.Model)
	}
	if strings.TrimSpace(resp.Text) == "" || resp.Usage.InputTokens <= 0 || resp.Usage.OutputTokens <= 0 || resp.Usage.Estimated {
		t.Errorf("response %+v", resp)
	}
	if resp.StopReason != papersum.StopEnd && resp.StopReason != papersum.StopMaxTokens {
		t.Errorf("stop reason %q", resp.StopReason)
	}

	// A bad key is ClassAuth from the real API too.
	bad, err := New(Config{APIKey: "sk-ant-invalid-key-for-papersum-test"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Generate(ctx, &papersum.Request{Model: "claude-haiku-4-5", Prompt: "hi", MaxTokens: 1})
	if papersum.ClassOf(err) != papersum.ClassAuth || strings.Contains(err.Error(), key) {
		t.Errorf("bad key: %v", err)
	}
}
