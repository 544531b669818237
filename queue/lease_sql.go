package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// leaseTable is papersum's own table of worker leases, beside River's
// tables: one row per queue process (River client) that ever started,
// pruned once long expired.
const leaseTable = "papersum_worker_lease"

// lease is the identity a queue process writes in its lease row.
type lease struct {
	clientID string
	// host identifies the machine and PID namespace of the process (see
	// selfIdentity); empty when unknown. Only a process with the same
	// host compares pid and pidStart.
	host     string
	pid      int
	pidStart string
}

// rescuedJob is a job taken back from a dead worker by reap.
type rescuedJob struct {
	id     int64
	state  string // available, discarded or cancelled
	worker string // the client ID of the dead worker
}

// leaseStore is the SQL of leases on one database. Every time argument
// now is the time of leases (when they expire), or nil for the database's
// own clock; the times written in River's job rows (scheduled_at,
// finalized_at, errors) always come from the database's clock, as
// River's own do. Each statement is safe to run from many processes at
// once.
type leaseStore interface {
	// migrate creates the lease table.
	migrate(ctx context.Context) error
	// renew extends l's lease to now+ttl, creating it (or taking it
	// back) when it is missing or expired; wasLive reports whether it was
	// still live.
	renew(ctx context.Context, l lease, now *time.Time, ttl time.Duration) (wasLive bool, err error)
	// expire ends clientID's lease now, if it is live.
	expire(ctx context.Context, clientID string, now *time.Time) error
	// liveOnHost lists the live leases of processes of host other than
	// except.
	liveOnHost(ctx context.Context, host, except string, now *time.Time) ([]lease, error)
	// expireSame ends l's lease now if it is live and still holds l's
	// identity (a process that reused the client ID is not touched).
	expireSame(ctx context.Context, l lease, now *time.Time) (bool, error)
	// reap makes the running jobs whose last worker's lease has expired
	// available again at once, or discards them when they have used
	// their last attempt, or cancels them when a cancel was asked while
	// they ran, as River's rescuer would; the lost attempt counts and is
	// recorded in the job's errors. A job made available keeps its
	// scheduled_at (in the past, since it was fetched): it goes back to
	// the head of the queue, not behind the jobs queued while it ran. A job that another reaper, or a
	// worker, changed meanwhile is left alone, so concurrent reapers
	// rescue each job once.
	reap(ctx context.Context, now *time.Time) ([]rescuedJob, error)
	// prune deletes the leases expired for longer than keep.
	prune(ctx context.Context, now *time.Time, keep time.Duration) error
}

// lostLeaseError is the error recorded in a job rescued from a dead
// worker; the SQL appends the worker's client ID.
const lostLeaseError = "rescued from a dead worker, whose lease expired: "

// sqliteLeases is leaseStore on SQLite. Times are text in River's SQLite
// format ("2006-01-02 15:04:05.000", UTC), so that they compare as
// River's own do.
type sqliteLeases struct{ db *sql.DB }

// sqliteNow is the time of a statement: ?1, or the database's clock.
const sqliteNow = `coalesce(?1, datetime('now', 'subsec'))`

func sqliteTime(now *time.Time) any {
	if now == nil {
		return nil
	}
	return now.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
}

// sqliteOffset is a date modifier adding d.
func sqliteOffset(d time.Duration) string { return fmt.Sprintf("%+.3f seconds", d.Seconds()) }

func (s sqliteLeases) migrate(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+leaseTable+` (
    client_id  TEXT PRIMARY KEY NOT NULL,
    expires_at TEXT NOT NULL,
    host       TEXT NOT NULL DEFAULT '',
    pid        INTEGER NOT NULL DEFAULT 0,
    pid_start  TEXT NOT NULL DEFAULT ''
)`)
	return err
}

func (s sqliteLeases) renew(ctx context.Context, l lease, now *time.Time, ttl time.Duration) (bool, error) {
	expires := `strftime('%Y-%m-%d %H:%M:%f', ` + sqliteNow + `, ?2)`
	res, err := s.db.ExecContext(ctx, `UPDATE `+leaseTable+` SET expires_at = `+expires+`
WHERE client_id = ?3 AND host = ?4 AND pid = ?5 AND pid_start = ?6 AND expires_at > `+sqliteNow,
		sqliteTime(now), sqliteOffset(ttl), l.clientID, l.host, l.pid, l.pidStart)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO `+leaseTable+` (client_id, expires_at, host, pid, pid_start)
VALUES (?3, `+expires+`, ?4, ?5, ?6)
ON CONFLICT (client_id) DO UPDATE SET expires_at = excluded.expires_at, host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start`,
		sqliteTime(now), sqliteOffset(ttl), l.clientID, l.host, l.pid, l.pidStart)
	return false, err
}

func (s sqliteLeases) expire(ctx context.Context, clientID string, now *time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE `+leaseTable+` SET expires_at = `+sqliteNow+`
WHERE client_id = ?2 AND expires_at > `+sqliteNow, sqliteTime(now), clientID)
	return err
}

