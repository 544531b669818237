// Package devdata finds, for tests, the development data that sits beside a
// clone of papersum: the evaluation corpora, the reference vectors of
// ROUGE-1.5.5 and SciPy, and ROUGE's data files (../shared/data). That data
// is for development and tests only and is never committed, so a test that
// needs it asks this package for a path and is skipped, with a message that
// says what to set, when the data is not there. CI puts ../shared beside the
// clone (and sets PAPERSUM_DATA), so there these tests run.
//
// Where the data is looked for:
//
//   - PAPERSUM_DATA: the data directory; default ../shared/data beside the
//     module root (the directory holding go.mod). A relative path in any of
//     these variables is taken from the module root, as BENCHMARKS.md
//     writes the commands (PAPERSUM_DATA=../shared/data go test ./pkg):
//     go test runs in the package's directory, where it would name nothing.
//   - PAPERSUM_REFVEC_DIR: the reference vectors; default
//     $PAPERSUM_DATA/reference-vectors (../shared/data/reference-vectors).
//   - PAPERSUM_ROUGE_DATA: ROUGE-1.5.5's data files; default
//     $PAPERSUM_DATA/rouge-resources.
//
// A variable that is set must name a directory that exists: a test fails
// rather than skips on a mistyped path, so that CI cannot silently run
// without its data.
package devdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Environment variables read by this package.
const (
	// EnvData names the data directory (default ../shared/data).
	EnvData = "PAPERSUM_DATA"
	// EnvRefVec names the reference-vector directory (default
	// <data>/reference-vectors).
	EnvRefVec = "PAPERSUM_REFVEC_DIR"
	// EnvRouge names the directory of ROUGE-1.5.5's data files (default
	// <data>/rouge-resources).
	EnvRouge = "PAPERSUM_ROUGE_DATA"
)

// Dir returns the data directory, or skips tb when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, EnvData, func() string {
		root := moduleRoot()
		if root == "" {
			return ""
		}
		return filepath.Join(root, "..", "shared", "data")
	}, "the evaluation data")
}

// Requested returns the data directory named by PAPERSUM_DATA, and skips
// tb when the variable is unset: for the long evaluation harnesses, which
// run only when asked for, not in a plain go test ./... It fails tb when
// the directory does not exist.
func Requested(tb testing.TB) string {
	tb.Helper()
	if getenv(EnvData) == "" {
		tb.Skipf("%s not set; this harness runs on request, e.g. %s=../shared/data", EnvData, EnvData)
		return ""
	}
	return Dir(tb)
}

// Path returns the file or directory elem under the data directory, or
// skips tb when the data directory or that entry is missing.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir(tb)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s is not in the data directory (%v); this test needs the evaluation data in ../shared/data or $%s", filepath.Join(elem...), err, EnvData)
	}
	return p
}

// RefVec returns the path of the reference-vector file name (for example
// "rouge.jsonl"), or skips tb when it is missing.
func RefVec(tb testing.TB, name string) string {
	tb.Helper()
	checkData(tb)
	dir := lookup(tb, EnvRefVec, func() string { return dataSub(EnvData, "reference-vectors") }, "the reference vectors")
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("reference vectors: %v; set %s to the directory that holds %s", err, EnvRefVec, name)
	}
	return p
}

// RougeDir returns the directory of ROUGE-1.5.5's data files (the SMART
// stopword list and the WordNet 2.0 exception lists), or skips tb when
// there is none.
func RougeDir(tb testing.TB) string {
	tb.Helper()
	checkData(tb)
	return lookup(tb, EnvRouge, func() string { return dataSub(EnvData, "rouge-resources") }, "ROUGE-1.5.5's data files")
}

// FindRefVec is RefVec for tests that use the vectors when they are there
// and do without them otherwise: it never skips, and ok is false when the
// file is not found.
func FindRefVec(name string) (path string, ok bool) {
	dir := getenv(EnvRefVec)
	if dir == "" {
		dir = dataSub(EnvData, "reference-vectors")
	}
	if dir == "" {
		return "", false
	}
	p := filepath.Join(dir, name)
	return p, exists(p)
}

// FindRougeDir is RougeDir without skipping: ok is false when there is no
// such directory.
func FindRougeDir() (dir string, ok bool) {
	dir = getenv(EnvRouge)
	if dir == "" {
		dir = dataSub(EnvData, "rouge-resources")
	}
	return dir, dir != "" && exists(dir)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// checkData fails tb when $PAPERSUM_DATA is set to a path that does not
// exist: the default locations under it would otherwise just skip.
func checkData(tb testing.TB) {
	tb.Helper()
	if dir := getenv(EnvData); dir != "" && !exists(dir) {
		tb.Fatalf("%s=%s does not exist", EnvData, dir)
	}
}

// dataSub is sub inside the data directory, without skipping: "" when the
// data directory is unknown.
func dataSub(env, sub string) string {
	dir := getenv(env)
	if dir == "" {
		if root := moduleRoot(); root != "" {
			dir = filepath.Join(root, "..", "shared", "data")
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, sub)
}

// lookup returns $env, which must exist when set, else def() when that
// exists, else skips tb.
func lookup(tb testing.TB, env string, def func() string, what string) string {
	tb.Helper()
	if dir := getenv(env); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			tb.Fatalf("%s=%s: %v", env, dir, err)
		}
		return dir
	}
	if dir := def(); dir != "" {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	tb.Skipf("skipped: %s not found (looked in $%s and in ../shared/data beside the clone); that is development data, not part of the repository", what, env)
	return ""
}

// getenv is $env, a relative path taken from the module root (see the
// package comment); "" when unset.
func getenv(env string) string {
	dir := os.Getenv(env)
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	if root := moduleRoot(); root != "" {
		return filepath.Join(root, dir)
	}
	return dir
}

// moduleRoot is the nearest directory at or above the working directory
// (a test runs in its package's directory) that holds go.mod, or "".
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
