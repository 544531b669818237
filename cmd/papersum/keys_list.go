package main

import (
	"bytes"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// newKeysListCmd is "keys list".
func newKeysListCmd(e *env, g *globalFlags) *cobra.Command {
	var team string
	var format string
	list := &cobra.Command{
		Use:   "list [--team T]",
		Short: "List keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withKeyAuth(c, e, g, func(_ *apikey.Authenticator, ks papersum.KeyStore) error {
				keys, err := ks.ListKeys(c.Context(), team)
				if err != nil {
					return err
				}
				if format == "json" {
					if keys == nil {
						keys = []*papersum.APIKey{}
					}
					return writeJSON(e.stdout, keys)
				}
				var b bytes.Buffer
				tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tPREFIX\tTEAM\tUSER\tSCOPE\tCREATED\tSTATE")
				now := time.Now()
				for _, k := range keys {
					state := "active"
					if !k.Active(now) {
						state = "revoked or expired"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Team, k.User, k.Scope,
						k.CreatedAt.Local().Format("2006-01-02 15:04"), state)
				}
				tw.Flush()
				_, err = e.stdout.Write(b.Bytes())
				return err
			})
		},
	}
	list.Flags().StringVar(&team, "team", "", "only this team's keys")
	list.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(list.Flags(), formatFlag("text", "json"))
	return list
}
