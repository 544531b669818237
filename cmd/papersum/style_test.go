package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/textproc/prose"
)

// debrisPaper is a fixture of llm/local: a paper whose abstract and body
// carry text-layer debris and citation brackets.
const debrisPaper = "../../llm/local/testdata/debris.md"

// summarizeJSON runs summarize with args on paper and decodes the run.
func summarizeJSON(t *testing.T, db, paper string, args ...string) (summary string, words int, configHash string) {
	t.Helper()
	r := cli(t, db, "", append(append([]string{"summarize", "--format", "json"}, args...), paper)...)
	if r.err != nil {
		t.Fatalf("summarize %v: %v\n%s", args, r.err, r.stderr)
	}
	var got struct {
		Summary      string
		SummaryWords int    `json:"summary_words"`
		ConfigHash   string `json:"config_hash"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	return got.Summary, got.SummaryWords, got.ConfigHash
}

// TestSummarizeStyles runs summarize --style through the CLI: every style
// quotes no debris and no citation bracket, highlights quote no abstract
// sentence, tldr is one sentence of about 25 words, each style is its own
// configuration (hash), and --style in any case is accepted.
func TestSummarizeStyles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	src, err := os.ReadFile(debrisPaper)
	if err != nil {
		t.Fatal(err)
	}
	abstract := string(src[strings.Index(string(src), "## Abstract"):strings.Index(string(src), "## 1 Introduction")])
	hashes := map[string]string{}
	summaries := map[string]string{}
	for _, style := range []string{"abstract", "Highlights", "tldr"} {
		sum, words, hash := summarizeJSON(t, db, debrisPaper, "--style", style)
		hashes[hash] = style
		summaries[strings.ToLower(style)] = sum
		for _, s := range sentences.Split(sum) {
			if ps := prose.Unquotable(s, prose.Options{}); len(ps) > 0 {
				t.Errorf("%s: quotes %s %q in %q", style, ps[0].Kind, ps[0].Span, s)
			}
		}
		if strings.Contains(sum, "[") {
			t.Errorf("%s: citation bracket left: %s", style, sum)
		}
		switch strings.ToLower(style) {
		case "highlights":
			for _, s := range sentences.Split(sum) {
				if strings.Contains(abstract, s) {
					t.Errorf("highlights copy the abstract: %q", s)
				}
			}
		case "tldr":
			if n := len(sentences.Split(sum)); n != 1 || words > 40 {
				t.Errorf("tldr has %d sentences, %d words: %q", n, words, sum)
			}
		}
	}
	if len(hashes) != 3 {
		t.Errorf("styles share a configuration hash: %v", hashes)
	}
	if def, _, _ := summarizeJSON(t, db, debrisPaper); def != summaries["abstract"] {
		t.Errorf("the default style is not abstract:\n%s\n%s", def, summaries["abstract"])
	}
}
