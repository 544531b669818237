package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/papersum/papersum"
)

// batchJSON is the JSON form of a batch request.
type batchJSON struct {
	Items          []papersum.SubmissionBatchItem `json:"items"`
	Config         string                         `json:"config"`
	CallbackURL    string                         `json:"callback_url"`
	IdempotencyKey string                         `json:"idempotency_key"`
}

func batchLocation(id string) string { return "/api/v1/batches/" + url.PathEscape(id) }

// handleCreateBatch starts a batch of text or URL items. Its body may be
// as large as an upload (MaxBodyBytes), since it carries many papers.
func (s *server) handleCreateBatch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := s.parseBatch(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		key := papersum.CallerFromContext(r.Context())
		req.Team, req.User, req.KeyID = key.Team, key.User, key.ID
		st, err := s.deps.Batches.CreateBatch(r.Context(), req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if st.Deduplicated {
			w.Header().Set(headerReplayed, "true")
		}
		w.Header().Set("Location", batchLocation(st.ID))
		encode(w, http.StatusAccepted, batchBody(st))
	})
}

func (s *server) parseBatch(w http.ResponseWriter, r *http.Request) (papersum.SubmissionBatchRequest, error) {
	if err := checkQuery(r); err != nil {
		return papersum.SubmissionBatchRequest{}, err
	}
	var in batchJSON
	if err := decodeJSON(w, r, s.deps.MaxBodyBytes, &in); err != nil {
		return papersum.SubmissionBatchRequest{}, err
	}
	key, err := idempotencyKey(r, in.IdempotencyKey)
	if err != nil {
		return papersum.SubmissionBatchRequest{}, err
	}
	switch {
	case len(in.Items) == 0:
		return papersum.SubmissionBatchRequest{}, invalid("items is empty")
	case len(in.Items) > s.deps.MaxBatchItems:
		return papersum.SubmissionBatchRequest{}, invalid("a batch holds at most %d items, not %d", s.deps.MaxBatchItems, len(in.Items))
	}
	for i := range in.Items {
		it := &in.Items[i]
		it.URL = strings.TrimSpace(it.URL)
		hasText := strings.TrimSpace(it.Text) != ""
		if hasText == (it.URL != "") {
			return papersum.SubmissionBatchRequest{}, invalid("item %d: give one of text or url", i)
		}
		if err := validateCommon(it.URL, it.Title, "", "", ""); err != nil {
			return papersum.SubmissionBatchRequest{}, invalid("item %d: %s", i, err.Error())
		}
	}
	if err := validateCommon("", "", in.Config, in.CallbackURL, key); err != nil {
		return papersum.SubmissionBatchRequest{}, err
	}
	return papersum.SubmissionBatchRequest{Items: in.Items, Config: in.Config, CallbackURL: in.CallbackURL, IdempotencyKey: key}, nil
}

// batchBody makes sure RunIDs encodes as [] rather than null.
func batchBody(st papersum.SubmissionBatchStatus) papersum.SubmissionBatchStatus {
	if st.RunIDs == nil {
		st.RunIDs = []string{}
	}
	return st
}

// handleGetBatch reports a batch's progress and cost so far.
func (s *server) handleGetBatch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		st, err := s.deps.Batches.GetBatch(r.Context(), r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, batchBody(st))
	})
}
