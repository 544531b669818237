// Package apikey owns the API keys of the HTTP service: their format,
// their generation and hashing, and the authentication of a request's key
// against a papersum.KeyStore, with a short cache in front of the store.
//
// # Format
//
// A key reads
//
//	psk_<id>_<secret>
//
// where <id> is 16 lowercase hex digits (8 random bytes) and <secret> is
// 32 random bytes from crypto/rand written in base62 (0-9, a-z, A-Z),
// zero-padded to 43 characters: 64 characters in all. "psk_" (papersum
// key) lets secret scanners and people recognise a leaked key. The ID is
// embedded so that a key in a config file can be matched to its row in
// `papersum keys list` and revoked without being looked up by its secret;
// the key's Prefix, "psk_<id>", is exactly the non-secret part. Base62
// has no separator characters, so the key is one word to a double click
// and needs no escaping in URLs, headers or shells.
//
// # Storage
//
// Only Hash(plaintext), a SHA-256, is stored. A slow password hash
// (bcrypt, scrypt, argon2) exists to make guessing a low-entropy password
// from its hash expensive; a key's secret is 256 uniformly random bits,
// so guessing it is hopeless at any hash speed and slowing the hash would
// only cost CPU on every request. A fast, unsalted hash also lets the
// store find a key by an index on its hash; a salted hash could not be
// looked up at all without the ID.
//
// Lookups by hash need no constant-time comparison: the database compares
// SHA-256 outputs of the presented key, not secrets. Timing could at best
// tell an attacker how many leading bytes of the hash of their guess match
// a stored hash, and steering a hash's output bytes requires inverting
// SHA-256. Authenticate also checks that the ID in the plaintext is that
// of the key found, which only a SHA-256 collision could make fail.
//
// # Revocation
//
// The Authenticator caches what the store said about a key for
// Options.CacheTTL (5s by default), so a busy key costs one store query
// per TTL rather than one per request. Revocation in the store therefore
// takes effect on every replica within the TTL, without a restart; a
// revocation through the same Authenticator takes effect at once.
package apikey
