package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// writeFiles returns a function that writes a file into a temporary
// directory and returns its path.
func writeFiles(t *testing.T) func(name, s string) string {
	dir := t.TempDir()
	return func(name, s string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// rougeJSON is eval rouge's JSON output: R/P/F, or with -t 2 the counts.
type rougeJSON map[string]struct {
	Recall     *float64 `json:"recall"`
	Precision  *float64 `json:"precision"`
	F          *float64 `json:"f"`
	ModelCount *int     `json:"model_count"`
	PeerCount  *int     `json:"peer_count"`
	HitCount   *int     `json:"hit_count"`
}

// rougeCLI runs eval rouge with args and decodes its JSON output.
func rougeCLI(t *testing.T, args ...string) (rougeJSON, result) {
	t.Helper()
	r := cli(t, "", "", append([]string{"eval", "rouge", "--format", "json"}, args...)...)
	if r.err != nil {
		t.Fatalf("eval rouge %v: exit %d: %v\n%s", args, r.code, r.err, r.stderr)
	}
	var got rougeJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("eval rouge %v: %v\n%s", args, err, r.stdout)
	}
	return got, r
}

func TestEvalRouge(t *testing.T) {
	write := writeFiles(t)
	cand := write("c.txt", "the cat sat on the mat\nit was happy\n")
	r1 := write("r1.txt", "a cat sat on a mat\n")
	r2 := write("r2.txt", "the cat was on the mat\n")
	got, _ := rougeCLI(t, cand, r1, r2)
	// ROUGE-1 with -f A over two references: hits 3+4... computed by hand:
	// r1 tokens {a,cat,sat,on,a,mat}: hits cat,sat,on,mat = 4 of 6;
	// r2 tokens {the,cat,was,on,the,mat}: hits the,cat,was,on,the,mat = 6 of 6;
	// recall = 10/12 = 0.83333, precision = 10/(9*2) = 0.55556.
	if g := got["ROUGE-1"]; *g.Recall != 0.83333 || *g.Precision != 0.55556 {
		t.Errorf("ROUGE-1 %+v", g)
	}
	same, _ := rougeCLI(t, "--preset", "clscisumm", "--rouge-data", writeRougeData(t, t.TempDir()), r1, r1)
	if *same["ROUGE-2"].F != 1 {
		t.Errorf("identical files: %+v", same)
	}
	if r := cli(t, "", "", "eval", "rouge", "--preset", "nope", cand, r1); r.code != exitUsage {
		t.Errorf("bad preset: exit %d", r.code)
	}
	if r := cli(t, "", "", "eval", "rouge", "--preset", "clscisumm", "--flags", "-n 2", cand, r1); r.code != exitUsage || r.err == nil || !strings.Contains(r.err.Error(), "--preset and --flags") {
		t.Errorf("--preset with --flags: exit %d, %v", r.code, r.err)
	}
	if r := cli(t, "", "", "eval", "rouge", cand, filepath.Join(t.TempDir(), "missing.txt")); r.code != exitFailure {
		t.Errorf("missing reference: exit %d", r.code)
	}
	if r := cli(t, "", "", "eval", "rouge", write("bin.txt", "\xff\xfe\x00x"), r1); r.code != exitFailure {
		t.Errorf("binary candidate: exit %d", r.code)
	}
}

// TestEvalRougeEmptyFiles: ROUGE-1.5.5 scores a summary against a set of
// references of which one is empty (the empty one still counts), and an
// empty candidate scores 0. eval rouge does the same, exit 0, with a
// warning on stderr that names the file.
func TestEvalRougeEmptyFiles(t *testing.T) {
	write := writeFiles(t)
	cand := write("c.txt", "the cat sat on the mat\n")
	r1 := write("r1.txt", "a cat sat on a mat\n")
	empty := write("empty.txt", "\n\n")
	punct := write("punct.txt", "?! ... --\n")

	// -f A: r1 gives 4 hits of 6 reference tokens; the empty reference gives
	// none, but the candidate's 6 tokens enter the precision denominator
	// twice: R = 4/6, P = 4/12. ROUGE-2: r1 has 5 bigrams, 2 hits ("cat sat",
	// "sat on"), candidate 5 bigrams twice: R = 2/5, P = 2/10.
	got, r := rougeCLI(t, cand, r1, empty)
	if r.code != exitOK {
		t.Fatalf("exit %d", r.code)
	}
	for m, want := range map[string][3]float64{"ROUGE-1": {0.66667, 0.33333, 0.44444}, "ROUGE-2": {0.4, 0.2, 0.26667}} {
		if g := got[m]; g.Recall == nil || [3]float64{*g.Recall, *g.Precision, *g.F} != want {
			t.Errorf("%s = %+v, want R/P/F %v", m, g, want)
		}
	}
	if !strings.Contains(r.stderr, "warning: reference "+empty+" is empty") || strings.Contains(r.stderr, r1) {
		t.Errorf("stderr %q, want a warning naming %s only", r.stderr, empty)
	}
	// A reference with no words ROUGE counts is the same case.
	same, r := rougeCLI(t, cand, r1, punct)
	if !reflect.DeepEqual(same, got) || !strings.Contains(r.stderr, "reference "+punct+" has no words") {
		t.Errorf("punctuation-only reference: %+v, stderr %q", same, r.stderr)
	}

	// -f B: the empty reference listed first has recall 0 > -1 and is taken,
	// then r1 (recall 4/6 > 0) replaces it: r1 alone.
	best, r := rougeCLI(t, "--flags", "-n 2 -f B", cand, empty, r1)
	if g := best["ROUGE-1"]; *g.Recall != 0.66667 || *g.Precision != 0.66667 {
		t.Errorf("-f B ROUGE-1 = %+v, want r1 alone", g)
	}
	if !strings.Contains(r.stderr, "reference "+empty+" is empty") || !strings.Contains(r.stderr, "-f B") {
		t.Errorf("-f B stderr %q", r.stderr)
	}

	// An empty candidate scores 0 everywhere.
	zero, r := rougeCLI(t, empty, r1)
	for m, g := range zero {
		if *g.Recall != 0 || *g.Precision != 0 || *g.F != 0 {
			t.Errorf("empty candidate %s = %+v", m, g)
		}
	}
	if len(zero) != 3 || !strings.Contains(r.stderr, "warning: candidate "+empty+" is empty") {
		t.Errorf("empty candidate: %d metrics, stderr %q", len(zero), r.stderr)
	}
}

// TestEvalRougeVectorEdgeCases runs the hand-made edge cases of the
// reference vectors (empty candidates and references, punctuation,
// whitespace, Unicode, ...) through the command, written to files as
// ROUGE-1.5.5 read them, and compares its output with what ROUGE-1.5.5
// printed, value for value.
func TestEvalRougeVectorEdgeCases(t *testing.T) {
	f, err := os.Open(devdata.RefVec(t, "rouge.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := devdata.RougeDir(t)
	type vcase struct {
		ID         string
		Candidate  []string
		References [][]string
		Scores     map[string]map[string]struct {
			Recall     float64 `json:"recall"`
			Precision  float64 `json:"precision"`
			F          float64 `json:"f"`
			ModelCount *int    `json:"model_count"`
			PeerCount  *int    `json:"peer_count"`
			HitCount   *int    `json:"hit_count"`
		}
	}
	metric := map[string]string{"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeSU4": "ROUGE-SU4", "rougeSUstar": "ROUGE-SU*"}
	// Each vector configuration and the runs that reproduce it; the last
	// runs ROUGE's clscisumm flags with -t 2, which prints the counts.
	runs := map[string][][]string{
		"scitldr":      {{"--preset", "scitldr"}, {"--preset", "scitldr_su4"}},
		"scitldr_stem": {{"--preset", "scitldr_stem"}, {"--preset", "scitldr_stem_su4"}},
		"clscisumm":    {{"--preset", "clscisumm"}, {"--flags", "-f A -a -x -s -d -t 2 -m -2 -4 -u -n 2"}},
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n, withEmpty := 0, 0
	for sc.Scan() {
		var c vcase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.ID, "edge-") {
			continue
		}
		n++
		dir := t.TempDir()
		spl := func(name string, sentences []string) string {
			p := filepath.Join(dir, name)
			var b strings.Builder
			for _, s := range sentences {
				b.WriteString(s + "\n")
			}
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		files := []string{spl("cand.txt", c.Candidate)}
		for i, r := range c.References {
			files = append(files, spl("ref"+string(rune('1'+i))+".txt", r))
			if len(r) == 0 {
				withEmpty++
			}
		}
		for vc, args := range runs {
			want := c.Scores[vc]
			printed := map[string]bool{}
			for _, a := range args {
				got, _ := rougeCLI(t, append(append(a, "--rouge-data", data), files...)...)
				for m, g := range got {
					printed[m] = true
					var key string
					for k, v := range metric {
						if v == m {
							key = k
						}
					}
					w, ok := want[key]
					if !ok {
						t.Errorf("%s %v printed %s, which ROUGE-1.5.5 does not print", c.ID, a, m)
						continue
					}
					if g.ModelCount != nil {
						if *g.ModelCount != *w.ModelCount || *g.PeerCount != *w.PeerCount || *g.HitCount != *w.HitCount {
							t.Errorf("%s %v %s counts %d/%d/%d, want %d/%d/%d", c.ID, a, m, *g.ModelCount, *g.PeerCount, *g.HitCount, *w.ModelCount, *w.PeerCount, *w.HitCount)
						}
						continue
					}
					if *g.Recall != w.Recall || *g.Precision != w.Precision || *g.F != w.F {
						t.Errorf("%s %v %s = %v/%v/%v, want %v/%v/%v", c.ID, a, m, *g.Recall, *g.Precision, *g.F, w.Recall, w.Precision, w.F)
					}
				}
			}
			for key := range want {
				if !printed[metric[key]] {
					t.Errorf("%s %s: %s not printed", c.ID, vc, metric[key])
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 40 || withEmpty == 0 {
		t.Fatalf("%d edge cases, %d with an empty reference", n, withEmpty)
	}
	t.Logf("%d edge cases (%d with an empty reference) through the CLI", n, withEmpty)
}

// TestEvalRougeFlagsRefused: options ROUGE-1.5.5 would reject or silently
// replace, and options papersum cannot honour, exit 2 with a message that
// names the option and what it takes.
func TestEvalRougeFlagsRefused(t *testing.T) {
	write := writeFiles(t)
	cand, ref := write("c.txt", "a cat\n"), write("r.txt", "a cat\n")
	for flags, want := range map[string][]string{
		"-z bogus":    {"-z", "SPL"},
		"-z SEE":      {"-z", "SPL"},
		"-q":          {"unknown option -q", "-z SPL"},
		"-t 5":        {"-t", "0 (sentence), 1 (token) or 2"},
		"-f X":        {"-f", "A (model average) or B (best model)"},
		"-l 5 -b 0":   {"-l and -b"},
		"-p nan":      {"-p", "decimal number"},
		"-2 04 -u":    {"-2", "plain integer"},
		"-w 1.2":      {"-w", "ROUGE-W"},
		"-U -M":       {"-M", "not supported"},
		"-n 99999999": {"-n", "[0, 100]"},
		"config.xml":  {"config.xml", "options only"},
	} {
		r := cli(t, "", "", "eval", "rouge", "--flags", flags, cand, ref)
		if r.code != exitUsage {
			t.Errorf("--flags %q: exit %d, want %d (%v)", flags, r.code, exitUsage, r.err)
			continue
		}
		for _, w := range want {
			if msg := errorLine(r.err); !strings.Contains(msg, w) {
				t.Errorf("--flags %q: message %q does not say %q", flags, msg, w)
			}
		}
		if r.stdout != "" {
			t.Errorf("--flags %q printed %q", flags, r.stdout)
		}
	}
}

// TestEvalRougeMetricsPrinted: for each preset and for --flags, the command
// prints exactly the lines ROUGE-1.5.5 prints for those flags, in ROUGE's
// order, in the text format and in JSON.
func TestEvalRougeMetricsPrinted(t *testing.T) {
	write := writeFiles(t)
	cand, ref := write("c.txt", "the geese sat on the mat\n"), write("r.txt", "a goose sat on a mat\n")
	data := writeRougeData(t, t.TempDir())
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--preset", "scitldr"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-L"}},
		{[]string{"--preset", "scitldr_stem"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-L"}},
		{[]string{"--preset", "scitldr_su4"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-SU4"}},
		{[]string{"--preset", "scitldr_stem_su4"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-SU4"}},
		{[]string{"--preset", "clscisumm"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-SU*"}},
		{[]string{"--flags", "-c 95 -r 1000 -n 2 -a"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-L"}},
		{[]string{"--flags", "-n 1 -2 4"}, []string{"ROUGE-1", "ROUGE-L", "ROUGE-S4"}},
		{[]string{"--flags", "-x -2 4 -U"}, []string{"ROUGE-S4", "ROUGE-SU4"}},
		{[]string{"--flags", "-x -2 -1 -U"}, []string{"ROUGE-S*", "ROUGE-SU*"}},
		{[]string{"--flags", "-x -2 4 -u -U"}, []string{"ROUGE-SU4"}},
		{[]string{"--flags", "-u"}, []string{"ROUGE-L"}},
		{[]string{"--flags", "-n 4 -x"}, []string{"ROUGE-1", "ROUGE-2", "ROUGE-3", "ROUGE-4"}},
	} {
		args := append(append(tc.args, "--rouge-data", data), cand, ref)
		r := cli(t, "", "", append([]string{"eval", "rouge"}, args...)...)
		if r.err != nil {
			t.Fatalf("%v: %v", tc.args, r.err)
		}
		var lines []string
		for i, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			if i > 0 {
				lines = append(lines, strings.Fields(l)[0])
			}
		}
		if !reflect.DeepEqual(lines, tc.want) {
			t.Errorf("%v: text prints %v, want %v", tc.args, lines, tc.want)
		}
		got, _ := rougeCLI(t, args...)
		var keys []string
		for _, m := range tc.want {
			if _, ok := got[m]; ok {
				keys = append(keys, m)
			}
		}
		if len(got) != len(tc.want) || !reflect.DeepEqual(keys, tc.want) {
			t.Errorf("%v: JSON has %d metrics, want %v", tc.args, len(got), tc.want)
		}
	}
}

// TestEvalRougeRawCounts: with -t 2 ROUGE-1.5.5 prints the model, peer and
// hit counts instead of R, P and F; so does the command.
func TestEvalRougeRawCounts(t *testing.T) {
	write := writeFiles(t)
	cand, r1, r2 := write("c.txt", "the cat sat\n"), write("r1.txt", "a cat sat down\n"), write("r2.txt", "\n")
	got, r := rougeCLI(t, "--flags", "-n 1 -x -t 2", cand, r1, r2)
	g := got["ROUGE-1"]
	if g.ModelCount == nil || *g.ModelCount != 4 || *g.PeerCount != 6 || *g.HitCount != 2 || g.Recall != nil || len(got) != 1 {
		t.Errorf("-t 2 JSON %s", r.stdout)
	}
	text := cli(t, "", "", "eval", "rouge", "--flags", "-n 1 -x -t 2", cand, r1, r2)
	if want := "METRIC   MODEL_COUNT  PEER_COUNT  HIT_COUNT\nROUGE-1  4            6           2\n"; text.stdout != want {
		t.Errorf("-t 2 text:\n%s\nwant:\n%s", text.stdout, want)
	}
}

// TestEvalRougeDataDirFlag: ROUGE's -e DIR names its data directory, as
// --rouge-data does; both naming different directories is a usage error.
func TestEvalRougeDataDirFlag(t *testing.T) {
	write := writeFiles(t)
	cand, ref := write("c.txt", "the cats sat\n"), write("r.txt", "a cat sat\n")
	data := writeRougeData(t, t.TempDir())
	// -m needs the data files; with them "cats" is stemmed to "cat":
	// 2 hits of 3 (without -m, 1).
	got, _ := rougeCLI(t, "--flags", "-e "+data+" -n 1 -m -x", cand, ref)
	if g := got["ROUGE-1"]; *g.Recall != 0.66667 {
		t.Errorf("-e -m ROUGE-1 recall %v, want 0.66667", *g.Recall)
	}
	if r := cli(t, "", "", "eval", "rouge", "--flags", "-e "+data+" -n 1 -m", "--rouge-data", data, cand, ref); r.err != nil {
		t.Errorf("-e and --rouge-data naming the same directory: %v", r.err)
	}
	r := cli(t, "", "", "eval", "rouge", "--flags", "-e "+data+" -n 1 -m", "--rouge-data", t.TempDir(), cand, ref)
	if msg := errorLine(r.err); r.code != exitUsage || !strings.Contains(msg, "-e "+data) || !strings.Contains(msg, "--rouge-data") {
		t.Errorf("-e and another --rouge-data: exit %d, %q", r.code, msg)
	}
	if r := cli(t, "", "", "eval", "rouge", "--flags", "-e "+filepath.Join(data, "missing")+" -n 1", cand, ref); r.code != exitFailure {
		t.Errorf("-e missing directory: exit %d", r.code)
	}
}

// TestEvalRougeSPLLines: lines are read as ROUGE-1.5.5 reads SPL files,
// not trimmed: with -l 2, "  a b c" is the words "", "a", "b", "c" to
// ROUGE (Perl's split /\s+/ keeps a leading empty field), so only "a" is
// kept; trimming would keep "a b".
func TestEvalRougeSPLLines(t *testing.T) {
	write := writeFiles(t)
	cand, ref := write("c.txt", "  a b c\n"), write("r.txt", "a b c\n")
	got, _ := rougeCLI(t, "--flags", "-n 1 -x -l 2", cand, ref)
	if g := got["ROUGE-1"]; *g.Recall != 0.5 || *g.Precision != 1 {
		t.Errorf("-l 2 ROUGE-1 = R %v P %v, want R 0.5 (1 of a b) P 1 (a)", *g.Recall, *g.Precision)
	}
}
