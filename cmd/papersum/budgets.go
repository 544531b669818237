package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/budget"
)

// newBudgetsCmd is "budgets": set, list and delete dollar budgets.
func newBudgetsCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "budgets",
		Short: "Set, list and delete dollar budgets per team or API key",
		Long: `A budget limits the spend of a team or of one API key per UTC day or month.
Spend is the cost of the runs created in the period, priced at the rates in
force on each run's date (as 'report cost' prices it), read from the store:
every replica of serve sharing the store enforces the same budgets.

When the spend reaches the limit, serve refuses new submissions of that
team or key with 402 Payment Required until the period resets (runs already
started always finish). Each soft threshold (default 50, 80 and 95 percent
of the limit) sends one signed budget.threshold webhook per period, and
pipeline_budget_used_ratio{team,period} shows each team budget's use.`,
	}
	c.AddCommand(newBudgetsSetCmd(e, g), newBudgetsListCmd(e, g), newBudgetsDeleteCmd(e, g))
	return c
}

// budgetTarget is the --team/--key/--period flags naming one budget.
type budgetTarget struct{ team, key, period string }

func (t *budgetTarget) add(c *cobra.Command) {
	c.Flags().StringVar(&t.team, "team", "", "the team whose budget it is")
	c.Flags().StringVar(&t.key, "key", "", "the API key ID whose budget it is (see 'papersum keys list')")
	c.Flags().StringVar(&t.period, "period", "", "the period the limit applies to (UTC)")
	limitFlags(c.Flags(), oneOf("period", string(papersum.BudgetDay), string(papersum.BudgetMonth)))
}

// scope checks that exactly one of --team and --key and a --period are
// given.
func (t *budgetTarget) scope(c *cobra.Command) (papersum.BudgetScope, string, papersum.BudgetPeriod, error) {
	switch {
	case (t.team == "") == (t.key == ""):
		return "", "", "", argsError(c, "give exactly one of --team and --key")
	case t.period == "":
		return "", "", "", argsError(c, "--period day or month is required")
	case t.team != "":
		return papersum.BudgetTeam, t.team, papersum.BudgetPeriod(t.period), nil
	}
	return papersum.BudgetKey, t.key, papersum.BudgetPeriod(t.period), nil
}

// thresholdsFlag accepts a comma-separated list of percentages, or none.
func thresholdsFlag() flagRule {
	return flagRule{name: "thresholds", typ: "percents", accepts: "percentages from 1 to 100, comma-separated, or none",
		check: func(s string) (string, error) {
			if _, err := parseThresholds(s); err != nil {
				return "", err
			}
			return strings.TrimSpace(s), nil
		}}
}

