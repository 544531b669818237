package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum/eval/rouge"
)

// writeRougeData writes small stand-ins of ROUGE's data files (written for
// these tests: two stopwords, one exception) into dir and returns dir.
func writeRougeData(t *testing.T, dir string) string {
	t.Helper()
	files := map[string]string{rouge.StopwordFile: "a\nthe\n", "adj.exc": "", "adv.exc": "", "noun.exc": "geese goose\n", "verb.exc": ""}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestEvalRougeData: -m and -s need ROUGE's data files, from --rouge-data
// or PAPERSUM_ROUGE_DATA; without them the command says what to pass.
func TestEvalRougeData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cand, ref := write("c.txt", "the cats\n"), write("r.txt", "a cat\n")
	data := writeRougeData(t, filepath.Join(dir, "data"))
	r1 := func(r result) float64 {
		t.Helper()
		var got map[string]struct{ Recall float64 }
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v: %v\n%s", r.err, err, r.stdout)
		}
		return got["ROUGE-1"].Recall
	}

	// No -m, no -s: no files needed, and "the cats" shares nothing with "a cat".
	if got := r1(cli(t, "", "", "eval", "rouge", "--format", "json", cand, ref)); got != 0 {
		t.Errorf("scitldr: R-1 recall %v, want 0", got)
	}
	// -m -s without the files: exit 1 and a message naming the flag and
	// the variable.
	r := cli(t, "", "", "eval", "rouge", "--flags", "-n 1 -m -s", cand, ref)
	if msg := errorLine(r.err); r.code != exitFailure || !strings.Contains(msg, "--rouge-data DIR") || !strings.Contains(msg, "PAPERSUM_ROUGE_DATA") {
		t.Errorf("-m -s without data: exit %d: %s", r.code, msg)
	}
	// With them, from the flag or the environment: "the" and "a" are
	// stopwords and "cats" stems to "cat".
	if got := r1(cli(t, "", "", "eval", "rouge", "--format", "json", "--flags", "-n 1 -m -s", "--rouge-data", data, cand, ref)); got != 1 {
		t.Errorf("--rouge-data: R-1 recall %v, want 1", got)
	}
	env := runCLI(t, t.Context(), map[string]string{"PAPERSUM_ROUGE_DATA": data}, "", "eval", "rouge", "--format", "json", "--flags", "-n 1 -m -s", cand, ref)
	if got := r1(env); got != 1 {
		t.Errorf("PAPERSUM_ROUGE_DATA: R-1 recall %v, want 1", got)
	}
	// A directory given explicitly is read even when the flags do not
	// need it, so a wrong path never goes unnoticed.
	if r := cli(t, "", "", "eval", "rouge", "--rouge-data", filepath.Join(dir, "nowhere"), cand, ref); r.code != exitFailure || !strings.Contains(errorLine(r.err), "nowhere") {
		t.Errorf("missing --rouge-data dir: exit %d: %s", r.code, errorLine(r.err))
	}
	if r := cli(t, "", "", "eval", "rouge", "--flags", "-s", "--rouge-data", t.TempDir(), cand, ref); r.code != exitFailure || !strings.Contains(errorLine(r.err), "smart_common_words.txt is missing") {
		t.Errorf("--rouge-data without the files: exit %d: %s", r.code, errorLine(r.err))
	}
}

// TestEvalRunRougeData: a dataset scored with -m needs the data files; a
// rouge-resources/ directory beside the dataset (as in ../shared/data) is
// found by itself, and without one the run stops before any paper is
// summarized.
func TestEvalRunRougeData(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "data", "scisummnet")
	paper := filepath.Join(ds, "PS-0001")
	for _, d := range []string{"Reference_XML", "summary"} {
		if err := os.MkdirAll(filepath.Join(paper, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	xml := `<PAPER><S sid="0">A Small Paper</S>
<ABSTRACT><S sid="1">We summarize papers with three stages.</S><S sid="2">The critique checks the draft.</S></ABSTRACT>
<SECTION title="1 Introduction" number="1"><S sid="3">Summaries of papers must be faithful.</S><S sid="4">A revision fixes what the critique finds.</S><S sid="5">We measure the result with ROUGE.</S></SECTION>
</PAPER>`
	for name, body := range map[string]string{
		"Reference_XML/PS-0001.xml":            xml,
		"summary/PS-0001.abstract.txt":         "We summarize papers with three stages.\nThe critique checks the draft.\n",
		"summary/PS-0001.scisummnet_human.txt": "A Small Paper\nThe paper summarizes papers in three stages and checks the draft.\n",
	} {
		if err := os.WriteFile(filepath.Join(paper, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(root, "e.db")
	r := cli(t, db, "", "eval", "run", "--dataset", "scisummnet:"+ds, "--format", "json")
	if msg := errorLine(r.err); r.code != exitFailure || !strings.Contains(msg, "the scisummnet protocol") || !strings.Contains(msg, "--rouge-data") {
		t.Fatalf("no data files: exit %d: %s", r.code, msg)
	}
	if list := cli(t, db, "", "runs", "list", "--format", "json"); strings.Contains(list.stdout, "run_") {
		t.Errorf("papers were summarized before the missing data files were reported:\n%s", list.stdout)
	}
	writeRougeData(t, filepath.Join(root, "data", "rouge-resources"))
	r = cli(t, db, "", "eval", "run", "--dataset", "scisummnet:"+ds, "--format", "json")
	if r.err != nil {
		t.Fatalf("with data/rouge-resources beside the dataset: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, `"rouge2_f/human"`) {
		t.Errorf("no ROUGE against the human summary:\n%.500s", r.stdout)
	}
}
