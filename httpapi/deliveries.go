package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/papersum/papersum"
)

// Deliveries lists the completion webhook attempts of a run or a batch.
type Deliveries interface {
	// Deliveries returns the attempts for the run or batch id, oldest
	// first. ENOTFOUND when the caller may not see it or it is unknown.
	Deliveries(ctx context.Context, id string) ([]papersum.Delivery, error)
}

// deliveryJSON is one attempt as the API shows it.
type deliveryJSON struct {
	WebhookID string `json:"webhook_id"`
	RunID     string `json:"run_id,omitempty"`
	BatchID   string `json:"batch_id,omitempty"`
	URL       string `json:"url"`
	Attempt   int    `json:"attempt"`
	// Status is the HTTP status of the answer, 0 when none arrived.
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
	DurationMS float64   `json:"duration_ms"`
}

type deliveriesBody struct {
	Items []deliveryJSON `json:"items"`
}

// handleDeliveries lists the webhook attempts of the run or batch in the
// path, so that a team can see why its callback did not arrive.
func (s *server) handleDeliveries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if s.deps.Deliveries == nil {
			s.writeError(w, r, papersum.Errorf(papersum.ENOTFOUND, "webhook deliveries are not recorded on this server"))
			return
		}
		list, err := s.deps.Deliveries.Deliveries(r.Context(), r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		body := deliveriesBody{Items: make([]deliveryJSON, 0, len(list))}
		for _, d := range list {
			body.Items = append(body.Items, deliveryJSON{WebhookID: d.WebhookID, RunID: d.RunID, BatchID: d.BatchID,
				URL: d.URL, Attempt: d.Attempt, Status: d.Status, Error: d.Error, At: d.At.UTC(),
				DurationMS: float64(d.Duration.Microseconds()) / 1000})
		}
		encode(w, http.StatusOK, body)
	})
}
