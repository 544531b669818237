package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
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

// suiteOptions gives the suite a write through the transaction that
// Submit hands to enqueue, which on this store is a *sql.Tx.
var suiteOptions = storetest.Options[*sql.Tx]{
	PutPaperInTx: func(ctx context.Context, tx *sql.Tx, paperID string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
			VALUES (?, '', '', 'text', '[]', 0, 0)`, paperID)
		return err
	},
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) papersum.Store { return openTemp(t) }, suiteOptions)
}

func TestStoreInMemory(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) papersum.Store {
		db, err := Open(context.Background(), ":memory:", Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}, suiteOptions)
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
		if err := storeutil.CheckDirectives(m, directiveForeignKeysOff); err != nil {
			t.Error(err)
		}
	}
}

// openRaw opens path without migrations, to inspect it.
func openRaw(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }

// openAt opens a new database at path with only the first n migrations
// applied, as an older papersum left it.
func openAt(t *testing.T, path string, n int) *DB {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := open(context.Background(), path, Options{}, ms[:n])
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// countRows returns count(*) of each table.
func countRows(t *testing.T, db *sql.DB, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// Migration 5 rebuilds runs, which stage_results references with ON
// DELETE CASCADE. A database at version 4 with runs and stages must come
// out at version 5 with every row, the new columns at their defaults, the
// new states allowed, and foreign keys on and intact.
func TestMigrateV4ToV5KeepsRunsAndStages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v4.db")
	old := openAt(t, path, 4)
	for _, q := range []string{
		`INSERT INTO papers (id, title, source, format, sections, word_count, created_at) VALUES ('p', 'P', 'p.txt', 'text', '[]', 0, 1)`,
		`INSERT INTO runs (id, paper_id, title, source, status, error, error_class, config_hash, target_words, summary,
			scores, team, user_name, created_at, finished_at) VALUES
			('r1', 'p', 'T', 'p.txt', 'succeeded', '', '', 'sha256:c', 250, 'sum', '{"accuracy":8}', 'team', 'user', 10, 20),
			('r2', 'p', 'T', 'p.txt', 'failed', 'boom', 'overloaded', 'sha256:c', 250, '', NULL, '', '', 11, 21),
			('r3', 'p', 'T', 'p.txt', 'running', '', '', 'sha256:c', 250, '', NULL, '', '', 12, NULL)`,
		`INSERT INTO stage_results (run_id, seq, stage, provider, model, prompt_version, raw, output, critique,
			input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
			usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at) VALUES
			('r1', 1, 'summarize', 'local', 'm', 'v', 'raw1', 'out', NULL, 1, 2, 0, 0, 0, 0, 0.5, 3, 'end', '', 10),
			('r1', 2, 'critique', 'local', 'm', 'v', 'raw2', '', '{"scores":{}}', 1, 2, 0, 0, 0, 0, 0.25, 3, 'end', '', 11),
			('r2', 1, 'summarize', 'local', 'm', 'v', 'raw3', 'out', NULL, 1, 2, 0, 0, 0, 1, 0.125, 3, 'end', '', 12),
			('r3', 1, 'summarize', 'local', 'm', 'v', 'raw4', 'out', NULL, 1, 2, 0, 0, 0, 0, 0, 3, 'end', '', 13)`,
		// batch_job_runs references runs without a cascade: with foreign
		// keys on, dropping runs would fail instead of deleting.
		`INSERT INTO batch_job_runs (job_id, paper_id, run_id) VALUES ('job', 'p', 'r1')`,
	} {
		if _, err := old.db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	tables := []string{"papers", "runs", "stage_results", "batch_job_runs"}
	before := countRows(t, old.db, tables...)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("migrating a version 4 database: %v", err)
	}
	defer db.Close()
	if after := countRows(t, db.db, tables...); !reflect.DeepEqual(after, before) {
		t.Fatalf("rows by table after the migration = %v, want %v", after, before)
	}
	// Open applies the later migrations too: the database ends at the
	// newest version.
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := db.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil || version != ms[len(ms)-1].Version {
		t.Fatalf("schema version %d (%v), want the latest, %d", version, err, ms[len(ms)-1].Version)
	}
	var fk int
	if err := db.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d (%v) after the migration, want 1", fk, err)
	}
	rows, err := db.db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check reports a dangling reference")
	}
	rows.Close()
	for _, index := range []string{"runs_by_created", "runs_by_status", "runs_by_paper", "runs_by_team", "runs_by_batch"} {
		var n int
		if err := db.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ? AND tbl_name = 'runs'`, index).Scan(&n); err != nil || n != 1 {
			t.Errorf("index %s on runs: %d (%v)", index, n, err)
		}
	}

	got, err := db.GetRun(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != papersum.RunSucceeded || got.Summary != "sum" || got.Scores == nil || got.Scores.Accuracy != 8 ||
		got.FinishedAt == nil || got.FinishedAt.UnixNano() != 20 || len(got.Stages) != 2 || got.Stages[1].Raw != "raw2" ||
		got.Config != "" || got.Cached || got.BatchID != "" || got.CallbackURL != "" || got.KeyID != "" {
		t.Errorf("r1 after the migration: %+v", got)
	}
	if got, err := db.GetRun(ctx, "r2"); err != nil || got.Error != "boom" || len(got.Stages) != 1 || !got.Stages[0].Usage.Estimated {
		t.Errorf("r2 after the migration: %+v, %v", got, err)
	}
	// The running run goes on, and the new states are allowed.
	st := &papersum.StageResult{Stage: papersum.StageCritique}
	if err := db.AddStage(ctx, "r3", st); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CancelRun(ctx, "r3"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRun(ctx, &papersum.Run{ID: "r4", PaperID: "p", Status: papersum.RunQueued}); err != nil {
		t.Fatal(err)
	}
	// Foreign keys are enforced again.
	if _, err := db.db.Exec(`INSERT INTO stage_results (run_id, seq, stage, provider, model, prompt_version, raw, output,
		input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
		usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at)
		VALUES ('ghost', 1, 'summarize', '', '', '', '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', 0)`); err == nil {
		t.Error("a stage of a missing run was accepted after the migration")
	}
}

// Migration 6 counts cache hits on one run per key. The cached runs of a
// version 5 database (one per hit, the same key many times) are kept as
// they were, each counted as its one hit; a hit after the migration
// starts a run of its own, and the next one counts on it.
func TestMigrateV5ToV6KeepsCachedRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	old := openAt(t, path, 5)
	if _, err := old.db.Exec(`INSERT INTO papers (id, title, source, format, sections, word_count, created_at) VALUES ('p', 'P', 'p.txt', 'text', '[]', 0, 1)`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := old.db.Exec(`INSERT INTO runs (id, paper_id, title, source, status, error, error_class, config_hash, target_words,
			summary, scores, team, user_name, created_at, finished_at, config, cached) VALUES
			(?, 'p', 'T', 'p.txt', 'succeeded', '', '', 'cfg', 150, 'sum', NULL, 'team', 'user', ?, ?, '', 1)`,
			fmt.Sprintf("old-%d", i), 10+i, 10+i); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("migrating a version 5 database: %v", err)
	}
	defer db.Close()
	for i := range 3 {
		got, err := db.GetRun(ctx, fmt.Sprintf("old-%d", i))
		if err != nil || !got.Cached || got.CacheHits != 1 || got.LastHitAt == nil || got.LastHitAt.UnixNano() != int64(10+i) {
			t.Fatalf("old-%d after the migration: %+v, %v", i, got, err)
		}
	}
	at := time.Unix(0, 100).UTC()
	hit := func(id string) *papersum.Run {
		return &papersum.Run{ID: id, PaperID: "p", Title: "T", Source: "p.txt", Status: papersum.RunSucceeded, Cached: true,
			Summary: "sum", ConfigHash: "cfg", TargetWords: 150, Team: "team", User: "user", CreatedAt: at, FinishedAt: &at}
	}
	h1, h2 := hit("new-1"), hit("new-2")
	if err := db.RecordCacheHits(ctx, []*papersum.Run{h1}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCacheHits(ctx, []*papersum.Run{h2}); err != nil {
		t.Fatal(err)
	}
	if h1.ID != "new-1" || h2.ID != "new-1" || h2.CacheHits != 2 {
		t.Errorf("hits after the migration: %s %s %d", h1.ID, h2.ID, h2.CacheHits)
	}
	if n := countRows(t, db.db, "runs")["runs"]; n != 4 {
		t.Errorf("%d runs, want the 3 old and 1 new", n)
	}
}

// A foreign-keys-off migration that leaves a dangling reference fails,
// changes nothing, and leaves foreign keys on; so does one that fails on
// its own.
func TestForeignKeysOffMigrationIsChecked(t *testing.T) {
	ctx := context.Background()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	latest := ms[len(ms)-1].Version
	for name, body := range map[string]string{
		"dangling reference": `INSERT INTO stage_results (run_id, seq, stage, provider, model, prompt_version, raw, output,
			input_tokens, output_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cache_read_tokens,
			usage_estimated, cost_usd, latency_ns, stop_reason, fallback_reason, started_at)
			VALUES ('ghost', 1, 'summarize', '', '', '', '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', 0)`,
		"failing statement": `CREATE TABLE scratch (x INTEGER) STRICT; INSERT INTO no_such_table VALUES (1)`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			db := openAt(t, path, len(ms))
			defer db.Close()
			bad := migration{Version: latest + 1, Name: fmt.Sprintf("%04d_bad", latest+1),
				SQL: "-- papersum:foreign-keys-off\n" + body, Directives: []string{directiveForeignKeysOff}}
			if err := db.migrate(ctx, append(ms[:len(ms):len(ms)], bad)); err == nil {
				t.Fatal("migrate succeeded")
			}
			var fk, version, stages, scratch int
			if err := db.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
				t.Fatalf("foreign_keys = %d (%v) after a failed migration, want 1", fk, err)
			}
			if err := db.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil || version != latest {
				t.Fatalf("schema version %d (%v), want %d", version, err, latest)
			}
			if err := db.db.QueryRow(`SELECT count(*) FROM stage_results`).Scan(&stages); err != nil || stages != 0 {
				t.Fatalf("%d stage rows (%v), want the failed migration's rolled back", stages, err)
			}
			if err := db.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'scratch'`).Scan(&scratch); err != nil || scratch != 0 {
				t.Fatalf("the failed migration's table exists (%v)", err)
			}
		})
	}
}

// A directive this store does not know fails the migration instead of
// being ignored.
func TestUnknownDirectiveIsRefused(t *testing.T) {
	ctx := context.Background()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	db := openAt(t, filepath.Join(t.TempDir(), "x.db"), len(ms))
	defer db.Close()
	latest := ms[len(ms)-1].Version
	bad := migration{Version: latest + 1, Name: "bad", SQL: "-- papersum:foreign-key-off\nCREATE TABLE scratch (x INTEGER) STRICT",
		Directives: []string{"foreign-key-off"}}
	if err := db.migrate(ctx, append(ms[:len(ms):len(ms)], bad)); papersum.ErrorCode(err) != papersum.EINTERNAL {
		t.Fatalf("migrate = %v, want %s", err, papersum.EINTERNAL)
	}
}

// SQL is the store's own handle: what a queue writes through it, the
// store reads.
func TestSQLSharesTheConnection(t *testing.T) {
	db := openTemp(t)
	if _, err := db.SQL().Exec(`INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
		VALUES ('shared', '', '', 'text', '[]', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPaper(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	if db.SQL().Stats().MaxOpenConnections != 1 {
		t.Fatalf("the handle allows %d connections, want 1", db.SQL().Stats().MaxOpenConnections)
	}
}

// TestMigrationsPending: a current schema has none pending; a schema that
// lost its newest migration row (restored from an older backup) has one,
// which /readyz reports.
func TestMigrationsPending(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.MigrationsPending(ctx); err != nil || n != 0 {
		t.Fatalf("fresh store: %d pending, %v; want 0", n, err)
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if n, err := db.MigrationsPending(ctx); err != nil || n != 1 {
		t.Fatalf("after removing the newest row: %d pending, %v; want 1", n, err)
	}
}

func TestReports(t *testing.T) {
	storetest.ExerciseReports(t, func(t *testing.T) papersum.Store { return openTemp(t) })
}
