package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/papersum/papersum"
)

// Schema identifiers. A consumer of "summaries" switches on the schema
// field, so a change that renames or retypes a field gets a new version
// instead of breaking readers; adding an optional field does not.
const (
	// PaperSchemaV1 is the schema of PaperMessage. Producers of "papers"
	// may omit it; any other value is rejected.
	PaperSchemaV1 = "papersum.paper/v1"
	// SummarySchemaV1 is the schema of SummaryMessage.
	SummarySchemaV1 = "papersum.summary/v1"
)

// Limits of PaperMessage fields.
const (
	// DefaultMaxMessageBytes bounds an encoded PaperMessage: 1 MiB, the
	// default message.max.bytes of a Kafka broker, so that anything a
	// default broker accepts is accepted here too.
	DefaultMaxMessageBytes = 1 << 20
	// MaxIDBytes bounds PaperMessage.ID, which becomes a job key.
	MaxIDBytes = 256
	// MaxTitleBytes bounds PaperMessage.Title.
	MaxTitleBytes = 1024
	// MaxURLBytes bounds PaperMessage.URL; CallbackURL has the same bound,
	// papersum.MaxCallbackURLBytes, with the rest of its rule.
	MaxURLBytes = 2048
	// MaxTeamBytes bounds PaperMessage.Team.
	MaxTeamBytes = 128
)

// PaperMessage asks papersum to summarize one paper. It is the value of a
// record on the "papers" topic, encoded as JSON:
//
//	{"id": "arxiv-2401.00001", "url": "https://arxiv.org/pdf/2401.00001", "title": "..."}
//
// Exactly one of Text and URL is set.
type PaperMessage struct {
	// Schema is PaperSchemaV1 or empty.
	Schema string `json:"schema,omitempty"`
	// ID is the producer's identifier of the request and the idempotency
	// key: the service creates at most one job per ID, so a redelivered
	// message does not summarize the paper twice. Required.
	ID string `json:"id"`
	// Text is the paper's full text (plain text, Markdown or LaTeX).
	Text string `json:"text,omitempty"`
	// URL points at the paper (http or https), to be fetched by the worker.
	URL string `json:"url,omitempty"`
	// Title is an optional title, used when the paper carries none.
	Title string `json:"title,omitempty"`
	// CallbackURL, if set, is called (http or https) when the run ends.
	CallbackURL string `json:"callback_url,omitempty"`
	// Team is who the run is charged to; empty for none.
	Team string `json:"team,omitempty"`
}

// DecodePaperMessage decodes and validates one record value. maxBytes
// bounds len(data); zero means DefaultMaxMessageBytes. Unknown fields are
// ignored so that producers can add fields before papersum reads them.
//
// Errors: EINVALID for anything that is not a valid PaperMessage.
func DecodePaperMessage(data []byte, maxBytes int) (PaperMessage, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	var m PaperMessage
	if len(data) > maxBytes {
		return m, papersum.Errorf(papersum.EINVALID, "paper message is %d bytes, above the limit of %d", len(data), maxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return PaperMessage{}, &papersum.Error{Code: papersum.EINVALID, Message: "paper message is not valid JSON", Op: "events.DecodePaperMessage", Err: err}
	}
	// A second value after the object means the producer framed records
	// wrongly; reading only the first would silently drop the rest.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PaperMessage{}, papersum.Errorf(papersum.EINVALID, "paper message has data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return PaperMessage{}, err
	}
	return m, nil
}

// Validate checks the message without a size limit on Text (the limit is
// on the encoded record, see DecodePaperMessage).
//
// Errors: EINVALID naming the first bad field.
func (m *PaperMessage) Validate() error {
	if m.Schema != "" && m.Schema != PaperSchemaV1 {
		return papersum.Errorf(papersum.EINVALID, "paper message: unknown schema %q (want %q)", m.Schema, PaperSchemaV1)
	}
	if err := checkID("id", m.ID); err != nil {
		return err
	}
	hasText := strings.TrimSpace(m.Text) != ""
	hasURL := m.URL != ""
	switch {
	case hasText && hasURL:
		return papersum.Errorf(papersum.EINVALID, "paper message %s: set exactly one of text and url, not both", m.ID)
	case !hasText && !hasURL:
		return papersum.Errorf(papersum.EINVALID, "paper message %s: set exactly one of text and url", m.ID)
	}
	if hasText && !utf8.ValidString(m.Text) {
		return papersum.Errorf(papersum.EINVALID, "paper message %s: text is not valid UTF-8", m.ID)
	}
	if hasURL {
		if err := checkURL("url", m.URL); err != nil {
			return fmt.Errorf("paper message %s: %w", m.ID, err)
		}
	}
	if m.CallbackURL != "" {
		if err := papersum.ValidateCallbackURL(m.CallbackURL); err != nil {
			return fmt.Errorf("paper message %s: %w", m.ID, err)
		}
	}
	if len(m.Title) > MaxTitleBytes || !utf8.ValidString(m.Title) {
		return papersum.Errorf(papersum.EINVALID, "paper message %s: title must be valid UTF-8 of at most %d bytes", m.ID, MaxTitleBytes)
	}
	if m.Team != "" {
		if err := checkID("team", m.Team); err != nil {
			return err
		}
		if len(m.Team) > MaxTeamBytes {
			return papersum.Errorf(papersum.EINVALID, "paper message %s: team is longer than %d bytes", m.ID, MaxTeamBytes)
		}
	}
	return nil
}

