package main

import "github.com/spf13/cobra"

// newReportCmd is the parent of the reports read from the store; each
// report adds itself in its own file.
func newReportCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "report",
		Short: "Reports read from the store (anomalies, ...)",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newReportAnomaliesCmd(e, g))
	return c
}
