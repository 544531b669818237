package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DefaultBusyTimeout is how long a transaction waits for a lock held by
// another process before it fails.
const DefaultBusyTimeout = 5 * time.Second

// Options configure Open. The zero value is valid.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// process (another papersum, a backup tool) before it fails with
	// EUNAVAILABLE. Default: DefaultBusyTimeout (5s).
	BusyTimeout time.Duration
	// Clock stamps what the caller did not: papers' created_at, a run's
	// missing CreatedAt, a stage's missing StartedAt and a finish's
	// missing FinishedAt. Default: papersum.SystemClock.
	Clock papersum.Clock
	// SkipMigrations makes Open apply no migration: a database that
	// lacks some of this build's is refused with a *SchemaBehindError
	// (EINVALID) naming how many, for a process started with migrations
	// off while 'papersum migrate' applies them. Default: false (Open
	// migrates).
	SkipMigrations bool
}

// SchemaBehindError is Open's error, with Options.SkipMigrations, for a
// database that lacks Pending of this build's migrations.
type SchemaBehindError struct {
	Path    string
	Pending int
}

func (e *SchemaBehindError) Error() string {
	return fmt.Sprintf("sqlite: %s lacks %d migrations of this papersum and migrations are off; run 'papersum migrate' first", e.Path, e.Pending)
}

// withDefaults returns o with every unset field at its default.
func (o Options) withDefaults() Options {
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.Clock == nil {
		o.Clock = papersum.SystemClock{}
	}
	return o
}

func (o Options) validate() error {
	if o.BusyTimeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "sqlite: busy timeout %s is negative", o.BusyTimeout)
	}
	return nil
}

// DB is a papersum.Store, BatchStore, EvalStore, KeyStore and JobStore on
// one SQLite database file. It is safe for concurrent use.
type DB struct {
	db    *sql.DB
	path  string
	clock papersum.Clock
	// stmts are the hot statements, prepared at Open: see stmtCache.
	stmts stmtCache
	// ckpt checkpoints the log of a file database; nil for ":memory:".
	ckpt *checkpointer

	closeOnce sync.Once
	closeErr  error
}

var _ papersum.Store = (*DB)(nil)

// sqliteHeader is the first 16 bytes of every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Open opens the database at path, creating it and its parent directories
// (mode 0700; the file 0600, since papers and summaries may be private) if
// needed, and applies the pending migrations. The special path ":memory:"
// opens a private in-memory database.
//
// Errors: EINVALID when path is empty or a directory, when the file at path
// is not a SQLite database or belongs to another program, or when its
// schema is newer than this build knows; EUNAVAILABLE when the database is
// locked by another process beyond the busy timeout; EINTERNAL otherwise.
// The file is never modified when Open fails because of what it holds.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	ms, err := loadMigrations()
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINTERNAL, Op: "sqlite.Open", Message: "sqlite: embedded migrations", Err: err}
	}
	s, err := open(ctx, path, opts, ms)
	if err != nil {
		return nil, err
	}
	// Here rather than in open: the statements need this build's whole
	// schema, which a test's database at an older version lacks.
	if s.stmts, err = prepareStmts(ctx, s.db); err != nil {
		_ = s.Close()
		return nil, openError(s.path, err)
	}
	return s, nil
}

// open is Open with the migrations to apply, so that a test can build a
// database at an older schema version and then Open it. Its DB has no
// prepared statements (see stmtCache): a test uses it through its handle.
func open(ctx context.Context, path string, opts Options, ms []migration) (*DB, error) {
	const op = "sqlite.Open"
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: empty database path"}
	}

	var dsn string
	if path == ":memory:" {
		dsn = ":memory:?" + dsnParams(opts)
	} else {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, &papersum.Error{Code: papersum.EINVALID, Op: op, Message: fmt.Sprintf("sqlite: bad database path %q", path), Err: err}
		}
		path = abs
		if err := prepareFile(path); err != nil {
			return nil, err
		}
		// A file: URI, because a plain name is cut at the first '?'.
		u := url.URL{Scheme: "file", Path: path, RawQuery: dsnParams(opts)}
		dsn = u.String()
	}

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "sqlite: open " + path, Err: err}
	}
	// One connection: see the package comment. It also makes ":memory:"
	// one database rather than one per pooled connection.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	s := &DB{db: db, path: path, clock: opts.Clock}
	migrate := s.migrate
	if opts.SkipMigrations {
		migrate = s.checkCurrent
	}
	if err := migrate(ctx, ms); err != nil {
		_ = db.Close()
		return nil, err
	}
	if path != ":memory:" {
		if s.ckpt, err = startCheckpointer(dsn, db); err != nil {
			_ = db.Close()
			return nil, &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "sqlite: open " + path, Err: err}
		}
	}
	return s, nil
}

