package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/papersum/papersum/sqlite"
)

// TestMigrationsCheck: /readyz's migrations check checks the schema's
// version on its own, instead of repeating the store check's error.
func TestMigrationsCheck(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if reason, err := migrationsCheck(ctx, db, nil); err != nil || reason != "" {
		t.Fatalf("current schema: %q, %v; want ok", reason, err)
	}
	if reason, err := migrationsCheck(ctx, db, errors.New("connection refused")); err == nil || reason != "not checked" {
		t.Fatalf("store unreachable: %q, %v; want not checked", reason, err)
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if reason, err := migrationsCheck(ctx, db, nil); err == nil || reason != "schema behind" {
		t.Fatalf("schema behind: %q, %v; want failing with schema behind", reason, err)
	}
}
