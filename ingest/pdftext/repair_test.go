package pdftext

import (
	"strings"
	"testing"
)

// vocabOf builds the vocabulary of a made-up paper: each text is one line.
func vocabOf(texts ...string) vocab {
	var ls []line
	for _, t := range texts {
		ls = append(ls, line{text: t})
	}
	return newVocab(ls)
}

// paperVocab is the vocabulary the repair cases below run against: the
// body of a short paper that uses its words the way papers do.
var paperVocab = vocabOf(
	"An annotation scheme for free word order languages is described in this paper.",
	"The annotation scheme is the first scheme for languages with free word order.",
	"This paper first describes the scheme; the paper then evaluates the scheme on languages.",
	"We describe a discriminative parser. The discriminative parser is fast.",
	"Probing the trie: the trie stores the words; probing finds a word in the trie.",
	"The parser is a new parser. A new scheme is a new idea.",
	"We understand the order of words and the order of the scheme.",
	"The model is broad-coverage and probabilistic; a probabilistic model is broad and probabilistic.",
	"The coverage of the model is the coverage of the scheme and the coverage of the parser.",
	"Variables x y z w are used, and Eugene wrote it.",
	"The border of the region was bordering the parser.",
	"The first sense of the word is the first sense in the paper.",
	"Finally, the final parser is the paper's parser.",
	"The bordering regions are different.",
)

