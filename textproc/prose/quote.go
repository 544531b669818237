package prose

import (
	"regexp"
	"strings"
)

// Four more kinds, which Check leaves to Unquotable: they matter to a
// summarizer that quotes source sentences, and adding them to Check would
// move the critique's measured scores.
const (
	// Joined is a sentence that runs into the next one without its full
	// stop: a page or column break, a heading or a lost period joined them
	// ("the Wall Street Journal treebank Our results show",
	// "models are explored, i The resulting parsers").
	Joined Kind = "joined"
	// Gap is a place where the text layer lost words: two words that
	// English never puts side by side ("for of length 100", "our is 2.4
	// times as fast").
	Gap Kind = "gap"
	// Formula is mathematical notation run into a sentence: a letter
	// applied to arguments ("p(r)", "H (c)", "P(t|w)"), which a summary
	// reader cannot see defined.
	Formula Kind = "formula"
	// Hyphenated is a word cut at a line-end hyphen and never joined
	// again ("using 57% of the mem- The structure").
	Hyphenated Kind = "hyphenated"
)

// Tidy repairs the blemishes of a source sentence that can be repaired
// without guessing: it removes numeric citation brackets ("[5,9,10]"),
// joins small capitals that a text layer split off their first letter
// ("P ROBING" -> "PROBING", "G EO" -> "GEO"), removes list bullets
// ("• We evaluated"), joins a word hyphenated at
// a line end when it goes on in lower case ("anno- tation" ->
// "annotation"; not "first- and second-order") and collapses white
// space. A summarizer quotes the tidied sentence.
func Tidy(s string) string {
	// Each repair runs only when its mark is there: the regular
	// expressions cost far more than the scans, and most sentences need
	// no repair.
	if strings.IndexByte(s, '[') >= 0 {
		s = replaceCitations(s)
	}
	if strings.ContainsAny(s, "•▪◦") {
		// List bullets, at the start of an item or left inside a
		// word by a line break ("particu- •lar").
		s = strings.NewReplacer("• ", "", "•", "", "▪ ", "", "▪", "", "◦ ", "", "◦", "").Replace(s)
	}
	if strings.Contains(s, "- ") {
		s = joinHyphens(s)
	}
	if splitCapsMark(s) {
		s = joinCaps(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, " .", ".")
	s = strings.ReplaceAll(s, " ,", ",")
	return s
}

// splitCapsMark reports whether s has a capital, a space and two capitals:
// the mark of small capitals split off their first letter.
func splitCapsMark(s string) bool {
	for i := 0; i+3 < len(s); i++ {
		if isUpper(s[i]) && s[i+1] == ' ' && isUpper(s[i+2]) && isUpper(s[i+3]) {
			return true
		}
	}
	return false
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

// joinHyphens joins words hyphenated at a line end (see Tidy).
func joinHyphens(s string) string {
	return hyphenRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := hyphenRE.FindStringSubmatch(m)
		if next := sub[2]; suspended(next) || next[0] < 'a' || next[0] > 'z' {
			return m
		}
		return strings.TrimSuffix(sub[1], "-") + sub[2]
	})
}

// joinCaps joins small capitals split off their first letter (see Tidy).
func joinCaps(s string) string {
	return tidyCapsRE.ReplaceAllStringFunc(s, func(m string) string {
		word := strings.TrimLeft(m, " \t\n([\"'")
		lead := m[:len(m)-len(word)]
		// "A NEW" and "I AM" are words of a heading, not a split one.
		if word[0] == 'A' || word[0] == 'I' {
			return m
		}
		return lead + word[:1] + word[2:]
	})
}

