package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/report"
)

func init() { reportSubcommands = append(reportSubcommands, newReportCostCmd) }

// formatCSV is the CSV output of the reports.
const formatCSV = "csv"

// windowFlags are the flags that select a report's runs.
type windowFlags struct {
	since, until, team string
}

func (w *windowFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&w.since, "since", "", "runs created on or after this UTC day, YYYY-MM-DD (default: the first)")
	c.Flags().StringVar(&w.until, "until", "", "runs created before this UTC day, YYYY-MM-DD, exclusive (default: no end)")
	c.Flags().StringVar(&w.team, "team", "", "this team's runs only (default: every team)")
	limitFlags(c.Flags(), dateFlag("since"), dateFlag("until"))
}

// window is the flags' window; the dates were checked by their rules.
func (w *windowFlags) window(c *cobra.Command) (papersum.ReportWindow, error) {
	var out papersum.ReportWindow
	out.Team = w.team
	if w.since != "" {
		out.Since, _ = time.Parse(time.DateOnly, w.since)
	}
	if w.until != "" {
		out.Until, _ = time.Parse(time.DateOnly, w.until)
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Until.After(out.Since) {
		return out, argsError(c, fmt.Sprintf("--until %s must be after --since %s", w.until, w.since))
	}
	return out, nil
}

// reportStore opens the store as a papersum.ReportStore.
func reportStore(c *cobra.Command, e *env, g *globalFlags) (papersum.ReportStore, func() error, error) {
	store, err := openStore(c.Context(), g, e.getenv)
	if err != nil {
		return nil, nil, err
	}
	rs, ok := store.(papersum.ReportStore)
	if !ok {
		store.Close()
		return nil, nil, papersum.Errorf(papersum.EINTERNAL, "the store %T has no reports", store)
	}
	return rs, store.Close, nil
}

func newReportCostCmd(e *env, g *globalFlags) *cobra.Command {
	var by, format string
	var w windowFlags
	dims := make([]string, len(papersum.ReportDimensions))
	for i, d := range papersum.ReportDimensions {
		dims[i] = string(d)
	}
	c := &cobra.Command{
		Use:   "cost",
		Short: "Chargeback: runs, tokens, cost and savings by team, user, key, model, stage or period",
		Long: `Report what the recorded runs cost, grouped by --by:

  team, user, key   the run's team, user or API key ID
  model, stage      the model or stage of each stage result
  day, week, month  the UTC day the run was created (week: ISO week, e.g. 2026-W49)

For each group: runs, cached runs and the cache hits they answered, stage
results, tokens (input, output, cache read, cache write), the cost at the
rates in force on each run's creation date (UTC) from the price table (the
built-in one, or pricing_file of --config), the cost as recorded at call
time, and what prompt caching, the batch API and the result cache saved:

  caching       cache reads and writes priced as input, minus their price
  batch         the batch discount of stages answered through a batch API
  result cache  each cache hit at the mean cost of an uncached run of its
                group (of the window, for a group without one)

Sums are computed in the database (integer token counts) and priced
exactly (rational arithmetic), so the total is exactly the sum over the
runs; each figure is rounded once, when shown. A model without a price on
a day it was used counts in tokens, not in cost, and is listed as unpriced.`,
		Example: `  papersum report cost --by team --since 2026-11-01 --until 2026-12-01
  papersum report cost --by model --team physics --format csv > models.csv
  papersum report cost --by week --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			win, err := w.window(c)
			if err != nil {
				return err
			}
			cfg, err := loadConfig(g, e.getenv)
			if err != nil {
				return err
			}
			prices, err := loadPricer(cfg)
			if err != nil {
				return err
			}
			rs, closeStore, err := reportStore(c, e, g)
			if err != nil {
				return err
			}
			defer closeStore()
			rep, err := costReport(c, rs, prices, papersum.CostReportQuery{By: papersum.ReportDimension(by), Window: win})
			if err != nil {
				return err
			}
			return writeCostReport(e, rep, format)
		},
	}
	c.Flags().StringVar(&by, "by", "team", "group by "+strings.Join(dims, ", "))
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	w.add(c)
	limitFlags(c.Flags(), oneOf("by", dims...), formatFlag(report.FormatText, formatCSV, report.FormatJSON))
	return c
}

func costReport(c *cobra.Command, rs papersum.ReportStore, prices *pricing.Table, q papersum.CostReportQuery) (*papersum.CostReport, error) {
	return (&econ.Reporter{Store: rs, Prices: prices}).CostReport(c.Context(), q)
}

// costColumns are the report's columns, in the order of costRow.
var costColumns = []string{"group", "runs", "cached_runs", "cache_hits", "stages", "input_tokens", "output_tokens",
	"cache_read_tokens", "cache_write_tokens", "cost_usd", "recorded_cost_usd", "saved_caching_usd", "saved_batch_usd", "saved_result_cache_usd"}

func costRow(l papersum.CostLine, money func(float64) string) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	return []string{l.Group, i(l.Runs), i(l.CachedRuns), i(l.CacheHits), i(l.Stages), i(l.InputTokens), i(l.OutputTokens),
		i(l.CacheReadTokens), i(l.CacheWriteTokens), money(l.CostUSD), money(l.RecordedCostUSD),
		money(l.SavedCachingUSD), money(l.SavedBatchUSD), money(l.SavedResultCacheUSD)}
}

func writeCostReport(e *env, rep *papersum.CostReport, format string) error {
	switch format {
	case report.FormatJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case formatCSV:
		// Full precision: analysts sum the column themselves.
		full := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
		cw := csv.NewWriter(e.stdout)
		_ = cw.Write(costColumns)
		for _, l := range rep.Groups {
			_ = cw.Write(costRow(l, full))
		}
		total := rep.Total
		total.Group = "TOTAL"
		_ = cw.Write(costRow(total, full))
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	cents := func(f float64) string { return fmt.Sprintf("$%.4f", f) }
	cols := []string{string(rep.By), "runs", "cached", "hits", "stages", "input", "output", "cache rd", "cache wr", "cost", "recorded", "saved cache", "saved batch", "saved result"}
	fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	for _, l := range rep.Groups {
		if l.Group == "" {
			l.Group = "(none)"
		}
		fmt.Fprintln(tw, strings.Join(costRow(l, cents), "\t")+"\t")
	}
	total := rep.Total
	total.Group = "TOTAL"
	fmt.Fprintln(tw, strings.Join(costRow(total, cents), "\t")+"\t")
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Unpriced) > 0 {
		fmt.Fprintf(e.stdout, "\nunpriced (tokens counted, cost not): %s; add their prices to a pricing file\n", strings.Join(rep.Unpriced, ", "))
	}
	return nil
}

// costReporter is serve's reporter of GET /api/v1/reports/cost, or nil
// (the route answers 404) for a store without reports.
func costReporter(store papersum.Store, prices *pricing.Table) papersum.CostReporter {
	rs, ok := store.(papersum.ReportStore)
	if !ok || prices == nil {
		return nil
	}
	return &econ.Reporter{Store: rs, Prices: prices}
}
