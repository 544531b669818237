package storeutil

import (
	"fmt"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/papersum/papersum"
)

func TestTimeRoundTripAndRange(t *testing.T) {
	at := time.Date(2026, 11, 27, 1, 2, 3, 456789012, time.FixedZone("x", 3600))
	ns, ok := EncodeTime(at)
	if !ok || !DecodeTime(ns).Equal(at) || DecodeTime(ns).Location() != time.UTC {
		t.Fatalf("round trip of %v: %v %v", at, DecodeTime(ns), ok)
	}
	if _, ok := EncodeTime(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("year 3000 is outside the int64 nanosecond range")
	}
}

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
		"m/README.md":  {Data: []byte("not a migration")},
	}
	ms, err := LoadMigrations(fsys, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "0001_a" || ms[1].SQL != "B" {
		t.Fatalf("%+v %v", ms, err)
	}
	for name, bad := range map[string]fstest.MapFS{
		"duplicate version": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
		"no underscore":     {"m/0001.sql": {}},
		"not a number":      {"m/x_a.sql": {}},
		"zero":              {"m/0000_a.sql": {}},
	} {
		if _, err := LoadMigrations(bad, "m"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMigrationDirectives(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_a.sql": {Data: []byte("-- papersum:foreign-keys-off\n-- 0001_a: about a (papersum: the tool).\n\nCREATE TABLE a (x int);\n")},
		"m/0002_b.sql": {Data: []byte("-- 0002_b\nCREATE TABLE b (x int);\n-- a comment after a statement\n")},
	}
	ms, err := LoadMigrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ms[0].Directives, []string{"foreign-keys-off"}) || !ms[0].Has("foreign-keys-off") || ms[0].Has("x") {
		t.Errorf("0001 directives = %q", ms[0].Directives)
	}
	if len(ms[1].Directives) != 0 {
		t.Errorf("0002 directives = %q, want none", ms[1].Directives)
	}
	if err := CheckDirectives(ms[0], "foreign-keys-off"); err != nil {
		t.Error(err)
	}
	// A store that knows no directive, or a misspelt one, refuses it.
	if err := CheckDirectives(ms[0]); err == nil {
		t.Error("CheckDirectives accepted a directive the store does not know")
	}
	if err := CheckDirectives(ms[0], "foreign-key-off"); err == nil {
		t.Error("CheckDirectives accepted an unknown directive")
	}
	// Without the space, a directive is still one, and so still checked.
	tight := fstest.MapFS{"m/0001_a.sql": {Data: []byte("--papersum:foreign-key-off\nCREATE TABLE a (x int);\n")}}
	if ms, err := LoadMigrations(tight, "m"); err != nil || !reflect.DeepEqual(ms[0].Directives, []string{"foreign-key-off"}) {
		t.Errorf("--papersum:foreign-key-off: %+v, %v", ms, err)
	}

	// A directive below the first statement would not be obeyed before
	// it; it is refused rather than ignored.
	late := fstest.MapFS{"m/0001_a.sql": {Data: []byte("CREATE TABLE a (x int);\n-- papersum:foreign-keys-off\n")}}
	if _, err := LoadMigrations(late, "m"); err == nil {
		t.Error("a directive after the first statement was accepted")
	}
}

func TestCheckRunFilter(t *testing.T) {
	for _, tc := range []struct {
		f     papersum.RunFilter
		limit int
		ok    bool
	}{
		{papersum.RunFilter{}, DefaultListLimit, true},
		{papersum.RunFilter{Limit: 7, Status: papersum.RunQueued}, 7, true},
		{papersum.RunFilter{Limit: 5000, Status: papersum.RunCanceled}, MaxListLimit, true},
		{papersum.RunFilter{Limit: -1}, 0, false},
		{papersum.RunFilter{Status: "cancelled"}, 0, false},
	} {
		limit, err := CheckRunFilter("op", tc.f)
		if (err == nil) != tc.ok || limit != tc.limit {
			t.Errorf("CheckRunFilter(%+v) = %d, %v", tc.f, limit, err)
		}
		if err != nil && papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("CheckRunFilter(%+v): code %s", tc.f, papersum.ErrorCode(err))
		}
	}
}

func TestGroupHits(t *testing.T) {
	hit := func(team, title string) *papersum.Run {
		return &papersum.Run{Team: team, PaperID: "p", Title: title, Cached: true}
	}
	hits := []*papersum.Run{hit("a", "x"), hit("b", "x"), hit("a", "x"), hit("a", "y"), hit("b", "x"), hit("a", "x")}
	groups := GroupHits(hits)
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(groups), groups)
	}
	got := map[string][]int{}
	for i, g := range groups {
		if i > 0 && groups[i-1].Key >= g.Key {
			t.Errorf("groups not in key order: %s before %s", groups[i-1].Key, g.Key)
		}
		if g.Key != hits[g.Indexes[0]].CacheHitKey() {
			t.Errorf("group %s holds hit %d of key %s", g.Key, g.Indexes[0], hits[g.Indexes[0]].CacheHitKey())
		}
		got[hits[g.Indexes[0]].Team+hits[g.Indexes[0]].Title] = g.Indexes
	}
	want := map[string][]int{"ax": {0, 2, 5}, "bx": {1, 4}, "ay": {3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

func TestCopyRun(t *testing.T) {
	at := time.Unix(5, 0)
	r := &papersum.Run{ID: "r", Scores: &papersum.Scores{Accuracy: 8}, FinishedAt: &at, LastHitAt: &at,
		Stages: []papersum.StageResult{{Raw: "x"}}}
	c := CopyRun(r)
	c.Scores.Accuracy, *c.FinishedAt, *c.LastHitAt, c.Stages[0].Raw = 1, time.Unix(9, 0), time.Unix(9, 0), "y"
	if r.Scores.Accuracy != 8 || !r.FinishedAt.Equal(time.Unix(5, 0)) || !r.LastHitAt.Equal(time.Unix(5, 0)) || r.Stages[0].Raw != "x" {
		t.Errorf("the copy shares memory with the run: %+v", r)
	}
}
