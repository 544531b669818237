package storeutil

import (
	"math"
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

func TestValidScores(t *testing.T) {
	if !ValidScores(nil) || !ValidScores(&papersum.Scores{Accuracy: 8}) || ValidScores(&papersum.Scores{Clarity: math.NaN()}) ||
		ValidScores(&papersum.Scores{Coherence: math.Inf(1)}) {
		t.Error("ValidScores")
	}
	if !ValidClass("") || !ValidClass(papersum.ClassParse) || ValidClass("weird") {
		t.Error("ValidClass")
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
