package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Defaults of Options.
const (
	// DefaultSchema is the schema that holds the tables when
	// Options.Schema is empty.
	DefaultSchema = "public"
	// DefaultConnectTimeout bounds a connection attempt when neither
	// Options.ConnectTimeout nor the URL's connect_timeout sets a bound.
	DefaultConnectTimeout = 10 * time.Second
)

// Options configure Open. The zero value is valid.
type Options struct {
	// MaxConns is the most connections the pool opens. Default: the URL's
	// pool_max_conns when it has one, else pgxpool's default, the greater
	// of 4 and the number of CPUs. Negative is EINVALID.
	MaxConns int
	// ConnectTimeout bounds each attempt to open a connection, so that an
	// unreachable server fails Open with EUNAVAILABLE instead of hanging
	// when ctx has no deadline. Default: the URL's connect_timeout when it
	// has one, else DefaultConnectTimeout (10s). Negative is EINVALID.
	ConnectTimeout time.Duration
	// Clock stamps what the caller did not: papers' created_at, a run's
	// missing CreatedAt, a stage's missing StartedAt and a finish's
	// missing FinishedAt. Default: papersum.SystemClock.
	Clock papersum.Clock
	// Schema is the schema that holds papersum's tables. Open creates it
	// when it does not exist and makes it the whole search_path of every
	// pooled connection (overriding any search_path in the URL), so a
	// queue that shares the pool finds its tables there too. Default:
	// DefaultSchema ("public").
	Schema string
	// SkipMigrations makes Open apply no migration (it still checks that
	// the server answers): for a process started with migrations off
	// while 'papersum migrate' applies them. MigrationsPending then tells
	// how many are missing, and Migrate applies them. Default: false
	// (Open migrates).
	SkipMigrations bool
}

// withDefaults returns o with every unset field at its default.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = papersum.SystemClock{}
	}
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	return o
}

func (o Options) validate() error {
	const op = "postgres.Open"
	switch {
	case o.MaxConns < 0 || o.MaxConns > math.MaxInt32:
		return storeutil.Invalid(op, "postgres: max connections %d out of range", o.MaxConns)
	case o.ConnectTimeout < 0:
		return storeutil.Invalid(op, "postgres: connect timeout %s is negative", o.ConnectTimeout)
	// Postgres truncates identifiers to 63 bytes; a truncated name would
	// silently be another schema.
	case len(o.Schema) > 63:
		return storeutil.Invalid(op, "postgres: schema name %q is longer than 63 bytes", o.Schema)
	case strings.ContainsRune(o.Schema, 0):
		return storeutil.Invalid(op, "postgres: schema name contains a NUL byte")
	// Postgres reserves pg_* schema names for itself.
	case strings.HasPrefix(strings.ToLower(o.Schema), "pg_"):
		return storeutil.Invalid(op, "postgres: schema name %q is reserved (pg_ prefix)", o.Schema)
	}
	return nil
}

// DB is a papersum.Store, BatchStore, EvalStore, KeyStore and JobStore on
// one PostgreSQL schema. It is safe for concurrent use, by goroutines and
// by processes that share the database.
type DB struct {
	pool   *pgxpool.Pool
	clock  papersum.Clock
	schema string
	// target names the server for messages: host:port/database as user,
	// never the password.
	target string

	closeOnce sync.Once
}

var (
	_ papersum.Store               = (*DB)(nil)
	_ papersum.ProviderBatchStore  = (*DB)(nil)
	_ papersum.EvalStore           = (*DB)(nil)
	_ papersum.JobStore            = (*DB)(nil)
	_ papersum.TxSubmitter[pgx.Tx] = (*DB)(nil)
)