// dsnParams are the connection settings, applied by the driver to every
// connection it opens. _txlock=immediate makes BEGIN take the write lock at
// once: a deferred transaction that reads, then writes, can fail with
// SQLITE_BUSY half way when another process wrote in between, and the busy
// timeout does not help it.
func dsnParams(opts Options) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// NORMAL is durable in WAL mode up to the last checkpointed commit on
	// power loss and never corrupts; FULL would fsync on every commit.
	q.Add("_pragma", "synchronous(NORMAL)")
	// Checkpoints run on a connection of their own: see checkpoint.go.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Set("_txlock", "immediate")
	return q.Encode()
}

// prepareFile checks what is at path before SQLite touches it, and creates
// the parent directories and an empty file when nothing is there. SQLite
// itself would open a non-database file "successfully" and fail only on the
// first query, after the driver had already run PRAGMAs against it; checking
// the header first guarantees such a file is not changed.
func prepareFile(path string) error {
	const op = "sqlite.Open"
	fi, err := os.Stat(path)
	switch {
	case err == nil:
		if fi.IsDir() {
			return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: fmt.Sprintf("sqlite: %s is a directory, not a database file", path)}
		}
		if !fi.Mode().IsRegular() {
			return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: fmt.Sprintf("sqlite: %s is not a regular file", path)}
		}
		return checkHeader(path, fi.Size())
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: create directory for " + path, Err: err}
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			// Another process created it between Stat and here; check it.
			return prepareFile(path)
		}
		if err != nil {
			return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: create " + path, Err: err}
		}
		return f.Close()
	default:
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: cannot access " + path, Err: err}
	}
}

// checkHeader returns EINVALID unless the file is empty (SQLite's way of
// writing a new database) or starts with the SQLite header.
func checkHeader(path string, size int64) error {
	const op = "sqlite.Open"
	if size == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: cannot read " + path, Err: err}
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("sqlite: %s is not a SQLite database (left unchanged); move it away or choose another path", path)}
	}
	return nil
}

// Path returns the absolute path of the database file, or ":memory:".
func (s *DB) Path() string { return s.path }

// SQL returns the database handle, for a queue (River's riversqlite
// driver) that shares it: the store keeps one connection (see the package
// comment), and a second handle on the file would have its writes wait on
// this one's lock instead of being serialised with them. The handle
// belongs to the DB: Close closes it. A caller that holds a transaction or
// a *sql.Conn of it blocks every store method until it lets go.
func (s *DB) SQL() *sql.DB { return s.db }

// Close closes the database. Closing again is a no-op that returns the
// first call's result.
func (s *DB) Close() error {
	s.closeOnce.Do(func() {
		// The checkpointer's connection closes first, so that the store's
		// is the file's last: closing the last connection checkpoints the
		// log and deletes it.
		if s.ckpt != nil {
			_ = s.ckpt.close()
		}
		if err := errors.Join(s.stmts.close(), s.db.Close()); err != nil {
			s.closeErr = &papersum.Error{Code: papersum.EINTERNAL, Op: "sqlite.Close", Message: "sqlite: close " + s.path, Err: err}
		}
	})
	return s.closeErr
}

// migration is one embedded migrations/NNNN_name.sql file.
type migration = storeutil.Migration

// loadMigrations returns the embedded migrations sorted by version.
func loadMigrations() ([]migration, error) {
	return storeutil.LoadMigrations(migrationFS, "migrations")
}

