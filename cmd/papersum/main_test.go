package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplePDF is the sample paper of the README's first command, a paper
// about papersum typeset by internal/pdfgen from its Markdown source.
const examplePDF = "../../examples/papers/papersum.pdf"

type result struct {
	stdout, stderr string
	code           int
	err            error
}

// cli runs the whole program in-process with a private database, stdin
// and no inherited environment.
func cli(t *testing.T, db string, stdin string, args ...string) result {
	t.Helper()
	if db != "" {
		args = append(args, "--db", db)
	}
	return runCLI(t, context.Background(), nil, stdin, args...)
}

// runCLI runs the program with ctx, extra environment variables and stdin.
func runCLI(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	full := map[string]string{"HOME": t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	var out, errb bytes.Buffer
	err := run(ctx, append([]string{"papersum"}, args...), func(k string) string { return full[k] }, strings.NewReader(stdin), &out, &errb)
	return result{stdout: out.String(), stderr: errb.String(), code: exitCode(err), err: err}
}

func TestSummarizeExamplePDF(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	for _, pdftotext := range []string{"", "off"} {
		r := cli(t, db, "", "summarize", "--format", "json", "--pdftotext", pdftotext, examplePDF)
		if r.err != nil {
			t.Fatalf("pdftotext=%q: %v", pdftotext, r.err)
		}
		var got struct {
			Schema, ID, Status, Summary string
			SummaryWords                int `json:"summary_words"`
			Scores                      struct{ Overall float64 }
			Stages                      []struct {
				Stage, Provider, Model string
				PromptVersion          string `json:"prompt_version"`
				Usage                  struct {
					Input     int64 `json:"input_tokens"`
					Output    int64 `json:"output_tokens"`
					Estimated bool
				}
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
		}
		if got.Schema != "papersum.run/v1" || got.Status != "succeeded" || len(got.Stages) != 3 {
			t.Fatalf("run %+v", got)
		}
		if got.SummaryWords < 60 || got.SummaryWords > 200 {
			t.Errorf("summary has %d words, target 150", got.SummaryWords)
		}
		if !strings.Contains(strings.ToLower(got.Summary), "critique") {
			t.Errorf("summary does not mention the paper's subject: %q", got.Summary)
		}
		for _, s := range got.Stages {
			if s.Provider != "local" || !strings.HasPrefix(s.PromptVersion, "sha256:") || s.Usage.Input == 0 || s.Usage.Output == 0 || !s.Usage.Estimated {
				t.Errorf("stage %+v", s)
			}
		}
	}
	list := cli(t, db, "", "runs", "list", "--format", "json")
	var runs []struct{ ID, Status string }
	if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != 2 {
		t.Fatalf("runs list: %v %s", err, list.stdout)
	}
	show := cli(t, db, "", "runs", "show", "--format", "markdown", runs[0].ID)
	if show.err != nil || !strings.Contains(show.stdout, "| summarize | local | local |") {
		t.Fatalf("runs show: %v\n%s", show.err, show.stdout)
	}
}

func TestSummarizeFormatsAndOut(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	paper := strings.Repeat("Parsers turn sentences into trees. Dependency parsers link words to their heads. "+
		"Our parser is fast and accurate on the treebank. ", 3)
	out := filepath.Join(t.TempDir(), "summary.md")
	r := cli(t, db, paper, "summarize", "--words", "30", "--format", "markdown", "--out", out, "-")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.stdout != "" {
		t.Errorf("--out also wrote to stdout: %q", r.stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "## Stages") {
		t.Fatalf("out file: %v\n%s", err, data)
	}
	text := cli(t, db, paper, "summarize", "-")
	if text.err != nil || !strings.Contains(text.stdout, "STAGE") || !strings.Contains(text.stdout, "TOKENS IN") {
		t.Fatalf("text output: %v\n%s", text.err, text.stdout)
	}
}

// TestBadInput checks each kind of bad input: a one-line error, exit code
// 1, and a store that keeps what it had and gains nothing.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	if r := cli(t, db, "", "summarize", examplePDF); r.err != nil {
		t.Fatal(r.err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i/3)
	}
	huge := filepath.Join(dir, "huge.txt")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 200 MB file: its size is refused before anything is read.
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"200 MB file", []string{huge}, "limit"},
		{"latin-1 is transcoded, too short", []string{write("latin1.txt", []byte("The caf\xe9 serves a na\xefve r\xe9sum\xe9 of the paper. Second sentence here."))}, "too short"},
		{"empty file", []string{write("empty.txt", nil)}, "empty"},
		{"binary garbage", []string{write("garbage.txt", garbage)}, ""},
		{"corrupt pdf", []string{write("corrupt.pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage"))}, "PDF"},
		{"not a pdf", []string{write("fake.pdf", []byte("hello, this is not a pdf at all"))}, "PDF"},
		{"too short", []string{write("short.txt", []byte("One sentence only. And a second one."))}, "too short"},
		{"directory", []string{dir}, "directory"},
		{"missing file", []string{filepath.Join(dir, "nope.pdf")}, ""},
		{"too large", []string{"--max-bytes", "100", examplePDF}, "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, db, "", append([]string{"summarize"}, tc.args...)...)
			if r.code != exitFailure {
				t.Fatalf("exit %d, err %v", r.code, r.err)
			}
			msg := errorLine(r.err)
			if strings.Contains(msg, "\n") || (tc.want != "" && !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.want))) {
				t.Errorf("message %q, want one line containing %q", msg, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("wrote output on failure: %q", r.stdout)
			}
		})
	}
	list := cli(t, db, "", "runs", "list", "--format", "json")
	var runs []struct{ Status string }
	if err := json.Unmarshal([]byte(list.stdout), &runs); err != nil || len(runs) != 1 || runs[0].Status != "succeeded" {
		t.Fatalf("store changed by bad input: %v %s", err, list.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	for _, args := range [][]string{
		{"summarize"},
		{"summarize", "a", "b"},
		{"summarize", "--format", "yaml", examplePDF},
		{"summarize", "--no-such-flag", examplePDF},
		{"runs", "list", "--status", "weird"},
		{"runs", "show"},
	} {
		if r := cli(t, db, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, r.code, r.err, exitUsage)
		}
	}
}