func parseThresholds(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "none") {
		return []int{}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "%")))
		if err != nil || v < 1 || v > 100 {
			return nil, fmt.Errorf("%q is not a percentage from 1 to 100 (write e.g. 50,80,95, or none)", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// withBudgets opens the store and calls fn with its budgets.
func withBudgets(c *cobra.Command, e *env, g *globalFlags, fn func(bs papersum.BudgetStore, store papersum.Store) error) error {
	store, err := openStore(c.Context(), g, e.getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	bs, ok := store.(papersum.BudgetStore)
	if !ok {
		return papersum.Errorf(papersum.EINVALID, "this store keeps no budgets")
	}
	return fn(bs, store)
}

func newBudgetsSetCmd(e *env, g *globalFlags) *cobra.Command {
	var t budgetTarget
	var limit float64
	thresholds := "50,80,95"
	c := &cobra.Command{
		Use:   "set (--team T | --key K) --period day|month --limit-usd X [--thresholds 50,80,95]",
		Short: "Create or replace a budget",
		Example: `  papersum budgets set --team physics --period month --limit-usd 500
  papersum budgets set --key key_3f2a --period day --limit-usd 20 --thresholds 80,95
  papersum budgets set --team nlp --period day --limit-usd 5 --thresholds none`,
		Args: budgetsNoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			scope, id, period, err := t.scope(c)
			if err != nil {
				return err
			}
			if !c.Flags().Changed("limit-usd") {
				return argsError(c, "--limit-usd is required")
			}
			ts, _ := parseThresholds(thresholds) // checked by its rule
			b := &papersum.Budget{Scope: scope, ID: id, Period: period, LimitUSD: limit, Thresholds: ts, CreatedAt: time.Now()}
			return withBudgets(c, e, g, func(bs papersum.BudgetStore, _ papersum.Store) error {
				if err := bs.PutBudget(c.Context(), b); err != nil {
					return err
				}
				_, err := fmt.Fprintf(e.stderr, "budget %s set: $%s\n", b.Name(), strconv.FormatFloat(limit, 'f', -1, 64))
				return err
			})
		},
	}
	t.add(c)
	c.Flags().Float64Var(&limit, "limit-usd", 0, "the hard limit in US dollars; reaching it refuses new submissions until the period resets")
	c.Flags().StringVar(&thresholds, "thresholds", thresholds, "soft thresholds in percent of the limit, each sending one budget.threshold webhook per period")
	limitFlags(c.Flags(), floatIn("limit-usd", 0, 1e12), thresholdsFlag())
	return c
}

func newBudgetsListCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "list [--format text|json]",
		Short: "List budgets with their spend in the current period",
		Long: `List every budget with what was spent in its current period (UTC), priced
as 'report cost' prices it (the built-in price table, or pricing_file of
--config), the share of the limit used and when the period resets.`,
		Args: budgetsNoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g, e.getenv)
			if err != nil {
				return err
			}
			prices, err := loadPricer(cfg)
			if err != nil {
				return err
			}
			return withBudgets(c, e, g, func(bs papersum.BudgetStore, store papersum.Store) error {
				rs, ok := store.(papersum.ReportStore)
				if !ok {
					return papersum.Errorf(papersum.EINTERNAL, "the store %T has no reports", store)
				}
				enf, err := budget.New(budget.Config{Budgets: bs, Reports: rs, Prices: prices})
				if err != nil {
					return err
				}
				budgets, err := bs.ListBudgets(c.Context())
				if err != nil {
					return err
				}
				now := time.Now()
				out := []budget.Status{}
				for _, b := range budgets {
					st, err := enf.Status(c.Context(), b, now)
					if err != nil {
						return err
					}
					out = append(out, st)
				}
				if format == "json" {
					return writeJSON(e.stdout, out)
				}
				var buf bytes.Buffer
				tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SCOPE\tID\tPERIOD\tLIMIT_USD\tSPENT_USD\tUSED\tTHRESHOLDS\tRESETS_AT")
				for _, s := range out {
					ts := make([]string, len(s.Thresholds))
					for i, v := range s.Thresholds {
						ts[i] = strconv.Itoa(v)
					}
					if len(ts) == 0 {
						ts = []string{"none"}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.4f\t%.1f%%\t%s\t%s\n", s.Scope, s.ID, s.Period, s.LimitUSD, s.SpentUSD,
						s.Used*100, strings.Join(ts, ","), s.ResetsAt.Format(time.RFC3339))
				}
				tw.Flush()
				_, err = e.stdout.Write(buf.Bytes())
				return err
			})
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(c.Flags(), formatFlag("text", "json"))
	return c
}

func newBudgetsDeleteCmd(e *env, g *globalFlags) *cobra.Command {
	var t budgetTarget
	c := &cobra.Command{
		Use:     "delete (--team T | --key K) --period day|month",
		Short:   "Delete a budget",
		Example: `  papersum budgets delete --team physics --period month`,
		Args:    budgetsNoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			scope, id, period, err := t.scope(c)
			if err != nil {
				return err
			}
			return withBudgets(c, e, g, func(bs papersum.BudgetStore, _ papersum.Store) error {
				if err := bs.DeleteBudget(c.Context(), scope, id, period); err != nil {
					return err
				}
				_, err := fmt.Fprintf(e.stderr, "budget %s %s, %s deleted\n", scope, id, period)
				return err
			})
		},
	}
	t.add(c)
	return c
}

// budgetsNoArgs refuses positional arguments as wrong usage (exit 2).
func budgetsNoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return argsError(c, fmt.Sprintf("%s takes flags only, not %q", c.CommandPath(), args[0]))
	}
	return nil
}
