package service

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/events"
	"github.com/papersum/papersum/httpapi"
)

// PaperPublishedType is the event type POST /webhook/paper-published
// takes.
const PaperPublishedType = "paper.published"

// PaperPublished is the body of POST /webhook/paper-published: a Standard
// Webhooks event envelope (type, timestamp, data), as the OpenAPI
// document shows it.
type PaperPublished struct {
	// Type must be PaperPublishedType.
	Type string `json:"type"`
	// Timestamp is when the event happened (RFC 3339); it is optional and
	// informational: the signed webhook-timestamp header is what the
	// receiver checks.
	Timestamp string `json:"timestamp,omitempty"`
	// Data is the paper.
	Data PaperPublishedData `json:"data"`
}

// PaperPublishedData is the paper of a paper.published event.
type PaperPublishedData struct {
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
//
// Errors: EINVALID for a body that is not a paper.published event (its
// message says what is wrong; the receiver answers it with 400), and the
// errors of Submit.
func (s *Service) HandlePaperPublished(ctx context.Context, id string, body []byte) error {
	var in PaperPublished
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return papersum.Errorf(papersum.EINVALID, "webhook body is not a paper.published event "+
			`{"type": "paper.published", "data": {"text" or "url", ...}}: %s`, papersum.Excerpt(err.Error()))
	}
	switch {
	case in.Type != PaperPublishedType:
		return papersum.Errorf(papersum.EINVALID, "webhook event type %q is not handled here; send %q", papersum.Excerpt(in.Type), PaperPublishedType)
	case in.Timestamp != "":
		if _, err := time.Parse(time.RFC3339, in.Timestamp); err != nil {
			return papersum.Errorf(papersum.EINVALID, "webhook timestamp %q is not an RFC 3339 time", papersum.Excerpt(in.Timestamp))
		}
	}
	d := in.Data
	if (strings.TrimSpace(d.Text) == "") == (strings.TrimSpace(d.URL) == "") {
		return papersum.Errorf(papersum.EINVALID, "webhook data needs exactly one of text and url")
	}
	_, err := s.Submit(ctx, httpapi.SubmitRequest{Text: d.Text, URL: strings.TrimSpace(d.URL), Title: d.Title,
		CallbackURL: d.CallbackURL, IdempotencyKey: "webhook:" + id, Team: s.cfg.WebhookTeam, User: "webhook"})
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
