package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// PaperPublishedType is the event type POST /webhook/paper-published
// takes.
const PaperPublishedType = "paper.published"

// DefaultPaperTeam is the team that the runs of paper.published events are
// charged to when PaperPublishedHandler is given none.
const DefaultPaperTeam = "webhook"

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

// PaperPublishedHandler is a Receiver's Handle that submits the paper of
// each verified paper.published event to s, charged to team (default
// DefaultPaperTeam). The
// webhook-id is the idempotency key, so a redelivery after the receiver's
// memory of it has expired still makes no second run.
//
// Its errors: EINVALID for a body that is not a paper.published event (its
// message says what is wrong; the receiver answers it with 400), and the
// errors of Summaries.Submit.
func PaperPublishedHandler(s papersum.Summaries, team string) func(ctx context.Context, id string, body []byte) error {
	if team == "" {
		team = DefaultPaperTeam
	}
	return func(ctx context.Context, id string, body []byte) error {
		return handlePaperPublished(ctx, s, team, id, body)
	}
}

func handlePaperPublished(ctx context.Context, s papersum.Summaries, team, id string, body []byte) error {
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
	_, err := s.Submit(ctx, papersum.SubmitRequest{Text: d.Text, URL: strings.TrimSpace(d.URL), Title: d.Title,
		CallbackURL: d.CallbackURL, IdempotencyKey: "webhook:" + id, Team: team, User: "webhook"})
	return err
}
