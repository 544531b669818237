package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum/dirrun"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// TestSummarizeOutCheckedBeforeTheRun: an --out that cannot be written is
// refused before the paper is read or anything is stored (a run on a paid
// model would be paid for nothing), by the name the user gave.
func TestSummarizeOutCheckedBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	for _, tc := range []struct{ out, want string }{
		{filepath.Join(dir, "nonexistent", "x.txt"), "--out " + filepath.Join(dir, "nonexistent", "x.txt") + ": directory " + filepath.Join(dir, "nonexistent") + " does not exist"},
		{dir, "--out " + dir + " is a directory; give a file name"},
		{filepath.Join(examplePDF, "x.txt"), "is not a directory"},
	} {
		r := cli(t, db, "", "summarize", "--out", tc.out, examplePDF)
		if r.code != exitFailure || !strings.Contains(errorLine(r.err), tc.want) {
			t.Errorf("--out %s: exit %d, %q; want exit 1 and %q", tc.out, r.code, errorLine(r.err), tc.want)
		}
		if strings.Contains(errorLine(r.err), ".papersum-") {
			t.Errorf("the message names a temporary file: %s", errorLine(r.err))
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the store was opened although --out was refused")
	}
}

// TestSizeLimitNamesTheFlag: the size error says how to raise the limit in
// the CLI's terms only.
func TestSizeLimitNamesTheFlag(t *testing.T) {
	r := cli(t, filepath.Join(t.TempDir(), "p.db"), "", "summarize", "--max-bytes", "100", examplePDF)
	msg := errorLine(r.err)
	if r.code != exitFailure || !strings.HasSuffix(msg, "over the 100 bytes limit; raise it with --max-bytes") || strings.Contains(msg, "Options.") {
		t.Fatalf("exit %d: %s", r.code, msg)
	}
}

// TestBrokenPdftotextIsNotACorruptPDF: --pdftotext naming a program that
// fails says the program failed, with its exit status.
func TestBrokenPdftotextIsNotACorruptPDF(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "false")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := cli(t, filepath.Join(t.TempDir(), "p.db"), "", "summarize", "--pdftotext", fake, examplePDF)
	msg := errorLine(r.err)
	if r.code != exitInternal || !strings.Contains(msg, "pdftotext failed, not the PDF: "+fake+" exited with status 1") || strings.Contains(msg, "corrupt") {
		t.Fatalf("exit %d: %s", r.code, msg)
	}
}

