package eval

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
)

func TestROUGEKeyAndNames(t *testing.T) {
	for _, tc := range []struct{ printed, key string }{
		{"ROUGE-1", "rouge1"}, {"ROUGE-2", "rouge2"}, {"ROUGE-L", "rougeL"},
		{"ROUGE-SU4", "rougeSU4"}, {"ROUGE-SU*", "rougeSUstar"}, {"ROUGE-S*", "rougeSstar"},
	} {
		if got := ROUGEKey(tc.printed); got != tc.key {
			t.Errorf("ROUGEKey(%q) = %q, want %q", tc.printed, got, tc.key)
		}
	}
	if got := QualifyMetric("clscisumm", MetricName("rouge2", PartF, "human")); got != "clscisumm:rouge2_f/human" {
		t.Errorf("qualified name %q", got)
	}
	for _, tc := range []struct {
		name string
		want MetricParts
		ok   bool
	}{
		{"rouge2_f/human", MetricParts{"", "rouge2", "f", "human"}, true},
		{"clscisumm:rougeSUstar_r/community", MetricParts{"clscisumm", "rougeSUstar", "r", "community"}, true},
		{"rouge1_f/tldr_max", MetricParts{"", "rouge1", "f", "tldr_max"}, true},
		{"overall", MetricParts{}, false},
		{"cost_usd", MetricParts{}, false},
		{"rouge2_x/human", MetricParts{}, false},
		{"rouge2/human", MetricParts{}, false},
	} {
		got, ok := ParseROUGEMetric(tc.name)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseROUGEMetric(%q) = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	for name, kind := range map[string]Kind{"accuracy": KindRubric, "overall": KindRubric, "rouge2_f/human": KindROUGE,
		"scitldr:rougeL_p/abstract": KindROUGE, "cost_usd": KindCost, "latency_ms": KindLatency, "words": KindOther} {
		if got := MetricKind(name); got != kind {
			t.Errorf("MetricKind(%q) = %v, want %v", name, got, kind)
		}
	}
	got := SortMetrics([]string{"latency_ms", "rouge2_f/human", "words", "overall", "cost_usd", "accuracy", "rouge1_f/human"})
	want := []string{"accuracy", "overall", "rouge1_f/human", "rouge2_f/human", "words", "cost_usd", "latency_ms"}
	if !slices.Equal(got, want) {
		t.Errorf("SortMetrics = %v, want %v", got, want)
	}
}

func TestScoreROUGENaming(t *testing.T) {
	cand := []string{"We propose a new parser.", "It is fast."}
	refs := map[string][][]string{
		"human":    {{"A new parser is proposed."}, {"We propose a fast parser."}},
		"abstract": {{"This paper presents a parser that is fast and accurate."}},
		"unused":   {{"ignored"}},
	}
	t.Run("one preset, no prefix", func(t *testing.T) {
		got, err := ScoreROUGE(cand, refs, []string{"human", "abstract"}, []string{"scitldr_su4"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2*4*3 { // 2 ref types × ROUGE-1, -2, -L, -SU4 × R/P/F
			t.Errorf("%d metrics, want 24: %v", len(got), keys(got))
		}
		cfg, _ := rouge.Preset("scitldr_su4")
		want, _ := rouge.Evaluate(cand, refs["human"], cfg)
		for name, v := range map[string]float64{
			"rouge1_r/human": want[rouge.ROUGE1].Recall, "rouge2_p/human": want[rouge.ROUGE2].Precision,
			"rougeL_f/human": want[rouge.ROUGEL].F, "rougeSU4_f/human": want[rouge.ROUGESU4].F,
		} {
			if got[name] != v {
				t.Errorf("%s = %v, want %v (direct rouge.Evaluate)", name, got[name], v)
			}
		}
		if _, ok := got["rouge1_f/abstract"]; !ok {
			t.Errorf("no rouge1_f/abstract in %v", keys(got))
		}
		for name := range got {
			if strings.Contains(name, ":") || strings.Contains(name, "unused") {
				t.Errorf("unexpected metric %q", name)
			}
		}
	})
	t.Run("two presets, prefixed", func(t *testing.T) {
		got, err := ScoreROUGE(cand, refs, []string{"human", "abstract"}, []string{"scitldr", "clscisumm"}, testResources(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2*(3+3)*3 { // scitldr: ROUGE-1, -2, -L (no -2 4 -u)
			t.Errorf("%d metrics, want 36: %v", len(got), keys(got))
		}
		for _, name := range []string{"clscisumm:rouge2_f/human", "clscisumm:rougeSUstar_f/abstract", "scitldr:rougeL_p/human", "scitldr:rouge1_r/abstract"} {
			if _, ok := got[name]; !ok {
				t.Errorf("missing %s in %v", name, keys(got))
			}
		}
		for name := range got {
			if !strings.HasPrefix(name, "scitldr:") && !strings.HasPrefix(name, "clscisumm:") {
				t.Errorf("unprefixed metric %q", name)
			}
			if MetricKind(name) != KindROUGE {
				t.Errorf("%q is not recognised as ROUGE", name)
			}
		}
	})
	for _, tc := range []struct {
		name     string
		refTypes []string
		presets  []string
	}{
		{"missing ref type", []string{"community"}, []string{"scitldr"}},
		{"unknown preset", []string{"human"}, []string{"rouge155"}},
		{"no preset", []string{"human"}, nil},
		{"-m -s without data files", []string{"human"}, []string{"clscisumm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScoreROUGE(cand, refs, tc.refTypes, tc.presets, nil)
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Errorf("err = %v, want code invalid", err)
			}
		})
	}
	t.Run("no ref types", func(t *testing.T) {
		got, err := ScoreROUGE(cand, refs, nil, []string{"scitldr"}, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want empty", got, err)
		}
	})
}

// TestScoreSciTLDR checks the multi-target protocol on a case worked out by
// hand. Candidate "we propose a new parser" (5 tokens, 4 bigrams) against:
//
//	t0 "a new parser":            R1 R=1 P=.6 F=.75;  R2 R=1 P=.5 F=.66667; RL (LCS 3) F=.75
//	t1 "we propose parsing":      R1 R=.66667 P=.4 F=.5; R2 R=.5 P=.25 F=.33333; RL (LCS 2) F=.5
//	t2 "we propose a new parser": all 1
//
// so max = t2, author = t0, and mean = (.75+.5+1)/3 = .75 (R1, RL) and
// (.66667+.33333+1)/3 = 2/3 (R2).
func TestScoreSciTLDR(t *testing.T) {
	cand := []string{"we propose a new parser"}
	t0, t1, t2 := []string{"a new parser"}, []string{"we propose parsing"}, []string{"we propose a new parser"}
	for _, tc := range []struct {
		name    string
		targets [][]string
		want    map[string]float64
	}{
		{"max author mean", [][]string{t0, t1, t2}, map[string]float64{
			"rouge1_f/tldr_max": 1, "rouge2_f/tldr_max": 1, "rougeL_f/tldr_max": 1,
			"rouge1_f/tldr_author": 0.75, "rouge2_f/tldr_author": 0.66667, "rougeL_f/tldr_author": 0.75,
			"rouge1_f/tldr_mean": 0.75, "rouge2_f/tldr_mean": 2.0 / 3, "rougeL_f/tldr_mean": 0.75,
		}},
		{"single target is author, max and mean", [][]string{t1}, map[string]float64{
			"rouge1_f/tldr_max": 0.5, "rouge2_f/tldr_max": 0.33333, "rougeL_f/tldr_max": 0.5,
			"rouge1_f/tldr_author": 0.5, "rouge2_f/tldr_author": 0.33333, "rougeL_f/tldr_author": 0.5,
			"rouge1_f/tldr_mean": 0.5, "rouge2_f/tldr_mean": 0.33333, "rougeL_f/tldr_mean": 0.5,
		}},
		// "parser new a" has the same ROUGE-1 F as t0 (.75) but no bigram in
		// common (and an LCS of 1: RL F = .25): on a tie the first target wins,
		// with its own R2 and RL.
		{"tie: first wins", [][]string{{"parser new a"}, t0}, map[string]float64{
			"rouge1_f/tldr_max": 0.75, "rouge2_f/tldr_max": 0, "rougeL_f/tldr_max": 0.25,
		}},
		{"tie: first wins, reversed", [][]string{t0, {"parser new a"}}, map[string]float64{
			"rouge1_f/tldr_max": 0.75, "rouge2_f/tldr_max": 0.66667, "rougeL_f/tldr_max": 0.75,
		}},
		// The max is chosen by ROUGE-1 alone: "parser new a we" has the
		// higher R1 (R=1 P=.8 F=.88889) and R2 = 0, and its R2 is reported
		// even though t0 has the higher R2.
		{"R2 comes from the R1 winner", [][]string{t0, {"parser new a we"}}, map[string]float64{
			"rouge1_f/tldr_max": 0.88889, "rouge2_f/tldr_max": 0,
			"rouge1_f/tldr_author": 0.75, "rouge2_f/tldr_author": 0.66667,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScoreSciTLDR(cand, tc.targets, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 9 {
				t.Errorf("%d metrics, want 9: %v", len(got), keys(got))
			}
			for name, want := range tc.want {
				if v, ok := got[name]; !ok || math.Abs(v-want) > 1e-9 {
					t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
				}
			}
		})
	}
	t.Run("stemming", func(t *testing.T) {
		// "parsers" matches "parser" only with -m.
		plain, _ := ScoreSciTLDR([]string{"new parsers"}, [][]string{{"new parser"}}, false, nil)
		stem, _ := ScoreSciTLDR([]string{"new parsers"}, [][]string{{"new parser"}}, true, testResources(t))
		if _, err := ScoreSciTLDR([]string{"new parsers"}, [][]string{{"new parser"}}, true, nil); papersum.ErrorCode(err) != papersum.EINVALID || !errors.Is(err, rouge.ErrNoResources) {
			t.Errorf("stemming without data files: %v", err)
		}
		if plain["rouge1_f/tldr_max"] != 0.5 || stem["rouge1_f/tldr_max"] != 1 {
			t.Errorf("R1 without stemming %v (want .5), with %v (want 1)", plain["rouge1_f/tldr_max"], stem["rouge1_f/tldr_max"])
		}
	})
	t.Run("the protocol re-splits at \" . \" only", func(t *testing.T) {
		// A candidate split by a sentence splitter scores as the one line
		// SciTLDR's files2rouge saw; a " . " inside a target splits it.
		split, _ := ScoreSciTLDR([]string{"we propose a new parser.", "it is fast"}, [][]string{{"a new parser . it is fast"}}, false, nil)
		whole, _ := ScoreSciTLDR([]string{"we propose a new parser. it is fast"}, [][]string{{"a new parser", "it is fast"}}, false, nil)
		direct, _ := rouge.Evaluate([]string{"we propose a new parser. it is fast"}, [][]string{{"a new parser .", "it is fast"}}, mustPreset(t, "scitldr"))
		for _, m := range []string{"rouge1_f/tldr_max", "rougeL_f/tldr_max"} {
			if split[m] != whole[m] {
				t.Errorf("%s: %v split, %v whole", m, split[m], whole[m])
			}
		}
		if split["rougeL_f/tldr_max"] != direct[rouge.ROUGEL].F {
			t.Errorf("RL %v, want %v", split["rougeL_f/tldr_max"], direct[rouge.ROUGEL].F)
		}
	})
	t.Run("no targets", func(t *testing.T) {
		if _, err := ScoreSciTLDR(cand, nil, false, nil); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("err = %v, want invalid", err)
		}
	})
}

func TestSciTLDRSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"one sentence.", []string{"one sentence."}},
		{"first . second . third", []string{"first .", "second .", "third"}},
		{"no split at e.g. this.", []string{"no split at e.g. this."}},
		{"", []string{""}},
	} {
		if got := SciTLDRSentences(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SciTLDRSentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func mustPreset(t *testing.T, name string) rouge.Config {
	t.Helper()
	cfg, err := rouge.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testResources writes and loads a tiny set of ROUGE data files (a few
// stopwords, no exceptions): enough for presets with -m and -s to run.
func testResources(t *testing.T) *rouge.Resources {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{rouge.StopwordFile: "a\nis\nit\nthe\nwe\n"}
	for _, name := range rouge.ExceptionFiles {
		files[name] = ""
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := rouge.LoadResources(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
