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

func newKeysCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Create, list, revoke and rotate API keys",
		Long: `API keys authenticate clients of the papersum service. A key is printed once,
when it is created; the store keeps only its SHA-256 hash. Scopes nest:
admin includes write, write includes read.`,
	}
	withAuth := func(c *cobra.Command, fn func(a *apikey.Authenticator, ks papersum.KeyStore) error) error {
		store, err := openStore(c.Context(), g, e.getenv)
		if err != nil {
			return err
		}
		defer store.Close()
		ks, ok := store.(papersum.KeyStore)
		if !ok {
			return papersum.Errorf(papersum.EINVALID, "this store keeps no API keys")
		}
		a, err := apikey.NewAuthenticator(ks, apikey.Options{})
		if err != nil {
			return err
		}
		return fn(a, ks)
	}
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
			return withAuth(c, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
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

	var format string
	list := &cobra.Command{
		Use:   "list [--team T]",
		Short: "List keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withAuth(c, func(_ *apikey.Authenticator, ks papersum.KeyStore) error {
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
			return withAuth(c, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
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
			return withAuth(c, func(a *apikey.Authenticator, _ papersum.KeyStore) error {
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
	c.AddCommand(create, list, revoke, rotate)
	return c
}
