package papersum

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// The ports below are what the service is handed: the adapters that
// implement them (cache, fetch) are wired by cmd/papersum, so that the
// service imports neither.

// CacheKey identifies a cached result by everything that determines it.
// Two runs with equal keys produce the same output, so one may be served
// from the other's result.
type CacheKey struct {
	// PaperHash is the content hash of the paper. Required.
	PaperHash string
	// ConfigHash is the hash of the pipeline configuration (model,
	// parameters, stages). Required.
	ConfigHash string
	// PromptVersions names the versions of the prompt templates used, so
	// that editing a prompt invalidates the results it produced. It may be
	// empty for a pipeline without prompts.
	PromptVersions string
}

// cacheKeyVersion is hashed into every key: changing it invalidates
// every cached result at once (a new result format).
const cacheKeyVersion = "papersum-cache-v1"

// String returns the key as 64 hex characters: the SHA-256 of its fields.
// Each field is length-prefixed before hashing, so that fields whose
// concatenations are equal ("ab"+"c" and "a"+"bc") still give different
// keys. It is stable across processes and releases (see cacheKeyVersion),
// which is what lets replicas share a Redis cache.
func (k CacheKey) String() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range [...]string{cacheKeyVersion, k.PaperHash, k.ConfigHash, k.PromptVersions} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Validate checks that the required fields are set.
//
// Errors: EINVALID naming the empty field.
func (k CacheKey) Validate() error {
	if k.PaperHash == "" {
		return Errorf(EINVALID, "cache key: paper hash is empty")
	}
	if k.ConfigHash == "" {
		return Errorf(EINVALID, "cache key: config hash is empty")
	}
	return nil
}

// ResultCache keeps finished results by key, for a while; the cache
// package's in-process LRU and Redis cache implement it.
type ResultCache interface {
	// Get returns the value stored under key and true, or nil and false on
	// a miss. Errors: EINVALID for an invalid key; the context's error.
	// A backend failure is a miss, not an error.
	Get(ctx context.Context, key CacheKey) ([]byte, bool, error)
	// Set stores value under key for ttl. Errors: as Get.
	Set(ctx context.Context, key CacheKey, value []byte, ttl time.Duration) error
}

// FetchedDocument is what a DocumentFetcher got for a URL.
type FetchedDocument struct {
	Body []byte
	// ContentType is the response's Content-Type header, as sent.
	ContentType string
	// FinalURL is the URL that answered, after redirects.
	FinalURL string
}

// DocumentFetcher downloads a paper given by URL; *fetch.Fetcher
// implements it with its allowlist and SSRF rules.
type DocumentFetcher interface {
	// Fetch returns the document at rawURL. Errors: a *FetchError with
	// its FetchReason (EINVALID for the client's URL, EUNAVAILABLE for the
	// remote side), or the context's error.
	Fetch(ctx context.Context, rawURL string) (*FetchedDocument, error)
}
