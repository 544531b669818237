package papersum

import (
	"context"
	"strings"
	"time"
)

// This file is the service's contract: what a transport (the HTTP API,
// the Kafka consumer, the signed-webhook intake) calls, and the ports the
// service publishes through. The transports import only this; the service
// implements it, and cmd/papersum hands one to the other.

// Summaries is the summarization service behind /api/v1/summaries, the
// signed webhook intake and the Kafka consumer.
type Summaries interface {
	// Submit starts a run for req and returns at once. When
	// req.IdempotencyKey was seen before for the same team, it returns the
	// original run with Deduplicated set instead of starting another.
	//
	// Errors: EINVALID for unusable input (no text, a URL that is not
	// allowed, an unknown config, a PDF that cannot be read); ECONFLICT
	// when the idempotency key was used for a different request;
	// EUNAVAILABLE when the queue cannot take the job.
	Submit(ctx context.Context, req SubmitRequest) (SubmitResult, error)
	// Get returns the run with its stages. ENOTFOUND for an unknown ID.
	Get(ctx context.Context, id string) (*Run, error)
	// List returns runs newest first, as Store.ListRuns does.
	// EINVALID for a bad filter; ENOTFOUND for an unknown cursor, which
	// the API answers as a bad request (the cursor is the client's input).
	List(ctx context.Context, f RunFilter) ([]*Run, error)
	// Cancel asks for the run to stop. ENOTFOUND for an unknown ID;
	// ECONFLICT when the run has finished already.
	Cancel(ctx context.Context, id string) error
	// Wait blocks until the run has finished and returns it, or returns
	// ctx's error when ctx ends first. ENOTFOUND for an unknown ID.
	Wait(ctx context.Context, id string) (*Run, error)
}

// SubmissionBatches is the service behind /api/v1/batches: many papers
// submitted in one request (a SubmissionBatch), not a provider's Message
// Batch (MessageBatcher) nor a directory run of the batch command.
type SubmissionBatches interface {
	// CreateBatch starts a run for every item of req and returns the
	// batch. Errors: as Summaries.Submit.
	CreateBatch(ctx context.Context, req SubmissionBatchRequest) (SubmissionBatchStatus, error)
	// GetBatch returns the batch's progress. ENOTFOUND for an unknown ID.
	GetBatch(ctx context.Context, id string) (SubmissionBatchStatus, error)
}

// SubmissionBatchIDPrefix starts every submission batch's ID, which tells
// a batch's completion webhook (and its deliveries) from a run's.
const SubmissionBatchIDPrefix = "bat_"

// IsSubmissionBatchID reports whether id names a submission batch rather
// than a run.
func IsSubmissionBatchID(id string) bool { return strings.HasPrefix(id, SubmissionBatchIDPrefix) }

// SubmitRequest is one summary request, parsed from any of the accepted
// forms. Exactly one of Text, URL and File is set.
type SubmitRequest struct {
	// Text is the paper itself (plain text, Markdown or LaTeX).
	Text string
	// URL is where to fetch the paper; the service checks it against the
	// fetch allowlist.
	URL string
	// File is an uploaded paper: a PDF, plain text, Markdown or LaTeX.
	// FileName's extension says which (the client's file name when it has
	// a known extension, else "upload" and the extension of the media
	// type), as a file's extension does on the CLI.
	File     []byte
	FileName string
	// Title overrides the title found in the paper.
	Title string
	// Config names a pipeline configuration; "" is the default one.
	Config string
	// CallbackURL, when set, receives a signed webhook when the run ends.
	CallbackURL string
	// IdempotencyKey makes a retried request return the first run
	// instead of starting another. From the Idempotency-Key header or the
	// idempotency_key field.
	IdempotencyKey string
	// Team and User come from the API key, never from the request: they
	// decide who pays.
	Team, User string
	// KeyID is the ID of the API key that made the request, for audit
	// logs.
	KeyID string
	// Source, when set, becomes the run's Source: an intake that must
	// find its run again when it finishes says so here (the Kafka
	// consumer sets "kafka:" and the message ID, which the summary event
	// echoes). Never taken from a client's request. Default: the paper's
	// source, as for the CLI.
	Source string
}

// SubmitResult is what Submit did.
type SubmitResult struct {
	RunID  string
	Status RunStatus
	// Deduplicated reports that the idempotency key matched an earlier
	// request and RunID is that request's run.
	Deduplicated bool
}

// SubmissionBatchItem is one paper of a submission batch.
type SubmissionBatchItem struct {
	Text  string `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
}

// SubmissionBatchRequest is a request for many summaries with one
// configuration.
type SubmissionBatchRequest struct {
	Items          []SubmissionBatchItem
	Config         string
	CallbackURL    string
	IdempotencyKey string
	// Team, User and KeyID come from the API key, as in SubmitRequest.
	Team, User, KeyID string
}

// SubmissionBatchStatus is a submission batch's progress. The HTTP API
// encodes it as the response body as it is, so its JSON names are part of
// the API.
type SubmissionBatchStatus struct {
	ID string `json:"id"`
	// Status is "running" until every run has finished, then "finished".
	Status string `json:"status"`
	// Total is the number of runs; the other counts add up to it.
	Total     int `json:"total"`
	Queued    int `json:"queued"`
	Running   int `json:"running"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Canceled  int `json:"canceled"`
	// CostUSD is what the batch's runs have cost so far.
	CostUSD   float64    `json:"cost_usd"`
	RunIDs    []string   `json:"run_ids"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// Deduplicated is set when CreateBatch matched an earlier request by
	// its idempotency key; it is sent as a header, not in the body.
	Deduplicated bool `json:"-"`
}

// SummaryPublisher tells the world outside that a run has finished (the
// Kafka producer publishes a summary event). It is the service's port: the
// service calls it for every succeeded or failed run, and the transport
// decides the message's shape.
type SummaryPublisher interface {
	// PublishSummary publishes finished run. Publishing the same run
	// twice is allowed: readers dedupe on its ID.
	//
	// Errors: EINVALID for a run that has not finished; EUNAVAILABLE when
	// the broker cannot be reached.
	PublishSummary(ctx context.Context, run *Run) error
}

// callerKey is the context key of the caller's API key.
type callerKey struct{}

// NewContextWithCaller returns ctx carrying k as the API key of the
// caller, as the HTTP API's authentication does. The service reads the
// caller's team from it to keep each team to its own runs.
func NewContextWithCaller(ctx context.Context, k *APIKey) context.Context {
	return context.WithValue(ctx, callerKey{}, k)
}

// CallerFromContext returns the API key that authenticated the request
// whose context ctx is, or nil for work done inside papersum (workers,
// webhooks, Kafka), which sees every team.
func CallerFromContext(ctx context.Context) *APIKey {
	k, _ := ctx.Value(callerKey{}).(*APIKey)
	return k
}
