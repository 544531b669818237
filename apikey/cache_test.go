package apikey

import (
	"context"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// keyMap is the smallest KeyStore that finds keys by hash, for checking
// the cache's bound from inside the package.
type keyMap map[string]*papersum.APIKey

func (m keyMap) CreateKey(_ context.Context, k *papersum.APIKey, h []byte) error {
	m[string(h)] = k
	return nil
}

func (m keyMap) KeyByHash(_ context.Context, h []byte) (*papersum.APIKey, error) {
	if k, ok := m[string(h)]; ok {
		return k, nil
	}
	return nil, papersum.Errorf(papersum.ENOTFOUND, "not found")
}

func (m keyMap) KeyByID(context.Context, string) (*papersum.APIKey, error) {
	return nil, papersum.Errorf(papersum.ENOTFOUND, "not found")
}

func (m keyMap) RevokeKey(context.Context, string, time.Time) error { return nil }

func (m keyMap) ListKeys(context.Context, string) ([]*papersum.APIKey, error) { return nil, nil }

type stopped time.Time

func (c stopped) Now() time.Time { return time.Time(c) }

// The cache never holds more than MaxCacheEntries keys, and unknown keys
// take no room in it.
func TestCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	a, err := NewAuthenticator(keyMap{}, Options{Clock: stopped(time.Unix(1e9, 0)), MaxCacheEntries: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		p, _, err := a.Issue(ctx, "t", "u", papersum.ScopeRead, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, p); err != nil {
			t.Fatal(err)
		}
		unknown, _, _, _ := Generate("t", "u", papersum.ScopeRead, nil)
		if _, err := a.Authenticate(ctx, unknown); papersum.ErrorCode(err) != papersum.EUNAUTHORIZED {
			t.Fatalf("unknown key: %v", err)
		}
		a.mu.Lock()
		n := len(a.cache)
		a.mu.Unlock()
		if n > 4 || n == 0 {
			t.Fatalf("after %d keys the cache holds %d entries, want 1..4", i+1, n)
		}
	}
}
