package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.BudgetStore = (*DB)(nil)

// PutBudget creates or replaces the budget of b's scope, ID and period.
//
// Errors: EINVALID for an invalid budget.
func (s *DB) PutBudget(ctx context.Context, b *papersum.Budget) error {
	const op = "postgres.PutBudget"
	r, err := storeutil.NewBudgetRow(op, b)
	if err != nil {
		return err
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO budgets (scope, id, period, limit_usd, thresholds, created_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (scope, id, period) DO UPDATE SET limit_usd = excluded.limit_usd, thresholds = excluded.thresholds,
			created_at = excluded.created_at`, r.Scope, r.ID, r.Period, r.LimitUSD, r.Thresholds, r.Created)
		return err
	})
}

// ListBudgets returns every budget, by scope, ID and period.
func (s *DB) ListBudgets(ctx context.Context) ([]*papersum.Budget, error) {
	const op = "postgres.ListBudgets"
	out := []*papersum.Budget{}
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT scope, id, period, limit_usd, thresholds, created_at FROM budgets ORDER BY scope, id, period`)
		if err != nil {
			return err
		}
		var r storeutil.BudgetRow
		_, err = pgx.ForEachRow(rows, []any{&r.Scope, &r.ID, &r.Period, &r.LimitUSD, &r.Thresholds, &r.Created}, func() error {
			out = append(out, r.Budget())
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteBudget deletes a budget and its fired thresholds.
//
// Errors: ENOTFOUND when there is none.
func (s *DB) DeleteBudget(ctx context.Context, scope papersum.BudgetScope, id string, period papersum.BudgetPeriod) error {
	const op = "postgres.DeleteBudget"
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM budgets WHERE scope = $1 AND id = $2 AND period = $3`, string(scope), id, string(period))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.NotFound(op, "no %s budget for %s %s", period, scope, id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM budget_thresholds WHERE scope = $1 AND id = $2 AND period = $3`, string(scope), id, string(period))
		return err
	})
}

// MarkBudgetThreshold records a crossed threshold once per period and
// reports whether this call recorded it.
func (s *DB) MarkBudgetThreshold(ctx context.Context, scope papersum.BudgetScope, id string, period papersum.BudgetPeriod,
	periodStart time.Time, threshold int) (bool, error) {
	const op = "postgres.MarkBudgetThreshold"
	start, ok := storeutil.EncodeTime(periodStart)
	if !ok {
		return false, storeutil.Invalid(op, "period start %s out of range", periodStart)
	}
	var first bool
	err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO budget_thresholds (scope, id, period, period_start, threshold) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, string(scope), id, string(period), start, threshold)
		first = tag.RowsAffected() == 1
		return err
	})
	return first, err
}
