package rouge

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
)

// mustPreset is a preset with the stand-in data files (testdata/standin);
// tests that compare with ROUGE's printed numbers use realPreset.
func mustPreset(t testing.TB, name string) Config {
	t.Helper()
	cfg, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Resources = standin(t)
	return cfg
}

func mustEvaluate(t testing.TB, cand []string, refs [][]string, cfg Config) Result {
	t.Helper()
	res, err := Evaluate(cand, refs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEmptyInputsScoreZero: ROUGE prints 0 (never NaN) whenever a denominator
// is 0: an empty candidate, an empty reference, no references at all, texts
// with no tokens (punctuation, CJK, stopwords under -s).
func TestEmptyInputsScoreZero(t *testing.T) {
	ref := []string{"Our new parser is faster than the old one on long inputs."}
	for _, tc := range []struct {
		name string
		cand []string
		refs [][]string
	}{
		{"nil candidate", nil, [][]string{ref}},
		{"empty-string sentence", []string{""}, [][]string{ref}},
		{"whitespace candidate", []string{" \t "}, [][]string{ref}},
		{"punctuation candidate", []string{"?! ... --"}, [][]string{ref}},
		{"CJK and emoji only", []string{"日本語の文 🙂"}, [][]string{ref}},
		{"stopwords only", []string{"it is what it is"}, [][]string{ref}},
		{"empty reference", ref, [][]string{{}}},
		{"no references", ref, nil},
		{"both empty", nil, [][]string{{}}},
	} {
		for _, name := range PresetNames() {
			cfg := mustPreset(t, name)
			res := mustEvaluate(t, tc.cand, tc.refs, cfg)
			if want := len(cfg.Metrics()); len(res) != want {
				t.Errorf("%s/%s: %d metrics, want %d", tc.name, name, len(res), want)
			}
			for metric, s := range res {
				for _, v := range []float64{s.Recall, s.Precision, s.F} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("%s/%s %s: non-finite score %+v", tc.name, name, metric, s)
					}
				}
				if s.Hits != 0 && tc.name != "stopwords only" {
					t.Errorf("%s/%s %s: hits %d, want 0", tc.name, name, metric, s.Hits)
				}
				if s.Hits == 0 && (s.Recall != 0 || s.Precision != 0 || s.F != 0) {
					t.Errorf("%s/%s %s: %+v, want all zero", tc.name, name, metric, s)
				}
			}
		}
	}
}

func TestEmptyReferenceStillCountsCandidate(t *testing.T) {
	// -f A: an empty reference brings no hits and no reference grams, yet the
	// candidate count enters once more, so precision halves (the reference
	// vectors test the same case).
	cand := []string{"our fast parser beats baselines"}
	one := mustEvaluate(t, cand, [][]string{{"our fast parser"}}, mustPreset(t, "scitldr"))[ROUGE1]
	two := mustEvaluate(t, cand, [][]string{{"our fast parser"}, {}}, mustPreset(t, "scitldr"))[ROUGE1]
	if one.Recall != 1 || one.Precision != 0.6 || two.Recall != 1 || two.Precision != 0.3 || two.PeerCount != 10 {
		t.Errorf("one ref %+v, with empty ref %+v", one, two)
	}
}

// TestEmptyReferenceBest follows computeNGramScore's -f B loop: the best
// score starts at -1 and a reference is taken only if its recall is strictly
// higher, so an empty reference (recall 0) is taken when it comes first and
// no later reference has a hit, and never displaces an earlier one.
func TestEmptyReferenceBest(t *testing.T) {
	cfg := Config{MaxN: 1, SkipBigram: true, SkipDistance: 4, SkipUnigrams: true, Scoring: ScoringBest}
	cand := []string{"the cat sat"}
	for _, tc := range []struct {
		name  string
		refs  [][]string
		model int // ROUGE-1 model count of the chosen reference
		hits  int
	}{
		{"empty first, no hit elsewhere", [][]string{{}, {"a dog"}}, 0, 0},
		{"empty first, a hit later", [][]string{{}, {"a cat"}}, 2, 1},
		{"empty last", [][]string{{"a dog"}, {}}, 2, 0},
		{"only empty", [][]string{{}}, 0, 0},
	} {
		res := mustEvaluate(t, cand, tc.refs, cfg)
		s := res[ROUGE1]
		if s.ModelCount != tc.model || s.Hits != tc.hits || s.PeerCount != 3 {
			t.Errorf("%s: ROUGE-1 %+v, want model %d hits %d peer 3", tc.name, s, tc.model, tc.hits)
		}
		if tc.hits == 0 && (s.Recall != 0 || s.Precision != 0 || s.F != 0) {
			t.Errorf("%s: ROUGE-1 %+v, want 0", tc.name, s)
		}
		if su := res[ROUGESU4]; su.PeerCount != 3+2 {
			t.Errorf("%s: ROUGE-SU4 %+v, want the candidate counted once (3 pairs + 2 unigrams)", tc.name, su)
		}
	}
}

// TestSkipBoth: -U prints ROUGE-S (pairs only) and then ROUGE-SU (pairs and
// unigrams), the latter equal to what -u alone prints. By hand, candidate
// "a b c", reference "a b c d", gap 4: reference pairs ab ac ad bc bd cd (6),
// candidate pairs ab ac bc (3), all hits; unigrams of all tokens but the last:
// reference a b c, candidate a b (2 hits). S: R 3/6, P 3/3; SU: R 5/9, P 5/5.
func TestSkipBoth(t *testing.T) {
	cand, refs := []string{"a b c"}, [][]string{{"a b c d"}}
	both := mustEvaluate(t, cand, refs, Config{NoLCS: true, SkipBigram: true, SkipDistance: 4, SkipBoth: true})
	if s := both["ROUGE-S4"]; s.Recall != 0.5 || s.Precision != 1 || s.ModelCount != 6 || s.PeerCount != 3 || s.Hits != 3 {
		t.Errorf("-U ROUGE-S4 = %+v", s)
	}
	if s := both[ROUGESU4]; s.Recall != 0.55556 || s.Precision != 1 || s.ModelCount != 9 || s.PeerCount != 5 || s.Hits != 5 {
		t.Errorf("-U ROUGE-SU4 = %+v", s)
	}
	su := mustEvaluate(t, cand, refs, Config{NoLCS: true, SkipBigram: true, SkipDistance: 4, SkipUnigrams: true})
	if !reflect.DeepEqual(su, Result{ROUGESU4: both[ROUGESU4]}) {
		t.Errorf("-u %+v, -U %+v", su, both)
	}
}

// TestCountRawScoresAsToken: -t 2 changes only what ROUGE prints.
func TestCountRawScoresAsToken(t *testing.T) {
	cand, refs := []string{"the cat sat on the mat"}, [][]string{{"a cat sat on a mat"}, {}}
	tok := mustEvaluate(t, cand, refs, Config{MaxN: 2, CountMode: CountToken})
	raw := mustEvaluate(t, cand, refs, Config{MaxN: 2, CountMode: CountRaw})
	if !reflect.DeepEqual(tok, raw) {
		t.Errorf("-t 1 %+v, -t 2 %+v", tok, raw)
	}
	if s := raw[ROUGE1]; s.ModelCount != 6 || s.PeerCount != 12 || s.Hits != 4 {
		t.Errorf("-t 2 ROUGE-1 counts %+v", s)
	}
}

