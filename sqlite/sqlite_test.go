package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/storetest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested", "dir", "papersum.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) papersum.Store { return openTemp(t) })
}

func TestStoreInMemory(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) papersum.Store {
		db, err := Open(context.Background(), ":memory:", Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestOpenCreatesPrivateDirsAndFile(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "papersum.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, dir := range []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b")} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s has mode %o, want 700", dir, perm)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file has mode %o, want 600", perm)
	}
	var mode string
	if err := db.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	var busy int
	if err := db.db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != 5000 {
		t.Errorf("busy_timeout = %d, %v; want 5000", busy, err)
	}
}

// Reopening applies no migration twice and keeps the data.
func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "papersum.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &papersum.Paper{ID: "sha256:keep", Title: "Keep me", Format: "text"}
	if err := db.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		db, err = Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		got, err := db.GetPaper(ctx, p.ID)
		if err != nil || got.Title != p.Title {
			t.Fatalf("reopen %d: GetPaper = %v, %v", i, got, err)
		}
		ms, _ := loadMigrations()
		var n int
		if err := db.db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
			t.Fatalf("reopen %d: %d migrations recorded (%v), want %d", i, n, err, len(ms))
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

// A file that is not a SQLite database is refused with EINVALID and left
// byte for byte as it was: bad input must never cost stored data.
func TestOpenRefusesForeignFileUnchanged(t *testing.T) {
	cases := map[string][]byte{
		"text":           []byte("These are my notes; papersum must not touch them.\n"),
		"short":          []byte("SQLite"),
		"corrupt header": append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 4096)...),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "papersum.db")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			db, err := Open(context.Background(), path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a file that is not a database")
			}
			if code := papersum.ErrorCode(err); code != papersum.EINVALID {
				t.Fatalf("Open = %v (code %s), want %s", err, code, papersum.EINVALID)
			}
			if msg := papersum.ErrorMessage(err); !bytes.Contains([]byte(msg), []byte(path)) {
				t.Errorf("message %q does not name the file", msg)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, content) {
				t.Fatal("the file was modified")
			}
			if fi, _ := os.Stat(path); fi.Mode() != before.Mode() {
				t.Errorf("mode changed from %v to %v", before.Mode(), fi.Mode())
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("Open left files behind: %v", names)
			}
		})
	}
}

// Another program's SQLite database is refused and not migrated.
func TestOpenRefusesOtherProgramsDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Make it look like another program's database.
	for _, q := range []string{`DROP TABLE stage_results`, `DROP TABLE runs`, `DROP TABLE papers`,
		`DROP TABLE schema_migrations`, `CREATE TABLE contacts (name TEXT)`, `INSERT INTO contacts VALUES ('Ada')`} {
		if _, err := db.db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()

	_, err = Open(ctx, path, Options{})
	if code := papersum.ErrorCode(err); code != papersum.EINVALID {
		t.Fatalf("Open = %v, want %s", err, papersum.EINVALID)
	}
	db2, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var n int
	if err := db2.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'papers'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("papers table created in a foreign database (%d, %v)", n, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newer.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path, Options{})
	if code := papersum.ErrorCode(err); code != papersum.EINVALID {
		t.Fatalf("Open = %v, want %s", err, papersum.EINVALID)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for name, path := range map[string]string{"empty": "", "directory": t.TempDir()} {
		if _, err := Open(ctx, path, Options{}); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: Open = %v, want %s", name, err, papersum.EINVALID)
		}
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{BusyTimeout: -time.Second}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("negative busy timeout: Open = %v, want %s", err, papersum.EINVALID)
	}
}

// Paths with characters that mean something in a URI still work.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "we?ird #dir %20", "papers & runs.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestClockStampsMissingTimes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	db, err := Open(ctx, ":memory:", Options{Clock: fixedClock{now}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	run := &papersum.Run{ID: "r", PaperID: "p"}
	if err := db.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	st := &papersum.StageResult{Stage: papersum.StageSummarize}
	if err := db.AddStage(ctx, "r", st); err != nil {
		t.Fatal(err)
	}
	run.Status = papersum.RunSucceeded
	if err := db.FinishRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetRun(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(now) || !got.Stages[0].StartedAt.Equal(now) || !got.FinishedAt.Equal(now) {
		t.Fatalf("times %v %v %v, want %v", got.CreatedAt, got.Stages[0].StartedAt, got.FinishedAt, now)
	}
	if !run.FinishedAt.Equal(now) || !st.StartedAt.Equal(now) || !run.CreatedAt.Equal(now) {
		t.Fatalf("caller's structs not stamped: %v %v %v", run.CreatedAt, st.StartedAt, run.FinishedAt)
	}
}

func TestMigrationsAreWellFormed(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
	}
}

// openRaw opens path without migrations, to inspect it.
func openRaw(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }
