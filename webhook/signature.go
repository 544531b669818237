package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far webhook-timestamp may be from the receiver's
// clock, in either direction (the spec's recommendation).
const DefaultTolerance = 5 * time.Minute

// SecretPrefix marks a serialised symmetric secret.
const SecretPrefix = "whsec_"

// The spec asks for secrets of 24 to 64 random bytes.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// maxIDLength bounds webhook-id: it becomes a key in the SeenStore, and
// an attacker must not be able to make those keys arbitrarily large.
const maxIDLength = 256

// The errors Verify returns, wrapped with detail; test with errors.Is.
var (
	ErrMissingHeader       = errors.New("missing webhook header")
	ErrInvalidHeader       = errors.New("invalid webhook header")
	ErrTimestampTooOld     = errors.New("webhook timestamp is too old")
	ErrTimestampTooNew     = errors.New("webhook timestamp is too new")
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
)

// ParseSecret decodes a "whsec_<base64>" secret into the HMAC key. It
// returns an EINVALID *papersum.Error, which never quotes the secret, when
// the prefix is missing, the base64 is malformed, or the key is not 24 to
// 64 bytes long.
func ParseSecret(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), SecretPrefix)
	if !ok {
		return nil, papersum.Errorf(papersum.EINVALID, "webhook secret must start with %s", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "webhook secret is not valid base64")
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, papersum.Errorf(papersum.EINVALID, "webhook secret must decode to %d to %d bytes, not %d",
			minSecretBytes, maxSecretBytes, len(key))
	}
	return key, nil
}

// NewSecret returns a fresh "whsec_" secret of 32 bytes read from r
// (crypto/rand.Reader in production; injected so tests are deterministic).
func NewSecret(r io.Reader) (string, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(r, key); err != nil {
		return "", fmt.Errorf("new webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature value "v1,<base64 MAC>" for a
// message: HMAC-SHA256 under secret of "{id}.{ts as Unix seconds}.{body}".
func Sign(secret []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(secret, id, ts.Unix(), body))
}

func mac(secret []byte, id string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, ts, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify authenticates a webhook and returns its webhook-id.
//
// The timestamp must be within tolerance of now in either direction
// (tolerance <= 0 means DefaultTolerance); the check bounds how long a
// captured request can be replayed. The message is authentic when any
// "v1," entry of webhook-signature matches the MAC under any of secrets,
// compared in constant time; several secrets let a receiver accept the old
// and the new key while a secret is rotated. Entries of other versions
// (such as the asymmetric "v1a") are ignored.
//
// Errors wrap ErrMissingHeader, ErrInvalidHeader, ErrTimestampTooOld,
// ErrTimestampTooNew or ErrNoMatchingSignature.
func Verify(secrets [][]byte, headers http.Header, body []byte, now time.Time, tolerance time.Duration) (string, error) {
	id := headers.Get(HeaderID)
	tsText := headers.Get(HeaderTimestamp)
	sigs := headers.Get(HeaderSignature)
	for _, h := range [][2]string{{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs}} {
		if h[1] == "" {
			return "", fmt.Errorf("%w %s", ErrMissingHeader, h[0])
		}
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || ts < 0 {
		return "", fmt.Errorf("%w: %s is not Unix seconds", ErrInvalidHeader, HeaderTimestamp)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sent := time.Unix(ts, 0)
	if now.Sub(sent) > tolerance {
		return "", fmt.Errorf("%w: sent %s before now, tolerance %s", ErrTimestampTooOld, now.Sub(sent).Truncate(time.Second), tolerance)
	}
	if sent.Sub(now) > tolerance {
		return "", fmt.Errorf("%w: sent %s after now, tolerance %s", ErrTimestampTooNew, sent.Sub(now).Truncate(time.Second), tolerance)
	}
	want := make([][]byte, len(secrets))
	for i, s := range secrets {
		want[i] = mac(s, id, ts, body)
	}
	for _, entry := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				return id, nil
			}
		}
	}
	return "", ErrNoMatchingSignature
}

// checkID refuses ids that are empty, too long, or contain '.': the spec
// warns that a '.' in the id would let the boundary between id, timestamp
// and body move within the signed string.
func checkID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w %s", ErrMissingHeader, HeaderID)
	case len(id) > maxIDLength:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalidHeader, HeaderID, maxIDLength)
	case strings.ContainsAny(id, ". \t\r\n"):
		return fmt.Errorf("%w: %s contains '.' or white space", ErrInvalidHeader, HeaderID)
	}
	return nil
}
