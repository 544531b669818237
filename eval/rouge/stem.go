package rouge

import "strings"

// This file reproduces ROUGE-1.5.5's -m stemming: MorphStem (WordNet exception
// look-up) followed by the Perl Porter stemmer embedded in ROUGE-1.5.5.pl
// ("Release 1" of Martin Porter's Perl version, with Chin-Yew Lin's 2004 change
// to step 4). It differs from the reference Porter stemmer, and from every Go
// Porter/Snowball package, in ways that change ROUGE scores:
//
//   - a 'y' is a vowel in every position except the first ([aeiouy] in $v);
//   - the *o condition of steps 1b and 5 matches the whole stem (^C v [^aeiouwxy]$),
//     not just its last three letters;
//   - step 4: -ement words skip the -ment rule, yet a word left ending in
//     -ment or -ent by the first rule is tried again (agreement -> agreem);
//   - suffix alternations take the longest matching suffix and never fall back to
//     a shorter one when the measure condition fails.
//
// The measure conditions are the script's regular expressions; matches
// evaluates them directly (a regexp package costs about as much as the rest
// of the stemmer), and stem_test.go checks it against the expressions
// themselves on every short string over the relevant character classes.

// piece is one element of the script's stemmer patterns.
type piece uint8

const (
	pieceC    piece = iota // ${C} = [^aeiou][^aeiouy]*
	pieceCOpt              // (${C})?
	pieceV                 // ${V} = [aeiouy][aeiou]*
	pieceVOpt              // (${V})?
	piecev                 // ${v} = [aeiouy]
	pieceLast              // [^aeiouwxy]
	pieceEnd               // $
)

var (
	patMgr0 = []piece{pieceCOpt, pieceV, pieceC}                      // $mgr0 = ^(C)?VC: m > 0
	patMeq1 = []piece{pieceCOpt, pieceV, pieceC, pieceVOpt, pieceEnd} // $meq1 = ^(C)?VC(V)?$: m = 1
	patMgr1 = []piece{pieceCOpt, pieceV, pieceC, pieceV, pieceC}      // $mgr1 = ^(C)?VCVC: m > 1
	patCVC  = []piece{pieceC, piecev, pieceLast, pieceEnd}            // ^${C}${v}[^aeiouwxy]$
)

func isAEIOU(c byte) bool  { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }
func isAEIOUY(c byte) bool { return isAEIOU(c) || c == 'y' }

// matches reports whether pattern ps matches s from its start (the patterns
// are all anchored with ^), trying every length of every variable piece, as a
// backtracking regexp engine would.
func matches(s string, ps []piece) bool { return matchAt(s, 0, ps) }

func matchAt(s string, pos int, ps []piece) bool {
	if len(ps) == 0 {
		return true
	}
	rest := ps[1:]
	switch ps[0] {
	case pieceEnd:
		return pos == len(s)
	case piecev:
		return pos < len(s) && isAEIOUY(s[pos]) && matchAt(s, pos+1, rest)
	case pieceLast:
		return pos < len(s) && !isAEIOU(s[pos]) && s[pos] != 'w' && s[pos] != 'x' && s[pos] != 'y' && matchAt(s, pos+1, rest)
	case pieceCOpt:
		return matchAt(s, pos, rest) || matchC(s, pos, rest)
	case pieceC:
		return matchC(s, pos, rest)
	case pieceVOpt:
		return matchAt(s, pos, rest) || matchV(s, pos, rest)
	case pieceV:
		return matchV(s, pos, rest)
	}
	return false
}

func matchC(s string, pos int, rest []piece) bool {
	if pos >= len(s) || isAEIOU(s[pos]) {
		return false
	}
	for e := pos + 1; ; e++ {
		if matchAt(s, e, rest) {
			return true
		}
		if e >= len(s) || isAEIOUY(s[e]) {
			return false
		}
	}
}

func matchV(s string, pos int, rest []piece) bool {
	if pos >= len(s) || !isAEIOUY(s[pos]) {
		return false
	}
	for e := pos + 1; ; e++ {
		if matchAt(s, e, rest) {
			return true
		}
		if e >= len(s) || !isAEIOU(s[e]) {
			return false
		}
	}
}

