package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Driver is the database a Queue keeps its jobs in: SQLite or Postgres.
// Its methods are unexported; build one with SQLite or Postgres.
type Driver interface {
	// name is "sqlite" or "postgres", for logs and errors.
	name() string
	// defaults fills the fields of cfg whose defaults depend on the
	// database.
	defaults(cfg *Config)
	// newEngine builds the River client and its migrator.
	newEngine(cfg *river.Config, logger *slog.Logger) (engine, error)
	// leases is the SQL of worker leases on the database.
	leases() leaseStore
}

// SQLite keeps the jobs in the SQLite database db (modernc.org/sqlite).
// db should have one connection (db.SetMaxOpenConns(1)), WAL and a busy
// timeout, as the sqlite store opens its own: River runs many small
// statements concurrently, and on more than one connection they fail with
// SQLITE_BUSY. With one connection, never call Enqueue (or any non-Tx
// method) while holding a transaction on db: it would wait for the
// connection the transaction holds. Use the Tx methods there
// (EnqueueSQLTx and the methods of Jobs).
//
// The Queue does not own db: close it after Stop.
func SQLite(db *sql.DB) Driver { return sqliteDriver{db: db} }

// Postgres keeps the jobs in the database of pool, in the first schema of
// its connections' search_path (the postgres store sets it to its Schema).
// The Queue does not own pool: close it after Stop.
func Postgres(pool *pgxpool.Pool) Driver { return postgresDriver{pool: pool} }

type sqliteDriver struct{ db *sql.DB }

func (sqliteDriver) name() string { return "sqlite" }

func (sqliteDriver) defaults(cfg *Config) {
	// Polling is SQLite's only way to find new jobs, and River's defaults
	// (100ms cooldown, 1s poll) cap it near MaxWorkers jobs per 100ms.
	if cfg.FetchCooldown == 0 {
		cfg.FetchCooldown = DefaultSQLiteFetchCooldown
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = DefaultSQLiteFetchPollInterval
	}
}

func (d sqliteDriver) newEngine(cfg *river.Config, logger *slog.Logger) (engine, error) {
	if d.db == nil {
		return nil, fmt.Errorf("queue: SQLite driver with a nil *sql.DB")
	}
	return newRiverEngine(riversqlite.New(d.db), cfg, logger)
}

//lint:ignore S1016 a literal, not a conversion, keeps compiling when the lease store gains a field
func (d sqliteDriver) leases() leaseStore { return sqliteLeases{db: d.db} }

type postgresDriver struct{ pool *pgxpool.Pool }

//lint:ignore S1016 a literal, not a conversion, keeps compiling when the lease store gains a field
func (d postgresDriver) leases() leaseStore { return postgresLeases{pool: d.pool} }

func (postgresDriver) name() string { return "postgres" }

func (postgresDriver) defaults(cfg *Config) {
	// LISTEN/NOTIFY wakes the producers on insert, so River's poll
	// interval fits; its 100ms cooldown does not (see
	// DefaultPostgresFetchCooldown).
	if cfg.FetchCooldown == 0 {
		cfg.FetchCooldown = DefaultPostgresFetchCooldown
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = river.FetchPollIntervalDefault
	}
}

func (d postgresDriver) newEngine(cfg *river.Config, logger *slog.Logger) (engine, error) {
	if d.pool == nil {
		return nil, fmt.Errorf("queue: Postgres driver with a nil pool")
	}
	return newRiverEngine(riverpgxv5.New(d.pool), cfg, logger)
}

// engine hides the transaction type of River's generic client, so that
// Queue is one type for both databases. Inserts in a transaction go
// through the typed *riverEngine[TTx] that Jobs holds (see JobsOf), so a
// transaction is never passed as an untyped value.
type engine interface {
	start(ctx context.Context) error
	// addQueue adds a River queue to fetch from (before or after start).
	addQueue(name string, cfg river.QueueConfig) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	migrate(ctx context.Context) error
	// stopped is closed once a started client has stopped; nil before
	// the first Start.
	stopped() <-chan struct{}
	// opts, when not nil, override the args' own InsertOpts field by
	// field.
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	insertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	cancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	get(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	counts(ctx context.Context) (map[rivertype.JobState]int, error)
	// oldestAvailable is the available job scheduled first, nil if none.
	oldestAvailable(ctx context.Context) (*rivertype.JobRow, error)
}

type riverEngine[TTx any] struct {
	driver   riverdriver.Driver[TTx]
	client   *river.Client[TTx]
	migrator *rivermigrate.Migrator[TTx]
}

// Compile-time checks that both transaction types fit.
var (
	_ engine = (*riverEngine[*sql.Tx])(nil)
	_ engine = (*riverEngine[pgx.Tx])(nil)
)

func newRiverEngine[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config, logger *slog.Logger) (*riverEngine[TTx], error) {
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return nil, err
	}
	return &riverEngine[TTx]{driver: driver, client: client, migrator: migrator}, nil
}

func (e *riverEngine[TTx]) start(ctx context.Context) error { return e.client.Start(ctx) }
func (e *riverEngine[TTx]) addQueue(name string, cfg river.QueueConfig) error {
	return e.client.Queues().Add(name, cfg)
}
func (e *riverEngine[TTx]) stop(ctx context.Context) error { return e.client.Stop(ctx) }
func (e *riverEngine[TTx]) stopAndCancel(ctx context.Context) error {
	return e.client.StopAndCancel(ctx)
}

func (e *riverEngine[TTx]) migrate(ctx context.Context) error {
	_, err := e.migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func (e *riverEngine[TTx]) stopped() <-chan struct{} { return e.client.Stopped() }

func (e *riverEngine[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return e.client.Insert(ctx, args, opts)
}

func (e *riverEngine[TTx]) insertTx(ctx context.Context, tx TTx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return e.client.InsertTx(ctx, tx, args, opts)
}

func (e *riverEngine[TTx]) insertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return e.client.InsertMany(ctx, params)
}

func (e *riverEngine[TTx]) insertManyTx(ctx context.Context, tx TTx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return e.client.InsertManyTx(ctx, tx, params)
}

func (e *riverEngine[TTx]) cancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error) {
	return e.client.JobCancel(ctx, jobID)
}

func (e *riverEngine[TTx]) get(ctx context.Context, jobID int64) (*rivertype.JobRow, error) {
	return e.client.JobGet(ctx, jobID)
}

func (e *riverEngine[TTx]) oldestAvailable(ctx context.Context) (*rivertype.JobRow, error) {
	res, err := e.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil || len(res.Jobs) == 0 {
		return nil, err
	}
	return res.Jobs[0], nil
}

func (e *riverEngine[TTx]) counts(ctx context.Context) (map[rivertype.JobState]int, error) {
	// The client has no public count; the driver's executor has the query
	// River's own UI uses, one GROUP BY over river_job.
	return e.driver.GetExecutor().JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
}
