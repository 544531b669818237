package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// newKeysRotateCmd is "keys rotate".
func newKeysRotateCmd(e *env, g *globalFlags) *cobra.Command {
	var grace time.Duration
	rotate := &cobra.Command{
		Use:   "rotate KEY_ID [--grace 24h]",
		Short: "Issue a new key with the same team, user and scope, and revoke the old one",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "keys rotate takes one KEY_ID")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return withKeyAuth(c, e, g, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
				plain, k, err := a.Rotate(c.Context(), args[0], grace)
				if err != nil {
					return err
				}
				old := fmt.Sprintf("the old key works for %s more", shortDuration(grace))
				if grace == 0 {
					old = "the old key is revoked"
				}
				fmt.Fprintf(e.stderr, "new key %s replaces %s (%s); it is shown only now:\n", k.ID, args[0], old)
				_, err = fmt.Fprintln(e.stdout, plain)
				return err
			})
		},
	}
	rotate.Flags().DurationVar(&grace, "grace", 0, "how long the old key keeps working")
	limitFlags(rotate.Flags(), durationIn("grace", 0, 90*24*time.Hour, ""))
	return rotate
}
