package budget

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/telemetry"
)

// ThresholdEventType is the type of the soft-threshold webhook event.
const ThresholdEventType = "budget.threshold"

// ThresholdEvent is the data of a budget.threshold event: a budget's
// spend crossed one of its soft thresholds in the current period.
type ThresholdEvent struct {
	Budget papersum.Budget `json:"budget"`
	// Threshold is the threshold crossed, in percent of the limit;
	// UsedPercent the share of the limit spent when it was seen.
	Threshold   int     `json:"threshold"`
	UsedPercent float64 `json:"used_percent"`
	SpentUSD    float64 `json:"spent_usd"`
	// PeriodStart and ResetsAt bound the period (UTC).
	PeriodStart time.Time `json:"period_start"`
	ResetsAt    time.Time `json:"resets_at"`
	// RunID is the finished run whose cost was checked, and DetectedAt
	// when.
	RunID      string    `json:"run_id"`
	DetectedAt time.Time `json:"detected_at"`
}

// Notifier sends a threshold event (in serve: a signed Standard Webhooks
// event).
type Notifier interface {
	NotifyThreshold(ctx context.Context, e ThresholdEvent) error
}

// Config configures an Enforcer.
type Config struct {
	// Budgets keeps the budgets and the fired thresholds. Required.
	Budgets papersum.BudgetStore
	// Reports sums the runs' usage. Required.
	Reports papersum.ReportStore
	// Prices prices the usage by date. Required.
	Prices *pricing.Table
	// Clock decides the current period. Default papersum.SystemClock.
	Clock papersum.Clock
	// Notifier receives threshold events. Default: none (thresholds are
	// still marked, so that turning a notifier on later does not replay
	// the period's).
	Notifier Notifier
	// Metrics receives the used ratio of team budgets. Default: none.
	Metrics *telemetry.BudgetMetrics
	// Logger logs notification failures. Default: discards.
	Logger *slog.Logger
}

// Enforcer checks and reports budgets.
type Enforcer struct{ cfg Config }

// New validates cfg and returns an Enforcer.
//
// Errors: EINVALID for a missing required field.
func New(cfg Config) (*Enforcer, error) {
	if cfg.Budgets == nil || cfg.Reports == nil || cfg.Prices == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "budget: the budget store, the report store and the price table are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Enforcer{cfg: cfg}, nil
}

// Status is a budget's current period.
type Status struct {
	papersum.Budget
	SpentUSD float64 `json:"spent_usd"`
	// Used is SpentUSD over the limit (1 and above: spent).
	Used        float64   `json:"used_ratio"`
	PeriodStart time.Time `json:"period_start"`
	ResetsAt    time.Time `json:"resets_at"`
	// Unpriced lists the models used in the period without a price in
	// force; their recorded cost is counted instead.
	Unpriced []string `json:"unpriced,omitempty"`
}

// Status computes b's spend in the period that contains now.
//
// Errors: the report store's.
func (e *Enforcer) Status(ctx context.Context, b *papersum.Budget, now time.Time) (Status, error) {
	st := Status{Budget: *b, PeriodStart: b.Period.Start(now), ResetsAt: b.Period.End(now)}
	w := papersum.ReportWindow{Since: st.PeriodStart, Until: st.ResetsAt}
	by := papersum.ByKey
	if b.Scope == papersum.BudgetTeam {
		by, w.Team = papersum.ByTeam, b.ID
	}
	rows, err := e.cfg.Reports.UsageByDay(ctx, by, w)
	if err != nil {
		return Status{}, fmt.Errorf("budget %s: %w", b.Name(), err)
	}
	var spent big.Rat
	unpriced := map[string]bool{}
	for _, u := range rows {
		if u.Group != b.ID {
			continue
		}
		row, ok := e.cfg.Prices.Lookup(u.Provider, u.Model, u.Day)
		if !ok {
			// An unknown model is never free: what was recorded at call
			// time counts.
			unpriced[u.Provider+"/"+u.Model] = true
			r := new(big.Rat)
			r.SetFloat64(u.RecordedCostUSD)
			spent.Add(&spent, r)
			continue
		}
		p := econ.Price(row, u.Usage, u.Batch)
		spent.Add(&spent, &p.Cost)
	}
	st.SpentUSD, _ = spent.Float64()
	st.Used = st.SpentUSD / b.LimitUSD
	for m := range unpriced {
		st.Unpriced = append(st.Unpriced, m)
	}
	return st, nil
}

