package main

import (
	"bytes"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
)

func newReportAnomaliesCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	var since time.Duration
	var limit int
	c := &cobra.Command{
		Use:   "anomalies",
		Short: "List the anomalies the detectors of serve raised",
		Long: `anomalies lists, newest first, the anomalies that papersum serve's online
detectors raised on finished runs within --since: per model, a cost per run,
a stage's tokens or latency above its rolling baseline, or a quality score
below it (config section anomaly; README, "Anomaly detection").

Each line names the run, the signal and model, the direction, the run's
value, the mean of the recent runs that were scored, the baseline and the z
score (standard errors of the recent mean from the baseline).`,
		Example: `  papersum report anomalies --since 24h
  papersum report anomalies --since 7d --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			as, ok := store.(papersum.AnomalyStore)
			if !ok {
				return papersum.Errorf(papersum.EINTERNAL, "the store keeps no anomalies")
			}
			list, err := as.ListAnomalies(c.Context(), papersum.AnomalyFilter{Since: time.Now().Add(-since), Limit: limit})
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e.stdout, map[string]any{"since": since.String(), "anomalies": list})
			}
			var b bytes.Buffer
			if len(list) == 0 {
				fmt.Fprintf(&b, "no anomalies in the last %s\n", shortDuration(since))
			} else {
				tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "DETECTED\tRUN\tSIGNAL\tMODEL\tDIR\tVALUE\tRECENT\tBASELINE\tZ")
				for _, a := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.4g\t%.4g\t%.4g\t%+.1f\n", a.DetectedAt.Format(time.RFC3339), a.RunID,
						a.Signal, a.Model, a.Direction, a.Value, a.Recent, a.Baseline, a.Score)
				}
				tw.Flush()
			}
			_, err = e.stdout.Write(b.Bytes())
			return err
		},
	}
	c.Flags().DurationVar(&since, "since", 24*time.Hour, "list the anomalies of this last period (e.g. 1h, 24h, 168h)")
	c.Flags().IntVar(&limit, "limit", 1000, "list at most this many")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(c.Flags(), formatFlag("text", "json"), durationIn("since", time.Second, 5*366*24*time.Hour, ""), intIn("limit", 1, 1000, ""))
	return c
}
