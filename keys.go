package papersum

import (
	"context"
	"fmt"
	"time"
)

// Error codes of API authentication. They are separate from EINVALID
// because a client must be able to tell "who are you?" from "you may
// not" from "your request is wrong": the HTTP layer maps EUNAUTHORIZED to
// 401 Unauthorized (with a WWW-Authenticate: Bearer header) and
// EFORBIDDEN to 403 Forbidden. The CLI, which never authenticates itself,
// treats both as an ordinary failure.
const (
	// EUNAUTHORIZED: no API key, a malformed one, or one that is unknown,
	// revoked or expired.
	EUNAUTHORIZED = "unauthorized"
	// EFORBIDDEN: a valid API key whose scope does not allow the action.
	EFORBIDDEN = "forbidden"
)

// Scope is what an API key may do. Scopes are ordered: admin includes
// write, and write includes read.
type Scope string

// The scopes, from least to most powerful.
const (
	// ScopeRead may read papers, runs and evaluations.
	ScopeRead Scope = "read"
	// ScopeWrite may also start runs, batches and evaluations.
	ScopeWrite Scope = "write"
	// ScopeAdmin may also manage API keys.
	ScopeAdmin Scope = "admin"
)

// Scopes lists every scope, from least to most powerful.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// rank orders the scopes; an unknown scope ranks 0 and allows nothing.
func (s Scope) rank() int {
	switch s {
	case ScopeRead:
		return 1
	case ScopeWrite:
		return 2
	case ScopeAdmin:
		return 3
	}
	return 0
}

// Valid reports whether s is one of Scopes.
func (s Scope) Valid() bool { return s.rank() > 0 }

// Allows reports whether a key with scope s may do what needs scope need.
// An unknown scope on either side allows nothing, so that a typo in a
// route table or a corrupt row fails closed.
func (s Scope) Allows(need Scope) bool {
	return s.Valid() && need.Valid() && s.rank() >= need.rank()
}

// APIKey is an API key as stored: everything about it except the secret,
// which exists only in the plaintext handed to its owner once, and as a
// hash in the store.
type APIKey struct {
	// ID identifies the key in listings, logs and revocation. It is not
	// secret: it is embedded in the key's plaintext.
	ID   string `json:"id"`
	Team string `json:"team"`
	User string `json:"user"`
	// Scope is what the key may do.
	Scope Scope `json:"scope"`
	// Prefix is the start of the plaintext, shown so that a person can
	// tell which of their keys is which. It never holds any of the
	// secret, so it is never enough to use the key.
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
	// RevokedAt is when the key stops working because it was revoked. It
	// may lie in the future: a rotated key keeps working for a grace
	// period so that clients can switch over.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// ExpiresAt is when the key stops working by itself; nil means never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Active reports whether the key works at t: it is neither revoked nor
// expired by then.
func (k *APIKey) Active(t time.Time) bool {
	if k.RevokedAt != nil && !t.Before(*k.RevokedAt) {
		return false
	}
	if k.ExpiresAt != nil && !t.Before(*k.ExpiresAt) {
		return false
	}
	return true
}

// Authorize returns nil when k may do what needs scope need. It is a
// method of the key, not of the authenticator, so that a transport checks
// scopes without depending on how keys are issued and stored.
//
// Errors: EUNAUTHORIZED when k is nil (the request was not
// authenticated); EFORBIDDEN when k's scope does not include need.
func (k *APIKey) Authorize(need Scope) error {
	const op = "papersum.APIKey.Authorize"
	if k == nil {
		return &Error{Code: EUNAUTHORIZED, Op: op, Message: "missing API key"}
	}
	if !k.Scope.Allows(need) {
		return &Error{Code: EFORBIDDEN, Op: op,
			Message: fmt.Sprintf("API key %s has scope %s; this needs %s", k.Prefix, k.Scope, need)}
	}
	return nil
}

// KeyStore keeps API keys. It stores a hash of each key's plaintext, never
// the plaintext, and finds keys by that hash.
//
// Errors: EINVALID for malformed input; ENOTFOUND for an unknown key;
// ECONFLICT when a key is created twice.
type KeyStore interface {
	// CreateKey stores a new key with the hash of its plaintext. A zero
	// k.CreatedAt is stamped from the store's clock and written back.
	// ECONFLICT when the ID or the hash is stored already; EINVALID when
	// the ID, team, user or hash is empty or the scope is not valid.
	CreateKey(ctx context.Context, k *APIKey, hash []byte) error
	// KeyByHash returns the key whose plaintext has this hash, whether or
	// not it is still active. ENOTFOUND when there is none.
	KeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// KeyByID returns the key with this ID. ENOTFOUND when there is none.
	KeyByID(ctx context.Context, id string) (*APIKey, error)
	// RevokeKey makes the key stop working at at (the store's clock when
	// at is zero). A revocation can be brought forward but never put off
	// or undone: when the key is already revoked at an earlier time, that
	// time stays. ENOTFOUND when there is no such key.
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// ListKeys returns the keys of team, revoked and expired ones
	// included, newest first; team "" lists every team's keys.
	ListKeys(ctx context.Context, team string) ([]*APIKey, error)
}
