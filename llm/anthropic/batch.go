package anthropic

import (
	"context"
	"fmt"
	"regexp"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/papersum/papersum"
)

// customIDPattern is what the Message Batches API accepts as a custom_id.
var customIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// SubmitBatch submits reqs as one Message Batch and returns its ID. Each
// request is built exactly as Generate builds it; Request.Timeout does not
// apply (a batch runs for up to 24 hours).
//
// Errors: a *papersum.ProviderError of ClassInvalidRequest, before anything
// is sent, when reqs is empty, a CustomID is not 1-64 characters of
// [a-zA-Z0-9_-] or is repeated, or a request is invalid; otherwise as
// Generate.
func (c *Client) SubmitBatch(ctx context.Context, reqs []papersum.MessageBatchRequest) (string, error) {
	if len(reqs) == 0 {
		return "", invalid("", "", "empty batch")
	}
	seen := make(map[string]bool, len(reqs))
	items := make([]sdk.MessageBatchNewParamsRequest, 0, len(reqs))
	model := ""
	for i, r := range reqs {
		if !customIDPattern.MatchString(r.CustomID) {
			return "", invalid("", "", fmt.Sprintf("batch request %d: custom ID %q: want 1-64 of [a-zA-Z0-9_-]", i, r.CustomID))
		}
		if seen[r.CustomID] {
			return "", invalid("", "", fmt.Sprintf("batch request %d: custom ID %q repeated", i, r.CustomID))
		}
		seen[r.CustomID] = true
		b, err := c.build(r.Request)
		if err != nil {
			return "", fmt.Errorf("batch request %s: %w", r.CustomID, err)
		}
		if model == "" {
			model = r.Request.Model
		}
		items = append(items, sdk.MessageBatchNewParamsRequest{CustomID: r.CustomID, Params: batchParams(b.params)})
	}
	batch, err := c.sdk.Messages.Batches.New(ctx, sdk.MessageBatchNewParams{Requests: items})
	if err != nil {
		return "", c.callError(ctx, model, "", err)
	}
	return batch.ID, nil
}

// BatchStatus reports the request counts of batch id; Ended is true once
// its processing_status is "ended".
//
// Errors: a *papersum.ProviderError, classified as for Generate; an unknown
// id is ClassInvalidRequest (404 not_found_error).
func (c *Client) BatchStatus(ctx context.Context, id string) (papersum.MessageBatchStatus, error) {
	if id == "" {
		return papersum.MessageBatchStatus{}, invalid("", "", "empty batch ID")
	}
	b, err := c.sdk.Messages.Batches.Get(ctx, id, sdk.MessageBatchGetParams{})
	if err != nil {
		return papersum.MessageBatchStatus{}, c.callError(ctx, "", "", err)
	}
	n := b.RequestCounts
	return papersum.MessageBatchStatus{
		ID:         b.ID,
		Ended:      b.ProcessingStatus == sdk.MessageBatchProcessingStatusEnded,
		Processing: int(n.Processing),
		Succeeded:  int(n.Succeeded),
		Errored:    int(n.Errored),
		Canceled:   int(n.Canceled),
		Expired:    int(n.Expired),
	}, nil
}

// BatchResults streams the results of an ended batch and maps each line:
//
//   - succeeded: Response as Generate returns it. A result without the
//     per-TTL cache split has its cache writes counted as 5m, the default
//     TTL, since the batch does not remember what each request asked for.
//   - errored: a ProviderError classified from the error's type and
//     message as for Generate (no Status: the line has none).
//   - expired: a ProviderError of ClassServer. The API did not get to the
//     request within 24 hours: nothing is wrong with the request, and it
//     may well succeed when submitted again, so it is retryable; not
//     ClassOverloaded, which would count against the live model's circuit
//     breaker for an event of the batch queue.
//   - canceled: a ProviderError of ClassInvalidRequest. Someone cancelled
//     the batch on purpose; retrying on their behalf would undo it, so it
//     gets a class that is not retryable.
//
// Errors: a *papersum.ProviderError when the results cannot be fetched
// (a batch still in progress answers 4xx: ClassInvalidRequest) or a line
// cannot be parsed (ClassServer). A line of an unknown result type is a
// ClassServer result, not a failure of the whole call.
func (c *Client) BatchResults(ctx context.Context, id string) ([]papersum.MessageBatchResult, error) {
	if id == "" {
		return nil, invalid("", "", "empty batch ID")
	}
	stream := c.sdk.Messages.Batches.ResultsStreaming(ctx, id, sdk.MessageBatchResultsParams{})
	defer stream.Close()
	var out []papersum.MessageBatchResult
	for stream.Next() {
		line := stream.Current()
		out = append(out, batchResult(line))
	}
	if err := stream.Err(); err != nil {
		return nil, c.callError(ctx, "", "", err)
	}
	return out, nil
}

// batchResult maps one line of a batch's results.
func batchResult(line sdk.MessageBatchIndividualResponse) papersum.MessageBatchResult {
	r := papersum.MessageBatchResult{CustomID: line.CustomID}
	fail := func(class papersum.Class, msg string) *papersum.ProviderError {
		return &papersum.ProviderError{Class: class, Provider: ProviderName, Message: truncate(msg, maxMessage)}
	}
	switch line.Result.Type {
	case "succeeded":
		msg := line.Result.Message
		if !wellFormed(&msg) {
			r.Err = fail(papersum.ClassServer, malformedMessage)
			break
		}
		r.Response = toResponse(&msg, "", "5m")
	case "errored":
		e := line.Result.Error.Error
		msg := e.Type
		if e.Message != "" {
			msg += ": " + e.Message
		}
		pe := fail(classify(0, e.Type, e.Message), msg)
		if id := line.Result.Error.RequestID; id != "" {
			pe.Message += " (request " + id + ")"
		}
		r.Err = pe
	case "expired":
		r.Err = fail(papersum.ClassServer, "batch request expired: not processed within the batch's 24 hours")
	case "canceled":
		r.Err = fail(papersum.ClassInvalidRequest, "batch request canceled before it was processed")
	default:
		r.Err = fail(papersum.ClassServer, fmt.Sprintf("unknown batch result type %q", line.Result.Type))
	}
	return r
}
