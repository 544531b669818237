// Package econ computes papersum's cost economics from what a store sums:
// chargeback reports priced at the rates in force on each run's date
// (CostReport), with what prompt caching, the batch API and the result
// cache saved, and performance reports (Perf): latency percentiles per
// stage, model and paper length, queue wait against work time,
// throughput and the slowest runs.
//
// Money is summed exactly: token counts are integers summed by the
// database, prices are the price table's values, and every product and
// sum is a big.Rat, so a report's total is exactly the sum over its runs
// and each figure is rounded once, when it is shown.
package econ
