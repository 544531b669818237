package events

import (
	"context"
	"strings"

	"github.com/papersum/papersum"
)

// SourcePrefix starts the papersum.Run.Source of a run that a paper message
// asked for; the rest is the message's ID, which the run's summary message
// echoes as PaperMessageID.
const SourcePrefix = "kafka:"

// SubmitHandler is the Consumer's Handler that submits each paper message
// to s. The message ID is the idempotency key, so a message delivered again
// (at-least-once) makes no second run. A message that can never succeed
// (bad input, a key reused for another paper) is permanent, so the consumer
// moves it aside instead of stalling its partition.
func SubmitHandler(s papersum.Summaries) Handler {
	return func(ctx context.Context, msg PaperMessage) error {
		req := papersum.SubmitRequest{Text: msg.Text, URL: msg.URL, Title: msg.Title, CallbackURL: msg.CallbackURL,
			IdempotencyKey: "kafka:" + msg.ID, Team: msg.Team, User: "kafka", Source: SourcePrefix + msg.ID}
		_, err := s.Submit(ctx, req)
		if code := papersum.ErrorCode(err); code == papersum.EINVALID || code == papersum.ECONFLICT {
			return Permanent(err)
		}
		return err
	}
}

// PublishSummary publishes the summary message of finished run
// (SummaryFromRun), echoing the ID of the paper message that asked for it;
// it makes the Producer the service's papersum.SummaryPublisher.
//
// Errors: EINVALID for a run that has not finished, and those of Publish.
func (p *Producer) PublishSummary(ctx context.Context, run *papersum.Run) error {
	msgID := ""
	if run != nil && strings.HasPrefix(run.Source, SourcePrefix) {
		msgID = strings.TrimPrefix(run.Source, SourcePrefix)
	}
	msg, err := SummaryFromRun(run, msgID)
	if err != nil {
		return err
	}
	return p.Publish(ctx, msg)
}

var _ papersum.SummaryPublisher = (*Producer)(nil)
