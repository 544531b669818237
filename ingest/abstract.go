package ingest

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/papersum/papersum"
)

// Papers often say their abstract twice: a first section that restates it
// word for word (journal papers whose text layer repeats the abstract,
// Reference_XML files whose first section is a copy of it), or an
// introduction and a conclusion that reuse its sentences. When the abstract
// is dropped so that a summary can be scored against it, those copies must
// go too, or the summarizer finds the answer in the body (issue #10: on
// CL-SciSumm J01-2004 a summary of the abstract-free input was the abstract
// verbatim).
//
// A body sentence repeats the abstract when, after lower-casing and keeping
// only runs of letters and digits:
//
//   - it equals a sentence of the abstract; or
//   - it is made of the abstract's phrases: at least repeatShare of its
//     word pairs (bigrams) occur in the abstract, and it has at least
//     minRepeatWords words; or
//   - it contains a sentence of the abstract: at least containShare of
//     that sentence's word pairs occur in it (a sentence of the abstract
//     run together with front matter or with the next sentence); or
//   - it has nearly the words of a sentence of the abstract: the F1 of
//     the two word multisets is at least copyF (a copy with a word or two
//     changed, or read by a different OCR run).
//
// The thresholds were set on ScisummNet (781 papers, Reference_XML) so
// that no sentence left has a unigram F above 0.75 against a sentence of
// the abstract, while sentences that only share the paper's terms (median
// highest F about 0.6) stay.
const (
	repeatShare    = 0.6
	containShare   = 0.8
	copyF          = 0.8
	minRepeatWords = 4
	// minContainPairs is the fewest word pairs an abstract sentence needs
	// for the containment rule; shorter ones ("We evaluate it.") would
	// match ordinary body sentences.
	minContainPairs = 5
)

// abstractIndex holds what repeatsAbstract compares body sentences with.
type abstractIndex struct {
	exact map[string]bool  // whole sentences, normalised
	pairs map[string]bool  // word pairs of the whole abstract, "a b"
	sents [][]string       // word pairs of each abstract sentence
	bags  []map[string]int // word counts of each abstract sentence
	sizes []int            // word count of each abstract sentence
}

// newAbstractIndex indexes the sentences of an abstract.
func newAbstractIndex(abstract []string) *abstractIndex {
	x := &abstractIndex{exact: map[string]bool{}, pairs: map[string]bool{}}
	for _, s := range abstract {
		w := normWords(s)
		if len(w) == 0 {
			continue
		}
		x.exact[strings.Join(w, " ")] = true
		ps := wordPairs(w)
		for _, p := range ps {
			x.pairs[p] = true
		}
		if len(ps) >= minContainPairs {
			x.sents = append(x.sents, ps)
			bag := make(map[string]int, len(w))
			for _, t := range w {
				bag[t]++
			}
			x.bags = append(x.bags, bag)
			x.sizes = append(x.sizes, len(w))
		}
	}
	return x
}

// repeats reports whether sentence s repeats the abstract.
func (x *abstractIndex) repeats(s string) bool {
	w := normWords(s)
	if len(w) == 0 {
		return false
	}
	if x.exact[strings.Join(w, " ")] {
		return true
	}
	ps := wordPairs(w)
	if len(w) >= minRepeatWords {
		hit := 0
		for _, p := range ps {
			if x.pairs[p] {
				hit++
			}
		}
		if float64(hit) >= repeatShare*float64(len(ps)) {
			return true
		}
	}
	if len(x.sents) == 0 || len(ps) < minContainPairs {
		return false
	}
	own := make(map[string]bool, len(ps))
	for _, p := range ps {
		own[p] = true
	}
	for i, a := range x.sents {
		hit := 0
		for _, p := range a {
			if own[p] {
				hit++
			}
		}
		if float64(hit) >= containShare*float64(len(a)) {
			return true
		}
		if bagF(w, x.bags[i], x.sizes[i]) >= copyF {
			return true
		}
	}
	return false
}

// bagF is the F1 of the word multiset w against bag (of size n words).
func bagF(w []string, bag map[string]int, n int) float64 {
	used := make(map[string]int, len(w))
	hit := 0
	for _, t := range w {
		if used[t] < bag[t] {
			used[t]++
			hit++
		}
	}
	if hit == 0 {
		return 0
	}
	return 2 * float64(hit) / float64(len(w)+n)
}

// dropAbstract removes the abstract sections of p and every sentence of
// the other sections that repeats the abstract.
func dropAbstract(p *papersum.Paper) {
	var abstract []string
	kept := p.Sections[:0]
	for _, s := range p.Sections {
		if s.Kind == papersum.KindAbstract {
			abstract = append(abstract, s.Sentences...)
			continue
		}
		kept = append(kept, s)
	}
	p.Sections = kept
	if len(abstract) == 0 {
		abstract = cutLeadingAbstract(p)
	}
	if len(abstract) == 0 || len(abstract) > maxAbstractSentences {
		return
	}
	x := newAbstractIndex(abstract)
	for i := range p.Sections {
		sents := p.Sections[i].Sentences[:0:0]
		for _, s := range p.Sections[i].Sentences {
			if !x.repeats(s) {
				sents = append(sents, s)
			}
		}
		p.Sections[i].Sentences = sents
	}
}

