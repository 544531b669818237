package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestBudgetsCommands: set (create, then replace), list in both formats,
// delete, and the usage errors (exit 2) of each.
func TestBudgetsCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	for _, args := range [][]string{
		{"--team", "physics", "--period", "month", "--limit-usd", "500"},
		{"--key", "key_1", "--period", "DAY", "--limit-usd", "2.5", "--thresholds", "95,80"},
		{"--team", "physics", "--period", "month", "--limit-usd", "750", "--thresholds", "none"},
	} {
		if r := cli(t, db, "", append([]string{"budgets", "set"}, args...)...); r.code != 0 {
			t.Fatalf("set %v: %d %v %s", args, r.code, r.err, r.stderr)
		}
	}
	r := cli(t, db, "", "budgets", "list", "--format", "json")
	var got []struct {
		Scope, ID, Period string
		LimitUSD          float64 `json:"limit_usd"`
		Thresholds        []int
		SpentUSD          float64 `json:"spent_usd"`
		ResetsAt          string  `json:"resets_at"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("list: %v %d %s", err, r.code, r.stdout)
	}
	if len(got) != 2 || got[0].Scope != "key" || got[0].Period != "day" || got[0].LimitUSD != 2.5 ||
		len(got[0].Thresholds) != 2 || got[0].Thresholds[0] != 80 || got[1].ID != "physics" || got[1].LimitUSD != 750 ||
		len(got[1].Thresholds) != 0 || got[1].SpentUSD != 0 || got[1].ResetsAt == "" {
		t.Fatalf("list: %+v", got)
	}
	r = cli(t, db, "", "budgets", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "SPENT_USD") || !strings.Contains(r.stdout, "80,95") || !strings.Contains(r.stdout, "none") {
		t.Fatalf("list text: %d %s", r.code, r.stdout)
	}
	if r := cli(t, db, "", "budgets", "delete", "--key", "key_1", "--period", "day"); r.code != 0 {
		t.Fatalf("delete: %d %v", r.code, r.err)
	}
	if r := cli(t, db, "", "budgets", "delete", "--key", "key_1", "--period", "day"); r.code == 0 || !strings.Contains(r.err.Error(), "no day budget") {
		t.Fatalf("delete again: %d %v", r.code, r.err)
	}
	if r := cli(t, db, "", "budgets", "list", "--format", "json"); !strings.Contains(r.stdout, "physics") || strings.Contains(r.stdout, "key_1") {
		t.Fatalf("after delete: %s", r.stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "--period", "day", "--limit-usd", "1"}, "exactly one of --team and --key"},
		{[]string{"set", "--team", "a", "--key", "k", "--period", "day", "--limit-usd", "1"}, "exactly one of --team and --key"},
		{[]string{"set", "--team", "a", "--limit-usd", "1"}, "--period"},
		{[]string{"set", "--team", "a", "--period", "week", "--limit-usd", "1"}, "--period"},
		{[]string{"set", "--team", "a", "--period", "day"}, "--limit-usd is required"},
		{[]string{"set", "--team", "a", "--period", "day", "--limit-usd", "0"}, "--limit-usd"},
		{[]string{"set", "--team", "a", "--period", "day", "--limit-usd", "-3"}, "--limit-usd"},
		{[]string{"set", "--team", "a", "--period", "day", "--limit-usd", "1", "--thresholds", "50,120"}, "--thresholds"},
		{[]string{"set", "--team", "a", "--period", "day", "--limit-usd", "1", "--thresholds", "half"}, "--thresholds"},
		{[]string{"list", "--format", "xml"}, "--format"},
		{[]string{"delete", "--team", "a"}, "--period"},
		{[]string{"list", "extra"}, ""},
	} {
		r := cli(t, db, "", append([]string{"budgets"}, tc.args...)...)
		if r.code != exitUsage || r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: exit %d (%v), want %d and %q", tc.args, r.code, r.err, exitUsage, tc.want)
		}
	}
}
