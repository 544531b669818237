package fakeupstream_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// benchPost measures one request round trip over loopback HTTP/1.1 with
// keep-alive, zero latency and no faults.
func benchPost(b *testing.B, path string, body any) {
	_, url := start(b, fakeupstream.Config{})
	data, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{}
	send := func() {
		req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(data))
		req.Header.Set("anthropic-version", "2023-06-01")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	send() // warm the paper and analysis caches
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		send()
	}
}

// BenchmarkMessagesGeneric is the fake's own overhead: HTTP, validation,
// caching and usage, with a generic reply (no engine work). It is the
// baseline to subtract when measuring an adapter over the fake.
func BenchmarkMessagesGeneric(b *testing.B) {
	benchPost(b, "/v1/messages", anthropicBody(sonnet, paperText(), "5m", "Be brief.", "Hello", 1024))
}

// BenchmarkMessagesSummarize adds the local engine's summarize stage on a
// paper it has analysed already (the case of stages 2 and 3 of a run).
func BenchmarkMessagesSummarize(b *testing.B) {
	sys, user := stagePrompts(b, papersum.StageSummarize, "", nil)
	benchPost(b, "/v1/messages", anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
}

// BenchmarkChatGeneric is BenchmarkMessagesGeneric for the OpenAI
// endpoint, whose automatic caching hashes 128-token checkpoints.
func BenchmarkChatGeneric(b *testing.B) {
	benchPost(b, "/v1/chat/completions", chatBody("gpt-4o", paperText(), "Be brief.", "Hello"))
}