// normWords returns the lower-case runs of letters and digits of s.
func normWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// wordPairs returns the adjacent word pairs of w, or w itself as one
// "pair" when it has a single word.
func wordPairs(w []string) []string {
	if len(w) == 1 {
		return []string{w[0]}
	}
	out := make([]string, 0, len(w)-1)
	for i := 0; i+1 < len(w); i++ {
		out = append(out, w[i]+" "+w[i+1])
	}
	return out
}

// maxAbstractSentences is the most sentences an abstract section may have
// for its copies in the body to be dropped. Real abstracts have 3 to 15;
// Reference_XML files made from scans sometimes tag half the paper as the
// abstract, and then its "copies" are the body itself.
const maxAbstractSentences = 30

// maxGuessedAbstract is the most sentences cutLeadingAbstract takes as an
// abstract. Abstracts have 3 to 10 sentences; a longer run without an
// introduction heading is the body of a paper without headings, and the
// summarizer should keep it.
const maxGuessedAbstract = 15

// abstractMarkRE finds the word "Abstract" in a sentence of front matter,
// also as OCR spaces it ("Abst rac t").
var abstractMarkRE = regexp.MustCompile(`(?i)(^|[^\pL])a\s?b\s?s\s?t\s?r\s?a\s?c\s?t([^\pL]|$)`)

// introMarkRE finds an introduction heading run into a sentence, as flat
// Reference_XML files and some PDF text have it: "INTRODUCTION We wish
// ...", "1 Introduction In recent years ...", "1. I n t roduct ion".
var introMarkRE = regexp.MustCompile(`(^|[^\pL])((1|I)\.?\s*)?(INTRODUCTION|I\s?N\s?T\s?R\s?O\s?D\s?U\s?C\s?T\s?I\s?O\s?N|Introduction|I\s?n\s?t\s?r\s?o\s?d\s?u\s?c\s?t\s?i\s?o\s?n)([^\pL]|$)`)

// numberedHeadRE is a sentence that starts with a section number and a
// capitalised word: a heading, alone ("1 Why Another (Type of)
// Treebank?") or run into its first sentence ("1 Chinese Word Segmenter
// The Chinese word segmenter we built ...").
var numberedHeadRE = regexp.MustCompile(`^(\d|I|II)(\.\d)?\.?\s+\p{Lu}`)

// capsHeading reports whether s contains a heading in capitals: three
// words of two or more capital letters in a row ("OUR PREVIOUS WORK ON
// WORD-SENSE DISAMBIGUATION 2.1.").
func capsHeading(s string) bool {
	run := 0
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ".,:;()-")
		letters, upper := 0, true
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
				upper = upper && unicode.IsUpper(r)
			}
		}
		if letters >= 2 && upper || run > 0 && (w == "OF" || w == "ON" || w == "A") {
			run++
			if run >= 3 {
				return true
			}
			continue
		}
		run = 0
	}
	return false
}

// cutLeadingAbstract finds the abstract of a paper that has no abstract
// section: the untitled text before the first section heading, from an
// "Abstract" marker (or its start) to the introduction heading (or its
// end). Reference_XML files made from scans often have no <ABSTRACT> and
// carry the abstract in the paper's first sentences; PDF text may lack the
// heading. It removes the sentences it takes from p and returns them, or
// nil when it finds no plausible abstract.
func cutLeadingAbstract(p *papersum.Paper) []string {
	if len(p.Sections) == 0 || p.Sections[0].Title != "" {
		return nil
	}
	sents := p.Sections[0].Sentences
	start := 0
	// A title that ran into the author block and the abstract ("...
	// joshi@eis.upenn.edu ABSTRACT In this paper we ...") means that the
	// abstract starts with the first sentence.
	marked := abstractMarkRE.MatchString(p.Title)
	for i := 0; !marked && i < len(sents) && i < 6; i++ {
		if abstractMarkRE.MatchString(sents[i]) {
			start, marked = i, true
			break
		}
	}
	end := -1
	for i := start; i < len(sents) && i <= start+maxGuessedAbstract; i++ {
		s := sents[i]
		if i > start && (numberedHeadRE.MatchString(s) || capsHeading(s)) {
			end = i
			break
		}
		if loc := introMarkRE.FindStringIndex(s); loc != nil && (i > start || loc[0] > 0) {
			if loc[0] <= 1 && i > start {
				end = i // the sentence starts the introduction
			} else {
				end = i + 1 // front matter or abstract run into the heading
			}
			break
		}
	}
	if end < 0 {
		if len(p.Sections) == 1 || len(sents)-start > maxGuessedAbstract || !marked && len(sents) > maxGuessedAbstract {
			return nil
		}
		end = len(sents)
	}
	if end-start > maxGuessedAbstract+1 {
		return nil
	}
	out := append([]string(nil), sents[start:end]...)
	p.Sections[0].Sentences = append(sents[:start:start], sents[end:]...)
	return out
}