// TestBatchForceProgressAndResults: a rerun skips what is done, --force
// runs it again, progress in a log is a few lines (not one per paper),
// and the end says where the results are.
func TestBatchForceProgressAndResults(t *testing.T) {
	const n = 8
	dir := writePapers(t, n)
	db := filepath.Join(t.TempDir(), "p.db")
	countRuns := func() int {
		r := cli(t, db, "", "runs", "list", "--format", "json")
		var runs []struct{ ID string }
		if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
			t.Fatalf("%v %s", err, r.stdout)
		}
		return len(runs)
	}
	first := cli(t, db, "", "batch", dir)
	if first.err != nil {
		t.Fatalf("%v\n%s", first.err, first.stderr)
	}
	lines := strings.Split(strings.TrimSpace(first.stderr), "\n")
	var progress int
	for _, l := range lines {
		if regexp.MustCompile(`^\d+/\d+ papers \(\d+%\)`).MatchString(l) {
			progress++
		}
	}
	if progress >= 100/progressStep {
		t.Errorf("%d progress lines for %d papers, want fewer than %d:\n%s", progress, n, 100/progressStep, first.stderr)
	}
	if !strings.Contains(first.stderr, fmt.Sprintf("done: %d/%d papers (100%%)  0 failed  0 skipped", n, n)) ||
		!strings.Contains(first.stderr, "results: runs stored in "+db+"; read them with 'papersum runs list --db "+db+"'") {
		t.Errorf("no summary or no word on where the results are:\n%s", first.stderr)
	}
	if strings.Contains(first.stderr, "\r") {
		t.Error("a log got terminal redraws")
	}
	again := cli(t, db, "", "batch", dir)
	if again.err != nil || !strings.Contains(again.stderr, fmt.Sprintf("%d skipped", n)) || countRuns() != n {
		t.Fatalf("rerun did not skip the done papers: %v\n%s", again.err, again.stderr)
	}
	out := t.TempDir()
	forced := cli(t, db, "", "batch", "--force", "--out", out, dir)
	if forced.err != nil || !strings.Contains(forced.stderr, "0 skipped") || countRuns() != 2*n {
		t.Fatalf("--force did not run the papers again (%d runs): %v\n%s", countRuns(), forced.err, forced.stderr)
	}
	if !strings.Contains(forced.stderr, "results: one .json file per paper and summary.csv in "+out) {
		t.Errorf("with --out, the end does not name the directory:\n%s", forced.stderr)
	}
}

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// TestPlainProgressIsPeriodic drives the progress of a 100-paper batch
// with a controlled clock: a log gets a line per further 25% or per 30 s
// without one, whichever comes first, and a line from the ticker when
// nothing finishes for 30 s.
func TestPlainProgressIsPeriodic(t *testing.T) {
	for _, tc := range []struct {
		perPaper time.Duration
		want     int
	}{
		{time.Second, 3},     // 100 s: only the 25%, 50% and 75% steps (100% is the summary's)
		{2 * time.Second, 7}, // 200 s: steps at 50, 100, 150 s; the 30 s rule at 30, 80, 130, 180 s
	} {
		var out bytes.Buffer
		clock := &stepClock{t: time.Unix(0, 0)}
		b := newProgress(&out, clock, 100)
		for i := 1; i <= 100; i++ {
			clock.t = clock.t.Add(tc.perPaper)
			b.update(dirrun.Progress{Total: 100, Done: i})
		}
		if got := strings.Count(out.String(), "\n"); got != tc.want {
			t.Errorf("%s per paper: %d lines, want %d:\n%s", tc.perPaper, got, tc.want, out.String())
		}
	}
	var out bytes.Buffer
	clock := &stepClock{t: time.Unix(0, 0)}
	b := newProgress(&out, clock, 10)
	clock.t = clock.t.Add(29 * time.Second)
	b.tick()
	if out.Len() != 0 {
		t.Fatalf("a line before 30 s: %q", out.String())
	}
	clock.t = clock.t.Add(time.Second)
	b.tick()
	if !strings.HasPrefix(out.String(), "0/10 papers (0%)") || !strings.Contains(out.String(), "30s elapsed") {
		t.Fatalf("no line after 30 s without progress: %q", out.String())
	}
}

