package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFlagValuesOneRule: every flag value a command cannot take is wrong
// usage (exit 2), refused before anything runs, with one line that names
// the flag, the value and what the flag accepts.
func TestFlagValuesOneRule(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	tests := []struct {
		args []string
		want string // what the message says the flag accepts
	}{
		{[]string{"summarize", "--words", "-5", examplePDF}, "--words -5: must be from 10 to 5000"},
		{[]string{"summarize", "--words", "1", examplePDF}, "--words 1: must be from 10 to 5000"},
		{[]string{"summarize", "--words", "0", examplePDF}, "--words 0: must be from 10 to 5000"},
		{[]string{"summarize", "--words", "many", examplePDF}, "--words many: not a whole number; must be from 10 to 5000"},
		{[]string{"summarize", "--max-bytes", "-1", examplePDF}, "--max-bytes -1: must be from 1 to 1073741824"},
		{[]string{"summarize", "--format", "yaml", examplePDF}, "--format yaml: must be one of text, markdown, json"},
		{[]string{"summarize", "--style", "bullets", examplePDF}, "--style bullets: must be one of abstract, highlights, tldr"},
		{[]string{"eval", "run", "--dataset", "jsonl:x", "--style", "short"}, "--style short: must be one of abstract, highlights, tldr"},
		{[]string{"batch", "--concurrency", "0", "."}, "--concurrency 0: must be from 1 to 256"},
		{[]string{"batch", "--format", "xml", "."}, "--format xml: must be one of json, markdown, text"},
		{[]string{"batch", "--words", "6000", "."}, "--words 6000: must be from 10 to 5000"},
		{[]string{"batch", "--max-bytes", "0", "."}, "--max-bytes 0: must be from 1 to 1073741824"},
		{[]string{"batch", "--batch-poll", "0", "."}, "--batch-poll 0: must be from 1ms to 1h"},
		{[]string{"runs", "list", "--status", "weird"}, "--status weird: must be one of queued, running, succeeded, failed, canceled"},
		{[]string{"runs", "list", "--limit", "0"}, "--limit 0: must be from 1 to 1000"},
		{[]string{"runs", "list", "--format", "csv"}, "--format csv: must be one of text, json"},
		{[]string{"runs", "show", "--format", "html", "run_x"}, "--format html: must be one of text, markdown, json"},
		{[]string{"keys", "create", "--team", "t", "--user", "u", "--scope", "root"}, "--scope root: must be one of read, write, admin"},
		{[]string{"keys", "create", "--team", "t", "--user", "u", "--lifetime", "1s"}, "--lifetime 1s: must be at least 1m; 0: never expires"},
		{[]string{"keys", "list", "--format", "yaml"}, "--format yaml: must be one of text, json"},
		{[]string{"keys", "rotate", "--grace", "-1h", "key_x"}, "--grace -1h: must be from 0s to 2160h"},
		{[]string{"doctor", "--format", "xml"}, "--format xml: must be one of text, json"},
		{[]string{"version", "--format", "xml"}, "--format xml: must be one of text, json"},
		{[]string{"eval", "rouge", "--preset", "rouge2", "a", "b"}, "--preset rouge2: must be one of scitldr, scitldr_stem, scitldr_su4, scitldr_stem_su4, clscisumm"},
		{[]string{"eval", "rouge", "--format", "csv", "a", "b"}, "--format csv: must be one of text, json"},
		{[]string{"eval", "run", "--dataset", "jsonl:x", "--repeat", "0"}, "--repeat 0: must be from 1 to 100"},
		{[]string{"eval", "run", "--dataset", "jsonl:x", "--limit", "-1"}, "--limit -1: must be at least 1; 0: all"},
		{[]string{"eval", "run", "--dataset", "jsonl:x", "--concurrency", "65"}, "--concurrency 65: must be from 1 to 64"},
		{[]string{"eval", "run", "--dataset", "jsonl:x", "--words", "5"}, "--words 5: must be from 10 to 5000"},
		{[]string{"eval", "ab", "--a", "default", "--b", "default", "--dataset", "jsonl:x", "--alpha", "1.5"}, "--alpha 1.5: must be a number more than 0 and less than 1"},
		{[]string{"eval", "gate", "--baseline", "b.json", "--alpha", "0", "c.json"}, "--alpha 0: must be a number more than 0 and less than 1"},
		{[]string{"serve", "--workers", "0"}, "--workers 0: must be from 1 to 1024"},
		{[]string{"serve", "--rate-limit-rpm", "-1"}, "--rate-limit-rpm -1: must be from 1 to 1000000; 0: no limit"},
		{[]string{"serve", "--rate-limit-tokens-per-day", "-5"}, "--rate-limit-tokens-per-day -5: must be at least 1; 0: no limit"},
		{[]string{"serve", "--cache-entries", "0"}, "--cache-entries 0: must be from 1 to 10000000"},
		{[]string{"serve", "--max-bytes", "-1"}, "--max-bytes -1: must be from 1 to 1073741824"},
		{[]string{"serve", "--commit-writers", "-1"}, "--commit-writers -1: must be from 1 to 64; 0: 1 on SQLite, 2 on Postgres"},
		{[]string{"serve", "--max-wait", "0"}, "--max-wait 0: must be from 1s to 1h"},
		{[]string{"serve", "--job-timeout", "soon"}, "--job-timeout soon: not a duration (write e.g. 90s, 2m or 1h); must be from 1s to 24h"},
	}
	for _, tc := range tests {
		r := cli(t, db, "", tc.args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", tc.args, r.code, r.err, exitUsage)
			continue
		}
		msg := errorLine(r.err)
		if !strings.HasPrefix(msg, tc.want+" (see 'papersum ") {
			t.Errorf("%v:\n got %s\nwant %s (see 'papersum ... --help')", tc.args, msg, tc.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused flag opened the store")
	}
}

// TestEnumFlagsAnyCase: enumerated values are taken in any case.
func TestEnumFlagsAnyCase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	r := cli(t, db, "", "summarize", "--format", "JSON", "--words", "60", examplePDF)
	if r.err != nil {
		t.Fatalf("--format JSON: %v", r.err)
	}
	var run struct{ Status string }
	if err := json.Unmarshal([]byte(r.stdout), &run); err != nil || run.Status != "succeeded" {
		t.Fatalf("--format JSON did not print JSON: %v\n%.200s", err, r.stdout)
	}
	if r := cli(t, db, "", "runs", "list", "--status", "Succeeded", "--format", "Json"); r.err != nil || !strings.Contains(r.stdout, `"status": "succeeded"`) {
		t.Fatalf("runs list --status Succeeded: %v\n%s", r.err, r.stdout)
	}
	if r := cli(t, db, "", "keys", "create", "--team", "t", "--user", "u", "--scope", "WRITE"); r.err != nil || !strings.Contains(r.stderr, "(write)") {
		t.Fatalf("keys create --scope WRITE: %v\n%s", r.err, r.stderr)
	}
}

// TestEveryNumberAndEnumFlagHasARule walks every command so that a new
// numeric or enumerated flag cannot skip the rule: each one is checked by
// limitFlags, or listed here with the reason it needs no rule.
func TestEveryNumberAndEnumFlagHasARule(t *testing.T) {
	free := map[string]string{
		"eval run --seed":          "any seed is valid",
		"eval ab --seed":           "any seed is valid",
		"eval human export --seed": "any seed is valid",
		"eval judge --seed":        "any seed is valid",
		"dev fake-upstream --seed": "any seed is valid",
		"dev fake-upstream --*":    "a test tool; fakeupstream.Config.Validate refuses bad values as usage",
	}
	enumNames := map[string]bool{"format": true, "status": true, "scope": true, "preset": true}
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), "papersum ")
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			_, checked := f.Value.(*checkedValue)
			numeric := false
			switch f.Value.Type() {
			case "int", "int64", "uint64", "float64", "duration":
				numeric = true
			}
			if checked || !(numeric || enumNames[f.Name]) {
				return
			}
			key := path + " --" + f.Name
			if why := free[key]; why != "" {
				return
			}
			if why := free[path+" --*"]; why != "" {
				return
			}
			t.Errorf("%s (%s) has no rule: give it one with limitFlags", key, f.Value.Type())
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
