package apikey

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/papersum/papersum"
)

// Defaults of Options.
const (
	// DefaultCacheTTL is how long the Authenticator trusts what the store
	// said about a key: the longest a revocation made elsewhere (another
	// replica, the CLI) takes to reach this process.
	DefaultCacheTTL = 5 * time.Second
	// DefaultMaxCacheEntries bounds the cache; far more keys than a
	// papersum installation has, and a few MB at most.
	DefaultMaxCacheEntries = 10000
)

// Options configure NewAuthenticator. The zero value is valid.
type Options struct {
	// Clock decides whether keys are expired or revoked, stamps new keys
	// and ages the cache. Default: papersum.SystemClock.
	Clock papersum.Clock
	// CacheTTL is how long a key found in the store is served from
	// memory; it bounds how long a revocation made through another
	// process takes to take effect here. Default: DefaultCacheTTL (5s).
	// Negative turns the cache off: every request queries the store.
	CacheTTL time.Duration
	// MaxCacheEntries bounds the number of cached keys. Default:
	// DefaultMaxCacheEntries (10000). Negative is EINVALID.
	MaxCacheEntries int
}

// withDefaults returns o with every unset field at its default.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = papersum.SystemClock{}
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.MaxCacheEntries == 0 {
		o.MaxCacheEntries = DefaultMaxCacheEntries
	}
	return o
}

func (o Options) validate() error {
	if o.MaxCacheEntries < 0 {
		return papersum.Errorf(papersum.EINVALID, "apikey: max cache entries %d is negative", o.MaxCacheEntries)
	}
	return nil
}

// Authenticator checks requests' API keys against a KeyStore, and issues,
// revokes and rotates keys there. It is safe for concurrent use.
type Authenticator struct {
	store papersum.KeyStore
	clock papersum.Clock
	ttl   time.Duration
	max   int

	mu sync.Mutex
	// cache maps a key's hash to what the store said about it. Unknown
	// keys are not cached: a key created a moment ago must work at once,
	// and random guesses must not fill memory.
	cache map[[sha256.Size]byte]cacheEntry
}

type cacheEntry struct {
	key     *papersum.APIKey
	fetched time.Time
}

// NewAuthenticator returns an Authenticator over store.
//
// Errors: EINVALID when store is nil or an option is invalid.
func NewAuthenticator(store papersum.KeyStore, opts Options) (*Authenticator, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "apikey: no key store")
	}
	return &Authenticator{
		store: store,
		clock: opts.Clock,
		ttl:   opts.CacheTTL,
		max:   opts.MaxCacheEntries,
		cache: map[[sha256.Size]byte]cacheEntry{},
	}, nil
}

// unauthorized is the error of every rejected key. Messages say what is
// wrong with the key but never echo it: the header may be a real key sent
// to the wrong place, and errors end up in logs.
func unauthorized(format string, args ...any) error {
	return &papersum.Error{Code: papersum.EUNAUTHORIZED, Op: "apikey.Authenticate", Message: fmt.Sprintf(format, args...)}
}

// Authenticate returns the key that header carries, when that key exists
// and is neither revoked nor expired. header is an Authorization header
// value ("Bearer psk_...", the scheme in any case) or a bare key (from an
// X-API-Key header or a flag).
//
// Errors: EUNAUTHORIZED for a missing, malformed, unknown, revoked or
// expired key; a store failure passes through with its own code
// (EUNAVAILABLE when the database cannot be reached), so that an outage
// reads as an outage and not as a bad key.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (*papersum.APIKey, error) {
	plaintext, err := credential(header)
	if err != nil {
		return nil, err
	}
	id, err := Parse(plaintext)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(plaintext))
	now := a.clock.Now()
	k, ok := a.cached(h, now)
	if !ok {
		k, err = a.store.KeyByHash(ctx, h[:])
		if papersum.ErrorCode(err) == papersum.ENOTFOUND {
			return nil, unauthorized("unknown API key %s%s", Prefix, id)
		}
		if err != nil {
			return nil, fmt.Errorf("authenticate API key %s%s: %w", Prefix, id, err)
		}
		a.put(h, k, now)
	}
	// Only a SHA-256 collision could make these differ; checking makes the
	// ID in the plaintext safe to log as the key's identity.
	if k.ID != id {
		return nil, unauthorized("unknown API key %s%s", Prefix, id)
	}
	switch {
	case k.RevokedAt != nil && !now.Before(*k.RevokedAt):
		return nil, unauthorized("API key %s was revoked", k.Prefix)
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return nil, unauthorized("API key %s expired", k.Prefix)
	}
	return clone(k), nil
}

// credential takes the key out of an Authorization header value or returns
// a bare key as it is.
func credential(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", unauthorized("missing API key: send Authorization: Bearer %s...", Prefix)
	}
	scheme, rest, found := strings.Cut(header, " ")
	if !found {
		return header, nil
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized("unsupported authorization scheme; send Authorization: Bearer %s...", Prefix)
	}
	return strings.TrimSpace(rest), nil
}

