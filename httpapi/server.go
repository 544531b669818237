package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/telemetry"
)

// Authenticator finds the API key a request carries; *apikey.Authenticator
// implements it.
type Authenticator interface {
	// Authenticate returns the key in header, an Authorization value
	// ("Bearer psk_...") or a bare key. EUNAUTHORIZED for a missing,
	// malformed, unknown, revoked or expired key; a store failure keeps
	// its own code (EUNAVAILABLE), so that an outage is not reported as a
	// bad key.
	Authenticate(ctx context.Context, header string) (*papersum.APIKey, error)
}

// Check is the outcome of one readiness check.
type Check struct {
	// Name says what was checked: "store", "migrations", "workers",
	// "providers". It is shown on /readyz.
	Name string
	// Err is nil when the check passed. It is logged, never shown: the
	// probes answer without authentication.
	Err error
	// Reason, when set with Err, says in a few words from a closed set
	// why the check fails ("connection refused", "not started"); it is
	// shown on the probes, so it must never carry an address or a
	// server's message. Default: none.
	Reason string
	// Degraded marks a failing check that does not make the server
	// unready: it serves with less (a shared cache or rate limit down),
	// and /readyz answers 200 with status "degraded". Default: false, a
	// failing check makes /readyz 503.
	Degraded bool
}

// Defaults of Deps.
const (
	DefaultMaxBodyBytes  = 50 << 20
	DefaultMaxWait       = 60 * time.Second
	DefaultMaxBatchItems = 1000
	DefaultReadyTimeout  = 2 * time.Second
	// DefaultUnavailableRetryAfter is Deps.UnavailableRetryAfter: a
	// database restart or failover takes seconds, so clients that come
	// back after 5 s mostly find it done without hammering it meanwhile.
	DefaultUnavailableRetryAfter = 5 * time.Second
)

// Deps are the server's dependencies and limits.
type Deps struct {
	// Summaries runs single summaries. Required.
	Summaries papersum.Summaries
	// Batches runs batches. Required.
	Batches papersum.SubmissionBatches
	// Deliveries lists the completion webhook attempts of a run or batch.
	// Default: none, and the deliveries routes answer 404.
	Deliveries Deliveries
	// CostReports computes GET /api/v1/reports/cost. Default: none, and
	// the route answers 404.
	CostReports papersum.CostReporter
	// Readiness runs the checks of /readyz and /startupz: store
	// reachable, migrations applied, workers running, providers
	// configured. Required.
	Readiness func(ctx context.Context) []Check
	// Auth authenticates API keys. Required.
	Auth Authenticator
	// Limiter limits each API key's requests; the bucket key is the API
	// key's ID. Required: a service without a limit is one leaked key away
	// from an unbounded bill, so "no limit" must be chosen explicitly
	// (ratelimit.NewMemory with zero limits).
	Limiter papersum.Limiter
	// Metrics, when set, times every request by route and counts rate
	// limit rejections. Configure its Routes with Routes(). Default: none.
	Metrics *telemetry.Metrics
	// MetricsHandler serves /metrics (telemetry.Handler). The route needs
	// a read-scope key like every non-probe route; Prometheus sends one
	// with the scrape config's authorization setting. Default: none, and
	// /metrics answers 404.
	MetricsHandler http.Handler
	// Webhook serves POST /webhook/paper-published (webhook.Receiver). It
	// authenticates by signature, not by API key. Default: none, and the
	// route answers 404.
	Webhook http.Handler
	// MaxBodyBytes bounds every request body: a submission in any form
	// (JSON, multipart, raw file) and a batch. One limit for every form,
	// so that a paper that may be uploaded may be sent as JSON text too;
	// serve sets it to --max-bytes, the limit of a paper. Default
	// DefaultMaxBodyBytes (50 MiB).
	MaxBodyBytes int64
	// MaxWait caps ?wait= on submit; longer waits are cut to it. Default
	// DefaultMaxWait (60s).
	MaxWait time.Duration
	// MaxBatchItems bounds the items of one batch. Default
	// DefaultMaxBatchItems (1000).
	MaxBatchItems int
	// ReadyTimeout bounds one run of the readiness checks. Default
	// DefaultReadyTimeout (2s).
	ReadyTimeout time.Duration
	// UnavailableRetryAfter is the Retry-After of a 503 (the store or
	// the queue cannot be reached, the server is starting): how long a
	// client should wait before it tries again. Default
	// DefaultUnavailableRetryAfter (5s).
	UnavailableRetryAfter time.Duration
	// Stopping, when closed, tells the server that shutdown has begun:
	// /readyz answers 503 and waiting submits answer 202 at once. Default:
	// never closed.
	Stopping <-chan struct{}
	// Clock is the rate limiter's time. Default papersum.SystemClock.
	Clock papersum.Clock
	// Logger receives an access line per request and the cause of every
	// 5xx answer. Default: discard.
	Logger *slog.Logger
	// NewRequestID makes the ID of a request that brought no usable
	// X-Request-ID. Default: 16 random bytes in hex.
	NewRequestID func() string
}