// checkID accepts printable UTF-8 without spaces: IDs end up in job keys,
// log lines and URLs, where control characters and blanks cause trouble.
func checkID(field, s string) error {
	if s == "" {
		return papersum.Errorf(papersum.EINVALID, "paper message: %s is required", field)
	}
	if len(s) > MaxIDBytes {
		return papersum.Errorf(papersum.EINVALID, "paper message: %s is longer than %d bytes", field, MaxIDBytes)
	}
	if !utf8.ValidString(s) {
		return papersum.Errorf(papersum.EINVALID, "paper message: %s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return papersum.Errorf(papersum.EINVALID, "paper message: %s %q contains a blank or control character", field, s)
		}
	}
	return nil
}

func checkURL(field, s string) error {
	if len(s) > MaxURLBytes {
		return papersum.Errorf(papersum.EINVALID, "%s is longer than %d bytes", field, MaxURLBytes)
	}
	u, err := url.Parse(s)
	if err != nil {
		return &papersum.Error{Code: papersum.EINVALID, Message: field + " is not a URL", Err: err}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return papersum.Errorf(papersum.EINVALID, "%s must be an absolute http or https URL", field)
	}
	return nil
}

// Run outcomes carried by SummaryMessage.Status.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// SummaryMessage reports a finished run. It is the value of a record on
// the "summaries" topic, keyed by PaperID, encoded as JSON. Its field names
// are the wire contract of SummarySchemaV1: they are spelled out here
// rather than borrowed from the root package's types so that a change of
// papersum's internal JSON cannot change the topic.
type SummaryMessage struct {
	// Schema is SummarySchemaV1; Producer.Publish fills it when empty.
	Schema string `json:"schema"`
	RunID  string `json:"run_id"`
	// PaperID is the content hash of the paper ("sha256:<hex>").
	PaperID string `json:"paper_id"`
	// PaperMessageID is the PaperMessage.ID that asked for the run, when
	// the run came from Kafka.
	PaperMessageID string `json:"paper_message_id,omitempty"`
	// Status is StatusSucceeded or StatusFailed.
	Status string `json:"status"`
	// Summary is the final summary of a succeeded run.
	Summary string `json:"summary,omitempty"`
	// Scores are the critique's scores of the first draft, when scored.
	Scores *SummaryScores `json:"scores,omitempty"`
	// Error and ErrorClass explain a failed run.
	Error      string `json:"error,omitempty"`
	ErrorClass string `json:"error_class,omitempty"`
	// CostUSD is the run's total cost in US dollars.
	CostUSD float64 `json:"cost_usd"`
	// Models lists who answered each stage, in stage order.
	Models []StageModel `json:"models"`
	// Tokens is the run's total usage.
	Tokens SummaryTokens `json:"tokens"`
	Team   string        `json:"team,omitempty"`
	// CompletedAt is when the run finished (UTC).
	CompletedAt time.Time `json:"completed_at"`
}

// SummaryScores are the rubric scores on a 0-10 scale and their weighted
// overall (papersum.Scores.Overall).
type SummaryScores struct {
	Accuracy     float64 `json:"accuracy"`
	Completeness float64 `json:"completeness"`
	Clarity      float64 `json:"clarity"`
	Coherence    float64 `json:"coherence"`
	Overall      float64 `json:"overall"`
}

