package apikey_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

func TestGenerate(t *testing.T) {
	clock := newClock()
	seen := map[string]bool{}
	for range 200 {
		plaintext, k, hash, err := apikey.Generate("team-a", "ada", papersum.ScopeWrite, clock)
		must(t, err)
		if len(plaintext) != apikey.Len || !strings.HasPrefix(plaintext, apikey.Prefix) {
			t.Fatalf("plaintext %q: want %d characters starting %s", plaintext, apikey.Len, apikey.Prefix)
		}
		id, err := apikey.Parse(plaintext)
		if err != nil || id != k.ID {
			t.Fatalf("Parse(%q) = %q, %v; want %q", plaintext, id, err, k.ID)
		}
		secret := plaintext[len(k.Prefix)+1:]
		if k.Prefix != apikey.Prefix+k.ID || !strings.HasPrefix(plaintext, k.Prefix+"_") || strings.Contains(k.Prefix, secret) {
			t.Fatalf("prefix %q of %q must be psk_<id> and hold none of the secret", k.Prefix, plaintext)
		}
		if want := sha256.Sum256([]byte(plaintext)); !bytes.Equal(hash, want[:]) || !bytes.Equal(apikey.Hash(plaintext), hash) {
			t.Fatalf("hash is not SHA-256 of the plaintext")
		}
		if k.Team != "team-a" || k.User != "ada" || k.Scope != papersum.ScopeWrite || !k.CreatedAt.Equal(clock.Now()) ||
			k.RevokedAt != nil || k.ExpiresAt != nil {
			t.Fatalf("key %+v", k)
		}
		if seen[plaintext] || seen[k.ID] {
			t.Fatalf("generated %q twice", plaintext)
		}
		seen[plaintext], seen[k.ID] = true, true
	}

	for name, args := range map[string][3]string{
		"no team":      {"", "ada", "read"},
		"blank user":   {"t", "  ", "read"},
		"bad scope":    {"t", "ada", "root"},
		"upper scope":  {"t", "ada", "READ"},
		"empty scope":  {"t", "ada", ""},
		"padded scope": {"t", "ada", " read"},
	} {
		_, k, _, err := apikey.Generate(args[0], args[1], papersum.Scope(args[2]), nil)
		if papersum.ErrorCode(err) != papersum.EINVALID || k != nil {
			t.Errorf("%s: Generate = %v, %v; want %s", name, k, err, papersum.EINVALID)
		}
	}
}

func TestHashIsStableAndDistinct(t *testing.T) {
	a, b := apikey.Hash("psk_x"), apikey.Hash("psk_x")
	if !bytes.Equal(a, b) || len(a) != sha256.Size {
		t.Fatalf("Hash is not a stable SHA-256: %x %x", a, b)
	}
	if bytes.Equal(a, apikey.Hash("psk_y")) {
		t.Fatal("different keys hash alike")
	}
}

func TestParseMalformed(t *testing.T) {
	good, _, _, err := apikey.Generate("t", "u", papersum.ScopeRead, nil)
	must(t, err)
	set := func(i int, c byte) string { b := []byte(good); b[i] = c; return string(b) }
	idStart, sep := len(apikey.Prefix), len(apikey.Prefix)+16
	for name, s := range map[string]string{
		"empty":             "",
		"prefix only":       apikey.Prefix,
		"wrong prefix":      "pk_" + good[3:],
		"upper prefix":      "PSK_" + good[4:],
		"short":             good[:len(good)-1],
		"long":              good + "0",
		"upper hex in id":   set(idStart, 'A'),
		"non-hex id":        set(idStart, 'g'),
		"missing separator": set(sep, 'a'),
		"dash in secret":    set(len(good)-1, '-'),
		"underscore secret": set(len(good)-1, '_'),
		"space in secret":   set(len(good)-2, ' '),
		"non-ASCII":         good[:len(good)-2] + "é",
		"NUL":               set(len(good)-1, 0),
	} {
		if _, err := apikey.Parse(s); papersum.ErrorCode(err) != papersum.EUNAUTHORIZED {
			t.Errorf("%s: Parse(%q) = %v, want %s", name, s, err, papersum.EUNAUTHORIZED)
		}
	}
}