func TestTokenizeBytesLikeROUGE(t *testing.T) {
	for in, want := range map[string][]string{
		"naïve Über Zürich":            {"na", "ve", "ber", "z", "rich"},
		"α-divergence ﬁne":             {"divergence", "ne"},
		"3.5% of 1,000 (97.25%)":       {"3", "5", "of", "1", "000", "97", "25"},
		"State-of-the-art GPT-2":       {"state", "of", "the", "art", "gpt", "2"},
		"ResNet50 1e-3 F1@k":           {"resnet50", "1e", "3", "f1", "k"},
		"don't don’t model's $100 C++": {"don", "t", "don", "t", "model", "s", "100", "c"},
		"x_y\ttab  日本 🙂":               {"x", "y", "tab"},
		"":                             nil,
	} {
		if got, err := Tokenize(in, Config{}); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
	// -s matches the unstemmed token; -m then stems what is left.
	if got, want := mustTokenize(t, "The indices of the mice went up", Config{Stem: true, RemoveStopwords: true, Resources: standin(t)}), []string{"index", "mouse"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tokenize -m -s = %q, want %q", got, want)
	}
}

func mustTokenize(t testing.TB, s string, cfg Config) []string {
	t.Helper()
	toks, err := Tokenize(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func TestFFromRoundedRP(t *testing.T) {
	// -t 0: F is computed from R and P already rounded to 5 decimals.
	// R = 2/3 -> 0.66667, P = 8/9 -> 0.88889, F = 0.761906... -> 0.76191
	// (from the exact ratios it would be 0.76190).
	r, p, f := Config{}.withDefaults().rpf(8, 12, 9)
	if r != 0.66667 || p != 0.88889 || f != 0.76191 {
		t.Errorf("rpf = %v %v %v, want 0.66667 0.88889 0.76191", r, p, f)
	}
	// -t 1: F from unrounded values, and the printed mean of 1000 identical
	// samples of 47/320 is 0.14687, not 0.14688.
	cfg := Config{CountMode: CountToken}.withDefaults()
	if r, _, _ := cfg.rpf(47, 320, 1); r != 0.14687 {
		t.Errorf("-t 1 recall of 47/320 = %v, want 0.14687", r)
	}
}

func TestScoringBest(t *testing.T) {
	cand := []string{"the cat sat on the mat"}
	refs := [][]string{{"a dog lay on a rug"}, {"the cat sat on the mat"}, {"the cat sat on the mat"}}
	cfg := mustPreset(t, "scitldr")
	cfg.Scoring = ScoringBest
	res := mustEvaluate(t, cand, refs, cfg)
	for _, m := range cfg.Metrics() {
		s := res[m]
		if s.Recall != 1 || s.Precision != 1 || s.F != 1 || s.PeerCount != s.ModelCount {
			t.Errorf("-f B %s = %+v, want the identical reference only", m, s)
		}
	}
	avg := mustEvaluate(t, cand, refs, mustPreset(t, "scitldr"))[ROUGE1]
	if avg.PeerCount != 3*6 || avg.Hits != 1+6+6 {
		t.Errorf("-f A ROUGE-1 = %+v, want counts pooled over 3 references", avg)
	}
}

func TestLengthLimits(t *testing.T) {
	cfg := Config{MaxN: 1, WordLimit: 2}
	// -l counts words before punctuation is removed and applies to the
	// references as well.
	res := mustEvaluate(t, []string{"state-of-the-art model is good"}, [][]string{{"state of the art model"}}, cfg)
	if s := res[ROUGE1]; s.PeerCount != 5 || s.ModelCount != 2 || s.Hits != 2 {
		t.Errorf("-l 2: %+v, want candidate 5 tokens, reference 2", s)
	}
	// -b: ROUGE-N cuts the joined text at 12 bytes (the joining spaces are not
	// counted); ROUGE-L's sentence reader never advances its byte count, so it
	// keeps the second sentence whole. Those extra ROUGE-L tokens are not in the
	// unigram counts that clip hits, so they count in R's denominator only.
	text := []string{"aaaa bbbb", "cccc dddd"}
	res = mustEvaluate(t, text, [][]string{text}, Config{MaxN: 1, ByteLimit: 12})
	if s := res[ROUGE1]; s.ModelCount != 3 || s.Hits != 3 {
		t.Errorf("-b 12 ROUGE-1: %+v, want 3 tokens (aaaa bbbb ccc)", s)
	}
	if s := res[ROUGEL]; s.ModelCount != 4 || s.PeerCount != 3 || s.Hits != 2 || s.Recall != 0.5 {
		t.Errorf("-b 12 ROUGE-L: %+v, want base 4, peer 3, hits 2", s)
	}
}

func TestSkipBigramCounts(t *testing.T) {
	toks := []string{"a b c d e f g h"} // 8 distinct tokens
	for _, tc := range []struct {
		flags string
		name  string
		count int
	}{
		{"-2 4 -u", "ROUGE-SU4", 7 + (5 + 5 + 5 + 4 + 3 + 2 + 1)}, // last token's unigram missing
		{"-2 -4 -u", "ROUGE-SU*", 7 + 28},
		{"-2 -1", "ROUGE-S*", 28},
		{"-2 0", "ROUGE-S0", 7},
	} {
		cfg, err := ParseFlags(tc.flags + " -x")
		if err != nil {
			t.Fatal(err)
		}
		s, ok := mustEvaluate(t, toks, [][]string{toks}, cfg)[tc.name]
		if !ok || s.ModelCount != tc.count || s.F != 1 {
			t.Errorf("%s: %s = %+v (present %v), want count %d and F 1", tc.flags, tc.name, s, ok, tc.count)
		}
	}
}

func TestUnionLCSUsesSentences(t *testing.T) {
	ref := [][]string{{"a b c d e f"}}
	cfg := Config{}
	split := mustEvaluate(t, []string{"d e f", "a b c"}, ref, cfg)[ROUGEL]
	joined := mustEvaluate(t, []string{"d e f a b c"}, ref, cfg)[ROUGEL]
	if split.F != 1 || joined.F != 0.5 {
		t.Errorf("split %+v joined %+v, want F 1 and 0.5", split, joined)
	}
	// A '\n' inside a sentence is a line break in ROUGE's input.
	if nl := mustEvaluate(t, []string{"d e f\na b c"}, ref, cfg)[ROUGEL]; nl != split {
		t.Errorf("newline-split %+v, want %+v", nl, split)
	}
}

func TestScorerMatchesEvaluateConcurrently(t *testing.T) {
	cfg := mustPreset(t, "clscisumm")
	refs := [][]string{
		{"We ran the parser on the treebank.", "It was faster than the baseline and better on long sentences."},
		{"The parser went through the treebank quickly.", "Long sentences were parsed better than before."},
	}
	type vcase struct {
		ID        string
		Candidate []string
	}
	var cases []vcase
	for i, c := range [][]string{
		{"The parser was fast."},
		{"We ran the parser on the treebank.", "It was better on long sentences."},
		{"Mice and geese went up the hill."},
		{},
		{"the the the the"},
		{"Long sentences were parsed better than before by the new parser on the treebank."},
	} {
		cases = append(cases, vcase{fmt.Sprint("case-", i), c})
	}
	s, err := NewScorer(refs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := mustEvaluate(t, c.Candidate, refs, cfg)
			if got := s.Score(c.Candidate); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Scorer %v, Evaluate %v", c.ID, got, want)
			}
		}()
	}
	wg.Wait()
}

func TestInvalidConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Alpha: 1.5}, {Alpha: -0.1}, {MaxN: -1}, {WordLimit: 10, ByteLimit: 10},
		{Scoring: 7}, {CountMode: 3}, {Resamples: -1}, {Confidence: 101},
		{Stem: true}, {RemoveStopwords: true},
	} {
		if _, err := Evaluate([]string{"a"}, [][]string{{"a"}}, cfg); err == nil {
			t.Errorf("Evaluate with %+v: no error", cfg)
		}
	}
}

