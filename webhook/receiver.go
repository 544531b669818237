package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/papersum/papersum"
)

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	// Secrets are the HMAC keys (see ParseSecret) a webhook may be signed
	// with; more than one while a secret is rotated. Required.
	Secrets [][]byte
	// Tolerance is how far webhook-timestamp may be from Clock's time.
	// Default DefaultTolerance (5m).
	Tolerance time.Duration
	// MaxBody caps the request body; larger ones get 413. Default 1 MiB.
	MaxBody int64
	// SeenFor is how long a handled webhook-id is remembered, so that a
	// redelivery within it is acknowledged without handling. It must be
	// at least twice Tolerance: a timestamp up to Tolerance in the future
	// stays acceptable until 2*Tolerance from now, and shorter memory
	// would let a captured request be replayed. Default 24h, which also
	// covers a sender's retries over hours.
	SeenFor time.Duration
	// Seen remembers webhook ids. Required.
	Seen SeenStore
	// Handle processes an authenticated webhook's body once per id. An
	// EINVALID *papersum.Error is answered with 400 and its message (the
	// sender should not retry); any other error with 500, and the id is
	// forgotten so that the sender's retry is handled. Required.
	Handle func(ctx context.Context, id string, body []byte) error
	// Clock tells the time for the timestamp check. Default
	// papersum.SystemClock.
	Clock papersum.Clock
	// Logger receives a line for every refused or failed webhook.
	// Default: discard.
	Logger *slog.Logger
}

// The defaults of ReceiverConfig.
const (
	DefaultMaxBody = 1 << 20
	DefaultSeenFor = 24 * time.Hour
)

func (c ReceiverConfig) withDefaults() ReceiverConfig {
	if c.Tolerance == 0 {
		c.Tolerance = DefaultTolerance
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.SeenFor == 0 {
		c.SeenFor = DefaultSeenFor
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c ReceiverConfig) validate() error {
	switch {
	case len(c.Secrets) == 0:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: at least one secret is required")
	case c.Seen == nil:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: a SeenStore is required")
	case c.Handle == nil:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: a Handle func is required")
	case c.Tolerance < 0:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: tolerance %s is negative", c.Tolerance)
	case c.MaxBody < 0:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: max body %d is negative", c.MaxBody)
	case c.SeenFor < 2*c.Tolerance:
		return papersum.Errorf(papersum.EINVALID, "webhook receiver: seen-for %s must be at least twice the tolerance %s", c.SeenFor, c.Tolerance)
	}
	for i, s := range c.Secrets {
		if len(s) < minSecretBytes {
			return papersum.Errorf(papersum.EINVALID, "webhook receiver: secret %d is shorter than %d bytes", i, minSecretBytes)
		}
	}
	return nil
}

// Receiver is the http.Handler for inbound webhooks. It answers:
//
//   - 405 to anything but POST;
//   - 413 when the body exceeds MaxBody;
//   - 401 when a header is missing, the timestamp is outside the
//     tolerance, or no signature matches;
//   - 400 when the authenticated body is not JSON, or Handle returns an
//     EINVALID error;
//   - 200 {"id":..., "status":"duplicate"} for an id already seen,
//     without calling Handle;
//   - 503 when the SeenStore fails and 500 when Handle fails, so that the
//     sender retries;
//   - 200 {"id":..., "status":"accepted"} after Handle succeeds.
//
// A duplicate that arrives while the first delivery is still being
// handled is acknowledged too; if that handling then fails, the sender's
// next retry (of the first delivery) handles it.
type Receiver struct {
	cfg ReceiverConfig
}

// NewReceiver returns a Receiver. It returns an EINVALID error for an
// invalid config.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Receiver{cfg: cfg}, nil
}

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := rc.cfg.Logger.With(slog.String("webhook_id", r.Header.Get(HeaderID)))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	if r.ContentLength > rc.cfg.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body is larger than the limit")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body is larger than the limit")
			return
		}
		writeError(w, http.StatusBadRequest, papersum.EINVALID, "could not read the body")
		return
	}
	now := rc.cfg.Clock.Now()
	id, err := Verify(rc.cfg.Secrets, r.Header, body, now, rc.cfg.Tolerance)
	if err != nil {
		// The reason is safe to return: it says which check failed, never
		// what the expected signature was.
		log.Info("webhook refused", slog.String("err", err.Error()))
		writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	}
	// Authenticate before judging the body, so that an unauthenticated
	// caller learns nothing about what the endpoint accepts.
	if !json.Valid(body) {
		writeError(w, http.StatusBadRequest, papersum.EINVALID, "body is not valid JSON")
		return
	}
	first, err := rc.cfg.Seen.MarkSeen(r.Context(), id, now.Add(rc.cfg.SeenFor))
	if err != nil {
		log.Error("webhook seen store failed", slog.String("err", err.Error()))
		writeError(w, http.StatusServiceUnavailable, papersum.EUNAVAILABLE, "try again later")
		return
	}
	if !first {
		log.Info("webhook duplicate ignored")
		writeJSON(w, http.StatusOK, status{ID: id, Status: "duplicate"})
		return
	}
	if err := rc.cfg.Handle(r.Context(), id, body); err != nil {
		// The id must not stay marked: the sender will retry, and the
		// retry has to be handled rather than acknowledged as a duplicate.
		if ferr := rc.cfg.Seen.Forget(context.WithoutCancel(r.Context()), id); ferr != nil {
			log.Error("webhook seen store forget failed", slog.String("err", ferr.Error()))
		}
		if papersum.ErrorCode(err) == papersum.EINVALID {
			log.Info("webhook rejected by handler", slog.String("err", err.Error()))
			writeError(w, http.StatusBadRequest, papersum.EINVALID, papersum.ErrorMessage(err))
			return
		}
		log.Error("webhook handler failed", slog.String("err", err.Error()))
		writeError(w, http.StatusInternalServerError, papersum.EINTERNAL, "internal error")
		return
	}
	writeJSON(w, http.StatusOK, status{ID: id, Status: "accepted"})
}

// status is the body of a 200 answer.
type status struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// errorBody is the body of every error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, code int, errCode, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = errCode, msg
	writeJSON(w, code, b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