// Unquotable returns the problems of sentence that make it unfit to quote
// in a summary: every kind that is not prose (Kind.NonProse), fragments
// and unfinished sentences, citation brackets, words broken apart or run
// together, and the two kinds only this check looks for, Joined and
// Hyphenated. An empty result means the sentence reads as prose. Run it
// on the tidied sentence (Tidy) to leave out what tidying repairs.
//
// This is the detector papersum's benchmarks count "non-prose text" with:
// a summary has non-prose text when any of its sentences has a problem.
func Unquotable(sentence string, opt Options) []Problem {
	var out []Problem
	for _, p := range Check(sentence, opt) {
		if p.Kind == Unfinished && !cutShort(sentence) {
			// Check calls "the phrase it is in." unfinished for its
			// last word; a quoted sentence with its full stop is whole
			// unless it ends on a word no sentence ends on.
			continue
		}
		if p.Kind == WordSalad && listSentence(sentence) {
			// "We investigate five tasks: affect recognition, word
			// similarity, ...": a list has few function words.
			continue
		}
		out = append(out, p)
	}
	if open := unclosed(sentence); open >= 0 {
		out = append(out, Problem{Kind: Unfinished, Span: sentence[open:], Start: open, End: len(sentence)})
	}
	for _, m := range joined(sentence) {
		// After a colon a capital opens a list item or a quotation
		// ("Treebank: The sections 2-21 are used"); only the words that
		// open a new sentence of the text ("form: Next we describe")
		// mean that something between them was lost.
		if sentence[m[2]-1] == ':' || strings.HasSuffix(strings.TrimRight(sentence[:m[2]], " "), ":") {
			switch sentence[m[2]:m[3]] {
			case "Next", "Then", "We", "Here", "Thus", "Finally", "However":
			default:
				continue
			}
		}
		// m[2:4] is the opening word of the sentence run in.
		// The span runs from the word that lost its full stop.
		from := strings.LastIndexAny(sentence[:m[0]], " \t\n") + 1
		out = append(out, Problem{Kind: Joined, Span: sentence[from:m[3]], Start: from, End: m[3]})
	}
	fs := fields(sentence)
	for k, f := range fs {
		w := sentence[f[0]:f[1]]
		if strayRE.MatchString(w) || digitTildeRE.MatchString(w) || strings.Contains(w, "(~") {
			out = append(out, Problem{Kind: OCRNoise, Span: w, Start: f[0], End: f[1]})
		}
		if k+1 < len(fs) {
			next := sentence[fs[k+1][0]:fs[k+1][1]]
			if gapPairs[strings.ToLower(w)+" "+strings.ToLower(next)] {
				out = append(out, Problem{Kind: Gap, Span: sentence[f[0]:fs[k+1][1]], Start: f[0], End: fs[k+1][1]})
			}
		}
	}
	if len(fs) > 0 {
		if m := leadingNumberRE.FindStringIndex(sentence); m != nil {
			out = append(out, Problem{Kind: Fragment, Span: sentence[m[0]:m[1]], Start: m[0], End: m[1]})
		}
	}
	var formulas [][]int
	if strings.IndexByte(sentence, '(') >= 0 {
		formulas = formulaRE.FindAllStringIndex(sentence, -1)
	}
	for _, m := range formulas {
		out = append(out, Problem{Kind: Formula, Span: sentence[m[0]:m[1]], Start: m[0], End: m[1]})
	}
	for _, m := range footnoteRE.FindAllStringIndex(sentence, -1) {
		out = append(out, Problem{Kind: Joined, Span: sentence[m[0]:m[1]], Start: m[0], End: m[1]})
	}
	if strings.ContainsAny(sentence, `'"‘“`) {
		for _, m := range quotedOpenerRE.FindAllStringSubmatchIndex(sentence, -1) {
			out = append(out, Problem{Kind: Joined, Span: sentence[m[0]:m[3]], Start: m[0], End: m[3]})
		}
	}
	var stops [][]int
	if innerStopMark(sentence) {
		stops = innerStopRE.FindAllStringSubmatchIndex(sentence, -1)
	}
	for _, m := range stops {
		if abbreviations[sentence[m[2]:m[3]]] {
			continue
		}
		out = append(out, Problem{Kind: Joined, Span: sentence[m[2]:m[5]], Start: m[2], End: m[5]})
	}
	var hyphens [][]int
	if strings.Contains(sentence, "- ") {
		hyphens = hyphenRE.FindAllStringSubmatchIndex(sentence, -1)
	}
	for _, m := range hyphens {
		if suspended(sentence[m[4]:m[5]]) {
			continue // "first- and second-order": a suspended hyphen
		}
		out = append(out, Problem{Kind: Hyphenated, Span: sentence[m[2]:m[3]], Start: m[2], End: m[3]})
	}
	sortProblems(out)
	return out
}

