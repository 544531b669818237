package main

import (
	"bytes"
	"os"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/slo"
)

func newSLOCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "slo",
		Short: "Service-level objectives as code",
	}
	var out string
	rules := &cobra.Command{
		Use:   "rules SPEC",
		Short: "Generate Prometheus recording and burn-rate alert rules from an SLO spec",
		Long: `Rules reads an SLO spec in Sloth's prometheus/v1 format (version, service,
labels, slos[] with name, objective, sli.events.error_query/total_query or
sli.raw.error_ratio_query, alerting with page_alert and ticket_alert) and
prints a Prometheus rule file: each SLO's error ratio over 5m, 30m, 1h, 6h,
3d and 30d, its objective, budget and burn rates, and the multi-window,
multi-burn-rate alerts of the Google SRE workbook (page: 14.4x over 1h and
5m, or 6x over 6h and 30m; ticket: 1x over 3d and 6h). Record names and
sloth_* labels are Sloth's. The same spec always gives the same bytes.

papersum's own spec is deploy/observability/slos.yaml; its rules are
deploy/observability/rules/slos.rules.yaml.`,
		Example: `  papersum slo rules deploy/observability/slos.yaml
  papersum slo rules --out deploy/observability/rules/slos.rules.yaml deploy/observability/slos.yaml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "slo rules takes one SPEC file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return papersum.Errorf(papersum.EINVALID, "read SLO spec: %v", err)
			}
			spec, err := slo.Parse(bytes.NewReader(data))
			if err != nil {
				return err
			}
			rules, err := slo.Rules(spec)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = e.stdout.Write(rules)
				return err
			}
			if err := os.WriteFile(out, rules, 0o644); err != nil {
				return papersum.Errorf(papersum.EINVALID, "--out: %v", err)
			}
			return nil
		},
	}
	rules.Flags().StringVarP(&out, "out", "o", "", "write the rules to this file (default: standard output)")
	c.AddCommand(rules)
	return c
}
