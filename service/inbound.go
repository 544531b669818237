package service

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/events"
	"github.com/papersum/papersum/httpapi"
)

// PaperPublished is the body of POST /webhook/paper-published.
type PaperPublished struct {
	// Text or URL is the paper, as in the API's JSON form.
	Text  string `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
	// CallbackURL, when set, receives the completion webhook.
	CallbackURL string `json:"callback_url,omitempty"`
}

// HandlePaperPublished queues the paper of a verified webhook; it is the
// webhook.Receiver's Handle. The webhook-id is the idempotency key, so a
// redelivery after the receiver's memory of it has expired still makes no
// second run.
func (s *Service) HandlePaperPublished(ctx context.Context, id string, body []byte) error {
	var in PaperPublished
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return papersum.Errorf(papersum.EINVALID, "webhook body is not a paper-published event: %v", err)
	}
	if (in.Text == "") == (in.URL == "") {
		return papersum.Errorf(papersum.EINVALID, "webhook body needs exactly one of text and url")
	}
	_, err := s.Submit(ctx, httpapi.SubmitRequest{Text: in.Text, URL: in.URL, Title: in.Title,
		CallbackURL: in.CallbackURL, IdempotencyKey: "webhook:" + id, Team: s.cfg.WebhookTeam, User: "webhook"})
	return err
}

// HandlePaperMessage queues the paper of a Kafka message; it is the
// events.Consumer's Handler. The message ID is the idempotency key, so a
// message delivered again (at-least-once) makes no second run. A message
// that can never succeed (bad input) is permanent, so the consumer moves
// it aside instead of stalling its partition.
func (s *Service) HandlePaperMessage(ctx context.Context, msg events.PaperMessage) error {
	team := msg.Team
	req := httpapi.SubmitRequest{Text: msg.Text, URL: msg.URL, Title: msg.Title, CallbackURL: msg.CallbackURL,
		IdempotencyKey: "kafka:" + msg.ID, Team: team, User: "kafka"}
	_, err := s.submitAs(ctx, req, kafkaSourcePrefix+msg.ID)
	if papersum.ErrorCode(err) == papersum.EINVALID || papersum.ErrorCode(err) == papersum.ECONFLICT {
		return events.Permanent(err)
	}
	return err
}
