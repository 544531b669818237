package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pause"
)

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Secret is the HMAC key (see ParseSecret) callbacks are signed with.
	// Required.
	Secret []byte
	// Client sends the requests. Required, because the safe choice is not
	// a default: the service passes a client whose transport is built on
	// the fetch package's Dialer, so that a callback_url cannot reach
	// loopback, private or metadata addresses. Its redirect policy is
	// replaced: a redirect counts as a failed delivery, as the spec
	// recommends, and is never followed.
	Client *http.Client
	// MaxAttempts is how many times a delivery is tried. Default 4.
	MaxAttempts int
	// FirstDelay is the wait after the first failed attempt; each later
	// wait doubles it (30s, 60s, 120s with the defaults). Default 30s.
	FirstDelay time.Duration
	// Timeout bounds one attempt; the spec recommends 15 to 30 s.
	// Default 30s.
	Timeout time.Duration
	// UserAgent is sent with every request. Default "papersum-webhooks".
	UserAgent string
	// Clock stamps attempts and the webhook-timestamp header. Default
	// papersum.SystemClock.
	Clock papersum.Clock
	// Sleep waits d, or until ctx ends and then returns ctx's error.
	// Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Record is called after every attempt, synchronously, with a context
	// that is not cancelled with Deliver's, so that the last attempt of a
	// cancelled delivery is still recorded. Default nil.
	Record func(ctx context.Context, a Attempt)
}

// The defaults of SenderConfig.
const (
	DefaultMaxAttempts = 4
	DefaultFirstDelay  = 30 * time.Second
	DefaultSendTimeout = 30 * time.Second
	DefaultUserAgent   = "papersum-webhooks"
)

func (c SenderConfig) withDefaults() SenderConfig {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.FirstDelay == 0 {
		c.FirstDelay = DefaultFirstDelay
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSendTimeout
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	if c.Sleep == nil {
		c.Sleep = pause.For
	}
	return c
}

func (c SenderConfig) validate() error {
	switch {
	case len(c.Secret) < minSecretBytes:
		return papersum.Errorf(papersum.EINVALID, "webhook sender: the secret must be at least %d bytes", minSecretBytes)
	case c.Client == nil:
		return papersum.Errorf(papersum.EINVALID, "webhook sender: an http.Client is required")
	case c.MaxAttempts < 1:
		return papersum.Errorf(papersum.EINVALID, "webhook sender: max attempts %d is below 1", c.MaxAttempts)
	case c.FirstDelay < 0 || c.Timeout < 0:
		return papersum.Errorf(papersum.EINVALID, "webhook sender: delays and timeouts must not be negative")
	}
	return nil
}

// Attempt is one try at delivering a webhook.
type Attempt struct {
	// ID is the webhook-id, the same for every attempt of a delivery.
	ID string
	// URL is the callback URL.
	URL string
	// N counts attempts from 1.
	N int
	// At is when the attempt started; its Unix seconds are the
	// webhook-timestamp that was signed.
	At time.Time
	// Duration is how long the attempt took, by Clock.
	Duration time.Duration
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Err is nil for a 2xx answer; otherwise why the attempt failed.
	Err error
	// Retry reports whether another attempt follows.
	Retry bool
}

// DeliveryStore keeps the attempts of completion webhooks; the stores'
// papersum.JobStore implements it.
type DeliveryStore interface {
	RecordDelivery(ctx context.Context, d *papersum.Delivery) error
}

// RecordDeliveries is a Sender's Record hook that stores each attempt in
// store, for GET .../deliveries: a webhook-id that names a submission
// batch (papersum.IsSubmissionBatchID) is the batch's, any other a run's.
// A store failure is logged to log, not returned: the delivery itself
// went on.
func RecordDeliveries(store DeliveryStore, log *slog.Logger) func(ctx context.Context, a Attempt) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, a Attempt) {
		del := &papersum.Delivery{WebhookID: a.ID, URL: a.URL, Attempt: a.N, Status: a.Status, At: a.At, Duration: a.Duration}
		if papersum.IsSubmissionBatchID(a.ID) {
			del.BatchID = a.ID
		} else {
			del.RunID = a.ID
		}
		if a.Err != nil {
			del.Error = a.Err.Error()
		}
		if err := store.RecordDelivery(ctx, del); err != nil {
			log.Warn("record webhook delivery", "webhook_id", a.ID, "err", err)
		}
	}
}

