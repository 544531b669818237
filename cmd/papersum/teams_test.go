package main

import (
	"context"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

// countingKeys counts ListKeys calls on a real key store.
type countingKeys struct {
	papersum.KeyStore
	lists atomic.Int32
}

func (c *countingKeys) ListKeys(ctx context.Context, team string) ([]*papersum.APIKey, error) {
	c.lists.Add(1)
	return c.KeyStore.ListKeys(ctx, team)
}

// TestTeamDirectory: teams come oldest first by their first key (so the
// same teams get label values on every replica and a new team never
// pushes out an older one), revoked keys still count, and a team without
// a key is looked up once per teamMissTTL, not once per run.
func TestTeamDirectory(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, k := range []struct{ team, id string }{{"zeta", "k1"}, {"alpha", "k2"}, {"zeta", "k3"}, {"mu", "k4"}, {"beta", "k5"}} {
		key := &papersum.APIKey{ID: k.id, Team: k.team, User: "u", Scope: papersum.ScopeRead, CreatedAt: base.Add(time.Duration(i) * time.Hour)}
		if k.team == "beta" {
			key.CreatedAt = base.Add(time.Hour) // the same time as alpha's: ties go by name
		}
		if err := store.CreateKey(ctx, key, []byte("hash-"+k.id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.RevokeKey(ctx, "k4", base); err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{KeyStore: store}
	clock := &stepClock{t: base}
	d := newTeamDirectory(keys, clock)
	teams, err := d.teams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"zeta", "alpha", "beta", "mu"}; !slices.Equal(teams, want) {
		t.Fatalf("teams %v, want %v (by first key, ties by name, revoked included)", teams, want)
	}

	if !d.known("mu") || !d.known("alpha") {
		t.Error("teams with keys are not known")
	}
	before := keys.lists.Load()
	for range 100 {
		if d.known("kafka-team") {
			t.Fatal("a team without a key is known")
		}
	}
	if n := keys.lists.Load() - before; n != 1 {
		t.Errorf("100 runs of a team without a key cost %d lookups, want 1", n)
	}
	clock.t = clock.t.Add(teamMissTTL)
	if err := store.CreateKey(ctx, &papersum.APIKey{ID: "k6", Team: "kafka-team", User: "u", Scope: papersum.ScopeRead}, []byte("hash-k6")); err != nil {
		t.Fatal(err)
	}
	if !d.known("kafka-team") {
		t.Error("a team that got a key is not known after teamMissTTL")
	}
}
