package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pgtest"
	"github.com/papersum/papersum/internal/storeutil"
	"github.com/papersum/papersum/storetest"
)

// testURL returns TEST_DATABASE_URL, or skips the test when it is unset:
// plain `go test ./...` stays hermetic, and CI sets the variable.
func testURL(t testing.TB) string { return pgtest.URL(t) }

// freshSchema returns a schema of the test's own, dropped when it ends.
func freshSchema(t testing.TB, url string) string { return pgtest.Schema(t, url) }

// openTest opens a store on a fresh schema and closes it when the test
// ends (before the schema is dropped: cleanups run last-in first-out).
func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	url := testURL(t)
	opts.Schema = freshSchema(t, url)
	db, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	testURL(t)
	storetest.Exercise(t, func(t *testing.T) papersum.Store { return openTest(t, Options{}) }, storetest.Options[pgx.Tx]{
		// Submit hands enqueue a pgx.Tx: write through it.
		PutPaperInTx: func(ctx context.Context, tx pgx.Tx, paperID string) error {
			_, err := tx.Exec(ctx, `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
				VALUES ($1, '', '', 'text', '[]', 0, 0)`, paperID)
			return err
		},
	})
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := papersum.ErrorCode(err); got != code {
		t.Fatalf("got %v (code %q), want code %s", err, got, code)
	}
}

func countMigrations(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func numMigrations(t *testing.T) int {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// Reopening applies no migration twice and keeps the data.
func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	schema := freshSchema(t, url)
	db, err := Open(ctx, url, Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	p := &papersum.Paper{ID: "sha256:keep", Title: "Keep me", Format: "text"}
	if err := db.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, url, Options{Schema: schema})
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		got, err := db.GetPaper(ctx, p.ID)
		if err != nil || got.Title != p.Title {
			t.Fatalf("reopen %d: GetPaper = %v, %v", i, got, err)
		}
		if n, want := countMigrations(t, db), numMigrations(t); n != want {
			t.Fatalf("reopen %d: %d migrations recorded, want %d", i, n, want)
		}
		db.Close()
	}
}

// Replicas that start at once against a new schema all open it, and each
// migration is applied once: without the advisory lock, the losers would
// fail on CREATE SCHEMA, CREATE TABLE or the schema_migrations key.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	for round := 0; round < 3; round++ {
		schema := freshSchema(t, url)
		const replicas = 8
		var wg sync.WaitGroup
		dbs := make([]*DB, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		for i := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				dbs[i], errs[i] = Open(ctx, url, Options{Schema: schema, MaxConns: 2})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: replica %d: Open = %v", round, i, err)
			}
		}
		for _, db := range dbs {
			if db != nil {
				defer db.Close()
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		var rows, distinct int
		if err := dbs[0].Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if want := numMigrations(t); rows != want || distinct != want {
			t.Fatalf("round %d: schema_migrations has %d rows, %d versions; want %d", round, rows, distinct, want)
		}
	}
}

// Opening must not need a running database for its input checks, and
// must never echo the password.
func TestOpenBadURL(t *testing.T) {
	ctx := context.Background()
	for name, url := range map[string]string{
		"empty":        "",
		"blank":        "   ",
		"bad port":     "postgres://papersum:s3cret@127.0.0.1:notaport/test",
		"bad scheme":   "postgres//papersum:s3cret@127.0.0.1/test",
		"bad key":      "host=127.0.0.1 password=s3cret sslmode=maybe",
		"bad escaping": "postgres://papersum:s3cr%zzet@127.0.0.1/test",
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(ctx, url, Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			wantCode(t, err, papersum.EINVALID)
			if strings.Contains(err.Error(), "s3cr") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestOpenBadOptions(t *testing.T) {
	ctx := context.Background()
	url := "postgres://postgres@127.0.0.1:1/test"
	for name, opts := range map[string]Options{
		"negative max conns":       {MaxConns: -1},
		"negative connect timeout": {ConnectTimeout: -time.Second},
		"long schema":              {Schema: strings.Repeat("s", 64)},
		"reserved schema":          {Schema: "pg_papersum"},
	} {
		if _, err := Open(ctx, url, opts); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: Open = %v, want %s", name, err, papersum.EINVALID)
		}
	}
}

// An unreachable server is EUNAVAILABLE with a message that names it and
// hides the password. Port 1 on the loopback refuses at once, so this
// test needs no database and runs everywhere.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, "postgres://papersum:s3cret@127.0.0.1:1/test?sslmode=disable", Options{ConnectTimeout: 5 * time.Second})
	wantCode(t, err, papersum.EUNAVAILABLE)
	msg := papersum.ErrorMessage(err)
	if !strings.Contains(msg, "127.0.0.1:1") {
		t.Errorf("message %q does not name the server", msg)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %v to fail on a refused connection", d)
	}
}

func TestOpenCancelled(t *testing.T) {
	url := testURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, url, Options{Schema: freshSchema(t, url)})
	wantCode(t, err, papersum.EUNAVAILABLE)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
}

