package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.KeyStore = (*DB)(nil)

// apiKeyColumns are the columns scanAPIKey reads, in its order.
const apiKeyColumns = `id, team, user_name, scope, prefix, created_at, revoked_at, expires_at`

// CreateKey stores a new API key with the hash of its plaintext. ON
// CONFLICT DO NOTHING without a target covers both unique columns, so two
// replicas creating clashing keys at once get ECONFLICT, not a constraint
// error.
//
// Errors: EINVALID when the ID, team, user or hash is empty, the scope is
// not valid, a time is out of range or text Postgres cannot hold;
// ECONFLICT when the ID or the hash is stored already.
func (s *DB) CreateKey(ctx context.Context, k *papersum.APIKey, hash []byte) error {
	const op = "postgres.CreateKey"
	row, err := storeutil.NewKeyRow(op, k, hash, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO api_keys (id, hash, team, user_name, scope, prefix, created_at, revoked_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			k.ID, hash, k.Team, k.User, string(k.Scope), k.Prefix, row.Created, row.Revoked, row.Expires)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.Conflict(op, "API key %s, or one with the same secret, exists", k.ID)
		}
		return nil
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
	const op = "postgres.KeyByHash"
	if len(hash) == 0 {
		return nil, storeutil.NotFound(op, "API key not found")
	}
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		// The message never carries the hash: it has no use in a log.
		return nil, storeutil.NotFound(op, "API key not found")
	}
	if err != nil {
		return nil, s.dbError(op, err)
	}
	return k, nil
}

// KeyByID returns the key with this ID.
//
// Errors: ENOTFOUND when there is none.
func (s *DB) KeyByID(ctx context.Context, id string) (*papersum.APIKey, error) {
	const op = "postgres.KeyByID"
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeutil.NotFound(op, "API key %s not found", id)
	}
	if err != nil {
		return nil, s.dbError(op, err)
	}
	return k, nil
}

// RevokeKey makes the key stop working at at, or the store's clock when at
// is zero, unless it is revoked at an earlier time already.
//
// Errors: ENOTFOUND when there is no such key; EINVALID when at is out of
// range.
func (s *DB) RevokeKey(ctx context.Context, id string, at time.Time) error {
	const op = "postgres.RevokeKey"
	if at.IsZero() {
		at = s.clock.Now()
	}
	ns, ok := storeutil.EncodeTime(at)
	if !ok {
		return storeutil.Invalid(op, "key %s: revocation time out of range", id)
	}
	// LEAST keeps the earliest revocation: revoking can be brought
	// forward, never put off, so a later call cannot revive a key. One
	// statement, so concurrent revocations need no explicit lock.
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = LEAST(COALESCE(revoked_at, $1), $1) WHERE id = $2`, ns, id)
	if err != nil {
		return s.dbError(op, err)
	}
	if tag.RowsAffected() == 0 {
		return storeutil.NotFound(op, "API key %s not found", id)
	}
	return nil
}

// ListKeys returns the keys of team, or of every team when team is "",
// newest first.
func (s *DB) ListKeys(ctx context.Context, team string) ([]*papersum.APIKey, error) {
	const op = "postgres.ListKeys"
	q := `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE team = $1 ORDER BY created_at DESC, id DESC`
	args := []any{team}
	if team == "" {
		q = `SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY created_at DESC, id DESC`
		args = nil
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, s.dbError(op, err)
	}
	var out []*papersum.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			rows.Close()
			return nil, s.dbError(op, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbError(op, err)
	}
	return out, nil
}

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row pgx.Row) (*papersum.APIKey, error) {
	var (
		k                papersum.APIKey
		scope            string
		created          int64
		revoked, expires *int64
	)
	if err := row.Scan(&k.ID, &k.Team, &k.User, &scope, &k.Prefix, &created, &revoked, &expires); err != nil {
		return nil, err
	}
	k.Scope = papersum.Scope(scope)
	k.CreatedAt = storeutil.DecodeTime(created)
	k.RevokedAt = storeutil.DecodeOptional(revoked)
	k.ExpiresAt = storeutil.DecodeOptional(expires)
	return &k, nil
}