// Sender delivers signed webhooks with retries. It is safe for concurrent
// use.
type Sender struct {
	cfg    SenderConfig
	client *http.Client
}

// NewSender returns a Sender. It returns an EINVALID error for an invalid
// config.
func NewSender(cfg SenderConfig) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// A copy, so that the caller's client keeps its own redirect policy.
	c := *cfg.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Sender{cfg: cfg, client: &c}, nil
}

// Deliver POSTs payload, encoded as JSON, to rawURL with webhook-id id.
// Every attempt is signed with a fresh timestamp, so that a retry long
// after the first attempt still passes the receiver's tolerance check;
// the id stays the same, so that the receiver can drop duplicates.
//
// A 2xx answer is success. 408, 429, 5xx, timeouts and connection errors
// are retried after FirstDelay, doubling, up to MaxAttempts attempts;
// any other answer (3xx, 4xx) and an address refused by the client's
// dialer end the delivery at once.
//
// It returns nil on success; an EINVALID *papersum.Error when the URL,
// id or payload is invalid or the receiver refused the webhook for good;
// an EUNAVAILABLE one when every attempt failed or ctx ended.
func (s *Sender) Deliver(ctx context.Context, rawURL, id string, payload any) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return papersum.Errorf(papersum.EINVALID, "callback URL must be an absolute http or https URL")
	}
	if err := checkID(id); err != nil {
		return &papersum.Error{Code: papersum.EINVALID, Message: "invalid webhook id", Err: err}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return &papersum.Error{Code: papersum.EINVALID, Message: "webhook payload cannot be encoded as JSON", Err: err}
	}
	where := redact(u)
	delay := s.cfg.FirstDelay
	for n := 1; ; n++ {
		a, retryable := s.attempt(ctx, rawURL, id, body, n)
		a.Retry = a.Err != nil && retryable && n < s.cfg.MaxAttempts && ctx.Err() == nil
		if s.cfg.Record != nil {
			s.cfg.Record(context.WithoutCancel(ctx), a)
		}
		switch {
		case a.Err == nil:
			return nil
		case ctx.Err() != nil:
			return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "webhook delivery to " + where + " was cancelled", Err: ctx.Err()}
		case !retryable:
			return &papersum.Error{Code: papersum.EINVALID, Message: "webhook delivery to " + where + " was refused", Err: a.Err}
		case n >= s.cfg.MaxAttempts:
			return &papersum.Error{Code: papersum.EUNAVAILABLE,
				Message: fmt.Sprintf("webhook delivery to %s failed after %d attempts", where, n), Err: a.Err}
		}
		if err := s.cfg.Sleep(ctx, delay); err != nil {
			return &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "webhook delivery to " + where + " was cancelled", Err: err}
		}
		delay *= 2
	}
}

// attempt makes one signed POST and reports whether a failure is worth
// retrying.
func (s *Sender) attempt(ctx context.Context, rawURL, id string, body []byte, n int) (Attempt, bool) {
	at := s.cfg.Clock.Now()
	a := Attempt{ID: id, URL: rawURL, N: n, At: at}
	actx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		a.Err = err
		return a, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(s.cfg.Secret, id, at, body))
	resp, err := s.client.Do(req)
	if err != nil {
		a.Duration = s.cfg.Clock.Now().Sub(at)
		a.Err = err
		// A policy refusal from an SSRF-safe dialer (EINVALID) will not
		// change on retry; everything else here is the network's fault.
		var pe *papersum.Error
		return a, !(errors.As(err, &pe) && pe.Code == papersum.EINVALID)
	}
	// Drain a little so the connection can be reused; the answer's body
	// carries no meaning in the scheme.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	a.Status = resp.StatusCode
	a.Duration = s.cfg.Clock.Now().Sub(at)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return a, false
	}
	a.Err = fmt.Errorf("receiver answered %s", resp.Status)
	return a, retryableStatus(resp.StatusCode)
}

// retryableStatus reports whether an answer may change on retry: request
// timeout, rate limiting and server errors may; other client errors and
// redirects will not.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// redact drops userinfo, query and fragment from u for messages, because
// callback URLs often carry tokens there.
func redact(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment = nil, "", "", ""
	return c.String()
}
