package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum"
)

func TestDecodePaperMessage(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct {
		name string
		in   string
		max  int
		ok   bool
	}{
		{"text", `{"id":"a1","text":"Some paper."}`, 0, true},
		{"url", `{"id":"a1","url":"https://arxiv.org/pdf/1706.03762"}`, 0, true},
		{"schema and extras", `{"schema":"papersum.paper/v1","id":"a1","text":"x","future_field":1,"callback_url":"http://cb.example/x","team":"ml"}`, 0, true},
		{"both", `{"id":"a1","text":"x","url":"https://a.b/c"}`, 0, false},
		{"neither", `{"id":"a1"}`, 0, false},
		{"blank text", `{"id":"a1","text":"  \n"}`, 0, false},
		{"no id", `{"text":"x"}`, 0, false},
		{"id with space", `{"id":"a 1","text":"x"}`, 0, false},
		{"id with control", `{"id":"a\u0001","text":"x"}`, 0, false},
		{"id too long", `{"id":"` + strings.Repeat("i", MaxIDBytes+1) + `","text":"x"}`, 0, false},
		{"ftp url", `{"id":"a1","url":"ftp://a.b/c"}`, 0, false},
		{"relative url", `{"id":"a1","url":"/papers/1"}`, 0, false},
		{"bad callback", `{"id":"a1","text":"x","callback_url":"javascript:alert(1)"}`, 0, false},
		{"unknown schema", `{"schema":"papersum.paper/v2","id":"a1","text":"x"}`, 0, false},
		{"team with space", `{"id":"a1","text":"x","team":"a b"}`, 0, false},
		{"bad json", `{"id":"a1"`, 0, false},
		{"not an object", `[1,2]`, 0, false},
		{"empty", ``, 0, false},
		{"trailing value", `{"id":"a1","text":"x"}{"id":"a2","text":"y"}`, 0, false},
		{"at size limit", `{"id":"a1","text":"` + long + `"}`, len(`{"id":"a1","text":"` + long + `"}`), true},
		{"above size limit", `{"id":"a1","text":"` + long + `"}`, len(`{"id":"a1","text":"`+long+`"}`) - 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodePaperMessage([]byte(tt.in), tt.max)
			if tt.ok {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if m.ID != "a1" {
					t.Errorf("ID = %q", m.ID)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted %s", tt.in)
			}
			if code := papersum.ErrorCode(err); code != papersum.EINVALID {
				t.Errorf("code %q, want %q (%v)", code, papersum.EINVALID, err)
			}
		})
	}
}

func TestDecodePaperMessageDefaultLimit(t *testing.T) {
	big := fmt.Sprintf(`{"id":"a1","text":%q}`, strings.Repeat("x", DefaultMaxMessageBytes))
	if _, err := DecodePaperMessage([]byte(big), 0); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("a message above 1 MiB was accepted: %v", err)
	}
}

// TestSummaryMessageWireFormat pins the JSON of schema v1: renaming a
// field breaks every reader of the topic, so it must fail here first.
func TestSummaryMessageWireFormat(t *testing.T) {
	m := SummaryMessage{
		Schema: SummarySchemaV1, RunID: "run-1", PaperID: "sha256:ab", PaperMessageID: "msg-1",
		Status: StatusSucceeded, Summary: "S.",
		Scores:  &SummaryScores{Accuracy: 8, Completeness: 7, Clarity: 9, Coherence: 6, Overall: 7.7},
		CostUSD: 0.0125,
		Models:  []StageModel{{Stage: "summarize", Provider: "anthropic", Model: "claude-sonnet-4-5"}},
		Tokens:  SummaryTokens{Input: 1, Output: 2, CacheWrite5m: 3, CacheWrite1h: 4, CacheRead: 5},
		Team:    "ml", CompletedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
	}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":"papersum.summary/v1","run_id":"run-1","paper_id":"sha256:ab","paper_message_id":"msg-1",` +
		`"status":"succeeded","summary":"S.","scores":{"accuracy":8,"completeness":7,"clarity":9,"coherence":6,"overall":7.7},` +
		`"cost_usd":0.0125,"models":[{"stage":"summarize","provider":"anthropic","model":"claude-sonnet-4-5"}],` +
		`"tokens":{"input":1,"output":2,"cache_write_5m":3,"cache_write_1h":4,"cache_read":5},` +
		`"team":"ml","completed_at":"2026-03-04T05:06:07Z"}`
	if string(got) != want {
		t.Errorf("wire format changed:\n got %s\nwant %s", got, want)
	}
	back, err := DecodeSummaryMessage(got)
	if err != nil {
		t.Fatal(err)
	}
	if back.Scores.Overall != 7.7 || back.Tokens.CacheRead != 5 || !back.CompletedAt.Equal(m.CompletedAt) {
		t.Errorf("round trip = %+v", back)
	}
}