// Issue generates a key, stores it and returns its plaintext, which is
// never available again, with the stored key. lifetime 0 makes a key that
// never expires.
//
// Errors: EINVALID for an empty team or user, an invalid scope or a
// negative lifetime; the store's errors otherwise.
func (a *Authenticator) Issue(ctx context.Context, team, user string, scope papersum.Scope, lifetime time.Duration) (string, *papersum.APIKey, error) {
	if lifetime < 0 {
		return "", nil, papersum.Errorf(papersum.EINVALID, "API key lifetime %s is negative", lifetime)
	}
	plaintext, k, hash, err := Generate(team, user, scope, a.clock)
	if err != nil {
		return "", nil, err
	}
	if lifetime > 0 {
		exp := k.CreatedAt.Add(lifetime)
		k.ExpiresAt = &exp
	}
	if err := a.store.CreateKey(ctx, k, hash); err != nil {
		return "", nil, fmt.Errorf("create API key for %s/%s: %w", team, user, err)
	}
	return plaintext, k, nil
}

// Revoke revokes the key with this ID now. This Authenticator stops
// accepting it at once; others within their cache TTL.
//
// Errors: ENOTFOUND for an unknown ID; the store's errors otherwise.
func (a *Authenticator) Revoke(ctx context.Context, id string) error {
	if err := a.store.RevokeKey(ctx, id, a.clock.Now()); err != nil {
		return fmt.Errorf("revoke API key %s: %w", id, err)
	}
	a.forget(id)
	return nil
}

// Rotate replaces the key with this ID: it issues a new key for the same
// team, user and scope, and revokes the old one when grace has passed, so
// that clients can switch to the new key without an outage (grace 0
// revokes it at once). A key with an expiry gets a new one the same
// lifetime from now, so rotation never turns a short-lived key into a
// permanent one. It returns the new key's plaintext, shown once, and the
// new key.
//
// Errors: EINVALID for a negative grace; ENOTFOUND for an unknown ID;
// ECONFLICT when the key is revoked or expired already (issue a new key
// instead: rotating must not revive a key that was taken away); the
// store's errors otherwise. When the old key cannot be revoked, the new
// one is revoked again and the error returned, so that a failed rotation
// leaves one working key, not two.
func (a *Authenticator) Rotate(ctx context.Context, id string, grace time.Duration) (string, *papersum.APIKey, error) {
	const op = "apikey.Rotate"
	if grace < 0 {
		return "", nil, &papersum.Error{Code: papersum.EINVALID, Op: op, Message: fmt.Sprintf("grace period %s is negative", grace)}
	}
	old, err := a.store.KeyByID(ctx, id)
	if err != nil {
		return "", nil, fmt.Errorf("rotate API key %s: %w", id, err)
	}
	now := a.clock.Now()
	if !old.Active(now) {
		return "", nil, &papersum.Error{Code: papersum.ECONFLICT, Op: op,
			Message: fmt.Sprintf("API key %s is revoked or expired; create a new key instead", old.Prefix)}
	}
	var lifetime time.Duration
	if old.ExpiresAt != nil {
		lifetime = max(old.ExpiresAt.Sub(old.CreatedAt), time.Nanosecond)
	}
	plaintext, k, err := a.Issue(ctx, old.Team, old.User, old.Scope, lifetime)
	if err != nil {
		return "", nil, fmt.Errorf("rotate API key %s: %w", id, err)
	}
	if err := a.store.RevokeKey(ctx, old.ID, now.Add(grace)); err != nil {
		// Best effort: if this fails too, the new key's plaintext is never
		// shown, so nobody can use it.
		_ = a.store.RevokeKey(ctx, k.ID, now)
		return "", nil, fmt.Errorf("rotate API key %s: revoke the old key: %w", id, err)
	}
	a.forget(old.ID)
	return plaintext, k, nil
}

// cached returns the cached key for hash if it is younger than the TTL. A
// clock that went backwards makes an entry stale rather than immortal.
func (a *Authenticator) cached(h [sha256.Size]byte, now time.Time) (*papersum.APIKey, bool) {
	if a.ttl < 0 {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.cache[h]
	if !ok {
		return nil, false
	}
	if age := now.Sub(e.fetched); age < 0 || age >= a.ttl {
		delete(a.cache, h)
		return nil, false
	}
	return e.key, true
}

// put caches k. When the cache is full it drops the stale entries, and
// everything when none is stale: a full cache of fresh entries means more
// active keys than MaxCacheEntries, where any eviction order costs about
// the same, and starting over is the simplest bound.
func (a *Authenticator) put(h [sha256.Size]byte, k *papersum.APIKey, now time.Time) {
	if a.ttl < 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.max {
		for kh, e := range a.cache {
			if age := now.Sub(e.fetched); age < 0 || age >= a.ttl {
				delete(a.cache, kh)
			}
		}
		if len(a.cache) >= a.max {
			clear(a.cache)
		}
	}
	a.cache[h] = cacheEntry{key: clone(k), fetched: now}
}

// forget drops the cached entries of the key with this ID. The cache is
// keyed by hash, and the hash of a key cannot be had from its ID, so it
// scans; the cache is small and revocations are rare.
func (a *Authenticator) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, e := range a.cache {
		if e.key.ID == id {
			delete(a.cache, h)
		}
	}
}

// clone copies k deeply, so that no caller can change a cached key.
func clone(k *papersum.APIKey) *papersum.APIKey {
	c := *k
	if k.RevokedAt != nil {
		t := *k.RevokedAt
		c.RevokedAt = &t
	}
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		c.ExpiresAt = &t
	}
	return &c
}
