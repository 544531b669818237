package fakeupstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Anthropic Message Batches API: create, retrieve, list, cancel and
// results. Shapes checked against anthropic-sdk-go v2.15.0
// (messagebatch.go): MessageBatch, MessageBatchIndividualResponse and the
// succeeded / errored / canceled / expired result union.
//
// A batch is processed when it is first observed (retrieve, list or
// results) at or after created_at + BatchProcessingDelay on the Clock:
// every item is then answered as POST /v1/messages would answer it, with
// the same caching and with faults drawn per item, in item order.

// maxBatchBodyBytes is the documented size limit of a batch creation.
const maxBatchBodyBytes = 256 << 20

// maxBatchRequests is the documented limit of requests per batch.
const maxBatchRequests = 100000

var customIDRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

type batches struct {
	mu    sync.Mutex
	m     map[string]*batch
	order []string // creation order
}

type batch struct {
	mu       sync.Mutex
	id       string
	created  time.Time
	items    []batchItem
	cancelAt *time.Time
	ended    bool
	endedAt  time.Time
	results  []batchResultLine
}

type batchItem struct {
	customID string
	conv     *conv
	// forced is the item's outcome from BatchFaultsHeader or ForceHeader:
	// a Fault, or "expired" / "canceled".
	forced string
	// err fails the item without running it (an unknown model).
	err *apiError
}

type batchCreateRequest struct {
	Requests []batchRequestIn `json:"requests"`
}

type batchRequestIn struct {
	CustomID string          `json:"custom_id"`
	Params   json.RawMessage `json:"params"`
}

type batchObject struct {
	ID                string        `json:"id"`
	Type              string        `json:"type"`
	ProcessingStatus  string        `json:"processing_status"`
	RequestCounts     requestCounts `json:"request_counts"`
	EndedAt           *string       `json:"ended_at"`
	CreatedAt         string        `json:"created_at"`
	ExpiresAt         string        `json:"expires_at"`
	ArchivedAt        *string       `json:"archived_at"`
	CancelInitiatedAt *string       `json:"cancel_initiated_at"`
	ResultsURL        *string       `json:"results_url"`
}

type requestCounts struct {
	Processing int `json:"processing"`
	Succeeded  int `json:"succeeded"`
	Errored    int `json:"errored"`
	Canceled   int `json:"canceled"`
	Expired    int `json:"expired"`
}

type batchResultLine struct {
	CustomID string      `json:"custom_id"`
	Result   batchResult `json:"result"`
}

type batchResult struct {
	Type    string           `json:"type"`
	Message *messageResponse `json:"message,omitempty"`
	Error   *errorResponse   `json:"error,omitempty"`
}