// Porter step suffix lists, longest-match semantics (see longestSuffix).
var (
	step2Suffixes = [][2]string{
		{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"}, {"bli", "ble"},
		{"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}, {"ization", "ize"}, {"ation", "ate"},
		{"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},
		{"iviti", "ive"}, {"biliti", "ble"}, {"logi", "log"},
	}
	step3Suffixes = [][2]string{
		{"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
	}
	step4Suffixes = []string{
		"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
	}
)

// hasVowel is ROUGE's $_v (^(C)?v): true iff the stem contains a lower-case
// a, e, i, o, u or y anywhere (an initial y has been upper-cased by then).
func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

// longestSuffix returns the longest key of m that w ends with. A Perl
// alternation anchored with $ matches at the leftmost possible start, which is
// the longest matching suffix.
func longestSuffix(w string, table [][2]string) (suf, repl string, ok bool) {
	for _, e := range table {
		if len(e[0]) > len(suf) && strings.HasSuffix(w, e[0]) {
			suf, repl, ok = e[0], e[1], true
		}
	}
	return suf, repl, ok
}

func longestSuffixList(w string, list []string) (string, bool) {
	best, ok := "", false
	for _, suf := range list {
		if len(suf) > len(best) && strings.HasSuffix(w, suf) {
			best, ok = suf, true
		}
	}
	return best, ok
}

// porterStem is ROUGE-1.5.5.pl's sub stem, statement by statement.
func porterStem(w string) string {
	if len(w) < 3 {
		return w
	}
	initialY := w[0] == 'y'
	if initialY {
		w = "Y" + w[1:] // so that the patterns never treat it as a vowel
	}

	// Step 1a
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies"):
		w = w[:len(w)-2]
	case len(w) >= 2 && w[len(w)-1] == 's' && w[len(w)-2] != 's':
		w = w[:len(w)-1]
	}

	// Step 1b
	if strings.HasSuffix(w, "eed") {
		if matches(w[:len(w)-3], patMgr0) {
			w = w[:len(w)-1]
		}
	} else if stem, ok := cutSuffix(w, "ed", "ing"); ok {
		if hasVowel(stem) {
			w = stem
			switch {
			case strings.HasSuffix(w, "at") || strings.HasSuffix(w, "bl") || strings.HasSuffix(w, "iz"):
				w += "e"
			case len(w) >= 2 && w[len(w)-1] == w[len(w)-2] && !strings.ContainsRune("aeiouylsz", rune(w[len(w)-1])):
				w = w[:len(w)-1]
			case matches(w, patCVC):
				w += "e"
			}
		}
	}

	// Step 1c
	if strings.HasSuffix(w, "y") && hasVowel(w[:len(w)-1]) {
		w = w[:len(w)-1] + "i"
	}

	// Step 2
	if suf, repl, ok := longestSuffix(w, step2Suffixes); ok {
		if stem := w[:len(w)-len(suf)]; matches(stem, patMgr0) {
			w = stem + repl
		}
	}

	// Step 3
	if suf, repl, ok := longestSuffix(w, step3Suffixes); ok {
		if stem := w[:len(w)-len(suf)]; matches(stem, patMgr0) {
			w = stem + repl
		}
	}

	// Step 4 (three separate tests, as in the script after CYL's 2004 change)
	if suf, ok := longestSuffixList(w, step4Suffixes); ok {
		if stem := w[:len(w)-len(suf)]; matches(stem, patMgr1) {
			w = stem
		}
	}
	if strings.HasSuffix(w, "ment") {
		if stem := w[:len(w)-4]; matches(stem, patMgr1) {
			w = stem
		}
	}
	if strings.HasSuffix(w, "ent") {
		if stem := w[:len(w)-3]; matches(stem, patMgr1) {
			w = stem
		}
	} else if len(w) >= 4 && strings.HasSuffix(w, "ion") && (w[len(w)-4] == 's' || w[len(w)-4] == 't') {
		if stem := w[:len(w)-3]; matches(stem, patMgr1) {
			w = stem
		}
	}

	// Step 5
	if strings.HasSuffix(w, "e") {
		stem := w[:len(w)-1]
		if matches(stem, patMgr1) || (matches(stem, patMeq1) && !matches(stem, patCVC)) {
			w = stem
		}
	}
	if strings.HasSuffix(w, "ll") && matches(w, patMgr1) {
		w = w[:len(w)-1]
	}

	if initialY {
		w = strings.ToLower(w[:1]) + w[1:] // lcfirst
	}
	return w
}

// cutSuffix removes the first of sufs that w ends with.
func cutSuffix(w string, sufs ...string) (string, bool) {
	for _, s := range sufs {
		if strings.HasSuffix(w, s) {
			return w[:len(w)-len(s)], true
		}
	}
	return w, false
}

// morphStem is ROUGE's MorphStem for a token that is already lower-case: the
// WordNet exception's base form if the token is listed (used as is, never
// Porter-stemmed), otherwise the Porter stem.
func (r *Resources) morphStem(tok string) string {
	if base, ok := r.exceptions[tok]; ok {
		return base
	}
	return porterStem(tok)
}
