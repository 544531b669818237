// Package storeutil holds what papersum's SQL stores (sqlite, postgres)
// share apart from their SQL: the time encoding, the error constructors,
// the rows each store writes (rows.go: a domain value checked by its
// Validate method in the root package, encoded, with the times it lacked
// stamped from the store's clock), the submission and cache-hit helpers
// (runs.go) and the loading of embedded migration files. Both stores pass
// one suite (storetest), so their behaviour must not drift apart; one copy
// of these rules keeps it so.
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

// Migration is one embedded NNNN_name.sql file.
type Migration struct {
	Version int
	Name    string
	SQL     string
	// Directives are the "-- papersum:NAME" lines of the file's leading
	// comment block, without that prefix: instructions to the store's
	// migrate about how to run the file (see CheckDirectives).
	Directives []string
}

// directivePrefix starts a directive line in a migration file; after
// the "--" and any spaces comes directiveMark, then the directive.
const (
	directivePrefix = "-- " + directiveMark
	directiveMark   = "papersum:"
)

// parseDirectives returns the directives of the leading comment block of a
// migration: the lines before the first one that is neither blank nor a
// comment. Spacing is forgiven ("--papersum:x" is a directive too), so
// that a near miss is checked rather than taken for a plain comment; a
// directive further down would not be obeyed, so it is refused.
func parseDirectives(name, body string) ([]string, error) {
	var out []string
	leading := true
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		comment, isComment := strings.CutPrefix(line, "--")
		if line != "" && !isComment {
			leading = false
		}
		d, ok := strings.CutPrefix(strings.TrimSpace(comment), directiveMark)
		if !isComment || !ok {
			continue
		}
		if !leading {
			return nil, fmt.Errorf("migration %s: directive %q after the first statement; directives go in the leading comment block", name, line)
		}
		out = append(out, strings.TrimSpace(d))
	}
	return out, nil
}

// Has reports whether m carries directive d.
func (m Migration) Has(d string) bool { return slices.Contains(m.Directives, d) }

// CheckDirectives returns an error naming the first directive of m that is
// not among known. A misspelt directive must fail loudly: silently not
// obeying "foreign-keys-off", say, would let a table rebuild cascade-delete
// rows.
func CheckDirectives(m Migration, known ...string) error {
	for _, d := range m.Directives {
		if !slices.Contains(known, d) {
			return fmt.Errorf("migration %s: unknown directive %q (this store knows %q)", m.Name, directivePrefix+d, known)
		}
	}
	return nil
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
		directives, err := parseDirectives(name, string(body))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body), Directives: directives})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// PendingAfter counts the migrations of ms newer than version applied.
func PendingAfter(ms []Migration, applied int) int {
	n := 0
	for _, m := range ms {
		if m.Version > applied {
			n++
		}
	}
	return n
}