var (
	// footnoteRE matches a footnote mark after a full stop inside a
	// sentence, where the next sentence (or a heading) was run in:
	// "referred to as treebanks.5. Theory-independence:".
	footnoteRE = regexp.MustCompile(`[a-z]{3,}\.\d{1,2}\.(?:\s|$)`)
	// quotedOpenerRE matches a sentence opening after an opening quote
	// in mid-sentence, where a footnote was run in: "the complete
	// prepositional phrase 'We adopt here the transliteration of".
	quotedOpenerRE = regexp.MustCompile(`[a-z]\s+['"‘“](We|Our|This|These|The|In|It)\s+[a-z]+\s+[a-z]`)
	// formulaRE matches a single letter applied to a short argument
	// list: "p(r)", "H (c)", "P(t|w)", "f(x, y)"; not "(a)" or "a) and".
	formulaRE = regexp.MustCompile(`(?:^|[\s,;])[A-Za-z]\s?\([^()\s]{1,12}(?:[,|] ?[^()\s]{1,12})*\)`)
	// digitTildeRE matches a digit read with a tilde after it: "90.1~".
	digitTildeRE = regexp.MustCompile(`\d~`)
	// leadingNumberRE matches a sentence that opens on a number followed
	// by a comma, semicolon or bracket: the tail of a citation list or a
	// footnote ("1992, 1993; Briscoe and ...").
	leadingNumberRE = regexp.MustCompile(`^\s*\d+[a-z]?[,;)]`)
	// innerStopRE matches a full stop after a lower-case word followed by
	// a lower-case word: two sentences that ingestion could not split
	// because the second was cut from its start ("techniques. on
	// constituents' membership").
	innerStopRE = regexp.MustCompile(`\b([a-z]{2,})\.\s+([a-z]+)\b`)
	// tidyCapsRE is splitCapsRE that also takes a bracket or a quote
	// before the capitals: "(G EO and JOBS)".
	tidyCapsRE = regexp.MustCompile(`(?:^|[\s(\["'])[A-Z] [A-Z]{2,}\b`)
	// strayRE matches a word made only of characters a text layer left
	// for a glyph it could not read: "in ~ of".
	strayRE = regexp.MustCompile(`^[~^|\\{}]+$`)
	// joinedRE matches a word that opens sentences, capitalised, after a
	// word that does not end one: "treebank Our", "explored, i The",
	// "Results We", "takes the following form: Next we" (an equation
	// dropped between them). The word before it ends the sentence that
	// lost its full stop, or is a heading run into the text. A quotation
	// before the opener does not match.
	joinedRE = regexp.MustCompile(`(?:[a-z0-9%)]|[a-z]:)\s+(We|Our|The|This|These|In|It|Its|Here|Thus|However|Finally|Moreover|Furthermore|Next|Then|Table|Figure)\s+[a-z]`)
	// hyphenRE matches a word that ends in a hyphen followed by a space
	// and another word: "mem- The", "widely- SRILM".
	hyphenRE = regexp.MustCompile(`\b([A-Za-z]{2,}-)\s+([A-Za-z]+)`)
)

// joined returns the matches of joinedRE in s, found by a scan for the
// opening words first, which most sentences lack in mid-sentence.
func joined(s string) [][]int {
	for i := 1; i+1 < len(s); i++ {
		if s[i-1] == ' ' && isUpper(s[i]) {
			return joinedRE.FindAllStringSubmatchIndex(s, -1)
		}
	}
	return nil
}

// innerStopMark reports a full stop followed by a space and a lower-case
// letter, the mark innerStopRE looks for.
func innerStopMark(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && s[i+2] >= 'a' && s[i+2] <= 'z' {
			return true
		}
	}
	return false
}

