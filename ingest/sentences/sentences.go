package sentences

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Split returns the sentences of text in document order. Each sentence is
// trimmed and has its runs of white space collapsed to one space; empty
// sentences are dropped.
//
// A blank line (a paragraph break) always ends a sentence, so a heading or a
// caption that has no final full stop does not run into the next paragraph.
// Within a paragraph a sentence ends at '.', '?', '!' or an ellipsis
// (optionally followed by closing quotes or brackets) when white space and a
// plausible sentence start follow. Abbreviations ("e.g.", "Fig. 3",
// "et al."), initials, decimals, version numbers and URLs do not end a
// sentence.
//
// Split makes one pass over the text without regular expressions; the
// sentences share the memory of one normalised copy of text.
func Split(text string) []string {
	s := normalize(text)
	if s == "" {
		return nil
	}
	// One sentence per 100 bytes is a generous estimate for prose and
	// avoids most regrowth of the result.
	out := make([]string, 0, len(s)/100+1)
	emit := func(a, b int) {
		if t := strings.TrimSpace(s[a:b]); t != "" {
			out = append(out, t)
		}
	}
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			emit(start, i)
			start = i + 1
		case c == '.' || c == '?' || c == '!' || (c == 0xE2 && strings.HasPrefix(s[i:], "…")):
			end, next, ok := boundary(s, start, i)
			if ok {
				emit(start, end)
				start = next
			}
			// Skip the rest of the terminator run and what boundary
			// consumed, so that "..." or ".)" are judged once.
			i = end - 1
		}
	}
	emit(start, len(s))
	return out
}

// normalize collapses every run of white space to one space, or to one
// '\n' when the run holds a paragraph break (two or more newlines, or a
// Unicode paragraph separator), and trims the ends. Non-breaking and other
// Unicode spaces count as white space because PDF text and LaTeX ties
// ("Fig.~3") produce them between an abbreviation and its number.
func normalize(text string) string {
	// A Builder rather than a []byte: its String does not copy.
	var buf strings.Builder
	buf.Grow(len(text))
	newlines := 0 // newlines in the current run of white space
	inSpace := false
	for i := 0; i < len(text); {
		// Copy the run of non-space bytes in one go; printable ASCII is
		// the common case and needs no decoding.
		j := i
		for j < len(text) {
			c := text[j]
			if c > ' ' && c < utf8.RuneSelf {
				j++
				continue
			}
			if c < utf8.RuneSelf {
				if isASCIISpace(c) {
					break
				}
				j++ // other control bytes are kept as they are
				continue
			}
			r, n := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) || r == '\u200b' || r == '\u2028' || r == '\u2029' {
				break
			}
			j += n
		}
		if j > i {
			if inSpace && buf.Len() > 0 {
				if newlines >= 2 {
					buf.WriteByte('\n')
				} else {
					buf.WriteByte(' ')
				}
			}
			inSpace, newlines = false, 0
			buf.WriteString(text[i:j])
			i = j
			continue
		}
		// text[i] starts a white-space character.
		inSpace = true
		c := text[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				newlines++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\u2029':
			newlines += 2
		case '\u2028', '\u0085':
			newlines++
		}
		i += n
	}
	return buf.String()
}

// isASCIISpace reports whether c is ASCII white space.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// boundary decides whether the terminator at s[i] ends the sentence that
// started at start. It returns end, the index just past the terminator run
// and any closing quotes, brackets or trailing numeric citation; next, the
// index where the following sentence starts; and whether this is a
// boundary. s is normalised (single spaces, '\n' for paragraph breaks).
func boundary(s string, start, i int) (end, next int, ok bool) {
	// The terminator run: ".", "?!", "...", "…".
	j := i
	dots, other := 0, false
	for j < len(s) {
		switch {
		case s[j] == '.':
			dots++
			j++
			continue
		case s[j] == '?' || s[j] == '!':
			other = true
			j++
			continue
		case strings.HasPrefix(s[j:], "…"):
			dots += 3
			j += len("…")
			continue
		}
		break
	}
	ellipsis := dots >= 2
	// Closing quotes and brackets belong to the sentence they close.
	closed := false
	for j < len(s) {
		if n := closerLen(s[j:]); n > 0 {
			j += n
			closed = true
			continue
		}
		break
	}
	end = j
	if j == len(s) {
		return end, end, true
	}
	// A numeric citation placed after the full stop ("shown.[3] The",
	// "shown. [3, 4] The") belongs to the sentence before it.
	if k, ok := trailingCitation(s, j); ok {
		end, j = k, k
	}
	if j == len(s) || s[j] == '\n' {
		return end, j, true
	}
	if s[j] != ' ' {
		// "3.14", "e.g.,", "www.x.org": no space, no boundary.
		return end, end, false
	}
	k := j + 1
	// Look through opening quotes and brackets at the first character
	// of the next sentence.
	opened := false
	for k < len(s) {
		if n := openerLen(s[k:]); n > 0 {
			k += n
			opened = true
			continue
		}
		break
	}
	if k >= len(s) {
		return end, j + 1, true
	}
	r, _ := utf8.DecodeRuneInString(s[k:])
	if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !unicode.IsTitle(r) {
		// Sentences do not start in lower case or with ",", ";", "=" ...
		return end, end, false
	}
	word := nextWord(s[k:])
	switch {
	case other, closed:
		return end, j + 1, true
	case ellipsis:
		// "and so on... The" ends; "a, b, ... Z" more likely does not.
		if i > 0 && s[i-1] == ' ' {
			return end, j + 1, isStarter(word)
		}
		return end, j + 1, true
	}
	// A single full stop: judge the word before it.
	ws := strings.LastIndexAny(s[:i], " \n") + 1
	w := s[ws:i]
	for len(w) > 0 {
		if n := openerLen(w); n > 0 {
			w = w[n:]
			continue
		}
		break
	}
	if w == "" {
		return end, j + 1, true
	}
	// A lone enumerator at the start of a sentence ("1. We", "(a) ii.")
	// is a list label, not a sentence.
	if ws <= start && isLabel(w) {
		return end, end, false
	}
	switch classify(w, s[:ws]) {
	case abbrNever:
		return end, end, false
	case abbrRef:
		if opened || unicode.IsDigit(r) || isShortLabel(word) {
			return end, end, false
		}
		if strongRef(w) {
			return end, end, false
		}
		return end, j + 1, true
	case abbrStarter:
		return end, j + 1, isStarter(word)
	}
	return end, j + 1, true
}