// TestDoctorProbeFallbackIsAFailure: with the primary model down, the
// probe is answered by the local fallback; doctor says the primary failed,
// names the fallback that answered, and exits 1.
func TestDoctorProbeFallbackIsAFailure(t *testing.T) {
	srv := fakeupstream.New(fakeupstream.Config{Seed: 1})
	url, stop := srv.Start()
	stop() // the upstream is down
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 1}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: local}]}
`, url))
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "doctor", "--probe",
		"--db", filepath.Join(t.TempDir(), "p.db"), "--config", cfg)
	if r.code != exitFailure {
		t.Fatalf("exit %d (%v), want 1\n%s", r.code, r.err, r.stdout)
	}
	msg := errorLine(r.err)
	if !strings.Contains(msg, "probe summarize: primary anthropic/claude-sonnet-4-5 failed; the fallback local/local answered") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(r.stdout, "FAIL  probe summarize") || !strings.Contains(r.stdout, "ok    probe critique") {
		t.Errorf("report:\n%s", r.stdout)
	}
}

// TestVersionFromBuildInfo: the stamp comes from Go's build information
// (module version, vcs.revision, vcs.time, vcs.modified) and -ldflags
// -X main.version/commit/date win over it.
func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	v := readVersion(bi, "", "", "")
	if v.Version != "v1.4.0" || v.Commit != "0123456789abcdef0123456789abcdef01234567" || !v.Modified || v.CommitTime != "2026-03-01T10:00:00Z" || v.BuildDate != "" {
		t.Errorf("from build info: %+v", v)
	}
	if s := v.String(); !strings.HasPrefix(s, "v1.4.0 (commit 0123456789ab (modified), committed 2026-03-01T10:00:00Z) go") {
		t.Errorf("line %q", s)
	}
	v = readVersion(bi, "v2.0.0", "feedface", "2026-04-02T08:00:00Z")
	if v.Version != "v2.0.0" || v.Commit != "feedface" || v.Modified || v.CommitTime != "" || v.BuildDate != "2026-04-02T08:00:00Z" {
		t.Errorf("-ldflags over build info: %+v", v)
	}
	v = readVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "", "")
	if v.Version != "dev" || !strings.Contains(v.String(), "no commit recorded") {
		t.Errorf("unstamped: %+v %q", v, v.String())
	}
	if v := readVersion(nil, "", "", ""); v.Version != "dev" {
		t.Errorf("no build info: %+v", v)
	}
}

// TestVersionCommandAndFlag: `version` and `--version` print the same
// stamp, here set the way -ldflags -X sets it.
func TestVersionCommandAndFlag(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v9.8.7", "abcdef0123456789", "2026-05-06T07:08:09Z"
	cmd := cli(t, "", "", "version")
	flag := cli(t, "", "", "--version")
	if cmd.err != nil || flag.err != nil || cmd.stdout != flag.stdout {
		t.Fatalf("version %q (%v), --version %q (%v)", cmd.stdout, cmd.err, flag.stdout, flag.err)
	}
	if !strings.HasPrefix(cmd.stdout, "papersum v9.8.7 (commit abcdef012345, built 2026-05-06T07:08:09Z) go") {
		t.Errorf("%q", cmd.stdout)
	}
	js := cli(t, "", "", "version", "--format", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(js.stdout), &v); err != nil || v.Version != "v9.8.7" || v.Commit != "abcdef0123456789" || v.BuildDate != "2026-05-06T07:08:09Z" {
		t.Fatalf("%v %s", err, js.stdout)
	}
}

// TestKeysAndJSONOutputs: keys revoke says what it did, and every command
// prints JSON the same way (indented by two spaces).
func TestKeysAndJSONOutputs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	if r := cli(t, db, "", "keys", "create", "--team", "nlp", "--user", "alice"); r.err != nil {
		t.Fatal(r.err)
	}
	outputs := map[string]string{}
	for _, args := range [][]string{{"keys", "list"}, {"runs", "list"}, {"version"}, {"doctor"}} {
		r := cli(t, db, "", append(args, "--format", "json")...)
		if r.err != nil {
			t.Fatalf("%v: %v", args, r.err)
		}
		outputs[strings.Join(args, " ")] = r.stdout
	}
	for name, out := range outputs {
		if out != "[]\n" && !regexp.MustCompile(`^[\[{]\n  ["{]`).MatchString(out) {
			t.Errorf("%s: JSON not indented by two spaces:\n%.120s", name, out)
		}
	}
	var keys []struct{ ID string }
	if err := json.Unmarshal([]byte(outputs["keys list"]), &keys); err != nil || len(keys) != 1 {
		t.Fatalf("%v %s", err, outputs["keys list"])
	}
	r := cli(t, db, "", "keys", "revoke", keys[0].ID)
	if r.err != nil || r.stdout != "" || !strings.Contains(r.stderr, "key "+keys[0].ID+" revoked") {
		t.Fatalf("revoke: %v, stdout %q, stderr %q", r.err, r.stdout, r.stderr)
	}
}