// TestAggregateMatchesROUGE checks the corpus-level Average_* lines. The
// CL-SciSumm value is the one the reference vectors' README reports for the batch run
// of all 300 cases; the others were produced by ROUGE-1.5.5's own
// computeAverages/bootstrapResampling code run by perl 5.36 on the same
// per-case scores.
func TestAggregateMatchesROUGE(t *testing.T) {
	cases := loadVectors(t)
	run := func(name string) map[string]Average {
		cfg := realPreset(t, name)
		var evals []Result
		for _, c := range cases {
			evals = append(evals, mustEvaluate(t, c.Candidate, c.References, cfg))
		}
		return Aggregate(evals, cfg)
	}
	cl := run("clscisumm")
	if got := cl[ROUGESUStar].Precision.Mean; got != 0.01789 {
		t.Errorf("clscisumm SU* Average_P = %v, want 0.01789", got)
	}
	for metric, want := range map[string][9]float64{
		ROUGE1:      {0.30793, 0.28355, 0.33471, 0.15482, 0.12418, 0.17913, 0.20560, 0.17532, 0.23020},
		ROUGESUStar: {0.12664, 0.10885, 0.14596, 0.01789, 0.00423, 0.03649, 0.02984, 0.00816, 0.05776},
	} {
		checkAverage(t, "clscisumm "+metric, cl[metric], want)
	}
	sc := run("scitldr")
	checkAverage(t, "scitldr ROUGE-1", sc[ROUGE1], [9]float64{0.36094, 0.33559, 0.38916, 0.23397, 0.20900, 0.26117, 0.25603, 0.23325, 0.28117})
	checkAverage(t, "scitldr ROUGE-L", sc[ROUGEL], [9]float64{0.30105, 0.27633, 0.32701, 0.19646, 0.17330, 0.22200, 0.21353, 0.19198, 0.23750})
}

func checkAverage(t *testing.T, label string, a Average, want [9]float64) {
	t.Helper()
	got := [9]float64{a.Recall.Mean, a.Recall.Low, a.Recall.High, a.Precision.Mean, a.Precision.Low, a.Precision.High, a.F.Mean, a.F.Low, a.F.High}
	if got != want {
		t.Errorf("%s: got %v, want %v", label, got, want)
	}
}

func TestPerlRandMatchesPerl(t *testing.T) {
	// perl -e 'srand(5); print join(",", map {int(rand(300))} 1..8)'
	want := []int{157, 81, 236, 59, 155, 259, 50, 143}
	var r perlRand
	r.srand(5)
	for i, w := range want {
		if got := r.intn(300); got != w {
			t.Fatalf("draw %d = %d, want %d", i, got, w)
		}
	}
}