func (s sqliteLeases) liveOnHost(ctx context.Context, host, except string, now *time.Time) ([]lease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT client_id, host, pid, pid_start FROM `+leaseTable+`
WHERE host = ?2 AND client_id <> ?3 AND expires_at > `+sqliteNow, sqliteTime(now), host, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []lease
	for rows.Next() {
		var l lease
		if err := rows.Scan(&l.clientID, &l.host, &l.pid, &l.pidStart); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s sqliteLeases) expireSame(ctx context.Context, l lease, now *time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE `+leaseTable+` SET expires_at = `+sqliteNow+`
WHERE client_id = ?2 AND host = ?3 AND pid = ?4 AND pid_start = ?5 AND expires_at > `+sqliteNow,
		sqliteTime(now), l.clientID, l.host, l.pid, l.pidStart)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// sqliteReap is reap in one statement: SQLite runs one writer at a time,
// so a second reaper sees the first one's changes (the job is no longer
// running) and skips the job. The CASE guards on metadata and errors
// follow River's own SQLite queries, which tolerate values changed out of
// band. River keeps attempted_by as JSONB; its last element is the worker
// of the current attempt.
const sqliteReap = `
WITH n(now, db_now) AS (SELECT ` + sqliteNow + `, datetime('now', 'subsec'))
UPDATE river_job SET
    state = CASE
        WHEN ` + sqliteCancelAsked + ` THEN 'cancelled'
        WHEN attempt >= max_attempts THEN 'discarded'
        ELSE 'available' END,
    finalized_at = CASE
        WHEN ` + sqliteCancelAsked + ` OR attempt >= max_attempts THEN n.db_now
        ELSE NULL END,
    errors = CASE
        WHEN typeof(errors) = 'text' AND NOT json_valid(errors) THEN jsonb(json_array(errors, ` + sqliteLostError + `))
        WHEN coalesce(json_type(errors), 'array') <> 'array' THEN jsonb(json_array(json(errors), ` + sqliteLostError + `))
        ELSE jsonb(json_insert(json(coalesce(errors, jsonb('[]'))), '$[#]', ` + sqliteLostError + `)) END
FROM n, ` + leaseTable + ` AS l
WHERE river_job.state = 'running'
    AND l.client_id = json_extract(river_job.attempted_by, '$[#-1]')
    AND l.expires_at <= n.now
RETURNING id, state, json_extract(attempted_by, '$[#-1]')`

// sqliteCancelAsked is true for a job whose cancel was asked while it
// ran (River's JobCancel writes cancel_attempted_at in its metadata).
const sqliteCancelAsked = `(CASE WHEN typeof(metadata) <> 'text' OR json_valid(metadata) THEN metadata -> 'cancel_attempted_at' END) IS NOT NULL`

// sqliteLostError is the AttemptError (River's JSON shape) of a job
// rescued from a dead worker.
const sqliteLostError = `json_object('at', strftime('%Y-%m-%dT%H:%M:%fZ', n.db_now), 'attempt', attempt,
    'error', '` + lostLeaseError + `' || l.client_id, 'trace', '')`