// abbreviations end in a full stop inside a sentence.
var abbreviations = map[string]bool{
	"al": true, "e.g": true, "eg": true, "ie": true, "i.e": true, "g": true, "e": true, "vs": true, "cf": true, "etc": true,
	"resp": true, "approx": true, "ca": true, "pp": true, "eq": true, "eqs": true, "no": true, "fig": true, "figs": true,
	"sec": true, "secs": true, "ch": true, "vol": true, "ed": true, "eds": true, "viz": true, "op": true, "cit": true,
	"incl": true, "esp": true, "min": true, "max": true, "sq": true, "ref": true, "refs": true, "wrt": true, "w.r.t": true,
}

// gapPairs are word pairs that English does not write, left where a text
// layer dropped the word between them (small capitals, symbols).
var gapPairs = map[string]bool{}

func init() {
	preps := []string{"of", "for", "on", "with", "by", "from", "at", "into"}
	for _, a := range preps {
		for _, b := range preps {
			gapPairs[a+" "+b] = true
		}
	}
	// Not "this" or "these": they are pronouns too ("for this is that").
	for _, det := range []string{"the", "a", "an", "our", "their", "its"} {
		for _, b := range []string{"is", "are", "was", "were", "of", "for", "and", "the", "a", "an", "to", "with", "by", "from"} {
			gapPairs[det+" "+b] = true
		}
	}
	// "a for" is not a gap in "a for loop", but papers on language rarely
	// say so; "a. of" never is.
}

// replaceCitations removes the numeric citation brackets of s that can go
// without a trace ("error rate [9]."), and keeps those that a word before
// them governs ("Following [5,10], our parser", "as in [3]"), whose
// removal would leave a broken sentence; Unquotable reports those.
func replaceCitations(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range citationRE.FindAllStringIndex(s, -1) {
		before := strings.Fields(s[:m[0]])
		if len(before) > 0 && governs[strings.ToLower(strings.Trim(before[len(before)-1], ",;:("))] {
			continue
		}
		b.WriteString(s[last:m[0]])
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// governs are the words after which a citation bracket is a noun phrase
// of the sentence.
var governs = map[string]bool{
	"in": true, "of": true, "by": true, "see": true, "following": true, "from": true, "to": true, "and": true,
	"with": true, "on": true, "e.g.": true, "cf.": true, "than": true, "as": true, "like": true, "follow": true,
	"use": true, "uses": true, "used": true, "unlike": true, "at": true, "for": true, "or": true, "also": true,
}

// listSentence reports whether s introduces a list with a colon and
// separates its items with commas, and has no tagged tokens ("aide/NN")
// that would make it corpus debris instead.
func listSentence(s string) bool {
	colon := strings.Index(s, ": ")
	return colon > 0 && strings.Count(s[colon:], ",") >= 2 && !strings.Contains(s, "/")
}

// cutShort reports whether s stops without a final full stop, question
// or exclamation mark, or on a word that never ends a sentence ("the",
// "of", "e.g.").
func cutShort(s string) bool {
	t := strings.TrimRight(strings.TrimSpace(s), `"')]”’`)
	if !strings.HasSuffix(t, ".") && !strings.HasSuffix(t, "!") && !strings.HasSuffix(t, "?") {
		return true
	}
	last := t[strings.LastIndexAny(t, " \t\n(")+1:]
	switch strings.ToLower(strings.TrimRight(last, ".!?")) {
	case "the", "a", "an", "of", "and", "or", "e.g", "i.e", "cf", "vs", "with", "by":
		return true
	}
	return false
}

// unclosed returns the position of the first bracket that s opens and
// never closes ("uncontroversial (e.g."), or -1: the sentence was cut
// inside it.
func unclosed(s string) int {
	var stack []int
	for i, r := range s {
		switch r {
		case '(':
			stack = append(stack, i)
		case ')':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return -1
	}
	return stack[0]
}

// suspended reports whether the word after "xx- " makes the hyphen a
// suspended one ("first- and second-order", "pre- or post-processing").
func suspended(next string) bool {
	switch strings.ToLower(next) {
	case "and", "or", "to", "as", "nor", "versus", "vs":
		return true
	}
	return false
}

// Quotable reports whether sentence has no problem that Unquotable
// reports.
func Quotable(sentence string, opt Options) bool {
	return len(Unquotable(sentence, opt)) == 0
}
