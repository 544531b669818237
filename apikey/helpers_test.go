package apikey_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// memStore is an in-memory papersum.KeyStore that follows the interface's
// contract (the real stores are held to it by storetest) and counts
// lookups, so that tests can see the cache at work. It is here rather than
// a real store so that this package's tests depend on nothing but itself.
type memStore struct {
	mu      sync.Mutex
	byID    map[string]*papersum.APIKey
	hashes  map[string]string // hash -> ID
	lookups int
	// failRevoke, when set, fails RevokeKey for that ID.
	failRevoke string
	// failLookup, when set, is KeyByHash's error.
	failLookup error
}

func newMemStore() *memStore {
	return &memStore{byID: map[string]*papersum.APIKey{}, hashes: map[string]string{}}
}

func (m *memStore) CreateKey(_ context.Context, k *papersum.APIKey, hash []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k == nil || k.ID == "" || k.Team == "" || k.User == "" || !k.Scope.Valid() || len(hash) == 0 {
		return papersum.Errorf(papersum.EINVALID, "bad key")
	}
	if _, ok := m.byID[k.ID]; ok {
		return papersum.Errorf(papersum.ECONFLICT, "id exists")
	}
	if _, ok := m.hashes[string(hash)]; ok {
		return papersum.Errorf(papersum.ECONFLICT, "hash exists")
	}
	c := *k
	m.byID[k.ID] = &c
	m.hashes[string(hash)] = k.ID
	return nil
}

func (m *memStore) KeyByHash(_ context.Context, hash []byte) (*papersum.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if m.failLookup != nil {
		return nil, m.failLookup
	}
	id, ok := m.hashes[string(hash)]
	if !ok {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "API key not found")
	}
	c := *m.byID[id]
	return &c, nil
}

func (m *memStore) KeyByID(_ context.Context, id string) (*papersum.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.byID[id]
	if !ok {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "API key %s not found", id)
	}
	c := *k
	return &c, nil
}

func (m *memStore) RevokeKey(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id == m.failRevoke {
		return papersum.Errorf(papersum.EUNAVAILABLE, "database down")
	}
	k, ok := m.byID[id]
	if !ok {
		return papersum.Errorf(papersum.ENOTFOUND, "API key %s not found", id)
	}
	if k.RevokedAt == nil || at.Before(*k.RevokedAt) {
		k.RevokedAt = &at
	}
	return nil
}

func (m *memStore) ListKeys(_ context.Context, team string) ([]*papersum.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*papersum.APIKey
	for _, k := range m.byID {
		if team == "" || k.Team == team {
			c := *k
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *papersum.APIKey) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (m *memStore) lookupCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookups
}

// fakeClock is a clock that tests move by hand; safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newAuth(t *testing.T, store papersum.KeyStore, clock papersum.Clock) *apikey.Authenticator {
	t.Helper()
	a, err := apikey.NewAuthenticator(store, apikey.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := papersum.ErrorCode(err); got != code {
		t.Fatalf("got %v (code %q), want code %s", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