func TestCloseTwice(t *testing.T) {
	db := openTest(t, Options{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	schema := freshSchema(t, url)
	db, err := Open(ctx, url, Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, url, Options{Schema: schema})
	wantCode(t, err, papersum.EINVALID)
}

// A schema that holds another tool's schema_migrations, or tables named
// like papersum's that papersum did not create, is refused and left as it
// was.
func TestOpenRefusesForeignSchema(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	for name, setup := range map[string]string{
		"golang-migrate": `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`,
		"papers table":   `CREATE TABLE papers (id int PRIMARY KEY, name text)`,
	} {
		t.Run(name, func(t *testing.T) {
			schema := freshSchema(t, url)
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			ident := pgx.Identifier{schema}.Sanitize()
			if _, err := conn.Exec(ctx, `CREATE SCHEMA `+ident+`; SET search_path = `+ident+`; `+setup); err != nil {
				t.Fatal(err)
			}
			_, err = Open(ctx, url, Options{Schema: schema})
			wantCode(t, err, papersum.EINVALID)
			if !strings.Contains(papersum.ErrorMessage(err), schema) {
				t.Errorf("message %q does not name the schema", papersum.ErrorMessage(err))
			}
			var tables []string
			rows, err := conn.Query(ctx, `SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
			if err != nil {
				t.Fatal(err)
			}
			if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				t.Fatal(err)
			}
			if len(tables) != 1 {
				t.Fatalf("schema changed: tables %v", tables)
			}
		})
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestClockStampsMissingTimes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	db := openTest(t, Options{Clock: fixedClock{now}})
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

// Text Postgres cannot hold is the caller's input, not a bug.
func TestUnstorableTextIsInvalid(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	for name, title := range map[string]string{"NUL": "a\x00b", "invalid UTF-8": "a\xffb"} {
		err := db.PutPaper(ctx, &papersum.Paper{ID: "sha256:" + name, Title: title})
		wantCode(t, err, papersum.EINVALID)
	}
}

// Two replicas (two pools) adding stages to the same runs at once: the row
// lock keeps every run's sequence gap-free and each writer's order.
func TestConcurrentAddStageAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	url := testURL(t)
	schema := freshSchema(t, url)
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, url, Options{Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	if err := dbs[0].PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	const runs, writers, perWriter = 2, 8, 10
	for r := range runs {
		if err := dbs[0].CreateRun(ctx, &papersum.Run{ID: fmt.Sprint("run-", r), PaperID: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := dbs[w%2]
			for k := range perWriter {
				st := &papersum.StageResult{Stage: papersum.StageSummarize, PromptVersion: fmt.Sprintf("w%d-%d", w, k)}
				if err := db.AddStage(ctx, fmt.Sprint("run-", w%runs), st); err != nil {
					t.Errorf("writer %d stage %d: %v", w, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for r := range runs {
		var n, maxSeq, distinct int
		if err := dbs[1].Pool().QueryRow(ctx, `SELECT count(*), max(seq), count(DISTINCT seq) FROM stage_results WHERE run_id = $1`,
			fmt.Sprint("run-", r)).Scan(&n, &maxSeq, &distinct); err != nil {
			t.Fatal(err)
		}
		want := writers / runs * perWriter
		if n != want || maxSeq != want || distinct != want {
			t.Fatalf("run-%d: %d stages, max seq %d, %d distinct; want %d gap-free", r, n, maxSeq, distinct, want)
		}
		got, err := dbs[1].GetRun(ctx, fmt.Sprint("run-", r))
		if err != nil {
			t.Fatal(err)
		}
		next := map[int]int{}
		for _, st := range got.Stages {
			var w, k int
			fmt.Sscanf(st.PromptVersion, "w%d-%d", &w, &k)
			if k != next[w] {
				t.Fatalf("run-%d: writer %d's stage %d came when %d was due", r, w, k, next[w])
			}
			next[w]++
		}
	}
}

// Creating one run from many goroutines at once stores it once: one
// caller succeeds, every other gets ECONFLICT.
func TestConcurrentCreateRun(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.CreateRun(ctx, &papersum.Run{ID: "same", PaperID: "p"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch papersum.ErrorCode(err) {
		case "":
			ok++
		case papersum.ECONFLICT:
		default:
			t.Errorf("CreateRun = %v, want success or %s", err, papersum.ECONFLICT)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creations succeeded, want 1", ok)
	}
}

// WithTx commits with the store's writes or not at all, and the pool's
// connections see the store's schema.
func TestWithTx(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if err := db.WithTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
			VALUES ('committed', '', '', 'text', '[]', 0, 0)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPaper(ctx, "committed"); err != nil {
		t.Fatalf("committed paper: %v", err)
	}

	boom := errors.New("boom")
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO papers (id, title, source, format, sections, word_count, created_at)
			VALUES ('rolled-back', '', '', 'text', '[]', 0, 0)`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx = %v, want it to wrap fn's error", err)
	}
	if _, err := db.GetPaper(ctx, "rolled-back"); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Fatalf("rolled-back paper: %v, want %s", err, papersum.ENOTFOUND)
	}
	own := papersum.Errorf(papersum.ECONFLICT, "mine")
	if err := db.WithTx(ctx, func(pgx.Tx) error { return own }); err != own {
		t.Fatalf("WithTx = %v, want fn's *papersum.Error unchanged", err)
	}

	var path string
	if err := db.Pool().QueryRow(ctx, `SELECT current_schema()`).Scan(&path); err != nil || path != db.Schema() {
		t.Fatalf("current_schema() = %q, %v; want %q", path, err, db.Schema())
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
		if err := storeutil.CheckDirectives(m); err != nil {
			t.Error(err)
		}
	}
}

// TestMigrationsPending: as the SQLite store's.
func TestMigrationsPending(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{})
	if n, err := db.MigrationsPending(ctx); err != nil || n != 0 {
		t.Fatalf("fresh schema: %d pending, %v; want 0", n, err)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if n, err := db.MigrationsPending(ctx); err != nil || n != 1 {
		t.Fatalf("after removing the newest row: %d pending, %v; want 1", n, err)
	}
}

func TestReports(t *testing.T) {
	testURL(t)
	storetest.ExerciseReports(t, func(t *testing.T) papersum.Store { return openTest(t, Options{}) })
}