// StageModel names the provider and model that answered a stage.
type StageModel struct {
	Stage    string `json:"stage"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// SummaryTokens counts a run's tokens by kind.
type SummaryTokens struct {
	Input        int64 `json:"input"`
	Output       int64 `json:"output"`
	CacheWrite5m int64 `json:"cache_write_5m"`
	CacheWrite1h int64 `json:"cache_write_1h"`
	CacheRead    int64 `json:"cache_read"`
}

// SummaryFromRun builds the message for a finished run. paperMessageID is
// the PaperMessage.ID that asked for it ("" if none).
//
// Errors: EINVALID when run is nil or still running.
func SummaryFromRun(run *papersum.Run, paperMessageID string) (SummaryMessage, error) {
	if run == nil {
		return SummaryMessage{}, papersum.Errorf(papersum.EINVALID, "summary message: no run")
	}
	if run.Status != papersum.RunSucceeded && run.Status != papersum.RunFailed {
		return SummaryMessage{}, papersum.Errorf(papersum.EINVALID, "summary message: run %s is %s, not finished", run.ID, run.Status)
	}
	m := SummaryMessage{
		Schema:         SummarySchemaV1,
		RunID:          run.ID,
		PaperID:        run.PaperID,
		PaperMessageID: paperMessageID,
		Status:         string(run.Status),
		Summary:        run.Summary,
		Error:          run.Error,
		ErrorClass:     string(run.ErrorClass),
		CostUSD:        run.TotalCost(),
		Models:         make([]StageModel, 0, len(run.Stages)),
		Team:           run.Team,
	}
	if run.Scores != nil {
		s := *run.Scores
		m.Scores = &SummaryScores{Accuracy: s.Accuracy, Completeness: s.Completeness,
			Clarity: s.Clarity, Coherence: s.Coherence, Overall: s.Overall()}
	}
	for _, st := range run.Stages {
		m.Models = append(m.Models, StageModel{Stage: string(st.Stage), Provider: st.Provider, Model: st.Model})
	}
	u := run.TotalUsage()
	m.Tokens = SummaryTokens{Input: u.InputTokens, Output: u.OutputTokens,
		CacheWrite5m: u.CacheCreation5mTokens, CacheWrite1h: u.CacheCreation1hTokens, CacheRead: u.CacheReadTokens}
	if run.FinishedAt != nil {
		m.CompletedAt = run.FinishedAt.UTC()
	}
	return m, nil
}

// Validate checks the fields a reader relies on.
//
// Errors: EINVALID naming the first bad field.
func (m *SummaryMessage) Validate() error {
	switch {
	case m.Schema != SummarySchemaV1:
		return papersum.Errorf(papersum.EINVALID, "summary message: schema is %q, want %q", m.Schema, SummarySchemaV1)
	case m.RunID == "":
		return papersum.Errorf(papersum.EINVALID, "summary message: run_id is required")
	case m.PaperID == "":
		return papersum.Errorf(papersum.EINVALID, "summary message %s: paper_id is required", m.RunID)
	case m.Status != StatusSucceeded && m.Status != StatusFailed:
		return papersum.Errorf(papersum.EINVALID, "summary message %s: status %q is neither %q nor %q", m.RunID, m.Status, StatusSucceeded, StatusFailed)
	case m.Status == StatusFailed && m.Error == "":
		return papersum.Errorf(papersum.EINVALID, "summary message %s: a failed run needs an error", m.RunID)
	case math.IsNaN(m.CostUSD) || math.IsInf(m.CostUSD, 0) || m.CostUSD < 0:
		// encoding/json cannot encode NaN or Inf at all, and a negative
		// cost is a pricing bug that readers would sum into invoices.
		return papersum.Errorf(papersum.EINVALID, "summary message %s: cost_usd %v is not a non-negative number", m.RunID, m.CostUSD)
	case m.CompletedAt.IsZero():
		return papersum.Errorf(papersum.EINVALID, "summary message %s: completed_at is required", m.RunID)
	}
	if s := m.Scores; s != nil {
		for _, v := range []float64{s.Accuracy, s.Completeness, s.Clarity, s.Coherence, s.Overall} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return papersum.Errorf(papersum.EINVALID, "summary message %s: scores must be finite", m.RunID)
			}
		}
	}
	return nil
}

// DecodeSummaryMessage decodes and validates a record value of the
// "summaries" topic; readers of the topic (and tests) use it.
//
// Errors: EINVALID for anything that is not a valid SummaryMessage.
func DecodeSummaryMessage(data []byte) (SummaryMessage, error) {
	var m SummaryMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return SummaryMessage{}, &papersum.Error{Code: papersum.EINVALID, Message: "summary message is not valid JSON", Err: err}
	}
	if err := m.Validate(); err != nil {
		return SummaryMessage{}, err
	}
	return m, nil
}