func TestSummaryFromRun(t *testing.T) {
	fin := time.Date(2026, 1, 1, 0, 0, 10, 0, time.FixedZone("X", 3600))
	run := &papersum.Run{
		ID: "run-9", PaperID: "sha256:p", Status: papersum.RunSucceeded, Summary: "Final.", Team: "ml",
		Scores: &papersum.Scores{Accuracy: 10, Completeness: 10, Clarity: 10, Coherence: 10},
		Stages: []papersum.StageResult{
			{Stage: papersum.StageSummarize, Provider: "local", Model: "local", CostUSD: 0.25,
				Usage: papersum.Usage{InputTokens: 100, OutputTokens: 10, CacheCreation5mTokens: 50}},
			{Stage: papersum.StageCritique, Provider: "local", Model: "local", CostUSD: 0.5,
				Usage: papersum.Usage{InputTokens: 5, CacheReadTokens: 50}},
		},
		FinishedAt: &fin,
	}
	m, err := SummaryFromRun(run, "msg-9")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.CostUSD != 0.75 || m.Tokens.Input != 105 || m.Tokens.CacheRead != 50 || m.Tokens.CacheWrite5m != 50 ||
		len(m.Models) != 2 || m.Scores.Overall != 10 || m.PaperMessageID != "msg-9" || m.CompletedAt.Location() != time.UTC {
		t.Errorf("SummaryFromRun = %+v", m)
	}
	run.Status = papersum.RunRunning
	if _, err := SummaryFromRun(run, ""); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("running run: err = %v, want EINVALID", err)
	}
	if _, err := SummaryFromRun(nil, ""); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("nil run: err = %v, want EINVALID", err)
	}
}

func TestSummaryMessageValidate(t *testing.T) {
	ok := func() SummaryMessage {
		return SummaryMessage{Schema: SummarySchemaV1, RunID: "r", PaperID: "p", Status: StatusSucceeded, CompletedAt: time.Now()}
	}
	base := ok()
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*SummaryMessage){
		"schema":        func(m *SummaryMessage) { m.Schema = "v0" },
		"run id":        func(m *SummaryMessage) { m.RunID = "" },
		"paper id":      func(m *SummaryMessage) { m.PaperID = "" },
		"status":        func(m *SummaryMessage) { m.Status = "running" },
		"failed no err": func(m *SummaryMessage) { m.Status = StatusFailed },
		"nan cost":      func(m *SummaryMessage) { m.CostUSD = math.NaN() },
		"inf cost":      func(m *SummaryMessage) { m.CostUSD = math.Inf(1) },
		"neg cost":      func(m *SummaryMessage) { m.CostUSD = -1 },
		"no time":       func(m *SummaryMessage) { m.CompletedAt = time.Time{} },
		"nan score":     func(m *SummaryMessage) { m.Scores = &SummaryScores{Clarity: math.NaN()} },
	} {
		m := ok()
		mut(&m)
		if err := m.Validate(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		code string
	}{
		{context.DeadlineExceeded, papersum.EUNAVAILABLE},
		{kgo.ErrRecordTimeout, papersum.EUNAVAILABLE},
		{kgo.ErrClientClosed, papersum.EUNAVAILABLE},
		{fmt.Errorf("wrapped: %w", kgo.ErrRecordRetries), papersum.EUNAVAILABLE},
		{kerr.NotLeaderForPartition, papersum.EUNAVAILABLE},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, papersum.EUNAVAILABLE},
		{kerr.MessageTooLarge, papersum.EINVALID},
		{kerr.TopicAuthorizationFailed, papersum.EINVALID},
		{errors.New("surprise"), papersum.EINTERNAL},
	}
	for _, tt := range tests {
		err := classify("op", tt.err)
		if code := papersum.ErrorCode(err); code != tt.code {
			t.Errorf("classify(%v) code %q, want %q", tt.err, code, tt.code)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("classify(%v) lost the cause", tt.err)
		}
	}
	if classify("op", nil) != nil {
		t.Error("classify(nil) != nil")
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	cause := papersum.Errorf(papersum.EINVALID, "nope")
	err := fmt.Errorf("handler: %w", Permanent(cause))
	if !IsPermanent(err) || !errors.Is(err, cause) || papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("Permanent lost information: %v", err)
	}
	if IsPermanent(errors.New("transient")) {
		t.Error("plain error reported permanent")
	}
}
