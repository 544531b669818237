// Package budget enforces papersum's dollar budgets (papersum.Budget,
// kept by a papersum.BudgetStore): per team or API key, per UTC day or
// month.
//
// The spend of a budget's current period is computed from the store each
// time it is needed (papersum.ReportStore sums, priced exactly as package
// econ prices cost reports, at the rates in force on each run's date), so
// every replica sharing the store sees the same spend and no counter can
// drift from the runs. An Enforcer refuses a submission (Guard,
// GuardBatches) once a hard limit is reached, with an EBUDGET error
// carrying a papersum.BudgetExceeded; it never stops a run that has
// started: enforcement happens only at submission, so a run in flight
// finishes all its stages and may take the spend past the limit. After
// each finished run (RunFinished, a service OnFinished hook) it sets
// pipeline_budget_used_ratio and sends each soft threshold's
// budget.threshold event once per period: the store's insert-if-absent
// mark decides which replica sends it.
package budget