// directiveForeignKeysOff is the migration directive
// ("-- papersum:foreign-keys-off") of a migration that rebuilds a table
// others reference. See applyMigration.
const directiveForeignKeysOff = "foreign-keys-off"

// migrate applies the pending migrations of ms (sorted by version), each
// in its own transaction together with its schema_migrations row, so a
// failure leaves the schema at the last complete version. The check of
// what is applied happens inside that transaction, which holds the write
// lock from BEGIN (_txlock), so two processes opening one new file cannot
// both apply a migration.
func (s *DB) migrate(ctx context.Context, ms []migration) error {
	latest := ms[len(ms)-1].Version

	// Refuse a database that is not ours before writing anything to it.
	if err := s.checkOwnership(ctx, latest); err != nil {
		return err
	}

	// One pinned connection, so that a pragma set before BEGIN applies to
	// the transaction that follows, whatever the pool size.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return openError(s.path, err)
	}
	defer conn.Close()
	for _, m := range ms {
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return openError(s.path, err)
		}
	}
	return nil
}

// checkCurrent is migrate with Options.SkipMigrations: it refuses a
// database that is not ours, or lacks some of ms, and changes nothing.
func (s *DB) checkCurrent(ctx context.Context, ms []migration) error {
	if err := s.checkOwnership(ctx, ms[len(ms)-1].Version); err != nil {
		return err
	}
	var applied int
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied)
	if err != nil && !strings.Contains(err.Error(), "no such table") {
		return openError(s.path, err)
	}
	if n := storeutil.PendingAfter(ms, applied); n > 0 {
		return &papersum.Error{Code: papersum.EINVALID, Op: "sqlite.Open", Err: &SchemaBehindError{Path: s.path, Pending: n},
			Message: (&SchemaBehindError{Path: s.path, Pending: n}).Error()}
	}
	return nil
}

// applyMigration applies m on conn unless it is recorded as applied.
//
// A migration with the foreign-keys-off directive runs with foreign keys
// off: it rebuilds a table (create, copy, drop, rename), and dropping a
// table with foreign keys on deletes its rows first, cascading to the rows
// that reference them. SQLite ignores PRAGMA foreign_keys inside a
// transaction, so it is set on the connection before BEGIN; the
// transaction runs PRAGMA foreign_key_check before it commits, so the
// rebuild cannot leave a dangling reference behind, and foreign keys are
// turned back on afterwards, also when the migration failed.
func (s *DB) applyMigration(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	if err := storeutil.CheckDirectives(m, directiveForeignKeysOff); err != nil {
		return &papersum.Error{Code: papersum.EINTERNAL, Op: "sqlite.Open", Message: "sqlite: embedded migrations", Err: err}
	}
	fkOff := m.Has(directiveForeignKeysOff)
	if fkOff {
		if err := setForeignKeys(ctx, conn, false); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		defer func() {
			// Not ctx: a cancelled context must not leave them off.
			if onErr := setForeignKeys(context.WithoutCancel(ctx), conn, true); onErr != nil && err == nil {
				err = fmt.Errorf("migration %s: %w", m.Name, onErr)
			}
		}()
	}
	return inTx(ctx, conn, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if fkOff {
			if err := foreignKeyCheck(ctx, tx); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, s.clock.Now().UnixNano())
		return err
	})
}

