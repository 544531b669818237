package devdata

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the test, so that the decisions of lookup can be checked.
type recorder struct {
	*testing.T
	skipped, fatal string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "reference-vectors"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "reference-vectors", "rouge.jsonl"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Setenv(EnvData, dir)
	t.Setenv(EnvRefVec, "")
	r := &recorder{T: t}
	if got := Dir(r); got != dir || r.skipped != "" || r.fatal != "" {
		t.Errorf("Dir = %q (skip %q, fatal %q), want %q", got, r.skipped, r.fatal, dir)
	}
	r = &recorder{T: t}
	if got := RefVec(r, "rouge.jsonl"); got != filepath.Join(dir, "reference-vectors", "rouge.jsonl") || r.skipped != "" {
		t.Errorf("RefVec = %q (skip %q)", got, r.skipped)
	}
	r = &recorder{T: t}
	RefVec(r, "stats.jsonl")
	if !strings.Contains(r.skipped, "stats.jsonl") {
		t.Errorf("missing vector file: skip %q", r.skipped)
	}
	r = &recorder{T: t}
	Path(r, "scisummnet")
	if !strings.Contains(r.skipped, "scisummnet") || !strings.Contains(r.skipped, EnvData) {
		t.Errorf("missing corpus: skip %q", r.skipped)
	}

	// A variable that names nothing is a mistake, not a reason to skip.
	t.Setenv(EnvData, filepath.Join(dir, "nowhere"))
	r = &recorder{T: t}
	Dir(r)
	if !strings.Contains(r.fatal, EnvData) || r.skipped != "" {
		t.Errorf("mistyped %s: fatal %q skip %q", EnvData, r.fatal, r.skipped)
	}

	r = &recorder{T: t}
	RefVec(r, "rouge.jsonl")
	if !strings.Contains(r.fatal, EnvData) {
		t.Errorf("mistyped %s, RefVec: fatal %q skip %q", EnvData, r.fatal, r.skipped)
	}

	// Unset, and no ../shared beside this module: skipped with a message.
	t.Setenv(EnvData, "")
	t.Setenv(EnvRouge, "")
	t.Chdir(t.TempDir())
	r = &recorder{T: t}
	RougeDir(r)
	if !strings.Contains(r.skipped, "ROUGE-1.5.5's data files") || !strings.Contains(r.skipped, EnvRouge) || r.fatal != "" {
		t.Errorf("no data: skip %q fatal %q", r.skipped, r.fatal)
	}
}

func TestModuleRootDefault(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"clone/pkg/sub", "shared/data/rouge-resources"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "clone", "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvData, "")
	t.Setenv(EnvRouge, "")
	t.Chdir(filepath.Join(root, "clone", "pkg", "sub"))
	r := &recorder{T: t}
	got := RougeDir(r)
	want := filepath.Join(root, "clone", "..", "shared", "data", "rouge-resources")
	if got != want || r.skipped != "" {
		t.Errorf("RougeDir = %q (skip %q), want %q", got, r.skipped, want)
	}
}

// TestRelativeFromModuleRoot checks the form BENCHMARKS.md writes,
// PAPERSUM_DATA=../shared/data go test ./pkg/sub: go test runs in pkg/sub,
// but the path is meant from the module root.
func TestRelativeFromModuleRoot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"clone/pkg/sub", "shared/data/rouge-resources"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "clone", "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "clone", "pkg", "sub"))
	t.Setenv(EnvRouge, "")
	t.Setenv(EnvData, filepath.Join("..", "shared", "data"))
	want := filepath.Join(root, "shared", "data")
	for name, get := range map[string]func(testing.TB) string{"Dir": Dir, "Requested": Requested} {
		r := &recorder{T: t}
		if got := get(r); got != want || r.skipped != "" || r.fatal != "" {
			t.Errorf("%s = %q (skip %q, fatal %q), want %q", name, got, r.skipped, r.fatal, want)
		}
	}
	r := &recorder{T: t}
	if got := RougeDir(r); got != filepath.Join(want, "rouge-resources") || r.skipped != "" || r.fatal != "" {
		t.Errorf("RougeDir = %q (skip %q, fatal %q)", got, r.skipped, r.fatal)
	}
	if got, ok := FindRougeDir(); !ok || got != filepath.Join(want, "rouge-resources") {
		t.Errorf("FindRougeDir = %q, %v", got, ok)
	}

	// Requested runs only when asked for.
	t.Setenv(EnvData, "")
	r = &recorder{T: t}
	Requested(r)
	if !strings.Contains(r.skipped, EnvData) || r.fatal != "" {
		t.Errorf("unset: skip %q fatal %q", r.skipped, r.fatal)
	}
}