func TestAuthenticateHeaders(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	a := newAuth(t, store, newClock())
	plaintext, k, err := a.Issue(ctx, "team-a", "ada", papersum.ScopeRead, 0)
	must(t, err)

	for _, h := range []string{
		"Bearer " + plaintext,
		"bearer " + plaintext,
		"BEARER   " + plaintext + "  ",
		plaintext,
		"\t" + plaintext + "\n",
	} {
		got, err := a.Authenticate(ctx, h)
		if err != nil || got.ID != k.ID || got.Team != "team-a" || got.User != "ada" || got.Scope != papersum.ScopeRead {
			t.Errorf("Authenticate(%q) = %+v, %v", h, got, err)
		}
	}

	unknown, _, _, err := apikey.Generate("team-a", "ada", papersum.ScopeAdmin, nil)
	must(t, err)
	secret := plaintext[len(k.Prefix)+1:]
	for name, h := range map[string]string{
		"empty":          "",
		"blank":          "   ",
		"bearer alone":   "Bearer",
		"bearer blank":   "Bearer   ",
		"basic":          "Basic " + plaintext,
		"token scheme":   "Token " + plaintext,
		"two keys":       "Bearer " + plaintext + " " + plaintext,
		"malformed":      "Bearer psk_nothing",
		"unknown":        "Bearer " + unknown,
		"secret only":    secret,
		"other id":       apikey.Prefix + strings.Repeat("0", 16) + "_" + secret,
		"truncated":      plaintext[:len(plaintext)-1],
		"case of secret": strings.ToUpper(plaintext[:len(apikey.Prefix)]) + plaintext[len(apikey.Prefix):],
	} {
		got, err := a.Authenticate(ctx, h)
		if papersum.ErrorCode(err) != papersum.EUNAUTHORIZED || got != nil {
			t.Errorf("%s: Authenticate(%q) = %+v, %v; want %s", name, h, got, err, papersum.EUNAUTHORIZED)
			continue
		}
		// Errors end up in logs: they may name the key, never its secret.
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q contains the secret", name, err)
		}
	}
}

// A store that cannot answer is an outage, not a bad key: the HTTP layer
// must answer 503, not 401, or clients will throw away good keys.
func TestAuthenticateStoreFailurePassesThrough(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	a := newAuth(t, store, newClock())
	plaintext, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
	must(t, err)
	store.failLookup = papersum.Errorf(papersum.EUNAVAILABLE, "database down")
	_, err = a.Authenticate(ctx, plaintext)
	wantCode(t, err, papersum.EUNAVAILABLE)
	if strings.Contains(err.Error(), plaintext) {
		t.Errorf("error %q contains the key", err)
	}
}

func TestScopeHierarchy(t *testing.T) {
	r, w, ad := papersum.ScopeRead, papersum.ScopeWrite, papersum.ScopeAdmin
	cases := []struct {
		have, need papersum.Scope
		ok         bool
	}{
		{r, r, true}, {r, w, false}, {r, ad, false},
		{w, r, true}, {w, w, true}, {w, ad, false},
		{ad, r, true}, {ad, w, true}, {ad, ad, true},
		// Unknown scopes fail closed on either side.
		{"root", r, false}, {"", r, false}, {"ADMIN", r, false},
		{ad, "", false}, {ad, "superuser", false},
	}
	for _, c := range cases {
		if got := c.have.Allows(c.need); got != c.ok {
			t.Errorf("%q.Allows(%q) = %v, want %v", c.have, c.need, got, c.ok)
		}
		err := (&papersum.APIKey{ID: "x", Prefix: "psk_x", Scope: c.have}).Authorize(c.need)
		switch {
		case c.ok && err != nil:
			t.Errorf("Authorize(%q, %q) = %v, want nil", c.have, c.need, err)
		case !c.ok && papersum.ErrorCode(err) != papersum.EFORBIDDEN:
			t.Errorf("Authorize(%q, %q) = %v, want %s", c.have, c.need, err, papersum.EFORBIDDEN)
		}
	}
	wantCode(t, (*papersum.APIKey)(nil).Authorize(r), papersum.EUNAUTHORIZED)
}

