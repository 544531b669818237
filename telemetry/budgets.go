package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
)

// BudgetMetrics are the budget gauges of serve. The team label takes only
// the teams an admin set a budget for (`papersum budgets set --team`),
// so its values are bounded by the budgets table.
type BudgetMetrics struct {
	used *prometheus.GaugeVec
}

// NewBudgetMetrics registers pipeline_budget_used_ratio on reg.
//
// Errors: EINVALID for a nil registerer; EINTERNAL when it is registered
// already.
func NewBudgetMetrics(reg prometheus.Registerer) (*BudgetMetrics, error) {
	if reg == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "telemetry: nil registerer")
	}
	m := &BudgetMetrics{used: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "pipeline_budget_used_ratio",
		Help: "Share of each team budget spent in its current period (day or month, UTC): spend priced at the " +
			"rates of each run's date over the limit; 1 or more refuses new submissions. Set after each finished run.",
	}, []string{"team", "period"})}
	if err := reg.Register(m.used); err != nil {
		return nil, &papersum.Error{Code: papersum.EINTERNAL, Message: "telemetry: cannot register budget metrics", Op: "telemetry.NewBudgetMetrics", Err: err}
	}
	return m, nil
}

// SetUsed sets the used ratio of a team's budget of period.
func (m *BudgetMetrics) SetUsed(team string, period papersum.BudgetPeriod, ratio float64) {
	m.used.WithLabelValues(team, string(period)).Set(ratio)
}
