package main

import (
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/rungen"
)

func newSeedRunsCmd(e *env, g *globalFlags) *cobra.Command {
	var cfg rungen.Config
	var until string
	var days int
	var seed int64
	c := &cobra.Command{
		Use:   "seed-runs",
		Short: "Store synthetic finished runs, for benchmarks of the reports",
		Long: `seed-runs stores --runs synthetic runs in the store (SQLite or PostgreSQL),
spread evenly over --days days before --until: teams with users and keys,
three stages each on a mix of Anthropic models and the local engine with
token counts that grow with the paper's length, 10% through the batch API,
2% failed, 5% answered from the result cache. Costs are priced with the
price table at each stage's time. The same seed gives the same runs; run
IDs start with gen_, so seed an empty store.`,
		Example: `  papersum --db /tmp/bench.db dev seed-runs --runs 100000
  papersum --database-url postgres://localhost/bench dev seed-runs --runs 100000 --days 30`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg.End, _ = time.Parse(time.DateOnly, until)
			cfg.Seed = uint64(seed)
			cfg.Start = cfg.End.AddDate(0, 0, -days)
			conf, err := loadConfig(g, e.getenv)
			if err != nil {
				return err
			}
			prices, err := loadPricer(conf)
			if err != nil {
				return err
			}
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			price := func(provider, model string, u papersum.Usage, batch bool, at time.Time) float64 {
				v, _ := prices.Price(provider, model, u, batch, at)
				return v
			}
			start := time.Now()
			err = rungen.Generate(c.Context(), store, cfg, price, func(done int) {
				if done%10000 == 0 {
					fmt.Fprintf(e.stderr, "%d runs stored (%s)\n", done, time.Since(start).Round(time.Second))
				}
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "stored %d runs in %s\n", cfg.Runs, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	c.Flags().IntVar(&cfg.Runs, "runs", 100000, "how many runs to store")
	c.Flags().IntVar(&days, "days", 30, "spread them over this many days")
	c.Flags().StringVar(&until, "until", "2026-12-01", "the day after the last run, YYYY-MM-DD")
	c.Flags().Int64Var(&seed, "seed", 1, "seed of the generated runs")
	c.Flags().IntVar(&cfg.Teams, "teams", 5, "how many teams")
	limitFlags(c.Flags(), intIn("runs", 1, 10_000_000, ""), intIn("days", 1, 3650, ""), dateFlag("until"), intIn("teams", 1, 1000, ""), intIn("seed", 1, math.MaxInt64, ""))
	return c
}
