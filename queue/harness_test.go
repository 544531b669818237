package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pgtest"
)

// backend is one database the shared suite runs on.
type backend struct {
	name string
	// fresh returns a new, empty database that is removed when t ends.
	fresh func(t testing.TB) *testDB
}

// testDB is one database of a test. Every open is a new handle on it, as
// a second process would have.
type testDB struct {
	// open returns a driver on a new handle (closed when the test ends)
	// and a func that closes that handle early, idempotently.
	open func(t testing.TB) (Driver, func())
	// writeRunAndEnqueue writes a run row and enqueues its job in one
	// transaction on the queue's handle h, then commits or rolls back.
	writeRunAndEnqueue func(ctx context.Context, h any, q *Queue, runID string, commit bool) (int64, error)
	// runRows counts the run rows written by writeRunAndEnqueue and
	// writeRunsInTx.
	runRows func(ctx context.Context, h any) (int, error)
	// writeRunsInTx writes a run row per runID and calls fn with the
	// transaction (*sql.Tx or pgx.Tx, as a store's Submit hands it to its
	// enqueue callback), on the queue's handle h; then it commits or rolls
	// back.
	writeRunsInTx func(ctx context.Context, h any, runIDs []string, commit bool, fn func(tx any) error) error
	// handle returns the raw handle (*sql.DB or *pgxpool.Pool) of d.
	handle func(d Driver) any
	// setRunning marks job id running, as River's fetch does, on attempt
	// attempt of maxAttempts, tried by workers in order (the last is the
	// current one); cancelAsked records a cancel asked while it runs, as
	// River's JobCancel does. It stages the job of a worker that then dies.
	setRunning func(ctx context.Context, h any, id int64, workers []string, attempt, maxAttempts int, cancelAsked bool) error
}

func backends() []backend {
	return []backend{
		{name: "sqlite", fresh: freshSQLite},
		{name: "postgres", fresh: freshPostgres},
	}
}