// A revocation made outside this Authenticator (another replica, the CLI)
// takes effect once the cache TTL has passed, without a restart; until
// then the cache spares the store a query per request.
func TestRevocationTakesEffectAfterCacheTTL(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a := newAuth(t, store, clock)
	plaintext, k, err := a.Issue(ctx, "t", "u", papersum.ScopeWrite, 0)
	must(t, err)

	for range 10 {
		_, err := a.Authenticate(ctx, "Bearer "+plaintext)
		must(t, err)
	}
	if n := store.lookupCount(); n != 1 {
		t.Fatalf("%d store lookups for 10 requests within the TTL, want 1", n)
	}

	must(t, store.RevokeKey(ctx, k.ID, clock.Now()))
	clock.Advance(apikey.DefaultCacheTTL - time.Millisecond)
	if _, err := a.Authenticate(ctx, plaintext); err != nil {
		t.Fatalf("within the TTL the cached key still works, got %v", err)
	}
	clock.Advance(time.Millisecond)
	_, err = a.Authenticate(ctx, plaintext)
	wantCode(t, err, papersum.EUNAUTHORIZED)
	if !strings.Contains(err.Error(), "revoked") {
		t.Errorf("error %q does not say the key was revoked", err)
	}
	if n := store.lookupCount(); n != 2 {
		t.Fatalf("%d store lookups, want 2 (one per TTL)", n)
	}
}

// Revoking through the Authenticator takes effect at once, cache or not.
func TestRevokeIsImmediateLocally(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	a := newAuth(t, store, newClock())
	plaintext, k, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
	must(t, err)
	_, err = a.Authenticate(ctx, plaintext)
	must(t, err)
	must(t, a.Revoke(ctx, k.ID))
	_, err = a.Authenticate(ctx, plaintext)
	wantCode(t, err, papersum.EUNAUTHORIZED)
	wantCode(t, a.Revoke(ctx, "nope"), papersum.ENOTFOUND)
}

// A clock that goes backwards does not keep a cache entry alive.
func TestCacheEntryStaleWhenClockGoesBack(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a := newAuth(t, store, clock)
	plaintext, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
	must(t, err)
	_, err = a.Authenticate(ctx, plaintext)
	must(t, err)
	clock.Advance(-time.Second)
	_, err = a.Authenticate(ctx, plaintext)
	must(t, err)
	if n := store.lookupCount(); n != 2 {
		t.Fatalf("%d lookups, want 2", n)
	}
}

func TestCacheDisabled(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	a, err := apikey.NewAuthenticator(store, apikey.Options{Clock: newClock(), CacheTTL: -1})
	must(t, err)
	plaintext, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
	must(t, err)
	for range 3 {
		_, err := a.Authenticate(ctx, plaintext)
		must(t, err)
	}
	if n := store.lookupCount(); n != 3 {
		t.Fatalf("%d lookups with the cache off, want 3", n)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a := newAuth(t, store, clock)
	plaintext, k, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, time.Hour)
	must(t, err)
	if k.ExpiresAt == nil || !k.ExpiresAt.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("ExpiresAt = %v, want an hour from now", k.ExpiresAt)
	}
	clock.Advance(time.Hour - time.Nanosecond)
	_, err = a.Authenticate(ctx, plaintext)
	must(t, err)
	// The cached entry is fresh, but expiry is checked against the clock
	// on every request.
	clock.Advance(time.Nanosecond)
	_, err = a.Authenticate(ctx, plaintext)
	wantCode(t, err, papersum.EUNAUTHORIZED)
	if !strings.Contains(err.Error(), "expired") {
		t.Errorf("error %q does not say the key expired", err)
	}
	_, _, err = a.Issue(ctx, "t", "u", papersum.ScopeRead, -time.Second)
	wantCode(t, err, papersum.EINVALID)
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a := newAuth(t, store, clock)
	oldText, old, err := a.Issue(ctx, "team-a", "ada", papersum.ScopeAdmin, 30*24*time.Hour)
	must(t, err)
	_, err = a.Authenticate(ctx, oldText) // cache the old key
	must(t, err)

	clock.Advance(24 * time.Hour)
	newText, nk, err := a.Rotate(ctx, old.ID, 10*time.Minute)
	must(t, err)
	if nk.ID == old.ID || newText == oldText || nk.Team != "team-a" || nk.User != "ada" || nk.Scope != papersum.ScopeAdmin {
		t.Fatalf("rotated key %+v from %+v", nk, old)
	}
	if nk.ExpiresAt == nil || !nk.ExpiresAt.Equal(clock.Now().Add(30*24*time.Hour)) {
		t.Errorf("rotated key expires %v, want the old lifetime (30 days) from now", nk.ExpiresAt)
	}
	if got, err := a.Authenticate(ctx, newText); err != nil || got.ID != nk.ID {
		t.Fatalf("new key: %+v, %v", got, err)
	}
	// Both work during the grace period...
	clock.Advance(10*time.Minute - time.Second)
	if _, err := a.Authenticate(ctx, oldText); err != nil {
		t.Fatalf("old key within the grace period: %v", err)
	}
	// ...and the old one stops when it ends, cached or not.
	clock.Advance(time.Second)
	_, err = a.Authenticate(ctx, oldText)
	wantCode(t, err, papersum.EUNAUTHORIZED)
	if _, err := a.Authenticate(ctx, newText); err != nil {
		t.Fatalf("new key after the grace period: %v", err)
	}

	// A revoked key cannot be rotated back to life, nor an unknown one.
	_, _, err = a.Rotate(ctx, old.ID, 0)
	wantCode(t, err, papersum.ECONFLICT)
	_, _, err = a.Rotate(ctx, "nope", 0)
	wantCode(t, err, papersum.ENOTFOUND)
	_, _, err = a.Rotate(ctx, nk.ID, -time.Second)
	wantCode(t, err, papersum.EINVALID)

	// Without grace the old key stops at once, even though it is cached.
	newer, nk2, err := a.Rotate(ctx, nk.ID, 0)
	must(t, err)
	_, err = a.Authenticate(ctx, newText)
	wantCode(t, err, papersum.EUNAUTHORIZED)
	if got, err := a.Authenticate(ctx, newer); err != nil || got.ID != nk2.ID {
		t.Fatalf("newest key: %+v, %v", got, err)
	}
	keys, err := store.ListKeys(ctx, "team-a")
	must(t, err)
	if len(keys) != 3 {
		t.Fatalf("%d keys stored, want 3", len(keys))
	}
}

