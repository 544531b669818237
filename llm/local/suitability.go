package local

import (
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
	"github.com/papersum/papersum/textproc/prose"
)

// abstractMinWords is the shortest abstract sentence that may be extracted.
const abstractMinWords = 4

// suitability returns a multiplier in [0,1] for how well a source sentence
// stands alone in a summary. 0 means it is never extracted. The factors
// multiply, so a caption full of numbers is discounted twice.
//
// Abstract sentences are held to a looser standard: authors write them to
// be read as a summary, so a short one or one that opens with "This" (whose
// antecedent is the abstract sentence before it, also likely chosen) is
// still fine.
func suitability(s *sent, c Config) float64 {
	abstract := s.kind == papersum.KindAbstract
	minWords := c.MinSentenceWords
	if abstract {
		minWords = min(minWords, abstractMinWords)
	}
	if s.words < minWords || s.words > c.MaxSentenceWords {
		return 0
	}
	f := 1.0
	if s.words > c.LongSentenceWords {
		// Long sentences cost a large share of the budget and read badly.
		f *= 0.6
	}
	toks := s.toks
	var digits, alpha, short, years int
	for _, t := range toks {
		switch {
		case textproc.HasDigit(t):
			digits++
			if len(t) == 4 && (strings.HasPrefix(t, "19") || strings.HasPrefix(t, "20")) {
				years++
			}
		case len(t) == 1:
			short++
		default:
			alpha++
		}
	}
	n := float64(len(toks))
	if n == 0 {
		return 0
	}
	if float64(digits)/n > 0.25 {
		f *= 0.2 // mostly numbers: a table row or a list of scores
	}
	if float64(short)/n > 0.2 || float64(alpha)/n < 0.6 {
		f *= 0.2 // maths or text-extraction debris
	}
	if years >= 3 {
		f *= 0.4 // a string of citations
	} else if years > 0 && alpha < 8 {
		f *= 0.3 // little besides a citation
	}
	text := s.text
	trim := strings.TrimSpace(text)
	if isCaption(trim) {
		f *= 0.1
	}
	if strings.ContainsAny(text, "=") || strings.Contains(text, "→") {
		f *= 0.3 // an equation
	}
	if strings.HasSuffix(trim, ":") || strings.HasSuffix(trim, "?") {
		f *= 0.4 // introduces a list or asks a question
	}
	if refersOut(toks) {
		f *= 0.5 // "Table 3 shows", "as described in Section 4"
	}
	if len(toks) > 0 && !abstract && danglingStart(toks) {
		f *= 0.6 // "This", "However": needs the previous sentence
	}
	if hasPhrase(toks, hedgePhrases) {
		f *= 0.7
	}
	return f
}

// minExtractable is how many sentences must pass the suitability filters
// before relaxSuitability leaves them alone.
const minExtractable = 3

// fallbackSuit is the suitability relaxSuitability gives a sentence that
// failed the filters: low enough that every sentence that passed ranks
// first.
const fallbackSuit = 0.05

// relaxSuitability makes every sentence with a word in it extractable, at
// fallbackSuit, when fewer than minExtractable pass the filters. The
// filters are tuned for full papers; on a tiny paper, a paper whose
// sentence boundaries were lost (one huge "sentence") or text the filters
// do not expect (tables, other languages), they can reject everything,
// and a weak summary is better than none: the pipeline fails on an empty
// one. Title sentences stay out.
func relaxSuitability(sents []sent) {
	n := 0
	for i := range sents {
		if sents[i].suit > 0 {
			n++
		}
	}
	if n >= minExtractable {
		return
	}
	for i := range sents {
		s := &sents[i]
		if s.suit == 0 && s.kind != papersum.KindTitle && len(s.toks) > 0 {
			if s.debris == 0 {
				s.debris = len(prose.Unquotable(s.text, prose.Options{}))
			}
			// When the text layer is garbage, the cleaner sentences
			// come first.
			s.suit = fallbackSuit / float64(1+s.debris)
		}
	}
}

// isCaption reports whether a sentence starts like a figure or table
// caption ("Table 3: ...", "Fig. 2 ...").
func isCaption(s string) bool {
	for _, p := range []string{"figure ", "fig. ", "fig ", "table ", "algorithm "} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			rest := s[len(p):]
			if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				return true
			}
		}
	}
	return false
}

// refersOut reports whether a sentence points at a figure, table, section
// or equation that a summary reader cannot see.
func refersOut(toks []string) bool {
	for i := 0; i+1 < len(toks); i++ {
		switch toks[i] {
		case "table", "tables", "figure", "figures", "fig", "section", "sections", "eq", "equation", "example", "appendix":
			if textproc.HasDigit(toks[i+1]) {
				return true
			}
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		if (toks[i] == "shown" || toks[i] == "see") && (toks[i+1] == "in" || toks[i+1] == "above" || toks[i+1] == "below") {
			return true
		}
	}
	return false
}

// danglingStarts are openings that lean on the previous sentence.
var danglingStarts = map[string]bool{
	"this": true, "these": true, "that": true, "those": true, "it": true, "its": true,
	"they": true, "their": true, "such": true, "however": true, "thus": true,
	"therefore": true, "hence": true, "also": true, "furthermore": true,
	"moreover": true, "then": true, "here": true, "there": true, "second": true,
	"secondly": true, "finally": true, "similarly": true, "instead": true,
	"otherwise": true, "but": true, "and": true, "so": true, "he": true, "she": true,
}

// danglingStart reports whether the first token of a sentence needs an
// antecedent. "This paper" and "This work" are fine.
func danglingStart(toks []string) bool {
	if !danglingStarts[toks[0]] {
		return false
	}
	if (toks[0] == "this" || toks[0] == "here") && len(toks) > 1 {
		switch toks[1] {
		case "paper", "work", "article", "study", "thesis", "we":
			return false
		}
	}
	return true
}

// hedgePhrases are first-person opinion or hedging that does not belong
// in a summary of findings.
var hedgePhrases = phrases("we believe", "we think", "we hope", "i believe", "i think", "we feel",
	"in our opinion", "we suspect", "we speculate", "it seems", "perhaps")
