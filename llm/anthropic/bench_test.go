package anthropic

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/papersum/papersum"
)

// BenchmarkGenerate measures one call against a loopback server that
// answers a canned message, through the adapter and through the SDK
// directly with the same request, so that the difference is the adapter's
// own cost: validation, the request layout and the response mapping.
//
//	go test -run '^$' -bench Generate -benchmem ./llm/anthropic/
func BenchmarkGenerate(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, cannedMessage)
	}))
	defer srv.Close()
	paper := benchPaper()

	b.Run("adapter", func(b *testing.B) {
		c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, HTTPClient: srv.Client(), Capabilities: testCaps})
		if err != nil {
			b.Fatal(err)
		}
		ctx := background(b)
		b.ReportAllocs()
		for b.Loop() {
			req := &papersum.Request{Model: "claude-sonnet-4-5", System: "You summarize papers.",
				Paper:  &papersum.Document{Text: paper, Cacheable: true},
				Prompt: "Summarize the paper.", MaxTokens: 1024, Temperature: ptr(0.2)}
			resp, err := c.Generate(ctx, req)
			if err != nil || resp.Usage.InputTokens != 12 {
				b.Fatal(resp, err)
			}
		}
	})

	b.Run("sdk", func(b *testing.B) {
		c := sdk.NewClient(option.WithoutEnvironmentDefaults(), option.WithAPIKey(testKey),
			option.WithBaseURL(srv.URL), option.WithHTTPClient(srv.Client()), option.WithMaxRetries(0),
			option.WithoutOpenTelemetry())
		ctx := background(b)
		b.ReportAllocs()
		for b.Loop() {
			p := sdk.MessageNewParams{
				Model:     "claude-sonnet-4-5",
				MaxTokens: 1024,
				System: []sdk.TextBlockParam{
					{Text: paper, CacheControl: sdk.CacheControlEphemeralParam{TTL: sdk.CacheControlEphemeralTTLTTL5m}},
					{Text: "You summarize papers."},
				},
				Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock("Summarize the paper."))},
			}
			p.SetExtraFields(map[string]any{"temperature": 0.2})
			msg, err := c.Messages.New(ctx, p)
			if err != nil || msg.Usage.InputTokens != 12 {
				b.Fatal(msg, err)
			}
		}
	})
}

// benchPaper is a paper-sized text (about 40 KB), so that the cost of
// encoding the request body is counted as it is in a run.
func benchPaper() string {
	const para = "We propose adaptive block sparse attention for long scientific documents and measure its memory use. "
	out := make([]byte, 0, 40<<10)
	for len(out) < 40<<10 {
		out = append(out, para...)
	}
	return string(out)
}

// BenchmarkAdapterWork isolates the adapter's own work per call, without
// HTTP or JSON: building the parameters and mapping a decoded message.
func BenchmarkAdapterWork(b *testing.B) {
	c, err := New(Config{APIKey: testKey, Capabilities: testCaps})
	if err != nil {
		b.Fatal(err)
	}
	var msg sdk.Message
	if err := msg.UnmarshalJSON([]byte(cannedMessage)); err != nil {
		b.Fatal(err)
	}
	paper := benchPaper()
	b.ReportAllocs()
	for b.Loop() {
		req := &papersum.Request{Model: "claude-sonnet-4-5", System: "You summarize papers.",
			Paper:  &papersum.Document{Text: paper, Cacheable: true},
			Prompt: "Summarize the paper.", MaxTokens: 1024, Temperature: ptr(0.2)}
		bt, err := c.build(req)
		if err != nil || !wellFormed(&msg) {
			b.Fatal(err)
		}
		if r := toResponse(&msg, req.Model, bt.ttl); r.Usage.InputTokens != 12 {
			b.Fatal(r)
		}
	}
}