func (s sqliteLeases) reap(ctx context.Context, now *time.Time) ([]rescuedJob, error) {
	rows, err := s.db.QueryContext(ctx, sqliteReap, sqliteTime(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rescuedJob
	for rows.Next() {
		var j rescuedJob
		if err := rows.Scan(&j.id, &j.state, &j.worker); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (s sqliteLeases) prune(ctx context.Context, now *time.Time, keep time.Duration) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM `+leaseTable+`
WHERE expires_at < strftime('%Y-%m-%d %H:%M:%f', `+sqliteNow+`, ?2)`, sqliteTime(now), sqliteOffset(-keep))
	return err
}

// postgresLeases is leaseStore on Postgres, in the first schema of the
// pool's search_path, beside River's tables.
type postgresLeases struct{ pool *pgxpool.Pool }

// postgresNow is the time of a statement: $1, or the database's clock,
// which all replicas share whatever their hosts' clocks say.
const postgresNow = `coalesce($1::timestamptz, now())`

// leaseLockKey serializes the creation of the lease table between
// processes that migrate at once (CREATE TABLE IF NOT EXISTS races on
// Postgres' catalogs). An arbitrary constant: "papersum lease" in ASCII.
const leaseLockKey = 0x7061706572_6c73

func (p postgresLeases) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(leaseLockKey)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+leaseTable+` (
    client_id  text PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    host       text NOT NULL DEFAULT '',
    pid        bigint NOT NULL DEFAULT 0,
    pid_start  text NOT NULL DEFAULT ''
)`)
		return err
	})
}

func pgTime(now *time.Time) any {
	if now == nil {
		return nil
	}
	return *now
}

func (p postgresLeases) renew(ctx context.Context, l lease, now *time.Time, ttl time.Duration) (bool, error) {
	expires := postgresNow + ` + $2::bigint * interval '1 microsecond'`
	tag, err := p.pool.Exec(ctx, `UPDATE `+leaseTable+` SET expires_at = `+expires+`
WHERE client_id = $3 AND host = $4 AND pid = $5 AND pid_start = $6 AND expires_at > `+postgresNow,
		pgTime(now), ttl.Microseconds(), l.clientID, l.host, l.pid, l.pidStart)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	_, err = p.pool.Exec(ctx, `INSERT INTO `+leaseTable+` (client_id, expires_at, host, pid, pid_start)
VALUES ($3, `+expires+`, $4, $5, $6)
ON CONFLICT (client_id) DO UPDATE SET expires_at = excluded.expires_at, host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start`,
		pgTime(now), ttl.Microseconds(), l.clientID, l.host, l.pid, l.pidStart)
	return false, err
}

func (p postgresLeases) expire(ctx context.Context, clientID string, now *time.Time) error {
	_, err := p.pool.Exec(ctx, `UPDATE `+leaseTable+` SET expires_at = `+postgresNow+`
WHERE client_id = $2 AND expires_at > `+postgresNow, pgTime(now), clientID)
	return err
}

func (p postgresLeases) liveOnHost(ctx context.Context, host, except string, now *time.Time) ([]lease, error) {
	rows, err := p.pool.Query(ctx, `SELECT client_id, host, pid, pid_start FROM `+leaseTable+`
WHERE host = $2 AND client_id <> $3 AND expires_at > `+postgresNow, pgTime(now), host, except)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (lease, error) {
		var l lease
		var pid int64
		err := r.Scan(&l.clientID, &l.host, &pid, &l.pidStart)
		l.pid = int(pid)
		return l, err
	})
}

func (p postgresLeases) expireSame(ctx context.Context, l lease, now *time.Time) (bool, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE `+leaseTable+` SET expires_at = `+postgresNow+`
WHERE client_id = $2 AND host = $3 AND pid = $4 AND pid_start = $5 AND expires_at > `+postgresNow,
		pgTime(now), l.clientID, l.host, l.pid, l.pidStart)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// postgresReap is reap in one statement. The rows are locked in ID order
// with SKIP LOCKED: a second reaper at the same moment skips the jobs the
// first holds instead of waiting (or deadlocking) on them, and one that
// comes after sees them no longer running. River keeps attempted_by as
// text[]; its last element is the worker of the current attempt.
const postgresReap = `
WITH n AS (SELECT ` + postgresNow + ` AS now, now() AS db_now),
dead AS (
    SELECT j.id, l.client_id
    FROM river_job AS j
    JOIN ` + leaseTable + ` AS l ON l.client_id = j.attempted_by[array_upper(j.attempted_by, 1)]
    CROSS JOIN n
    WHERE j.state = 'running' AND l.expires_at <= n.now
    ORDER BY j.id
    FOR UPDATE OF j SKIP LOCKED
)
UPDATE river_job AS j SET
    state = (CASE
        WHEN j.metadata ? 'cancel_attempted_at' THEN 'cancelled'
        WHEN j.attempt >= j.max_attempts THEN 'discarded'
        ELSE 'available' END)::river_job_state,
    finalized_at = CASE
        WHEN j.metadata ? 'cancel_attempted_at' OR j.attempt >= j.max_attempts THEN n.db_now
        ELSE NULL END,
    errors = array_append(j.errors, jsonb_build_object(
        'at', n.db_now, 'attempt', j.attempt, 'error', '` + lostLeaseError + `' || dead.client_id, 'trace', ''))
FROM dead, n
WHERE j.id = dead.id
RETURNING j.id, j.state::text, dead.client_id`

func (p postgresLeases) reap(ctx context.Context, now *time.Time) ([]rescuedJob, error) {
	rows, err := p.pool.Query(ctx, postgresReap, pgTime(now))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (rescuedJob, error) {
		var j rescuedJob
		err := r.Scan(&j.id, &j.state, &j.worker)
		return j, err
	})
}

func (p postgresLeases) prune(ctx context.Context, now *time.Time, keep time.Duration) error {
	_, err := p.pool.Exec(ctx, `DELETE FROM `+leaseTable+`
WHERE expires_at < `+postgresNow+` - $2::bigint * interval '1 microsecond'`, pgTime(now), keep.Microseconds())
	return err
}
