package service

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// nopDeliverer accepts every delivery; the test only needs callbacks on.
type nopDeliverer struct{}

func (nopDeliverer) Deliver(context.Context, string, string, any) error { return nil }

// TestCallbackURLOneRule: a callback URL is accepted or refused alike
// whether it comes through the HTTP API or straight to the service (as
// the Kafka and signed-webhook intakes send it). The HTTP API once refused
// a URL longer than 2048 bytes that the service took, and the service
// refused user information that the HTTP API's own check let through.
func TestCallbackURLOneRule(t *testing.T) {
	h := newHarnessWith(t, func(c *Config) { c.Deliverer = nopDeliverer{} })
	a := newAPI(t, h)
	for name, tc := range map[string]struct {
		url string
		ok  bool
	}{
		"https":          {"https://cb.example/hook", true},
		"http with port": {"http://cb.example:8080/hook?x=1", true},
		"longest":        {"https://cb.example/" + strings.Repeat("a", papersum.MaxCallbackURLBytes-len("https://cb.example/")), true},
		"too long":       {"https://cb.example/" + strings.Repeat("a", papersum.MaxCallbackURLBytes), false},
		"user info":      {"https://user:pw@cb.example/hook", false},
		"ftp":            {"ftp://cb.example/hook", false},
		"relative":       {"/hook", false},
		"no host":        {"https:///hook", false},
		"javascript":     {"javascript:alert(1)", false},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := a.call(t, "POST", "/api/v1/summaries", "team-a", "application/json",
				mustJSON(t, map[string]string{"text": paper(1), "callback_url": tc.url, "title": name}))
			httpOK := code == http.StatusAccepted || code == http.StatusOK
			if !httpOK && code != http.StatusBadRequest {
				t.Fatalf("HTTP %d: %s", code, body)
			}
			_, err := h.svc.Submit(context.Background(), papersum.SubmitRequest{Text: paper(2), Title: name, CallbackURL: tc.url, Team: "team-a"})
			if err != nil && papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("Submit: %v", err)
			}
			rule := papersum.ValidateCallbackURL(tc.url)
			if httpOK != tc.ok || (err == nil) != tc.ok || (rule == nil) != tc.ok {
				t.Errorf("HTTP API accepts: %v (%d %s); service accepts: %v (%v); rule accepts: %v; want %v",
					httpOK, code, body, err == nil, err, rule == nil, tc.ok)
			}
		})
	}
}