func TestRepairLine(t *testing.T) {
	tests := []struct{ in, want string }{
		// Spaced-out OCR letters become the paper's words.
		{"A n A n n o t a t i o n S c h e m e for Free W o r d O r d e r L a n g u a g e s",
			"An Annotation Scheme for Free Word Order Languages"},
		// A name that is not a word of the paper is joined whole.
		{"E u g e n e Charniak", "Eugene Charniak"},
		// Letters in lower case are segmented with the paper's words.
		{"t h e s c h e m e", "the scheme"},
		// Variables are not words: they stay spaced.
		{"for all x y z w in the set", "for all x y z w in the set"},
		// Small capitals join their word ...
		{"P ROBING THE T RIE", "PROBING THE TRIE"},
		{"the T RIE: it", "the TRIE: it"},
		// ... but not a real one-letter word before a word of the paper.
		{"A NEW PARSER", "A NEW PARSER"},
		{"I PROBING", "I PROBING"},
		// A word split by a wide glyph gap.
		{"a Discrim inative Parser", "a Discriminative Parser"},
		// Two words of the paper that happen to make a word stay apart.
		{"the first sense", "the first sense"},
		// Run-together words are split when both halves are frequent ...
		{"The paperfirst describes", "The paper first describes"},
		{"a broad-coverageprobabilistic model", "a broad-coverage probabilistic model"},
		{"the orderof words", "the order of words"},
		// ... but not compounds, names, suffixes or words used twice.
		{"we understand it", "we understand it"},
		{"without the scheme", "without the scheme"},
		{"the bordering regions", "the bordering regions"},
		{"McSchemeParser", "McSchemeParser"},
	}
	for _, tc := range tests {
		if got := repairLine(tc.in, paperVocab); got != tc.want {
			t.Errorf("repairLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVocabIgnoresHyphenatedPieces(t *testing.T) {
	v := vocabOf("the words were repre-", "sentation of the scheme", "the parser was train-", "ing the model")
	if v.count("repre") != 0 || v.count("sentation") != 0 || v.count("ing") != 0 || v.count("train") != 0 {
		t.Errorf("pieces of hyphenated words counted: %v", v.idx)
	}
	if v.count("scheme") != 1 || v.count("the") != 4 {
		t.Errorf("words not counted: %v", v.idx)
	}
}

// page1 builds a -layout first page: front matter lines, then a two-column
// body of the given rows. Each body row is "left|right".
func page1(front []string, body []string) string {
	var b strings.Builder
	for _, f := range front {
		b.WriteString(f + "\n")
	}
	for _, r := range body {
		l, rt, _ := strings.Cut(r, "|")
		b.WriteString(l + strings.Repeat(" ", 52-len([]rune(l))) + rt + "\n")
	}
	return b.String()
}

// twoColumnBody is the body of page1 in the tests below: the abstract on
// the left, the introduction on the right.
var twoColumnBody = []string{
	"                 Abstract|given that the method needs no",
	"|tagged text at all, as shown in",
	"    We present a new parser for|the tables of this paper.",
	"    parsing down to the trees that|",
	"    achieves high accuracy on the|1 Introduction",
	"    treebank when trained on the|",
	"    standard sections, and it is fast|The first sense heuristic which is",
	"    and it is small and it is good.|often used as a baseline for WSD",
	"|systems outperforms many of them.",
}

func TestFrontMatterLayout(t *testing.T) {
	tests := []struct {
		name  string
		front []string
		want  []string // paragraphs that must be in the output, in order
		not   []string // strings that must not be in the body paragraphs
	}{
		{
			// A title line with a wide gap at the gutter is one line.
			name: "title with a gap",
			front: []string{
				"                 A Maximum-Entropy-Inspired                    Parser *",
				"",
				"                                 Eugene Charniak",
				"                    Brown Laboratory for Linguistic Information Processing",
				"",
				"",
			},
			want: []string{"A Maximum-Entropy-Inspired Parser *", "Eugene Charniak Brown Laboratory for Linguistic Information Processing", "Abstract"},
		},
		{
			// The second title line is not cut between centred lines.
			name: "two title lines",
			front: []string{
				"                        A Single Generative Model",
				"               for Joint Morphological Segmentation and Syntactic Parsing",
				"",
				"                       Yoav Goldberg                              Reut Tsarfaty",
				"              Ben Gurion University of the Negev               University of Amsterdam",
				"",
			},
			want: []string{"A Single Generative Model for Joint Morphological Segmentation and Syntactic Parsing"},
		},
		{
			// Author blocks side by side end before the abstract, so
			// the right-hand one is not read into the body, and an
			// address with digits stays in the front matter.
			name: "author blocks side by side",
			front: []string{
				"            Manual and Automatic Evaluation of Machine Translation",
				"",
				"                 Philipp Koehn                                      Christof Monz",
				"              School of Informatics                          Department of Computer Science",
				"              Gatineau, QC J8X 3X7                           christof@dcs.qmul.ac.uk",
				"",
			},
			want: []string{"Manual and Automatic Evaluation of Machine Translation", "Abstract"},
			not:  []string{"Christof", "christof@", "J8X"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := clean(layoutPages(page1(tc.front, twoColumnBody)))
			paras := strings.Split(strings.TrimSpace(got), "\n\n")
			at := 0
			for _, w := range tc.want {
				found := false
				for at < len(paras) {
					at++
					if paras[at-1] == w {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("paragraph %q missing or out of order in:\n%s", w, got)
				}
			}
			body := got[strings.Index(got, "Abstract"):]
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("%q leaked into the body:\n%s", n, got)
				}
			}
			for _, w := range []string{
				"We present a new parser for parsing down to the trees that achieves high accuracy on the treebank when trained on the standard sections, and it is fast and it is small and it is good.",
				"1 Introduction",
				"The first sense heuristic which is often used as a baseline for WSD systems outperforms many of them.",
			} {
				if !strings.Contains(got, w) {
					t.Errorf("body paragraph %q missing in:\n%s", w, got)
				}
			}
		})
	}
}

func TestFrontMatterGapEndsParagraph(t *testing.T) {
	page := `Probabilistic Top-Down Parsing and
Language Modeling

Brian Roark*
Brown University



This paper describes the functioning of a broad-coverage probabilistic top-down parser, and its
application to the problem of language modeling for speech recognition. It is good and we like it.

1. Introduction

The work goes on here with a sentence that ends on this line of the page.
`
	got := clean(layoutPages(page))
	if !strings.Contains(got, "\n\nBrian Roark* Brown University\n\nThis paper describes") {
		t.Errorf("the author lines and the abstract are not separate paragraphs:\n%s", got)
	}
}

func TestTitleFullStop(t *testing.T) {
	page := `       CHARACTERIZING STRUCTURAL DESCRIPTIONS PRODUCED BY VARIOUS.
                        GRAMMATICAL FORMALISMS*

                            K. Vijay-Shanker and David J. Weir

ABSTRACT

We consider the structural descriptions produced by various formalisms.
`
	got := clean(layoutPages(page))
	if !strings.HasPrefix(got, "CHARACTERIZING STRUCTURAL DESCRIPTIONS PRODUCED BY VARIOUS GRAMMATICAL FORMALISMS*\n\n") {
		t.Errorf("title: %q", got)
	}
	var b strings.Builder
	b.WriteString("Results for the U.S.")
	dropTitleStop(&b)
	if b.String() != "Results for the U.S." {
		t.Errorf("abbreviation lost its stop: %q", b.String())
	}
}

func TestVenueFooter(t *testing.T) {
	for _, s := range []string{
		"MIT, Massachusetts, USA, 9-11 October 2010. !2010 Crown in Right of Canada.",
		"Columbus, Ohio, USA, June 2008. (c)2008 Association for Computational Linguistics",
		"Proceedings of ACL-08: HLT, pages 371–379,",
	} {
		if !venueRE.MatchString(s) {
			t.Errorf("venue line not recognised: %q", s)
		}
	}
	for _, s := range []string{"The 2010 results were better in October.", "We use 9-11 features."} {
		if venueRE.MatchString(s) {
			t.Errorf("body line taken for a venue line: %q", s)
		}
	}
}

func TestNumberAfterHyphenIsNotHeading(t *testing.T) {
	prev := line{text: "the nouns of the SENSEVAL-"}
	if isHeading(line{text: "2 English all-words task", short: true}, &prev) {
		t.Error("a number that continues a hyphenated line was taken for a heading")
	}
	done := line{text: "It ends here."}
	if isHeading(line{text: "2 English all-words task. This is a very promising", short: true}, &done) {
		t.Error("a line with a sentence break was taken for a heading")
	}
	if !isHeading(line{text: "2 Related Work", short: true}, &done) {
		t.Error("a real heading was refused")
	}
}

// glyphsOf lays out words as touching glyphs of the given width and size,
// separated by gap (in units of the size).
func glyphsOf(words []string, size, width, gap float64) []glyph {
	var gs []glyph
	x := 0.0
	for i, w := range words {
		if i > 0 {
			x += gap * size
		}
		for _, r := range w {
			gs = append(gs, glyph{x: x, xEnd: x + width, y: 100, size: size, s: string(r)})
			x += width
		}
	}
	return gs
}

func TestTightWordSpaces(t *testing.T) {
	words := []string{"since", "we", "anticipated", "different", "senses"}
	// Widths that fit (letters touch): a justified space of 0.18 of the
	// size is a word space.
	r := wordsOf(glyphsOf(words, 10, 5, 0.18))
	if got := r.text(); got != "since we anticipated different senses" {
		t.Errorf("tight spaces with fitting widths: %q", got)
	}
	// Widths that do not fit (letters overlap or gap by a tenth of the
	// size): the higher threshold keeps letters of a word together.
	gs := glyphsOf(words, 10, 5, 0.35)
	for i := range gs {
		if i%2 == 1 {
			gs[i].x += 1 // a gap of 0.1 of the size inside words
			gs[i].xEnd += 1
		}
	}
	r = wordsOf(gs)
	if got := r.text(); got != "since we anticipated different senses" {
		t.Errorf("noisy widths: %q", got)
	}
}
