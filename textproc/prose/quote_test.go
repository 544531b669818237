package prose

import "testing"

// TestTidy wants citation brackets gone and split small capitals joined,
// and nothing else changed.
func TestTidy(t *testing.T) {
	cases := []struct{ in, want string }{
		{`tested on the previously established [5,9,10,15,17] "standard" sections.`, `tested on the previously established "standard" sections.`},
		{"The error rate falls by 13% on this corpus [9].", "The error rate falls by 13% on this corpus."},
		{"The P ROBING data structure is faster than T RIE.", "The PROBING data structure is faster than TRIE."},
		{"On two benchmarks (G EO and JOBS), it wins.", "On two benchmarks (GEO and JOBS), it wins."},
		{"A NEW METHOD is described.", "A NEW METHOD is described."},
		{"Plain   prose stays\tas it is.", "Plain prose stays as it is."},
		{"This requires the anno- tation of large quantities of text.", "This requires the annotation of large quantities of text."},
		{"Both first- and second-order models, and pre- or post-processing.", "Both first- and second-order models, and pre- or post-processing."},
		{"Following [5,10], our parser is generative.", "Following [5,10], our parser is generative."},
		{"• We evaluated translation from English.", "We evaluated translation from English."},
		{"It makes only minimal assumptions about the particu- •lar representational strata.", "It makes only minimal assumptions about the particular representational strata."},
		{"", ""},
	}
	for _, c := range cases {
		if got := Tidy(c.in); got != c.want {
			t.Errorf("Tidy(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestUnquotableFindsDebris runs sentences the local engine quoted from
// CL-SciSumm papers (papersum issue 13) and wants each refused with the
// kind at fault.
func TestUnquotableFindsDebris(t *testing.T) {
	cases := []struct {
		sentence string
		kind     Kind
		span     string
	}{
		{"Together with a PCFG-reduction of DOP we obtain improved accuracy on the Wall Street Journal treebank Our results show an 11% relative reduction in error rate.", Joined, "treebank Our"},
		{"Both parametric and non-parametric models are explored, i The resulting parsers surpass the best previously published results.", Joined, "i The"},
		{"Results We first compare our system with Clarke et al. (2010), which also learns a semantic parser.", Joined, "Results We"},
		{"Compared with SRILM, it is 2.4 times as fast while using 57% of the mem- The structure is a trie.", Hyphenated, "mem-"},
		{"Most previous notions of best parse tree in", Unfinished, "best parse tree in"},
		{"We consider the structural descriptions produced in ~ of the complexity of the paths.", OCRNoise, ""},
		{"It answers (question) (logical form) (answer) state with the ∗∗ Alaska largest area x1 state.", FigureDebris, "(question) (logical form) (answer)"},
		{"Earlier work [5,9,10,15,17] used rules.", Citation, " [5,9,10,15,17]"},
		{"It achieves 90.1% for sentences of 40 and less, and for of length 100 and less.", Gap, "for of"},
		{"Compared with SRILM, our is 2.4 times as fast.", Gap, "our is"},
		{"It achieves 90.1~ average precision on the test set.", OCRNoise, "90.1~"},
		{"1992, 1993; Briscoe and I Thanks to Ivan Sag for this pun.", Fragment, "1992,"},
		{"We used these three parsers to explore parser combination techniques. on constituents' membership in the hypothesized set.", Joined, "techniques. on"},
		{"Following [5,10], our parser is generative.", Citation, " [5,10]"},
		{"Parsers differ in how they compute p(r), and we turn to that next.", Formula, " p(r)"},
		{"Much of the interesting work is determining what goes into H (c).", Formula, " H (c)"},
		{"In this notation the above equation takes the following form: Next we describe how we assign a probability.", Joined, "form: Next"},
		{"Corpora annotated with syntactic structures are commonly referred to as trctbank.5. Theory-independence: Annotations should not be influenced.", Joined, "trctbank.5. "},
		{"Corpora annotated with syntactic structures are commonly referred to as trctbank.5.", Joined, "trctbank.5."},
		{"The Hebrew token stands for the complete prepositional phrase 'We adopt here the transliteration of Sima'an.", Joined, "e 'We"},
		{"The importance of including nonheadwords has become uncontroversial (e.g.", Unfinished, "(e.g."},
	}
	for _, c := range cases {
		ps := Unquotable(c.sentence, Options{})
		found := false
		for _, p := range ps {
			if p.Kind == c.kind && (c.span == "" || p.Span == c.span) && c.sentence[p.Start:p.End] == p.Span {
				found = true
			}
		}
		if !found {
			t.Errorf("Unquotable(%q) = %+v, want %s %q", c.sentence, ps, c.kind, c.span)
		}
		if Quotable(c.sentence, Options{}) {
			t.Errorf("Quotable(%q) = true", c.sentence)
		}
	}
}

// TestUnquotableLeavesProseAlone wants clean sentences, including ones
// with suspended hyphens, capitalised names and a colon before a
// capital, quotable.
func TestUnquotableLeavesProseAlone(t *testing.T) {
	for _, s := range []string{
		"We present a new parser that achieves 90.1% average precision/recall on the Wall Street Journal treebank.",
		"Both first- and second-order models are trained on the same data.",
		"The system was evaluated on MUC-7 template elements and template relations.",
		"We use the Penn Treebank: The sections 2-21 are used for training.",
		"Our results show an 11% relative reduction in error rate over previous models.",
		"This paper describes the functioning of a broad-coverage probabilistic top-down parser.",
		"Pre- or post-processing is not needed.",
		"Whether a phrase is obligatory is relative to the phrase it is in.",
		"Several models (of which two are new) are compared.",
		"It uses a) human annotations and b) parse trees, and (c) rules.",
		"One reason for this is that the model cannot capture the dependencies.",
		"The system is called \"The Parser\" in the paper.",
		"We investigate five tasks: affect recognition, word similarity, recognizing textual entailment, event temporal ordering, and word sense disambiguation.",
		"As shown by Smith et al. in earlier work, e.g. on parsing, the method works.",
	} {
		if ps := Unquotable(s, Options{}); len(ps) > 0 {
			t.Errorf("Unquotable(%q) = %+v, want none", s, ps)
		}
	}
}
