package prose

import (
	"strings"
	"testing"
)

var lexicon = map[string]bool{}

func init() {
	for _, w := range strings.Fields("broad coverage probabilistic paper first model like parsing the trained use maximum entropy inspired derivation trees grammar data structure probing trie describes this parser language") {
		lexicon[w] = true
	}
}

func known(w string) bool { return lexicon[w] }

// TestCheckFindsDebris runs the debris of real local-engine summaries
// (quoted in papersum issue 13) and the damage eval/perturb makes through
// Check, and wants the named span reported with its kind.
func TestCheckFindsDebris(t *testing.T) {
	cases := []struct {
		sentence string
		kind     Kind
		span     string
	}{
		{"It integrates both syntactic and semantic information into and Ralph Weischedel M A 02138 the parsing process.", FrontMatter, "Ralph Weischedel M A 02138"},
		{"Brian Roark* Brown University This paper describes a parser.", FrontMatter, "Brian Roark* Brown University"},
		{"We present a broad-coverageprobabilistic parser.", BrokenWord, "broad-coverageprobabilistic"},
		{"The paperfirst describes the model.", BrokenWord, "paperfirst"},
		{"It is better when trMned on more data.", OCRNoise, "trMned"},
		{"This is tire use of a ma~ximum-entropy model.", OCRNoise, "ma~ximum-entropy"},
		{"We study deriva:ion trees of the grammar.", OCRNoise, "deriva:ion"},
		{"The P ROBING data structure is fast.", BrokenWord, "P ROBING"},
		{"The rnodel is trained on the data.", OCRNoise, "rnodel"},
		{"Earlier work [5,9,10,15,17] used rules.", Citation, " [5,9,10,15,17]"},
		{"Most previous notions of best parse tree in", Unfinished, "best parse tree in"},
		{"Most previous notions of best parse tree", Unfinished, "of best parse tree"},
		{"on constituents' membership in the hypothesized set.", Fragment, "on constituents' membership in"},
		{"), which precludes a single universal approach to adaptation.", Fragment, "), which precludes a"},
		{"It answers (question) (logical form) (answer) state queries.", FigureDebris, "(question) (logical form) (answer)"},
		{"The largest state is ∗∗ Alaska.", FigureDebris, "∗∗"},
		{"We baseline model show data corpus language corpus sentence method data corpus the sentence dependency.", WordSalad, "We baseline model show data corpus language corpus sentence method data corpus the sentence dependency."},
		{"Write to smith@cs.example.edu for the data.", FrontMatter, "smith@cs.example.edu"},
		{"Ingrid Berger NTT Communication Science Laboratories Kyoto 619-0237 Japan We parse.", FrontMatter, "Ingrid Berger NTT Communication Science Laboratories Kyoto 619-0237"},
	}
	for _, c := range cases {
		ps := Check(c.sentence, Options{Known: known})
		found := false
		for _, p := range ps {
			if p.Kind == c.kind && p.Span == c.span && c.sentence[p.Start:p.End] == p.Span {
				found = true
			}
		}
		if !found {
			t.Errorf("Check(%q) = %+v, want %s %q", c.sentence, ps, c.kind, c.span)
		}
	}
}

// TestCheckLeavesProseAlone wants no problem in clean sentences that look
// a little like debris: names of methods, numbers, author-year citations,
// a university named in prose, abbreviations at the end.
func TestCheckLeavesProseAlone(t *testing.T) {
	for _, s := range []string{
		"We present a parser trained on the Penn Treebank with CRFs.",
		"WordNet and word2vec features raise F1 from 88.1 to 91.2 on section 23.",
		"Collins (1999) and McDonald et al. (2005) used rules, features, etc.",
		"The corpus has 40,000 sentences (about 1M words).",
		"BLEU improves by 2.6 points on the NIST 2006 Arabic-English data.",
		"The system was built at Brown University.",
		"It outperforms the baseline (p < 0.01).",
	} {
		if ps := Check(s, Options{Known: known}); len(ps) > 0 {
			t.Errorf("Check(%q) = %+v, want none", s, ps)
		}
		if !IsProse(s, Options{}) {
			t.Errorf("IsProse(%q) = false", s)
		}
	}
}

func TestIsProseAndStrip(t *testing.T) {
	if IsProse("Ralph Weischedel BBN Technologies Cambridge M A 02138", Options{}) {
		t.Error("an affiliation line passed as prose")
	}
	if got := StripCitations("Earlier work [5,9,10,15,17] used rules [3]."); got != "Earlier work used rules." {
		t.Errorf("StripCitations = %q", got)
	}
	if ps := Check("", Options{}); len(ps) != 0 {
		t.Errorf("empty: %+v", ps)
	}
}