// closerLen returns the byte length of the closing quote or bracket at the
// start of s, or 0.
func closerLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case ')', ']', '}', '"', '\'':
		return 1
	case 0xE2:
		if strings.HasPrefix(s, "”") || strings.HasPrefix(s, "’") || strings.HasPrefix(s, "›") {
			return 3
		}
	case 0xC2:
		if strings.HasPrefix(s, "»") {
			return 2
		}
	}
	return 0
}

// openerLen returns the byte length of the opening quote or bracket at the
// start of s, or 0.
func openerLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '(', '[', '{', '"', '\'', '`':
		return 1
	case 0xE2:
		if strings.HasPrefix(s, "“") || strings.HasPrefix(s, "‘") || strings.HasPrefix(s, "‹") {
			return 3
		}
	case 0xC2:
		if strings.HasPrefix(s, "«") {
			return 2
		}
	}
	return 0
}

// trailingCitation reports whether a numeric citation such as "[3]" or
// "[3, 4-6]" starts at s[j] or s[j+1] (after one space) and is followed by
// the end, a paragraph break or a space and an upper-case letter. It
// returns the index just past the closing bracket.
func trailingCitation(s string, j int) (int, bool) {
	k := j
	if k < len(s) && s[k] == ' ' {
		k++
	}
	if k >= len(s) || s[k] != '[' {
		return 0, false
	}
	k++
	digits := 0
	for ; k < len(s) && k-j < 40; k++ {
		c := s[k]
		if c >= '0' && c <= '9' {
			digits++
			continue
		}
		if c == ',' || c == '-' || c == ' ' || c == ';' {
			continue
		}
		if strings.HasPrefix(s[k:], "–") {
			k += len("–") - 1
			continue
		}
		break
	}
	if digits == 0 || k >= len(s) || s[k] != ']' {
		return 0, false
	}
	k++
	if k == len(s) || s[k] == '\n' {
		return k, true
	}
	if s[k] != ' ' || k+1 >= len(s) {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(s[k+1:])
	if !unicode.IsUpper(r) {
		// "[3] showed that ..." opens the next sentence.
		return 0, false
	}
	return k, true
}

// nextWord returns the leading run of letters of s.
func nextWord(s string) string {
	for i, r := range s {
		if !unicode.IsLetter(r) {
			return s[:i]
		}
	}
	return s
}

// The ways a word before a full stop can be an abbreviation.
const (
	abbrNone    = iota // not an abbreviation: the full stop ends the sentence
	abbrNever          // never ends a sentence: "e.g.", "Dr.", "cf."
	abbrRef            // precedes a number or label: "Fig. 3", "Eq. (2)"
	abbrStarter        // ends one only before a typical first word: "et al.", "J."
)

// classify says what kind of abbreviation w (the word before a full stop,
// without it) is. before is the text up to w, used for "et al.".
func classify(w, before string) int {
	last, _ := utf8.DecodeLastRuneInString(w)
	if !unicode.IsLetter(last) {
		return abbrNone
	}
	if strings.IndexByte(w, '.') >= 0 {
		return classifyDotted(w)
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		if r >= 'A' && r <= 'Z' {
			return abbrStarter // an initial: "J. Smith"
		}
		if w == "p" {
			return abbrRef // "p. 12"
		}
		return abbrNone // "the variable x. Then"
	}
	if len(w) > 8 {
		return abbrNone
	}
	switch w {
	case "al":
		if strings.HasSuffix(before, "et ") {
			return abbrStarter
		}
		return abbrNone
	// Titles and names: case matters ("ms." is milliseconds).
	case "Dr", "Drs", "Mr", "Mrs", "Ms", "Mssrs", "Prof", "Profs", "St", "Mt", "Rev", "Gen", "Sen", "Rep", "Hon":
		return abbrNever
	case "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec":
		return abbrNever
	case "Dept", "Univ", "Proc", "Conf", "Intl", "Int", "Assoc", "Natl", "Trans", "Symp", "Workshop", "Jour":
		return abbrNever
	// Latin and connectives that are always followed by more sentence.
	case "eg", "ie", "cf", "Cf", "vs", "Vs", "viz", "ca", "approx", "resp", "incl", "esp", "wrt", "w.r.t", "ibid", "Ibid", "aka":
		return abbrNever
	}
	if isRef(w) {
		return abbrRef
	}
	return abbrNone
}

// classifyDotted classifies words with inner full stops such as "e.g",
// "i.e", "U.S", "Ph.D" or "a.k.a"; anything else with a full stop inside
// ("2.0", "x.org") is not an abbreviation.
func classifyDotted(w string) int {
	seg := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '.':
			if seg == 0 {
				return abbrNone
			}
			seg = 0
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			seg++
			if seg > 2 {
				return abbrNone
			}
		default:
			return abbrNone
		}
	}
	switch w {
	case "e.g", "i.e", "E.g", "I.e", "a.k.a", "w.r.t", "i.i.d", "cf", "et.al", "c.f", "viz":
		return abbrNever
	}
	return abbrStarter
}