// TestVersionStampedBuild builds the binary the two ways the README gives
// and checks what `papersum --version` prints: from -ldflags, and from git
// through Go's build information. A build takes half a minute or more, so
// it runs only when PAPERSUM_BUILD_TESTS=1.
func TestVersionStampedBuild(t *testing.T) {
	if os.Getenv("PAPERSUM_BUILD_TESTS") != "1" {
		t.Skip("set PAPERSUM_BUILD_TESTS=1 to build the binary with -ldflags and VCS stamps")
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			t.Skipf("git %v: %v (not a git checkout?)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	rev, top := git("rev-parse", "HEAD"), git("rev-parse", "--show-toplevel")
	bin := filepath.Join(t.TempDir(), "papersum")
	build := func(dir string, flags ...string) string {
		t.Helper()
		cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", flags, err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	ld := "-X main.version=v0.0.1-test -X main.commit=" + rev + " -X main.date=2026-01-02T03:04:05Z"
	if got, want := build(".", "-ldflags", ld), "papersum v0.0.1-test (commit "+rev[:12]; !strings.HasPrefix(got, want) || !strings.Contains(got, "built 2026-01-02T03:04:05Z") {
		t.Errorf("-ldflags: papersum --version = %q, want %q... built 2026-01-02T03:04:05Z", got, want)
	}
	// Go records VCS information only where .git is a directory, not in a
	// git worktree (whose .git is a file): build in a clone then.
	if st, err := os.Stat(filepath.Join(top, ".git")); err != nil || !st.IsDir() {
		clone := t.TempDir()
		git("clone", "-q", "--no-checkout", top, clone)
		git("-C", clone, "checkout", "-q", rev)
		top = clone
	}
	if got := build(filepath.Join(top, "cmd", "papersum"), "-buildvcs=true"); !strings.Contains(got, "(commit "+rev[:12]) {
		t.Errorf("-buildvcs=true: papersum --version = %q, want commit %s", got, rev[:12])
	}
}

// TestBatchAPIForce: with --batch-api, a rerun of a finished job submits
// nothing, and --force submits the stages again as a new job.
func TestBatchAPIForce(t *testing.T) {
	srv, url := startFake(t, fakeupstream.Config{Seed: 5, BatchProcessingDelay: 10 * time.Millisecond})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5}
  critique:  {provider: anthropic, model: claude-haiku-4-5}
  revise:    {provider: anthropic, model: claude-haiku-4-5}
`, url))
	dir := writePapers(t, 3)
	db := filepath.Join(t.TempDir(), "p.db")
	env := map[string]string{"ANTHROPIC_API_KEY": "k"}
	batches := func() int { return srv.Stats().Requests[fakeupstream.EndpointBatchCreate] }
	args := []string{"batch", "--batch-api", "--batch-poll", "10ms", "--db", db, "--config", cfg, dir}
	for i, tc := range []struct {
		force        bool
		wantBatches  int
		wantRunsSeen int
	}{{false, 3, 3}, {false, 3, 3}, {true, 6, 6}, {true, 9, 9}} {
		a := args
		if tc.force {
			a = append([]string{"batch", "--force"}, args[1:]...)
		}
		r := cliEnv(t, env, a...)
		if r.err != nil {
			t.Fatalf("pass %d: %v\n%s", i, r.err, r.stderr)
		}
		if batches() != tc.wantBatches {
			t.Errorf("pass %d (force %v): %d batches created, want %d\n%s", i, tc.force, batches(), tc.wantBatches, r.stderr)
		}
		list := cli(t, db, "", "runs", "list", "--format", "json")
		var runs []struct{ Status string }
		if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != tc.wantRunsSeen {
			t.Errorf("pass %d: %d runs, want %d (%v)", i, len(runs), tc.wantRunsSeen, err)
		}
	}
	// A forced job interrupted after its first batch resumes on the next
	// --force, instead of starting (and paying for) another generation.
	forced := append([]string{"batch", "--force"}, args[1:]...)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for batches() == 9 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if r := cliCtx(t, ctx, env, forced...); r.err == nil {
		t.Fatal("interrupted job reported success")
	}
	if r := cliEnv(t, env, forced...); r.err != nil || batches() != 12 {
		t.Fatalf("resumed forced job: %d batches created, want 12 (9 + one per stage): %v\n%s", batches(), r.err, r.stderr)
	}
}