// setForeignKeys turns foreign key enforcement on conn on or off, and
// reads it back: SQLite silently ignores the pragma inside a transaction,
// and a silently ignored "off" is what this must never miss.
func setForeignKeys(ctx context.Context, conn *sql.Conn, on bool) error {
	want := 0
	if on {
		want = 1
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = `+strconv.Itoa(want)); err != nil {
		return err
	}
	var got int
	if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&got); err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("PRAGMA foreign_keys = %d did not take effect (still %d)", want, got)
	}
	return nil
}

// foreignKeyCheck returns an error naming the first row whose foreign key
// points at nothing.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fkid          int
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check failed: a row of %s (rowid %d) references a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// checkOwnership reads the schema and returns EINVALID when the database
// has tables but no schema_migrations (another program's database), or was
// migrated by a newer papersum. Reading also surfaces a corrupt file as
// SQLITE_CORRUPT or SQLITE_NOTADB before anything is written.
func (s *DB) checkOwnership(ctx context.Context, latest int) error {
	const op = "sqlite.Open"
	var tables []string
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return openError(s.path, err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return openError(s.path, err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return openError(s.path, err)
	}
	if err := rows.Err(); err != nil {
		return openError(s.path, err)
	}
	if len(tables) == 0 {
		return nil
	}
	hasMigrations := false
	for _, t := range tables {
		if t == "schema_migrations" {
			hasMigrations = true
		}
	}
	if !hasMigrations {
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("sqlite: %s is a SQLite database of another program (tables %s; no schema_migrations); left unchanged", s.path, strings.Join(tables, ", "))}
	}
	var max sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&max); err != nil {
		return openError(s.path, err)
	}
	if max.Valid && int(max.Int64) > latest {
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("sqlite: %s has schema version %d, newer than this papersum knows (%d); upgrade papersum", s.path, max.Int64, latest)}
	}
	return nil
}

// SQLite primary result codes papersum tells apart (the low byte of an
// extended code). Kept here rather than imported from modernc.org/sqlite/lib
// to keep that package's thousands of names out of this one.
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteCorrupt    = 11
	sqliteCantOpen   = 14
	sqliteConstraint = 19
	sqliteNotADB     = 26

	// sqliteConstraintForeignKey is the extended code of a foreign key
	// violation (SQLITE_CONSTRAINT_FOREIGNKEY).
	sqliteConstraintForeignKey = sqliteConstraint | 3<<8
	// sqliteConstraintPrimaryKey is the extended code of a primary key
	// violation (SQLITE_CONSTRAINT_PRIMARYKEY).
	sqliteConstraintPrimaryKey = sqliteConstraint | 6<<8
)

// sqliteCode returns the primary result code of a driver error, or 0.
func sqliteCode(err error) int {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// sqliteExtendedCode returns the extended result code of a driver error,
// or 0.
func sqliteExtendedCode(err error) int {
	var se *msqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// openError classifies an error met while opening: a file SQLite cannot
// read as a database is the user's input, not a bug.
func openError(path string, err error) error {
	const op = "sqlite.Open"
	var pe *papersum.Error
	if errors.As(err, &pe) {
		return err
	}
	switch sqliteCode(err) {
	case sqliteNotADB, sqliteCorrupt:
		return &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("sqlite: %s is not a valid SQLite database (corrupt or not a database; left unchanged)", path), Err: err}
	case sqliteCantOpen:
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "sqlite: cannot open " + path, Err: err}
	}
	return dbError(op, err)
}

// dbError wraps an unexpected database error. Lock timeouts are
// EUNAVAILABLE (trying later may work); a cancelled context keeps its error
// in the chain for errors.Is.
func dbError(op string, err error) error {
	var pe *papersum.Error
	if errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Op: op, Message: "sqlite: " + err.Error(), Err: err}
	}
	switch sqliteCode(err) {
	case sqliteBusy, sqliteLocked:
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Op: op, Message: "sqlite: database is locked by another process", Err: err}
	}
	return &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "sqlite: database error", Err: err}
}

// tx runs fn in one transaction and commits it, or rolls it back when fn
// or the commit fails. Errors are classified by dbError.
func (s *DB) tx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := inTx(ctx, s.db, fn); err != nil {
		return dbError(op, err)
	}
	return nil
}

// inTx runs fn in a transaction begun on db (the pool or one connection)
// and commits it when fn returns nil. It rolls back when fn returns an
// error or panics: fn may run caller code (Submit's enqueue), and a
// transaction left open would hold the store's only connection forever.
func inTx(ctx context.Context, db interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	committed = true
	return tx.Commit()
}

// MigrationsPending is how many of this binary's migrations the database
// has not applied: 0 when its schema is current, or newer (migrated by a
// newer papersum). /readyz reports a positive count, which means the
// schema was rolled back or restored from an older backup under a running
// server.
func (s *DB) MigrationsPending(ctx context.Context) (int, error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	var applied int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return 0, openError(s.path, err)
	}
	return storeutil.PendingAfter(ms, applied), nil
}
