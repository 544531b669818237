package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// newKeysCreateCmd is "keys create".
func newKeysCreateCmd(e *env, g *globalFlags) *cobra.Command {
	var team, user, scope string
	var lifetime time.Duration
	create := &cobra.Command{
		Use:     "create --team T --user U --scope read|write|admin",
		Short:   "Create a key and print it once",
		Example: `  papersum keys create --team nlp --user alice --scope write`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if team == "" || user == "" {
				return &usageError{msg: "--team and --user are required"}
			}
			return withKeyAuth(c, e, g, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
				plain, k, err := a.Issue(c.Context(), team, user, papersum.Scope(scope), lifetime)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "key %s for %s/%s (%s); it is shown only now:\n", k.ID, k.Team, k.User, k.Scope)
				_, err = fmt.Fprintln(e.stdout, plain)
				return err
			})
		},
	}
	create.Flags().StringVar(&team, "team", "", "team the key's costs are charged to")
	create.Flags().StringVar(&user, "user", "", "user the key belongs to")
	create.Flags().StringVar(&scope, "scope", "read", "what the key may do; admin includes write, write includes read")
	create.Flags().DurationVar(&lifetime, "lifetime", 0, "the key expires after this long (default: never)")
	limitFlags(create.Flags(), oneOf("scope", string(papersum.ScopeRead), string(papersum.ScopeWrite), string(papersum.ScopeAdmin)),
		durationIn("lifetime", time.Minute, noMax, "never expires"))
	return create
}