type batchList struct {
	Data    []batchObject `json:"data"`
	HasMore bool          `json:"has_more"`
	FirstID *string       `json:"first_id"`
	LastID  *string       `json:"last_id"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// batchPreamble runs what every batch endpoint does first: latency, auth,
// the version header and a forced HTTP-level fault. It reports whether
// the request was answered already.
func (s *Server) batchPreamble(w http.ResponseWriter, r *http.Request, reqID string) bool {
	ctx := r.Context()
	if s.wait(ctx, s.latency()) != nil {
		return true
	}
	if e := s.checkAnthropicAuth(r); e != nil {
		writeAnthropicError(w, e, reqID)
		return true
	}
	if r.Header.Get("anthropic-version") == "" {
		writeAnthropicError(w, invalid("anthropic-version: header is required"), reqID)
		return true
	}
	f, e := forced(r)
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return true
	}
	// On batch endpoints the header fails the HTTP call itself; item
	// outcomes are forced with BatchFaultsHeader. Faults that concern a
	// model's answer do not apply to these calls.
	switch f {
	case FaultRateLimit, FaultOverloaded, FaultServer, FaultUnavailable, FaultAuth:
		s.count(func(st *Stats) { st.Faults[f]++ })
		writeAnthropicError(w, s.anthropicFaultError(f, &conv{}), reqID)
		return true
	case FaultReset:
		s.count(func(st *Stats) { st.Faults[f]++ })
		reset(w)
		return true
	case FaultHang:
		s.count(func(st *Stats) { st.Faults[f]++ })
		if s.hang(ctx) {
			writeAnthropicError(w, &apiError{status: http.StatusGatewayTimeout, errType: "timeout_error", message: "Request timed out"}, reqID)
		}
		return true
	}
	return false
}

// parseBatchFaults reads BatchFaultsHeader: "id1=529,id2=expired".
func parseBatchFaults(h string) (map[string]string, *apiError) {
	out := map[string]string{}
	if strings.TrimSpace(h) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(h, ",") {
		id, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, invalid("%s: %q is not id=fault", BatchFaultsHeader, kv)
		}
		v = strings.ToLower(strings.TrimSpace(v))
		if _, known := parseFault(v); !known && v != "expired" && v != "canceled" {
			return nil, invalid("%s: unknown outcome %q", BatchFaultsHeader, v)
		}
		out[strings.TrimSpace(id)] = v
	}
	return out, nil
}

// handleBatchCreate serves POST /v1/messages/batches.
func (s *Server) handleBatchCreate(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	if s.batchPreamble(w, r, reqID) {
		return
	}
	perItem, e := parseBatchFaults(r.Header.Get(BatchFaultsHeader))
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	body, e := readBody(r, max(s.cfg.MaxBodyBytes, maxBatchBodyBytes))
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	var req batchCreateRequest
	if e := decodeStrict(body, &req, ""); e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	switch {
	case req.Requests == nil:
		writeAnthropicError(w, invalid("requests: Field required"), reqID)
		return
	case len(req.Requests) == 0:
		writeAnthropicError(w, invalid("requests: List should have at least 1 item after validation, not 0"), reqID)
		return
	case len(req.Requests) > maxBatchRequests:
		writeAnthropicError(w, invalid("requests: List should have at most %d items after validation, not %d", maxBatchRequests, len(req.Requests)), reqID)
		return
	}
	seen := make(map[string]bool, len(req.Requests))
	items := make([]batchItem, 0, len(req.Requests))
	for i, it := range req.Requests {
		switch {
		case it.CustomID == "":
			writeAnthropicError(w, invalid("requests.%d.custom_id: Field required", i), reqID)
			return
		case !customIDRE.MatchString(it.CustomID):
			writeAnthropicError(w, invalid("requests.%d.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i), reqID)
			return
		case seen[it.CustomID]:
			writeAnthropicError(w, invalid("requests.%d: custom_id %q is used more than once; each custom_id must be unique within a batch", i, it.CustomID), reqID)
			return
		case len(it.Params) == 0:
			writeAnthropicError(w, invalid("requests.%d.params: Field required", i), reqID)
			return
		}
		seen[it.CustomID] = true
		_, c, e := parseMessages(it.Params, fmt.Sprintf("requests.%d.params.", i))
		if e != nil {
			writeAnthropicError(w, e, reqID)
			return
		}
		item := batchItem{customID: it.CustomID, conv: c, forced: perItem[it.CustomID]}
		if !strings.HasPrefix(c.model, "claude") {
			item.err = &apiError{status: http.StatusNotFound, errType: "not_found_error", message: "model: " + c.model}
		}
		items = append(items, item)
	}
	b := &batch{id: fmt.Sprintf("msgbatch_fake%016d", s.nextID()), created: s.cfg.Clock.Now(), items: items}
	s.batches.mu.Lock()
	s.batches.m[b.id] = b
	s.batches.order = append(s.batches.order, b.id)
	s.batches.mu.Unlock()
	writeJSON(w, http.StatusOK, s.batchView(r, b))
}

// lookup returns the batch with id, or nil.
func (s *Server) lookup(id string) *batch {
	s.batches.mu.Lock()
	defer s.batches.mu.Unlock()
	return s.batches.m[id]
}

func notFoundBatch(w http.ResponseWriter, id, reqID string) {
	writeAnthropicError(w, &apiError{status: http.StatusNotFound, errType: "not_found_error",
		message: fmt.Sprintf("Message Batch %s not found", id)}, reqID)
}

// progress ends b if its time has come, processing every item, and
// returns a view of it. Items run with ctx detached from the caller: a
// poller that gives up must not change the results.
func (s *Server) progress(ctx context.Context, b *batch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	now := s.cfg.Clock.Now()
	if b.cancelAt != nil {
		for _, it := range b.items {
			b.results = append(b.results, batchResultLine{CustomID: it.customID, Result: batchResult{Type: "canceled"}})
		}
		b.ended, b.endedAt = true, now
		return
	}
	due := b.created.Add(s.cfg.BatchProcessingDelay)
	if now.Before(due) {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, it := range b.items {
		b.results = append(b.results, batchResultLine{CustomID: it.customID, Result: s.runBatchItem(ctx, it)})
	}
	s.count(func(st *Stats) { st.BatchItems += len(b.items) })
	b.ended, b.endedAt = true, due
}

// runBatchItem answers one item as /v1/messages would, turning HTTP-level
// faults into errored results: a hang never finishes, so it expires.
func (s *Server) runBatchItem(ctx context.Context, it batchItem) batchResult {
	d := s.dice.roll(&s.cfg.Faults)
	switch it.forced {
	case "expired", "canceled":
		return batchResult{Type: it.forced}
	}
	if it.err != nil {
		return errored(it.err, s.requestID())
	}
	out := s.runMessage(ctx, it.conv, pick(Fault(it.forced), d, it.conv), d.variant, true)
	switch {
	case out.hang:
		return batchResult{Type: "expired"}
	case out.reset:
		return errored(&apiError{errType: "api_error", message: "Internal server error"}, s.requestID())
	case out.err != nil:
		return errored(out.err, s.requestID())
	}
	return batchResult{Type: "succeeded", Message: out.msg}
}

func errored(e *apiError, reqID string) batchResult {
	return batchResult{Type: "errored", Error: &errorResponse{Type: "error", RequestID: reqID,
		Error: errorObject{Type: e.errType, Message: e.message}}}
}

// batchView renders b as the API's MessageBatch object.
func (s *Server) batchView(r *http.Request, b *batch) batchObject {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := batchObject{ID: b.id, Type: "message_batch", CreatedAt: timestamp(b.created),
		ExpiresAt: timestamp(b.created.Add(24 * time.Hour))}
	if b.cancelAt != nil {
		t := timestamp(*b.cancelAt)
		v.CancelInitiatedAt = &t
	}
	switch {
	case b.ended:
		v.ProcessingStatus = "ended"
		t := timestamp(b.endedAt)
		v.EndedAt = &t
		u := baseURL(r) + "/v1/messages/batches/" + b.id + "/results"
		v.ResultsURL = &u
		for _, res := range b.results {
			switch res.Result.Type {
			case "succeeded":
				v.RequestCounts.Succeeded++
			case "errored":
				v.RequestCounts.Errored++
			case "canceled":
				v.RequestCounts.Canceled++
			case "expired":
				v.RequestCounts.Expired++
			}
		}
	case b.cancelAt != nil:
		v.ProcessingStatus = "canceling"
		v.RequestCounts.Processing = len(b.items)
	default:
		v.ProcessingStatus = "in_progress"
		v.RequestCounts.Processing = len(b.items)
	}
	return v
}

// baseURL is the scheme and host the client used to reach the server.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handleBatchRetrieve serves GET /v1/messages/batches/{id}.
func (s *Server) handleBatchRetrieve(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	if s.batchPreamble(w, r, reqID) {
		return
	}
	id := r.PathValue("id")
	b := s.lookup(id)
	if b == nil {
		notFoundBatch(w, id, reqID)
		return
	}
	s.progress(r.Context(), b)
	writeJSON(w, http.StatusOK, s.batchView(r, b))
}

// handleBatchCancel serves POST /v1/messages/batches/{id}/cancel. A batch
// that is canceled before it ends ends at its next observation with every
// item canceled.
func (s *Server) handleBatchCancel(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	if s.batchPreamble(w, r, reqID) {
		return
	}
	id := r.PathValue("id")
	b := s.lookup(id)
	if b == nil {
		notFoundBatch(w, id, reqID)
		return
	}
	b.mu.Lock()
	if !b.ended && b.cancelAt == nil {
		now := s.cfg.Clock.Now()
		b.cancelAt = &now
	}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, s.batchView(r, b))
}

// handleBatchList serves GET /v1/messages/batches, newest first. It
// honours limit (default 20, 1..1000); it does not page further.
func (s *Server) handleBatchList(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	if s.batchPreamble(w, r, reqID) {
		return
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeAnthropicError(w, invalid("limit: Input should be between 1 and 1000"), reqID)
			return
		}
		limit = n
	}
	s.batches.mu.Lock()
	ids := append([]string(nil), s.batches.order...)
	s.batches.mu.Unlock()
	out := batchList{Data: []batchObject{}}
	for i := len(ids) - 1; i >= 0; i-- {
		if len(out.Data) == limit {
			out.HasMore = true
			break
		}
		b := s.lookup(ids[i])
		s.progress(r.Context(), b)
		out.Data = append(out.Data, s.batchView(r, b))
	}
	if n := len(out.Data); n > 0 {
		first, last := out.Data[0].ID, out.Data[n-1].ID
		out.FirstID, out.LastID = &first, &last
	}
	writeJSON(w, http.StatusOK, out)
}

// handleBatchResults serves GET /v1/messages/batches/{id}/results as
// JSON Lines, one result per item in item order.
func (s *Server) handleBatchResults(w http.ResponseWriter, r *http.Request) {
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	if s.batchPreamble(w, r, reqID) {
		return
	}
	id := r.PathValue("id")
	b := s.lookup(id)
	if b == nil {
		notFoundBatch(w, id, reqID)
		return
	}
	s.progress(r.Context(), b)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ended {
		writeAnthropicError(w, invalid("Message Batch %s has not ended yet; its results are not available", id), reqID)
		return
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, res := range b.results {
		if err := enc.Encode(res); err != nil {
			writeAnthropicError(w, &apiError{status: http.StatusInternalServerError, errType: "api_error", message: err.Error()}, reqID)
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-jsonl")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(buf.String()))
}
