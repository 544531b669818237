package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// Only the hash of a key reaches the database: neither the plaintext nor
// its secret part is anywhere in the table or in the files on disk.
func TestAPIKeyPlaintextIsNotStored(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "papersum.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plaintext, k, hash, err := apikey.Generate("team-a", "ada", papersum.ScopeAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateKey(ctx, k, hash); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeKey(ctx, k.ID, k.CreatedAt.Add(1)); err != nil {
		t.Fatal(err)
	}
	secret := plaintext[len(k.Prefix)+1:]

	// The table, every column as text (BLOBs in hex, in both cases).
	var dump strings.Builder
	rows, err := db.db.QueryContext(ctx, `SELECT quote(id), quote(hash), quote(team), quote(user_name), quote(scope),
		quote(prefix), quote(created_at), quote(revoked_at), quote(expires_at), CAST(hash AS TEXT) FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		cols := make([]string, 10)
		ptrs := make([]any, len(cols))
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		dump.WriteString(strings.Join(cols, "|") + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if !strings.Contains(dump.String(), k.Prefix) {
		t.Fatalf("dump %q lacks the key's prefix: the scan would prove nothing", dump.String())
	}
	for _, s := range []string{plaintext, secret, strings.ToUpper(secret), strings.ToLower(secret)} {
		if strings.Contains(strings.ToLower(dump.String()), strings.ToLower(s)) {
			t.Fatalf("api_keys holds the key's secret: %s", dump.String())
		}
	}

	// The files on disk, WAL included, whatever SQLite kept in free pages.
	if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s holds the key's secret", f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no database files to scan")
	}
}
