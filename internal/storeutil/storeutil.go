// Package storeutil holds what papersum's SQL stores (sqlite, postgres)
// share apart from their SQL: the time encoding, the error constructors,
// input checks and the loading of embedded migration files. Both stores
// pass one suite (storetest), so their behaviour must not drift apart; one
// copy of these rules keeps it so.
package storeutil

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// The representable time range: times are stored as int64 nanoseconds
// since the Unix epoch, about the years 1678 to 2262. Integers keep the
// full precision and sort correctly in both databases.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// EncodeTime returns t as nanoseconds since the epoch, or false when t is
// outside the representable range.
func EncodeTime(t time.Time) (int64, bool) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, false
	}
	return t.UnixNano(), true
}

// DecodeTime is the inverse of EncodeTime, in UTC.
func DecodeTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// Invalid returns an EINVALID error of operation op.
func Invalid(op, format string, args ...any) error {
	return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ENOTFOUND error of operation op.
func NotFound(op, format string, args ...any) error {
	return &papersum.Error{Code: papersum.ENOTFOUND, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an ECONFLICT error of operation op.
func Conflict(op, format string, args ...any) error {
	return &papersum.Error{Code: papersum.ECONFLICT, Op: op, Message: fmt.Sprintf(format, args...)}
}

// ValidClass reports whether c is "" or one of papersum.Classes.
func ValidClass(c papersum.Class) bool {
	return c == "" || slices.Contains(papersum.Classes, c)
}

// ValidScores reports whether every score is a finite number (nil is
// valid: no scores).
func ValidScores(sc *papersum.Scores) bool {
	if sc == nil {
		return true
	}
	for _, v := range []float64{sc.Accuracy, sc.Completeness, sc.Clarity, sc.Coherence} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Migration is one embedded NNNN_name.sql file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations returns the .sql files of dir in fsys sorted by version.
// The version is the file name's numeric prefix; two files with one
// version are a build bug that the stores' tests catch.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}