// Open connects to the database at url (postgres://user@host:port/db?...
// or a libpq key=value string), creates Options.Schema if needed and
// applies the pending migrations.
//
// Errors: EINVALID when url is empty or cannot be parsed, for invalid
// options, when the login is refused or the database does not exist, when
// the schema was migrated by a newer papersum, or holds tables of the same
// names that papersum did not create; EUNAVAILABLE when the server cannot
// be reached or ctx ends first; EINTERNAL otherwise. Messages never
// contain the password.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	const op = "postgres.Open"
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(url) == "" {
		return nil, storeutil.Invalid(op, "postgres: empty database URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts passwords from its parse errors only on a best-effort
		// basis, so neither its text nor the error itself is kept.
		return nil, storeutil.Invalid(op, "postgres: cannot parse the database URL; want postgres://user[:password]@host[:port]/database[?param=value...]")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(opts.MaxConns)
	}
	switch {
	case opts.ConnectTimeout > 0:
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	case cfg.ConnConfig.ConnectTimeout == 0:
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	// Set at connection start-up, so every pooled connection, including
	// those a queue borrows, sees the same tables without qualifying them.
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()

	s := &DB{
		clock:  opts.Clock,
		schema: opts.Schema,
		target: fmt.Sprintf("%s:%d/%s as %s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User),
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.dbError(op, err)
	}
	if opts.SkipMigrations {
		if err := s.pool.Ping(ctx); err != nil {
			s.pool.Close()
			return nil, s.dbError(op, err)
		}
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the pending migrations, as Open does without
// Options.SkipMigrations. Replicas may call it at once: each migration is
// applied exactly once.
//
// Errors: those of Open.
func (s *DB) Migrate(ctx context.Context) error { return s.migrate(ctx) }

// Pool returns the connection pool, for a queue (River's riverpgxv5
// driver) that shares it. Its connections have Schema as search_path. The
// pool belongs to the DB: Close closes it.
func (s *DB) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the schema that holds the tables.
func (s *DB) Schema() string { return s.schema }

// WithTx runs fn in a transaction on the pool and commits it when fn
// returns nil, or rolls it back when fn returns an error or panics. A queue
// uses it to enqueue a job (River's InsertTx) atomically with its own
// writes.
//
// Errors: a *papersum.Error from fn is returned as is. Database errors are
// classified as the store's own (EUNAVAILABLE for a lost connection or
// server, EINVALID for a value the database refuses, EINTERNAL otherwise);
// any other error from fn is wrapped as EINTERNAL, and stays reachable
// with errors.Is and errors.As.
func (s *DB) WithTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.tx(ctx, "postgres.WithTx", pgx.TxOptions{}, fn)
}

// Close closes the pool, waiting for borrowed connections to be returned.
// Closing again is a no-op. It always returns nil; it has an error result
// to satisfy papersum.Store.
func (s *DB) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// readOnly is the mode of transactions that only read: one snapshot for
// all their statements, so a run and its stages, or a page of runs and
// their stages, are read as they were at one instant.
var readOnly = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// tx runs fn in one transaction and commits it, or rolls it back when fn
// or the commit fails. Errors are classified by dbError.
func (s *DB) tx(ctx context.Context, op string, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	if err := pgx.BeginTxFunc(ctx, s.pool, opts, fn); err != nil {
		return s.dbError(op, err)
	}
	return nil
}

// pipelinedTx is a transaction whose statements travel pipelined, in
// pgx.Batch round trips, and that begins with its first pgx.Batch of
// statements: BEGIN travels in that batch (pgx.Batch.BeginTx) instead of
// taking a round trip of its own, as it does in tx. Defer rollback, and
// commit at the end.
type pipelinedTx struct {
	pool *pgxpool.Pool
	tx   pgx.Tx // nil until the first send
}

// send runs the statements of b in the transaction, after BEGIN when b is
// the first batch, in one round trip, and returns the first error of a
// statement or of a callback set on one (pgx.QueuedQuery).
func (t *pipelinedTx) send(ctx context.Context, b *pgx.Batch) error {
	if t.tx != nil {
		return t.tx.SendBatch(ctx, b).Close()
	}
	first := &pgx.Batch{}
	first.BeginTx(pgx.TxOptions{})
	first.QueuedQueries = append(first.QueuedQueries, b.QueuedQueries...)
	br := t.pool.SendBatch(ctx, first)
	t.tx = br.Tx()
	return br.Close()
}

// commit commits the transaction; at least one batch must have been sent.
func (t *pipelinedTx) commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// rollback rolls the transaction back, unless it has not begun or has
// ended, and so returns its connection to the pool: deferred, it undoes a
// call that failed or panicked.
func (t *pipelinedTx) rollback(ctx context.Context) {
	if t.tx != nil {
		_ = t.tx.Rollback(ctx)
	}
}

// dbError classifies an error of the database or of the connection to it.
// A *papersum.Error passes unchanged. Messages name the server (s.target)
// but never the password; the cause stays in the chain for logs and
// errors.Is.
func (s *DB) dbError(op string, err error) error {
	var pe *papersum.Error
	if errors.As(err, &pe) {
		return err
	}
	wrap := func(code, format string, args ...any) error {
		return &papersum.Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return wrap(papersum.EUNAVAILABLE, "postgres: %s: request cancelled or timed out", s.target)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		switch {
		case strings.HasPrefix(code, "28"): // invalid authorization
			return wrap(papersum.EINVALID, "postgres: %s: the server refused the login; check the user and password", s.target)
		case code == "3D000": // invalid_catalog_name
			return wrap(papersum.EINVALID, "postgres: %s: the database does not exist", s.target)
		case code == "42501": // insufficient_privilege
			return wrap(papersum.EINVALID, "postgres: %s: permission denied: %s", s.target, pgErr.Message)
		case strings.HasPrefix(code, "22"): // data exception: a value the database cannot hold
			return wrap(papersum.EINVALID, "postgres: value refused: %s", pgErr.Message)
		case strings.HasPrefix(code, "08"), // connection exception
			strings.HasPrefix(code, "53"),                     // insufficient resources (too many connections, ...)
			code == "57P01", code == "57P02", code == "57P03", // shutting down, crashed, starting up
			code == "40001", code == "40P01", // serialization failure, deadlock: trying again may work
			code == "55P03": // lock not available
			return wrap(papersum.EUNAVAILABLE, "postgres: %s: %s (SQLSTATE %s); try again later", s.target, pgErr.Message, code)
		}
		return wrap(papersum.EINTERNAL, "postgres: database error")
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return wrap(papersum.EUNAVAILABLE, "postgres: cannot connect to %s", s.target)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || pgconn.Timeout(err) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return wrap(papersum.EUNAVAILABLE, "postgres: lost the connection to %s", s.target)
	}
	return wrap(papersum.EINTERNAL, "postgres: database error")
}

// migration is one embedded migrations/NNNN_name.sql file.
type migration = storeutil.Migration

// loadMigrations returns the embedded migrations sorted by version.
func loadMigrations() ([]migration, error) {
	return storeutil.LoadMigrations(migrationFS, "migrations")
}

// migrateLockClass is the first key of the advisory lock that serialises
// migrations; the second is a hash of the schema name, so that replicas
// migrating one schema wait for each other and other schemas do not.
// The value spells "pape" in ASCII, to be recognisable in pg_locks.
const migrateLockClass = 0x70617065

// migrate applies the pending migrations, each in its own transaction
// together with its schema_migrations row, so a failure leaves the schema
// at the last complete version. Each transaction first takes the advisory
// lock and only then looks at what is applied, so replicas that start at
// once apply every migration exactly once: the second waits for the first
// to commit and then finds the version recorded. The lock is
// transaction-scoped, so it cannot outlive a connection that a crash left
// behind.
func (s *DB) migrate(ctx context.Context) error {
	const op = "postgres.Open"
	ms, err := loadMigrations()
	if err != nil {
		return &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "postgres: embedded migrations", Err: err}
	}
	latest := ms[len(ms)-1].Version
	for _, m := range ms {
		// Directives steer the SQLite store's migrate; none is needed
		// here, and one that would be silently ignored is a bug.
		if err := storeutil.CheckDirectives(m); err != nil {
			return &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "postgres: embedded migrations", Err: err}
		}
	}
	for i, m := range ms {
		err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(migrateLockClass), s.schema); err != nil {
				return err
			}
			if i == 0 {
				if err := s.prepareSchema(ctx, tx, latest); err != nil {
					return err
				}
			}
			var applied bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&applied); err != nil {
				return err
			}
			if applied {
				return nil
			}
			// No arguments: pgx sends it with the simple protocol, which
			// runs a file of several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				var pgErr *pgconn.PgError
				if errors.As(err, &pgErr) && pgErr.Code == "42P07" { // duplicate_table
					return &papersum.Error{Code: papersum.EINVALID, Op: op, Err: err,
						Message: fmt.Sprintf("postgres: schema %q already holds tables that papersum did not create (%s); left unchanged, choose another schema", s.schema, pgErr.Message)}
				}
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, s.clock.Now().UnixNano())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// prepareSchema creates the schema and schema_migrations when they are
// missing, and refuses a schema_migrations of another tool (golang-migrate
// and others use that name too) or one written by a newer papersum. It
// runs under the migration lock.
func (s *DB) prepareSchema(ctx context.Context, tx pgx.Tx, latest int) error {
	const op = "postgres.Open"
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, s.schema).Scan(&exists); err != nil {
		return err
	}
	// Only when missing: CREATE SCHEMA IF NOT EXISTS checks the CREATE
	// privilege on the database before it looks, and a user may own its
	// schema without holding that privilege.
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT column_name::text FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'schema_migrations' ORDER BY column_name`, s.schema)
	if err != nil {
		return err
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		_, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
			version    integer NOT NULL PRIMARY KEY,
			name       text    NOT NULL,
			applied_at bigint  NOT NULL
		)`)
		return err
	}
	if strings.Join(cols, ",") != "applied_at,name,version" {
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("postgres: schema %q has a schema_migrations table of another tool (columns %s); left unchanged, choose another schema", s.schema, strings.Join(cols, ", "))}
	}
	var max *int
	if err := tx.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&max); err != nil {
		return err
	}
	if max != nil && *max > latest {
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("postgres: schema %q has schema version %d, newer than this papersum knows (%d); upgrade papersum", s.schema, *max, latest)}
	}
	return nil
}

// MigrationsPending is how many of this binary's migrations the schema has
// not applied: 0 when it is current, or newer (migrated by a newer
// papersum replica). /readyz reports a positive count, which means the
// schema was rolled back or restored from an older backup under a running
// server.
func (s *DB) MigrationsPending(ctx context.Context) (int, error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	var applied int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		// A schema never migrated (Options.SkipMigrations) lacks them all.
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			return len(ms), nil
		}
		return 0, err
	}
	return storeutil.PendingAfter(ms, applied), nil
}