func (d Deps) withDefaults() Deps {
	if d.MaxBodyBytes == 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.MaxWait == 0 {
		d.MaxWait = DefaultMaxWait
	}
	if d.MaxBatchItems == 0 {
		d.MaxBatchItems = DefaultMaxBatchItems
	}
	if d.ReadyTimeout == 0 {
		d.ReadyTimeout = DefaultReadyTimeout
	}
	if d.UnavailableRetryAfter == 0 {
		d.UnavailableRetryAfter = DefaultUnavailableRetryAfter
	}
	if d.Clock == nil {
		d.Clock = papersum.SystemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.NewRequestID == nil {
		d.NewRequestID = randomID
	}
	return d
}

func (d Deps) validate() error {
	missing := func(what string) error {
		return papersum.Errorf(papersum.EINVALID, "httpapi: %s is required", what)
	}
	switch {
	case d.Summaries == nil:
		return missing("Summaries")
	case d.Batches == nil:
		return missing("Batches")
	case d.Readiness == nil:
		return missing("Readiness")
	case d.Auth == nil:
		return missing("Auth")
	case d.Limiter == nil:
		return missing("Limiter")
	case d.MaxBodyBytes < 0:
		return papersum.Errorf(papersum.EINVALID, "httpapi: negative body limit")
	case d.MaxWait < 0:
		return papersum.Errorf(papersum.EINVALID, "httpapi: max wait %s is negative", d.MaxWait)
	case d.MaxBatchItems < 0:
		return papersum.Errorf(papersum.EINVALID, "httpapi: max batch items %d is negative", d.MaxBatchItems)
	case d.UnavailableRetryAfter < 0:
		return papersum.Errorf(papersum.EINVALID, "httpapi: unavailable Retry-After %s is negative", d.UnavailableRetryAfter)
	case d.ReadyTimeout < 0:
		return papersum.Errorf(papersum.EINVALID, "httpapi: ready timeout %s is negative", d.ReadyTimeout)
	}
	return nil
}

// randomID is 128 random bits: unique enough to find one request in the
// logs of every replica.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// server holds the dependencies the handlers close over.
type server struct {
	deps Deps
	log  *slog.Logger
	// started turns true the first time every readiness check passes;
	// /startupz reports it from then on without checking again.
	started atomic.Bool
}

// NewServer returns the API's handler.
//
// Errors: EINVALID when a required dependency is missing or a limit is
// negative.
func NewServer(deps Deps) (http.Handler, error) {
	deps = deps.withDefaults()
	if err := deps.validate(); err != nil {
		return nil, err
	}
	s := &server{deps: deps, log: deps.Logger}
	mux := http.NewServeMux()
	s.register(mux)
	var h http.Handler = mux
	if deps.Metrics != nil {
		// Middleware reads Request.Pattern after the mux has set it, so
		// it must wrap the mux directly (see telemetry.Metrics.Middleware).
		h = deps.Metrics.Middleware(h)
	}
	return s.withRequest(h), nil
}

// stopping reports whether Deps.Stopping has been closed.
func (s *server) stopping() bool {
	select {
	case <-s.deps.Stopping: // a nil channel never fires
		return true
	default:
		return false
	}
}
