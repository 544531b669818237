package papersum

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
)

// EBUDGET is the code of a submission refused because a hard budget of
// the caller's team or key is spent (BudgetExceeded is in its chain). The
// HTTP API answers it 402 Payment Required.
const EBUDGET = "budget_exceeded"

// BudgetScope is what a budget limits: a team's spend or an API key's.
type BudgetScope string

// The scopes of a budget.
const (
	BudgetTeam BudgetScope = "team"
	BudgetKey  BudgetScope = "key"
)

// BudgetPeriod is the period a budget's limit applies to, in UTC: a
// calendar day or a calendar month.
type BudgetPeriod string

// The periods of a budget.
const (
	BudgetDay   BudgetPeriod = "day"
	BudgetMonth BudgetPeriod = "month"
)

// Start is the start of the period (UTC) that contains t.
func (p BudgetPeriod) Start(t time.Time) time.Time {
	t = t.UTC()
	if p == BudgetMonth {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// End is the end of the period that contains t: when its budget resets.
func (p BudgetPeriod) End(t time.Time) time.Time {
	s := p.Start(t)
	if p == BudgetMonth {
		return s.AddDate(0, 1, 0)
	}
	return s.AddDate(0, 0, 1)
}

// DefaultBudgetThresholds are the soft thresholds (percent of the limit)
// of a budget set without any.
var DefaultBudgetThresholds = []int{50, 80, 95}

// Budget is a dollar limit on the spend of a team or an API key per day
// or month. Reaching the limit refuses new submissions until the period
// resets (runs already started finish); each soft threshold sends one
// budget.threshold event per period.
type Budget struct {
	// Scope and ID name what is limited: the team, or the API key's ID.
	// Required; a budget is unique per scope, ID and period.
	Scope BudgetScope `json:"scope"`
	ID    string      `json:"id"`
	// Period is day or month (UTC). Required.
	Period BudgetPeriod `json:"period"`
	// LimitUSD is the hard limit in US dollars: finite and above zero.
	LimitUSD float64 `json:"limit_usd"`
	// Thresholds are the soft thresholds, in percent of the limit,
	// ascending, each in 1..100. Default DefaultBudgetThresholds; an
	// empty non-nil list means none.
	Thresholds []int `json:"thresholds"`
	// CreatedAt is when the budget was set (last). Required.
	CreatedAt time.Time `json:"created_at"`
}

// Name is how messages name the budget: "team research, month".
func (b *Budget) Name() string { return fmt.Sprintf("%s %s, %s", b.Scope, b.ID, b.Period) }

// WithDefaults returns b with nil Thresholds set to the defaults, sorted
// and without repeats.
func (b Budget) WithDefaults() Budget {
	if b.Thresholds == nil {
		b.Thresholds = append([]int(nil), DefaultBudgetThresholds...)
	}
	ts := append([]int{}, b.Thresholds...)
	sort.Ints(ts)
	out := ts[:0]
	for i, v := range ts {
		if i == 0 || v != ts[i-1] {
			out = append(out, v)
		}
	}
	b.Thresholds = out
	return b
}

// Validate checks the fields.
//
// Errors: EINVALID naming the first bad field.
func (b *Budget) Validate() error {
	switch {
	case b == nil:
		return Errorf(EINVALID, "budget: nil budget")
	case b.Scope != BudgetTeam && b.Scope != BudgetKey:
		return Errorf(EINVALID, "budget: scope must be team or key, not %q", b.Scope)
	case b.ID == "":
		return Errorf(EINVALID, "budget: the %s is required", b.Scope)
	case b.Period != BudgetDay && b.Period != BudgetMonth:
		return Errorf(EINVALID, "budget %s %s: period must be day or month, not %q", b.Scope, b.ID, b.Period)
	case math.IsNaN(b.LimitUSD) || math.IsInf(b.LimitUSD, 0) || b.LimitUSD <= 0:
		return Errorf(EINVALID, "budget %s: the limit must be a positive number of dollars", b.Name())
	case b.CreatedAt.IsZero():
		return Errorf(EINVALID, "budget %s: created_at is required", b.Name())
	}
	for _, v := range b.Thresholds {
		if v < 1 || v > 100 {
			return Errorf(EINVALID, "budget %s: thresholds are percentages in 1..100, not %d", b.Name(), v)
		}
	}
	return nil
}

// BudgetStore keeps budgets and which soft thresholds have fired, so that
// every replica enforces the same budgets and each threshold fires once
// per period.
type BudgetStore interface {
	// PutBudget creates or replaces the budget of b's scope, ID and
	// period. Errors: EINVALID for an invalid budget.
	PutBudget(ctx context.Context, b *Budget) error
	// ListBudgets returns every budget, by scope, ID and period.
	ListBudgets(ctx context.Context) ([]*Budget, error)
	// DeleteBudget deletes a budget and its fired thresholds. Errors:
	// ENOTFOUND when there is none.
	DeleteBudget(ctx context.Context, scope BudgetScope, id string, period BudgetPeriod) error
	// MarkBudgetThreshold records that threshold (percent) of a budget
	// was crossed in the period starting at periodStart, and reports
	// whether this call recorded it first (insert-if-absent: of many
	// replicas, one sends the event).
	MarkBudgetThreshold(ctx context.Context, scope BudgetScope, id string, period BudgetPeriod, periodStart time.Time, threshold int) (bool, error)
}

// BudgetExceeded says which budget refused a submission: it is in the
// chain of an EBUDGET error.
type BudgetExceeded struct {
	Budget   Budget    `json:"budget"`
	SpentUSD float64   `json:"spent_usd"`
	ResetsAt time.Time `json:"resets_at"`
}

// Error implements error.
func (e *BudgetExceeded) Error() string {
	return fmt.Sprintf("budget %s is spent: $%.4f of $%.2f; it resets at %s", e.Budget.Name(), e.SpentUSD, e.Budget.LimitUSD,
		e.ResetsAt.UTC().Format(time.RFC3339))
}
