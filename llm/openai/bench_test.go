package openai

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/papersum/papersum"
)

// The two benchmarks make the same call against the same canned answer:
// one through Client.Generate, one straight through the SDK with the same
// options. The difference is the adapter's cost (message building, the
// body watcher, response mapping). Run with
//
//	go test ./llm/openai -run '^$' -bench . -benchmem

// benchUpstream answers every request with completionJSON.
func benchUpstream(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(completionJSON)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchPaper is about 24 KB of text, the order of a short paper, so the
// request body costs what it costs in production.
var benchPaper = func() string {
	const s = "We propose a method for summarizing research papers and evaluate it on three benchmarks. "
	out := make([]byte, 0, 300*len(s))
	for range 270 {
		out = append(out, s...)
	}
	return string(out)
}()

func BenchmarkGenerate(b *testing.B) {
	srv := benchUpstream(b)
	c, err := New(Config{BaseURL: srv.URL + "/v1", APIKey: "sk-bench"})
	if err != nil {
		b.Fatal(err)
	}
	req := basicRequest()
	req.Paper = &papersum.Document{Text: benchPaper, Cacheable: true}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Generate(ctx, req)
		if err != nil || res.Text == "" {
			b.Fatal(res, err)
		}
	}
}

func BenchmarkRawSDK(b *testing.B) {
	srv := benchUpstream(b)
	chat := openai.NewChatCompletionService(
		option.WithBaseURL(srv.URL+"/v1"),
		option.WithHTTPClient(http.DefaultClient),
		option.WithMaxRetries(0),
		option.WithAPIKey("sk-bench"),
	)
	r := basicRequest()
	params := openai.ChatCompletionNewParams{
		Model: r.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(benchPaper),
			openai.SystemMessage(r.System),
			openai.UserMessage(r.Prompt),
		},
		MaxTokens:   openai.Int(int64(r.MaxTokens)),
		Temperature: openai.Float(*r.Temperature),
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cc, err := chat.New(ctx, params)
		if err != nil || len(cc.Choices) == 0 || cc.Choices[0].Message.Content == "" {
			b.Fatal(cc, err)
		}
	}
}