// When the old key cannot be revoked, rotation fails and leaves the old
// key as the only working one.
func TestRotateFailureLeavesOneKey(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a := newAuth(t, store, clock)
	oldText, old, err := a.Issue(ctx, "t", "u", papersum.ScopeWrite, 0)
	must(t, err)
	store.failRevoke = old.ID
	text, k, err := a.Rotate(ctx, old.ID, 0)
	wantCode(t, err, papersum.EUNAVAILABLE)
	if text != "" || k != nil {
		t.Fatalf("failed rotation returned a key: %q %+v", text, k)
	}
	keys, err := store.ListKeys(ctx, "t")
	must(t, err)
	active := 0
	for _, k := range keys {
		if k.Active(clock.Now()) {
			active++
		}
	}
	if len(keys) != 2 || active != 1 {
		t.Fatalf("%d keys, %d active; want the new one stored but revoked", len(keys), active)
	}
	if _, err := a.Authenticate(ctx, oldText); err != nil {
		t.Fatalf("old key after a failed rotation: %v", err)
	}
}

// Callers get copies: changing a returned key changes nothing cached.
func TestAuthenticateReturnsCopies(t *testing.T) {
	ctx := context.Background()
	a := newAuth(t, newMemStore(), newClock())
	plaintext, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, time.Hour)
	must(t, err)
	k, err := a.Authenticate(ctx, plaintext)
	must(t, err)
	k.Scope = papersum.ScopeAdmin
	*k.ExpiresAt = k.ExpiresAt.Add(1000 * time.Hour)
	k2, err := a.Authenticate(ctx, plaintext)
	must(t, err)
	if k2.Scope != papersum.ScopeRead || k2.ExpiresAt.Equal(*k.ExpiresAt) {
		t.Fatalf("a caller's change reached the cache: %+v", k2)
	}
}

func TestConcurrentAuthenticate(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := newClock()
	a, err := apikey.NewAuthenticator(store, apikey.Options{Clock: clock, MaxCacheEntries: 3})
	must(t, err)
	var keys []string
	for range 5 {
		p, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
		must(t, err)
		keys = append(keys, p)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if _, err := a.Authenticate(ctx, keys[(g+i)%len(keys)]); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					clock.Advance(time.Second)
				}
			}
		}()
	}
	wg.Wait()
}

func TestNewAuthenticatorErrors(t *testing.T) {
	_, err := apikey.NewAuthenticator(nil, apikey.Options{})
	wantCode(t, err, papersum.EINVALID)
	_, err = apikey.NewAuthenticator(newMemStore(), apikey.Options{MaxCacheEntries: -1})
	wantCode(t, err, papersum.EINVALID)
}
