package storeutil

import (
	"strconv"
	"strings"

	"github.com/papersum/papersum"
)

// BudgetRow is a budget as both stores write it: thresholds as a
// comma-separated list ("50,80,95", "" for none), created_at encoded.
type BudgetRow struct {
	Scope, ID, Period string
	LimitUSD          float64
	Thresholds        string
	Created           int64
}

// NewBudgetRow validates b (with its defaults) and encodes it.
//
// Errors: EINVALID for an invalid budget.
func NewBudgetRow(op string, b *papersum.Budget) (BudgetRow, error) {
	if err := b.Validate(); err != nil {
		return BudgetRow{}, WithOp(op, err)
	}
	d := b.WithDefaults()
	created, ok := EncodeTime(d.CreatedAt)
	if !ok {
		return BudgetRow{}, Invalid(op, "budget %s: created_at %s out of range", d.Name(), d.CreatedAt)
	}
	ts := make([]string, len(d.Thresholds))
	for i, v := range d.Thresholds {
		ts[i] = strconv.Itoa(v)
	}
	return BudgetRow{Scope: string(d.Scope), ID: d.ID, Period: string(d.Period), LimitUSD: d.LimitUSD,
		Thresholds: strings.Join(ts, ","), Created: created}, nil
}

// Budget decodes the row.
func (r BudgetRow) Budget() *papersum.Budget {
	ts := []int{}
	for _, f := range strings.Split(r.Thresholds, ",") {
		if v, err := strconv.Atoi(f); err == nil {
			ts = append(ts, v)
		}
	}
	return &papersum.Budget{Scope: papersum.BudgetScope(r.Scope), ID: r.ID, Period: papersum.BudgetPeriod(r.Period),
		LimitUSD: r.LimitUSD, Thresholds: ts, CreatedAt: DecodeTime(r.Created)}
}
