package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// newKeysRevokeCmd is "keys revoke".
func newKeysRevokeCmd(e *env, g *globalFlags) *cobra.Command {
	revoke := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke a key (effective within seconds on running servers)",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "keys revoke takes one KEY_ID")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return withKeyAuth(c, e, g, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
				if err := a.Revoke(c.Context(), args[0]); err != nil {
					return err
				}
				// Like create and rotate, what is said goes to stderr;
				// stdout carries only data (here none).
				_, err := fmt.Fprintf(e.stderr, "key %s revoked; running servers refuse it within seconds\n", args[0])
				return err
			})
		},
	}
	return revoke
}