// testLogger discards logs unless QUEUE_TEST_LOG is set: River logs a lot,
// and a t.Log from one of its goroutines after the test ended would panic.
func testLogger() *slog.Logger {
	if os.Getenv("QUEUE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// openSQLite opens path the way the sqlite store does: one connection,
// WAL, a busy timeout, and BEGIN IMMEDIATE.
func openSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

func freshSQLite(t testing.TB) *testDB {
	path := filepath.Join(t.TempDir(), "queue.db")
	return &testDB{
		open: func(t testing.TB) (Driver, func()) {
			db, err := openSQLite(path)
			if err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			closeDB := func() { once.Do(func() { db.Close() }) }
			t.Cleanup(closeDB)
			return SQLite(db), closeDB
		},
		writeRunAndEnqueue: func(ctx context.Context, h any, q *Queue, runID string, commit bool) (int64, error) {
			db := h.(*sql.DB)
			if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS test_runs (id TEXT PRIMARY KEY)`); err != nil {
				return 0, err
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return 0, err
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `INSERT INTO test_runs (id) VALUES (?)`, runID); err != nil {
				return 0, err
			}
			id, err := q.EnqueueSQLTx(ctx, tx, runID)
			if err != nil {
				return 0, err
			}
			if commit {
				return id, tx.Commit()
			}
			return id, tx.Rollback()
		},
		runRows: func(ctx context.Context, h any) (int, error) {
			var n int
			err := h.(*sql.DB).QueryRowContext(ctx, `SELECT count(*) FROM test_runs`).Scan(&n)
			return n, err
		},
		writeRunsInTx: func(ctx context.Context, h any, runIDs []string, commit bool, fn func(tx any) error) error {
			db := h.(*sql.DB)
			if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS test_runs (id TEXT PRIMARY KEY)`); err != nil {
				return err
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for _, id := range runIDs {
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO test_runs (id) VALUES (?)`, id); err != nil {
					return err
				}
			}
			if err := fn(tx); err != nil {
				return err
			}
			if commit {
				return tx.Commit()
			}
			return tx.Rollback()
		},
		handle: func(d Driver) any { return d.(sqliteDriver).db },
		setRunning: func(ctx context.Context, h any, id int64, workers []string, attempt, maxAttempts int, cancelAsked bool) error {
			by, err := json.Marshal(workers)
			if err != nil {
				return err
			}
			_, err = h.(*sql.DB).ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = ?, max_attempts = ?,
    attempted_at = datetime('now', 'subsec'), attempted_by = jsonb(?),
    metadata = CASE WHEN ? THEN jsonb_set(metadata, '$.cancel_attempted_at', '2026-01-02T03:04:05Z') ELSE metadata END
WHERE id = ?`, attempt, maxAttempts, string(by), cancelAsked, id)
			return err
		},
	}
}

// testURL returns TEST_DATABASE_URL, or skips the test: plain `go test`
// stays hermetic, and CI sets the variable.
func testURL(t testing.TB) string { return pgtest.URL(t) }

// freshPostgres makes a schema of its own for the test, so parallel tests
// never see each other's jobs, and drops it at the end. Pools put it
// first and alone in search_path, as the postgres store does, so River's
// tables land there.
func freshPostgres(t testing.TB) *testDB {
	dbURL := testURL(t)
	schema := pgtest.Schema(t, dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return &testDB{
		open: func(t testing.TB) (Driver, func()) {
			cfg, err := pgxpool.ParseConfig(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
			pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			closePool := func() { once.Do(pool.Close) }
			t.Cleanup(closePool)
			return Postgres(pool), closePool
		},
		writeRunAndEnqueue: func(ctx context.Context, h any, q *Queue, runID string, commit bool) (int64, error) {
			pool := h.(*pgxpool.Pool)
			if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS test_runs (id text PRIMARY KEY)`); err != nil {
				return 0, err
			}
			tx, err := pool.Begin(ctx)
			if err != nil {
				return 0, err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `INSERT INTO test_runs (id) VALUES ($1)`, runID); err != nil {
				return 0, err
			}
			id, err := q.EnqueuePgxTx(ctx, tx, runID)
			if err != nil {
				return 0, err
			}
			if commit {
				return id, tx.Commit(ctx)
			}
			return id, tx.Rollback(ctx)
		},
		runRows: func(ctx context.Context, h any) (int, error) {
			var n int
			err := h.(*pgxpool.Pool).QueryRow(ctx, `SELECT count(*) FROM test_runs`).Scan(&n)
			return n, err
		},
		writeRunsInTx: func(ctx context.Context, h any, runIDs []string, commit bool, fn func(tx any) error) error {
			pool := h.(*pgxpool.Pool)
			if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS test_runs (id text PRIMARY KEY)`); err != nil {
				return err
			}
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			for _, id := range runIDs {
				if _, err := tx.Exec(ctx, `INSERT INTO test_runs (id) VALUES ($1) ON CONFLICT DO NOTHING`, id); err != nil {
					return err
				}
			}
			if err := fn(tx); err != nil {
				return err
			}
			if commit {
				return tx.Commit(ctx)
			}
			return tx.Rollback(ctx)
		},
		handle: func(d Driver) any { return d.(postgresDriver).pool },
		setRunning: func(ctx context.Context, h any, id int64, workers []string, attempt, maxAttempts int, cancelAsked bool) error {
			_, err := h.(*pgxpool.Pool).Exec(ctx, `UPDATE river_job SET state = 'running', attempt = $1, max_attempts = $2,
    attempted_at = now(), attempted_by = $3::text[],
    metadata = CASE WHEN $4 THEN metadata || '{"cancel_attempted_at": "2026-01-02T03:04:05Z"}' ELSE metadata END
WHERE id = $5`, attempt, maxAttempts, workers, cancelAsked, id)
			return err
		},
	}
}

// enqueueManyTx is Jobs.EnqueueManyTx for tx, a *sql.Tx or a pgx.Tx as
// writeRunsInTx hands it over: the typed view of q for tx's type.
func enqueueManyTx(ctx context.Context, q *Queue, tx any, runIDs []string) ([]int64, error) {
	switch tx := tx.(type) {
	case *sql.Tx:
		j, err := JobsOf[*sql.Tx](q)
		if err != nil {
			return nil, err
		}
		return j.EnqueueManyTx(ctx, tx, runIDs)
	case pgx.Tx:
		j, err := JobsOf[pgx.Tx](q)
		if err != nil {
			return nil, err
		}
		return j.EnqueueManyTx(ctx, tx, runIDs)
	}
	return nil, &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("test: %T is no transaction", tx)}
}

// enqueueCallbackTx is Jobs.EnqueueCallbackTx for tx, as enqueueManyTx.
func enqueueCallbackTx(ctx context.Context, q *Queue, tx any, args CallbackArgs) (int64, error) {
	switch tx := tx.(type) {
	case *sql.Tx:
		j, err := JobsOf[*sql.Tx](q)
		if err != nil {
			return 0, err
		}
		return j.EnqueueCallbackTx(ctx, tx, args)
	case pgx.Tx:
		j, err := JobsOf[pgx.Tx](q)
		if err != nil {
			return 0, err
		}
		return j.EnqueueCallbackTx(ctx, tx, args)
	}
	return 0, &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("test: %T is no transaction", tx)}
}
