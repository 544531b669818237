package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum/apikey"
	"github.com/papersum/papersum/sqlite"
)

func TestKeysCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	r := cli(t, db, "", "keys", "create", "--team", "nlp", "--user", "alice", "--scope", "write")
	if r.err != nil {
		t.Fatal(r.err)
	}
	plain := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(plain, "psk_") {
		t.Fatalf("key %q", plain)
	}
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := apikey.NewAuthenticator(store, apikey.Options{CacheTTL: -1})
	k, err := a.Authenticate(context.Background(), "Bearer "+plain)
	if err != nil || k.Team != "nlp" || k.Scope != "write" {
		t.Fatalf("%+v %v", k, err)
	}
	store.Close()
	list := cli(t, db, "", "keys", "list", "--format", "json")
	if strings.Contains(list.stdout, plain) {
		t.Fatal("keys list prints the secret")
	}
	var keys []struct{ ID string }
	if err := json.Unmarshal([]byte(list.stdout), &keys); err != nil || len(keys) != 1 {
		t.Fatalf("%v %s", err, list.stdout)
	}
	if r := cli(t, db, "", "keys", "revoke", keys[0].ID); r.err != nil {
		t.Fatal(r.err)
	}
	store, _ = sqlite.Open(context.Background(), db, sqlite.Options{})
	defer store.Close()
	a, _ = apikey.NewAuthenticator(store, apikey.Options{CacheTTL: -1})
	if _, err := a.Authenticate(context.Background(), plain); err == nil {
		t.Fatal("a revoked key still authenticates")
	}
	if r := cli(t, db, "", "keys", "create", "--team", "nlp", "--user", "bob", "--scope", "root"); r.code != exitUsage {
		t.Errorf("bad scope: exit %d", r.code)
	}
}
