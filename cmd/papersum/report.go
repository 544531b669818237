package main

import (
	"github.com/spf13/cobra"
)

// newReportCmd is the parent of the report commands; each adds itself in
// reportSubcommands (one file per subcommand).
func newReportCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "report",
		Short: "Reports over the recorded runs: cost, performance, anomalies",
		Long:  "Reports computed from the runs recorded in the store (SQLite or PostgreSQL).",
	}
	for _, sub := range reportSubcommands {
		c.AddCommand(sub(e, g))
	}
	c.AddCommand(newReportAnomaliesCmd(e, g))
	return c
}

// reportSubcommands are the makers of report's subcommands; each
// subcommand's file appends its own in an init.
var reportSubcommands []func(e *env, g *globalFlags) *cobra.Command
