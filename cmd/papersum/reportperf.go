package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/report"
)

func init() { reportSubcommands = append(reportSubcommands, newReportPerfCmd) }

func newReportPerfCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	var slowest int
	var w windowFlags
	c := &cobra.Command{
		Use:   "perf",
		Short: "Latency percentiles, queue wait, throughput and the slowest runs",
		Long: `Report how fast the finished runs created in the window ran:

  - P50/P95/P99 and the maximum of stage latency per stage, per model and per
    paper-length bucket (words of the paper);
  - queue wait (creation to start) against work time (start to finish);
    a run the CLI ran has no queue: it started when it was created;
  - throughput: runs finished per UTC hour (mean over the hours from the
    first to the last finish, and the busiest hour);
  - where the time goes: each stage's share of the summed stage latency;
  - the slowest runs by work time.

Percentiles are nearest-rank: each is a latency that was observed.`,
		Example: `  papersum report perf --since 2026-11-01 --until 2026-12-01
  papersum report perf --team physics --slowest 20 --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			win, err := w.window(c)
			if err != nil {
				return err
			}
			rs, closeStore, err := reportStore(c, e, g)
			if err != nil {
				return err
			}
			defer closeStore()
			s, err := rs.PerfSamples(c.Context(), win)
			if err != nil {
				return fmt.Errorf("perf report: %w", err)
			}
			return writePerfReport(e, econ.Perf(s, slowest), format)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	c.Flags().IntVar(&slowest, "slowest", 10, "how many of the slowest runs to list")
	w.add(c)
	limitFlags(c.Flags(), formatFlag(report.FormatText, report.FormatJSON), intIn("slowest", 0, 1000, ""))
	return c
}

func writePerfReport(e *env, rep *econ.PerfReport, format string) error {
	if format == report.FormatJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	d := func(v time.Duration) string { return v.Round(time.Millisecond).String() }
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%d finished runs\n", rep.Runs)
	table := func(title string, qs []econ.Quantiles) {
		fmt.Fprintf(tw, "\n%s\tn\tp50\tp95\tp99\tmax\n", title)
		for _, q := range qs {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", q.Group, q.N, d(q.P50), d(q.P95), d(q.P99), d(q.Max))
		}
	}
	table("stage", rep.ByStage)
	table("model", rep.ByModel)
	table("paper words", rep.ByLength)
	table("run", []econ.Quantiles{rep.QueueWait, rep.Work})
	fmt.Fprintf(tw, "\nshare of stage time\n")
	var stages []string
	for s := range rep.StageShare {
		stages = append(stages, string(s))
	}
	sort.Strings(stages)
	for _, s := range stages {
		for st, v := range rep.StageShare {
			if string(st) == s {
				fmt.Fprintf(tw, "%s\t%.1f%%\n", s, 100*v)
			}
		}
	}
	fmt.Fprintf(tw, "\nthroughput\t%.1f runs/hour (mean)", rep.MeanPerHour)
	if rep.PeakPerHour.Runs > 0 {
		fmt.Fprintf(tw, ", peak %d at %s", rep.PeakPerHour.Runs, rep.PeakPerHour.Hour.Format("2006-01-02 15:04Z"))
	}
	fmt.Fprintln(tw)
	if len(rep.Slowest) > 0 {
		fmt.Fprintf(tw, "\nslowest\tteam\twords\twork\tqueue wait\n")
		for _, s := range rep.Slowest {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.ID, s.Team, s.PaperWords, d(s.Work), d(s.QueueWait))
		}
	}
	return tw.Flush()
}
