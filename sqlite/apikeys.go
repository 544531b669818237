package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.KeyStore = (*DB)(nil)

// apiKeyColumns are the columns scanAPIKey reads, in its order.
const apiKeyColumns = `id, team, user_name, scope, prefix, created_at, revoked_at, expires_at`

// CreateKey stores a new API key with the hash of its plaintext, in one
// transaction that first checks the ID and the hash are free, so a
// conflict is reported as such rather than as a constraint failure.
//
// Errors: EINVALID when the ID, team, user or hash is empty, the scope is
// not valid or a time is out of range; ECONFLICT when the ID or the hash is
// stored already.
func (s *DB) CreateKey(ctx context.Context, k *papersum.APIKey, hash []byte) error {
	const op = "sqlite.CreateKey"
	row, err := storeutil.NewKeyRow(op, k, hash, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE id = ? OR hash = ?`, k.ID, hash).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return storeutil.Conflict(op, "API key %s, or one with the same secret, exists", k.ID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, hash, team, user_name, scope, prefix, created_at, revoked_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, hash, k.Team, k.User, string(k.Scope), k.Prefix, row.Created, nullable(row.Revoked), nullable(row.Expires))
		return err
	})
	if err != nil {
		return err
	}
	k.CreatedAt = row.CreatedAt
	return nil
}

// KeyByHash returns the key whose plaintext has this hash.
//
// Errors: ENOTFOUND when there is none.
func (s *DB) KeyByHash(ctx context.Context, hash []byte) (*papersum.APIKey, error) {
	const op = "sqlite.KeyByHash"
	if len(hash) == 0 {
		return nil, storeutil.NotFound(op, "API key not found")
	}
	k, err := scanAPIKey(s.stmt(selectKeyByHashSQL).QueryRowContext(ctx, hash))
	if errors.Is(err, sql.ErrNoRows) {
		// The message never carries the hash: it is as good as the key to
		// nobody, but it has no use in a log either.
		return nil, storeutil.NotFound(op, "API key not found")
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	return k, nil
}

// selectKeyByHashSQL is KeyByHash's query, run on every HTTP request.
const selectKeyByHashSQL = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`

// KeyByID returns the key with this ID.
//
// Errors: ENOTFOUND when there is none.
func (s *DB) KeyByID(ctx context.Context, id string) (*papersum.APIKey, error) {
	const op = "sqlite.KeyByID"
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeutil.NotFound(op, "API key %s not found", id)
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	return k, nil
}

// RevokeKey makes the key stop working at at, or the store's clock when at
// is zero, unless it is revoked at an earlier time already.
//
// Errors: ENOTFOUND when there is no such key; EINVALID when at is out of
// range.
func (s *DB) RevokeKey(ctx context.Context, id string, at time.Time) error {
	const op = "sqlite.RevokeKey"
	if at.IsZero() {
		at = s.clock.Now()
	}
	ns, ok := storeutil.EncodeTime(at)
	if !ok {
		return storeutil.Invalid(op, "key %s: revocation time out of range", id)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		// min keeps the earliest revocation: revoking can be brought
		// forward, never put off, so a later call cannot revive a key.
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = min(coalesce(revoked_at, ?1), ?1) WHERE id = ?2`, ns, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return storeutil.NotFound(op, "API key %s not found", id)
		}
		return nil
	})
}

// ListKeys returns the keys of team, or of every team when team is "",
// newest first.
func (s *DB) ListKeys(ctx context.Context, team string) ([]*papersum.APIKey, error) {
	const op = "sqlite.ListKeys"
	q := `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE team = ? ORDER BY created_at DESC, id DESC`
	args := []any{team}
	if team == "" {
		q = `SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY created_at DESC, id DESC`
		args = nil
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []*papersum.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

func decodeKeyTime(ns sql.NullInt64) *time.Time {
	if !ns.Valid {
		return nil
	}
	t := storeutil.DecodeTime(ns.Int64)
	return &t
}

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row interface{ Scan(...any) error }) (*papersum.APIKey, error) {
	var (
		k                papersum.APIKey
		scope            string
		created          int64
		revoked, expires sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Team, &k.User, &scope, &k.Prefix, &created, &revoked, &expires); err != nil {
		return nil, err
	}
	k.Scope = papersum.Scope(scope)
	k.CreatedAt = storeutil.DecodeTime(created)
	k.RevokedAt = decodeKeyTime(revoked)
	k.ExpiresAt = decodeKeyTime(expires)
	return &k, nil
}