// applicable returns the budgets of team and keyID.
func (e *Enforcer) applicable(ctx context.Context, team, keyID string) ([]*papersum.Budget, error) {
	all, err := e.cfg.Budgets.ListBudgets(ctx)
	if err != nil {
		return nil, fmt.Errorf("budgets: %w", err)
	}
	var out []*papersum.Budget
	for _, b := range all {
		if (b.Scope == papersum.BudgetTeam && team != "" && b.ID == team) || (b.Scope == papersum.BudgetKey && keyID != "" && b.ID == keyID) {
			out = append(out, b)
		}
	}
	return out, nil
}

// Check refuses new work of team and keyID when one of their budgets is
// spent in its current period.
//
// Errors: EBUDGET with a *papersum.BudgetExceeded in its chain (the first
// spent budget, by scope, ID and period); the stores'.
func (e *Enforcer) Check(ctx context.Context, team, keyID string) error {
	budgets, err := e.applicable(ctx, team, keyID)
	if err != nil || len(budgets) == 0 {
		return err
	}
	now := e.cfg.Clock.Now()
	for _, b := range budgets {
		st, err := e.Status(ctx, b, now)
		if err != nil {
			return err
		}
		if st.SpentUSD >= b.LimitUSD {
			ex := &papersum.BudgetExceeded{Budget: *b, SpentUSD: st.SpentUSD, ResetsAt: st.ResetsAt}
			return &papersum.Error{Code: papersum.EBUDGET, Op: "budget.Check", Message: ex.Error(), Err: ex}
		}
	}
	return nil
}

// RunFinished is the service's OnFinished hook: for each budget of the
// run's team and key it sets the used ratio (team budgets) and sends the
// event of each threshold crossed and not yet marked in the period.
// Failures are logged: a finished run is never failed by its budget.
func (e *Enforcer) RunFinished(ctx context.Context, run *papersum.Run) {
	if err := e.runFinished(ctx, run); err != nil {
		e.cfg.Logger.Warn("budget thresholds", "run_id", run.ID, "err", err)
	}
}

func (e *Enforcer) runFinished(ctx context.Context, run *papersum.Run) error {
	budgets, err := e.applicable(ctx, run.Team, run.KeyID)
	if err != nil {
		return err
	}
	now := e.cfg.Clock.Now()
	var errs []error
	for _, b := range budgets {
		st, err := e.Status(ctx, b, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if e.cfg.Metrics != nil && b.Scope == papersum.BudgetTeam {
			e.cfg.Metrics.SetUsed(b.ID, b.Period, st.Used)
		}
		for _, th := range b.Thresholds {
			if st.Used*100 < float64(th) {
				break // ascending
			}
			first, err := e.cfg.Budgets.MarkBudgetThreshold(ctx, b.Scope, b.ID, b.Period, st.PeriodStart, th)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if !first || e.cfg.Notifier == nil {
				continue
			}
			ev := ThresholdEvent{Budget: *b, Threshold: th, UsedPercent: st.Used * 100, SpentUSD: st.SpentUSD,
				PeriodStart: st.PeriodStart, ResetsAt: st.ResetsAt, RunID: run.ID, DetectedAt: now}
			if err := e.cfg.Notifier.NotifyThreshold(ctx, ev); err != nil {
				errs = append(errs, fmt.Errorf("budget %s: threshold %d%%: %w", b.Name(), th, err))
			}
		}
	}
	return errors.Join(errs...)
}
