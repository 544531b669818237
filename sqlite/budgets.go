package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.BudgetStore = (*DB)(nil)

// PutBudget creates or replaces the budget of b's scope, ID and period.
//
// Errors: EINVALID for an invalid budget.
func (s *DB) PutBudget(ctx context.Context, b *papersum.Budget) error {
	const op = "sqlite.PutBudget"
	r, err := storeutil.NewBudgetRow(op, b)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO budgets (scope, id, period, limit_usd, thresholds, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (scope, id, period) DO UPDATE SET limit_usd = excluded.limit_usd, thresholds = excluded.thresholds,
		created_at = excluded.created_at`, r.Scope, r.ID, r.Period, r.LimitUSD, r.Thresholds, r.Created)
	if err != nil {
		return dbError(op, err)
	}
	return nil
}

// ListBudgets returns every budget, by scope, ID and period.
func (s *DB) ListBudgets(ctx context.Context) ([]*papersum.Budget, error) {
	const op = "sqlite.ListBudgets"
	rows, err := s.db.QueryContext(ctx, `SELECT scope, id, period, limit_usd, thresholds, created_at FROM budgets ORDER BY scope, id, period`)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	out := []*papersum.Budget{}
	for rows.Next() {
		var r storeutil.BudgetRow
		if err := rows.Scan(&r.Scope, &r.ID, &r.Period, &r.LimitUSD, &r.Thresholds, &r.Created); err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, r.Budget())
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// DeleteBudget deletes a budget and its fired thresholds.
//
// Errors: ENOTFOUND when there is none.
func (s *DB) DeleteBudget(ctx context.Context, scope papersum.BudgetScope, id string, period papersum.BudgetPeriod) error {
	const op = "sqlite.DeleteBudget"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM budgets WHERE scope = ? AND id = ? AND period = ?`, scope, id, period)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return storeutil.NotFound(op, "no %s budget for %s %s", period, scope, id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM budget_thresholds WHERE scope = ? AND id = ? AND period = ?`, scope, id, period)
		return err
	})
}

// MarkBudgetThreshold records a crossed threshold once per period and
// reports whether this call recorded it.
func (s *DB) MarkBudgetThreshold(ctx context.Context, scope papersum.BudgetScope, id string, period papersum.BudgetPeriod,
	periodStart time.Time, threshold int) (bool, error) {
	const op = "sqlite.MarkBudgetThreshold"
	start, ok := storeutil.EncodeTime(periodStart)
	if !ok {
		return false, storeutil.Invalid(op, "period start %s out of range", periodStart)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO budget_thresholds (scope, id, period, period_start, threshold) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, scope, id, period, start, threshold)
	if err != nil {
		return false, dbError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, dbError(op, err)
	}
	return n == 1, nil
}
