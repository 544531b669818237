package papersum

import (
	"context"
	"time"
)

// Stage is one of the three pipeline stages.
type Stage string

// The pipeline stages, in the order they run.
const (
	StageSummarize Stage = "summarize"
	StageCritique  Stage = "critique"
	StageRevise    Stage = "revise"
)

// Stages lists the pipeline stages in order.
var Stages = []Stage{StageSummarize, StageCritique, StageRevise}

// Model generates one completion. The local engine, the Anthropic adapter
// and the OpenAI-compatible adapter implement it.
//
// Generate returns a *ProviderError (see Class) for every failure that a
// retry or fallback policy may act on.
type Model interface {
	Generate(ctx context.Context, req *Request) (*Response, error)
}

// Request is one model call. It carries the rendered prompt for language
// models and, in Task, the same inputs in structured form for engines that
// work without prompts (the local engine).
type Request struct {
	// Model is the provider's model name, e.g. "claude-sonnet-4-5" or "local".
	Model string
	// System is the system prompt.
	System string
	// Paper is the paper text as its own content block. It is identical for
	// the three stages of a run, so providers that support prompt caching
	// mark it cacheable and later stages read it from cache.
	Paper *Document
	// Prompt is the user instruction that follows the paper block.
	Prompt string
	// MaxTokens bounds the output. Zero means the provider's default.
	MaxTokens int
	// Temperature is sent only when set and the model accepts it.
	Temperature *float64
	// Timeout bounds the call; zero means no bound beyond ctx.
	Timeout time.Duration
	// Turns continue the conversation after the first user message (the
	// paper block and Prompt): the pipeline uses them to show a model its
	// malformed output and ask for a repair, or to ask it to finish a
	// truncated answer. Empty for an ordinary call.
	Turns []Turn
	// Task is the structured form of the request.
	Task Task
}

// Role is who speaks a Turn.
type Role string

// The roles of a conversation turn.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Turn is one message of a multi-turn request.
type Turn struct {
	Role Role
	Text string
}

// Document is a content block that may be cached by the provider.
type Document struct {
	Text string
	// Cacheable asks the provider to cache this block.
	Cacheable bool
	// CacheTTL is "5m" (default) or "1h".
	CacheTTL string
}

// Task holds the structured inputs of a stage.
type Task struct {
	Stage Stage
	Paper *Paper
	// TargetWords is the desired summary length in words.
	TargetWords int
	// Style is the kind of summary asked for; "" means DefaultStyle.
	Style Style
	// Draft is the summary under critique or revision ("" for summarize).
	Draft string
	// Critique is the critique that revise acts on (nil otherwise).
	Critique *Critique
}

// StopReason says why a model stopped generating.
type StopReason string

// The stop reasons papersum distinguishes.
const (
	StopEnd       StopReason = "end_turn"
	StopMaxTokens StopReason = "max_tokens"
	StopSequence  StopReason = "stop_sequence"
	StopOther     StopReason = "other"
)

// Response is a model's answer with its usage.
type Response struct {
	Text       string
	StopReason StopReason
	Usage      Usage
	// Provider and Model name who actually answered.
	Provider string
	Model    string
	// FallbackReason says why a fallback chain answered with another
	// model than its first ("" when the first choice answered).
	FallbackReason string
}

// Usage counts the tokens of one or more calls. Every field is priced.
type Usage struct {
	InputTokens           int64 `json:"input_tokens"`
	OutputTokens          int64 `json:"output_tokens"`
	CacheCreation5mTokens int64 `json:"cache_creation_5m_tokens"`
	CacheCreation1hTokens int64 `json:"cache_creation_1h_tokens"`
	CacheReadTokens       int64 `json:"cache_read_tokens"`
	// Estimated is true when the counts are estimates (the local engine
	// has no tokenizer of a real model).
	Estimated bool `json:"estimated"`
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:           u.InputTokens + v.InputTokens,
		OutputTokens:          u.OutputTokens + v.OutputTokens,
		CacheCreation5mTokens: u.CacheCreation5mTokens + v.CacheCreation5mTokens,
		CacheCreation1hTokens: u.CacheCreation1hTokens + v.CacheCreation1hTokens,
		CacheReadTokens:       u.CacheReadTokens + v.CacheReadTokens,
		Estimated:             u.Estimated || v.Estimated,
	}
}

// TotalInput is every input token, cached or not.
func (u Usage) TotalInput() int64 {
	return u.InputTokens + u.CacheCreation5mTokens + u.CacheCreation1hTokens + u.CacheReadTokens
}

// Pricer prices usage. Price returns an error for a model it has no price
// for; it never prices an unknown model at $0.
type Pricer interface {
	// Price returns the cost in US dollars of usage on provider/model at
	// time at. batch applies the provider's batch discount.
	Price(provider, model string, u Usage, batch bool, at time.Time) (float64, error)
	// Known reports whether provider/model has a price at time at.
	Known(provider, model string, at time.Time) bool
}

// MessageBatcher submits many requests at once at the provider's batch
// discount (Anthropic Message Batches; not a SubmissionBatch of the
// service nor a directory run of the batch command). Results arrive asynchronously; the caller
// persists the batch ID so that a restarted process resumes instead of
// submitting again.
//
// Methods return a *ProviderError for provider failures.
type MessageBatcher interface {
	// SubmitBatch submits reqs and returns the provider's batch ID.
	// CustomIDs must be unique within the batch.
	SubmitBatch(ctx context.Context, reqs []MessageBatchRequest) (string, error)
	// BatchStatus reports the progress of a batch.
	BatchStatus(ctx context.Context, id string) (MessageBatchStatus, error)
	// BatchResults returns the results of an ended batch, one per request.
	BatchResults(ctx context.Context, id string) ([]MessageBatchResult, error)
}

// MessageBatchRequest is one request of a provider's Message Batch.
type MessageBatchRequest struct {
	CustomID string
	Request  *Request
}

// MessageBatchStatus is the progress of a provider's Message Batch.
type MessageBatchStatus struct {
	ID string
	// Ended is true when every request has a result.
	Ended                                             bool
	Processing, Succeeded, Errored, Canceled, Expired int
}

// MessageBatchResult is the outcome of one request of a Message Batch: a
// Response, or an Err (a *ProviderError) when the request failed, was canceled or expired.
type MessageBatchResult struct {
	CustomID string
	Response *Response
	Err      error
}