func TestRunsShowUnknown(t *testing.T) {
	r := cli(t, filepath.Join(t.TempDir(), "p.db"), "", "runs", "show", "run_nope")
	if r.code != exitFailure || !strings.Contains(errorLine(r.err), "not found") {
		t.Fatalf("exit %d err %v", r.code, r.err)
	}
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("stages:\n  critique: {provider: anthropic, model: claude-no-such-model}\n"), 0o644)
	r := cli(t, filepath.Join(dir, "p.db"), "", "summarize", "--config", cfg, examplePDF)
	if r.code != exitFailure {
		t.Fatalf("exit %d err %v", r.code, r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.db")); err == nil {
		t.Error("a configuration error created the store")
	}
}

func TestDefaultDBPathIsXDG(t *testing.T) {
	g := &globalFlags{}
	p, err := dbPath(g, func(k string) string {
		return map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}[k]
	})
	if err != nil || p != "/data/papersum/papersum.db" {
		t.Fatalf("%q %v", p, err)
	}
	p, _ = dbPath(g, func(k string) string { return map[string]string{"HOME": "/home/u"}[k] })
	if p != "/home/u/.local/share/papersum/papersum.db" {
		t.Fatalf("%q", p)
	}
	g.db = "x.db"
	if p, _ = dbPath(g, func(string) string { return "" }); p != "x.db" {
		t.Fatalf("%q", p)
	}
}

func TestVersion(t *testing.T) {
	r := cli(t, "", "", "version", "--format", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Version == "" || v.GoVersion == "" {
		t.Fatalf("%v %q", err, r.stdout)
	}
}

// serve refuses bad tuning flags before it opens anything.
func TestServeBadFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--commit-writers", "-1"},
		{"serve", "--addr", "127.0.0.1:0", "--workers", "0"},
		{"serve", "--addr", "127.0.0.1:0", "--commit-writers", "many"},
		{"serve", "--addr", "127.0.0.1:0", "--metrics-max-teams", "0"},
	} {
		if r := cli(t, db, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d (%v), want %d", args, r.code, r.err, exitUsage)
		}
	}
}
