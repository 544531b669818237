package main

import (
	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
)

// newKeysCmd is "keys", one file per subcommand (keys_create.go,
// keys_list.go, keys_revoke.go, keys_rotate.go).
func newKeysCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Create, list, revoke and rotate API keys",
		Long: `API keys authenticate clients of the papersum service. A key is printed once,
when it is created; the store keeps only its SHA-256 hash. Scopes nest:
admin includes write, write includes read.`,
	}
	c.AddCommand(newKeysCreateCmd(e, g), newKeysListCmd(e, g), newKeysRevokeCmd(e, g), newKeysRotateCmd(e, g))
	return c
}

// withKeyAuth opens the store of the global flags and calls fn with an
// authenticator on its keys, closing the store afterwards.
func withKeyAuth(c *cobra.Command, e *env, g *globalFlags, fn func(a *apikey.Authenticator, ks papersum.KeyStore) error) error {
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
