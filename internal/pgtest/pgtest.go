// Package pgtest gives tests the real PostgreSQL named by
// TEST_DATABASE_URL (CI sets it; plain `go test ./...` skips these tests)
// and a schema of their own that is dropped afterwards, so tests and
// concurrent runs sharing one database never see each other's rows and
// the CI database is left as it was.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// URL returns TEST_DATABASE_URL, or skips tb when it is unset.
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		tb.Skip("TEST_DATABASE_URL is not set; set it to run the Postgres tests, e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
	}
	return url
}

// Schema returns the name of a schema that does not exist yet, and drops
// it with everything in it when tb ends. It does not create the schema:
// the postgres store creates its own, and callers that need it first
// create it themselves.
func Schema(tb testing.TB, url string) string {
	tb.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "papersum_test_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}