// isRef reports whether w abbreviates a word that precedes a number or a
// label: figure, equation, section, table, page ... in any case.
func isRef(w string) bool {
	var buf [8]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "fig", "figs", "eq", "eqs", "eqn", "eqns", "sec", "secs", "sect", "sects",
		"tab", "tabs", "tbl", "ch", "chap", "chaps", "app", "appx", "apps", "alg", "algo",
		"thm", "thms", "def", "defn", "prop", "lem", "cor", "ref", "refs", "no", "nos",
		"vol", "vols", "pp", "art", "para", "col", "cols", "ex", "exs", "fn", "ed", "eds",
		"obs", "hyp", "cond", "expt", "expts", "suppl", "supp":
		return true
	}
	return false
}

// strongRef reports whether w is a capitalised reference abbreviation that
// never ends a sentence whatever follows ("Fig.", "Eq.", "Sec."), unlike
// "No." or the lower-case "sec." of seconds.
func strongRef(w string) bool {
	switch w {
	case "Fig", "Figs", "Eq", "Eqs", "Eqn", "Eqns", "Sec", "Secs", "Sect", "Sects",
		"Tab", "Tabs", "Tbl", "Ch", "Chap", "Chaps", "App", "Appx", "Alg", "Algo", "Thm", "Thms",
		"Def", "Defn", "Prop", "Lem", "Cor", "Ref", "Refs", "FIG", "EQ", "SEC", "TAB":
		return true
	}
	return false
}

// isShortLabel reports whether w is a label that follows a reference
// abbreviation: one capital ("App. B") or a Roman numeral ("Tab. IV").
func isShortLabel(w string) bool {
	if len(w) == 1 {
		return true
	}
	if len(w) > 5 {
		return false
	}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case 'I', 'V', 'X', 'L':
		default:
			return false
		}
	}
	return true
}

// isLabel reports whether w is an enumerator: digits ("1"), one letter
// ("a", "B") or a short Roman numeral ("ii", "IV").
func isLabel(w string) bool {
	if w == "" || len(w) > 4 {
		return false
	}
	digits := true
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			digits = false
			break
		}
	}
	if digits || len(w) == 1 {
		return true
	}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case 'i', 'v', 'x', 'I', 'V', 'X':
		default:
			return false
		}
	}
	return true
}

// isStarter reports whether w is a word that commonly starts a sentence in
// scientific prose. After an ambiguous abbreviation ("et al.", an initial)
// only such a word is taken as the start of a new sentence; a name
// ("J. Smith") is not. "A" and "I" are left out: they are initials too.
func isStarter(w string) bool {
	switch w {
	case "The", "This", "These", "That", "Those", "There", "Then", "Thus", "Therefore",
		"They", "Their", "It", "Its", "In", "We", "Our", "Us", "He", "She", "His", "Her",
		"However", "Moreover", "Furthermore", "Finally", "First", "Second", "Third", "Next",
		"Hence", "Also", "Although", "While", "When", "Where", "Whereas", "If", "Here",
		"For", "Since", "As", "On", "To", "An", "By", "From", "With", "Without", "At",
		"After", "Before", "Such", "Each", "All", "Both", "One", "Most", "Some", "Many",
		"Another", "Other", "Given", "Using", "Note", "Instead", "Similarly", "Consequently",
		"Unlike", "Like", "Because", "Further", "Overall", "Additionally",
		"Nevertheless", "Nonetheless", "Indeed", "Specifically", "Importantly", "Interestingly",
		"Accordingly", "Notably", "Still", "Yet", "But", "And", "Or", "So", "No", "Not",
		"What", "Which", "Who", "Why", "How", "Table", "Figure", "Section", "Fig", "Recently",
		"Previous", "Prior", "Later", "Unfortunately", "Clearly", "Obviously":
		return true
	}
	return false
}
