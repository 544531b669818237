package prose

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is a kind of problem.
type Kind string

// The kinds of problem Check reports.
const (
	BrokenWord   Kind = "broken_word"   // a word split apart or two run together
	OCRNoise     Kind = "ocr_noise"     // characters an OCR or text layer garbled
	FrontMatter  Kind = "front_matter"  // author names, affiliations, addresses
	FigureDebris Kind = "figure_debris" // figure or table text read as a sentence
	Citation     Kind = "citation"      // a numeric citation bracket
	Fragment     Kind = "fragment"      // not a whole sentence: starts mid-way
	Unfinished   Kind = "unfinished"    // stops mid-sentence
	WordSalad    Kind = "word_salad"    // words without the grammar of a sentence
)

// NonProse reports whether text with a problem of kind k is not prose at
// all (debris that states nothing), rather than prose with a blemish.
func (k Kind) NonProse() bool {
	return k == OCRNoise || k == FrontMatter || k == FigureDebris || k == WordSalad
}

// Problem is one problem of a sentence: its kind and the exact span at
// fault, Sentence[Start:End].
type Problem struct {
	Kind       Kind
	Span       string
	Start, End int
}

// Options configure Check. The zero Options are valid.
type Options struct {
	// Known reports whether a lowercase word is a word of the text's
	// language (for a summary, a word of its paper). With it, Check also
	// finds two words run together ("paperfirst") and words garbled into
	// near misses of known ones ("rnodel", "1ike"). Default nil: only the
	// checks that need no lexicon run.
	Known func(word string) bool
}

// Check returns the problems of one sentence, in order of position.
func Check(sentence string, opt Options) []Problem {
	var out []Problem
	add := func(k Kind, start, end int) {
		out = append(out, Problem{Kind: k, Span: sentence[start:end], Start: start, End: end})
	}
	// The regular expressions run only where their mark is (a bracket,
	// a split capital): they are most of the cost of a check.
	if strings.IndexByte(sentence, '[') >= 0 {
		for _, m := range citationRE.FindAllStringIndex(sentence, -1) {
			add(Citation, m[0], m[1])
		}
	}
	if splitCapsMark(sentence) {
		for _, m := range splitCapsRE.FindAllStringSubmatchIndex(sentence, -1) {
			add(BrokenWord, m[2], m[3])
		}
	}
	for _, m := range frontMatter(sentence) {
		add(FrontMatter, m[0], m[1])
	}
	for _, m := range figureDebris(sentence) {
		add(FigureDebris, m[0], m[1])
	}
	for _, f := range fields(sentence) {
		w := sentence[f[0]:f[1]]
		if k, ok := wordProblem(w, opt); ok {
			add(k, f[0], f[1])
		}
	}
	if p, ok := fragment(sentence); ok {
		out = append(out, p)
	}
	if wordSalad(sentence) {
		end := len(strings.TrimRight(sentence, " \t\n"))
		out = append(out, Problem{Kind: WordSalad, Span: sentence[:end], Start: 0, End: end})
	}
	sortProblems(out)
	return dedupe(out)
}

// IsProse reports whether sentence has no problem that makes it debris
// rather than prose (see Kind.NonProse).
func IsProse(sentence string, opt Options) bool {
	for _, p := range Check(sentence, opt) {
		if p.Kind.NonProse() {
			return false
		}
	}
	return true
}

// StripCitations removes numeric citation brackets ("[5,9,10,15,17]",
// "[3]") and the space before them.
func StripCitations(s string) string {
	s = citationRE.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

var (
	// citationRE matches "[5]", "[5, 9]", "[5,9-12]", "[5–7; 9]".
	citationRE = regexp.MustCompile(`\s?\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\]`)
	// splitCapsRE matches small capitals that a text layer split off
	// their first letter: "P ROBING", "T RIE".
	splitCapsRE = regexp.MustCompile(`(?:^|\s)([A-Z] [A-Z]{2,})\b`)
	// postcodeRE matches postal codes and the state or country
	// abbreviations next to them: "MA 02138", "M A 02138", "RI 02912",
	// "EH8 9AB", "619-0237", "CA 94305-9040".
	postcodeRE = regexp.MustCompile(`\b(?:[A-Z] ?[A-Z] \d{5}(?:-\d{4})?|\d{3}-\d{4}|[A-Z]{1,2}\d{1,2} \d[A-Z]{2}|\d{5})\b`)
	emailRE    = regexp.MustCompile(`\b[\w.+-]+@[\w-]+\.[\w.]+\b`)
	// affiliationRE matches the words of an affiliation.
	affiliationRE = regexp.MustCompile(`\b(?:University|Universit[àäy]|Institute|Institut|Department|Dept\.|Laborator(?:y|ies)|Labs?\b|College|Research Cent(?:er|re)|Corporation|Inc\.|Ltd\.?|GmbH|Faculty of|School of)`)
	// nameStarRE matches a name marked for a footnote: "Roark*", "Smith†".
	nameStarRE = regexp.MustCompile(`\b[A-Z][a-z]+[*†‡]`)
	// personRE matches two capitalised words in a row ("Ralph Weischedel").
	personRE = regexp.MustCompile(`\b[A-Z][a-z]+(?: [A-Z]\.)? [A-Z][a-z]+\b`)
)

// frontMatter returns the spans of author and affiliation text: an email,
// or an affiliation word or a starred name together with a postal code or
// a person's name within a few words. The span runs from the first to the
// last such mark.
func frontMatter(s string) [][2]int {
	// Every strong mark needs an e-mail address, a postal code (three
	// digits in a row or more) or an affiliation word; most sentences have
	// none of them.
	if strings.IndexByte(s, '@') < 0 && !digitRun(s, 3) && !affiliationWord(s) {
		return nil
	}
	var marks [][2]int
	strong := false
	for _, m := range emailRE.FindAllStringIndex(s, -1) {
		marks, strong = append(marks, [2]int{m[0], m[1]}), true
	}
	var aff, codes, names [][2]int
	for _, m := range affiliationRE.FindAllStringIndex(s, -1) {
		aff = append(aff, [2]int{m[0], m[1]})
	}
	var stars [][2]int
	for _, m := range nameStarRE.FindAllStringIndex(s, -1) {
		stars = append(stars, [2]int{m[0], m[1]})
	}
	for _, m := range postcodeRE.FindAllStringIndex(s, -1) {
		codes = append(codes, [2]int{m[0], m[1]})
	}
	// Without an affiliation word, a starred name by a postal code or a
	// long postal code, names alone make no strong mark (see below):
	// skip the costliest expression.
	if !strong && len(aff) == 0 && (len(stars) == 0 || len(codes) == 0) &&
		!slices.ContainsFunc(codes, func(c [2]int) bool { return c[1]-c[0] > 5 }) {
		return nil
	}
	for _, m := range personRE.FindAllStringIndex(s, -1) {
		// A sentence's first words are often capitalised, and an
		// institution's name ("Brown University") is not a person's.
		if m[0] > 0 && !affiliationRE.MatchString(s[m[0]:m[1]]) && !opener(s[m[0]:m[1]]) {
			names = append(names, [2]int{m[0], m[1]})
		}
	}
	const window = 60 // bytes: an affiliation line is short
	near := func(a [2]int, list [][2]int) bool {
		for _, b := range list {
			if b[0] < a[1]+window && a[0] < b[1]+window {
				return true
			}
		}
		return false
	}
	for _, a := range aff {
		if near(a, codes) || near(a, names) {
			marks, strong = append(marks, a), true
			for _, l := range [][][2]int{codes, names} {
				for _, b := range l {
					if near(a, [][2]int{b}) {
						marks = append(marks, b)
					}
				}
			}
		}
	}
	// A starred name next to an affiliation ("Roark* Brown University").
	for _, st := range stars {
		if near(st, aff) || near(st, codes) {
			marks, strong = append(marks, st), true
			for _, a := range aff {
				if near(st, [][2]int{a}) {
					marks = append(marks, a)
				}
			}
		}
	}
	// A name directly followed by a state and postal code ("Ralph
	// Weischedel M A 02138") is front matter without an affiliation word.
	for _, c := range codes {
		if len(s[c[0]:c[1]]) > 5 && near(c, names) {
			marks, strong = append(marks, c), true
			for _, b := range names {
				if near(c, [][2]int{b}) {
					marks = append(marks, b)
				}
			}
		}
	}
	if !strong {
		return nil
	}
	lo, hi := len(s), 0
	for _, m := range marks {
		lo, hi = min(lo, m[0]), max(hi, m[1])
	}
	// Take in the capitalised words just before: the rest of the name
	// ("Brian" of "Brian Roark*") or of the institution ("NTT").
	fs := fields(s)
	for k := len(fs) - 1; k >= 0; k-- {
		if fs[k][1] > lo || fs[k][1] < lo-1 {
			continue
		}
		for j, n := k, 0; j >= 0 && n < 4; j, n = j-1, n+1 {
			r, _ := utf8.DecodeRuneInString(s[fs[j][0]:])
			if !unicode.IsUpper(r) || opener(s[fs[j][0]:fs[j][1]]) {
				break
			}
			lo = fs[j][0]
		}
		break
	}
	return [][2]int{{lo, hi}}
}

// opener reports whether a capitalised phrase has a word that opens
// sentences ("We", "This") rather than names someone.
func opener(phrase string) bool {
	for _, w := range strings.Fields(phrase) {
		switch w {
		case "We", "This", "The", "In", "Our", "It", "A", "An", "These", "Here", "Its", "They", "Their":
			return true
		}
	}
	return false
}

// figureDebris returns spans of figure or table text: two or more short
// parenthesised labels in a row ("(question) (logical form)"), runs of
// typographic symbols ("∗∗", "■ ■"), and runs of four or more tokens that
// are single characters or numbers ("x1 2 3 4").
func figureDebris(s string) [][2]int {
	var out [][2]int
	if strings.Count(s, "(") >= 2 {
		for _, m := range labelsRE.FindAllStringIndex(s, -1) {
			out = append(out, [2]int{m[0], m[1]})
		}
	}
	if !ascii(s) {
		for _, m := range symbolsRE.FindAllStringIndex(s, -1) {
			out = append(out, [2]int{m[0], m[1]})
		}
	}
	fs := fields(s)
	run := 0
	for i, f := range fs {
		w := strings.Trim(s[f[0]:f[1]], ".,;:()")
		if utf8.RuneCountInString(w) <= 1 || isNumeric(w) {
			run++
		} else {
			run = 0
		}
		// The run must end here: the next field breaks it or there is none.
		if run >= 4 && (i+1 == len(fs) || !shortToken(strings.Trim(s[fs[i+1][0]:fs[i+1][1]], ".,;:()"))) {
			out = append(out, [2]int{fs[i-run+1][0], f[1]})
		}
	}
	return out
}

var (
	labelsRE  = regexp.MustCompile(`\(\w[\w ]{0,20}\)\s*\(\w[\w ]{0,20}\)(?:\s*\(\w[\w ]{0,20}\))*`)
	symbolsRE = regexp.MustCompile(`[∗★■□▪●◆◇▲△►•†‡§¶]{2,}|(?:[∗★■□▪●◆◇▲△►•] ){2,}[∗★■□▪●◆◇▲△►•]`)
)

// affiliationWords are substrings that every match of affiliationRE has;
// looking for them is far cheaper than running it.
var affiliationWords = []string{"Univers", "Institut", "Department", "Dept.", "Laborator", "Lab", "College",
	"Research Cent", "Corporation", "Inc.", "Ltd", "GmbH", "Faculty of", "School of"}

// affiliationWord reports whether s may hold a match of affiliationRE.
func affiliationWord(s string) bool {
	for _, w := range affiliationWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// digitRun reports whether s has n digits in a row.
func digitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// ascii reports whether s has only ASCII bytes (then no typographic
// symbol of symbolsRE).
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func shortToken(w string) bool { return utf8.RuneCountInString(w) <= 1 || isNumeric(w) }

func isNumeric(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' && r != ',' && r != '%' && r != '-' {
			return false
		}
	}
	return true
}

// wordProblem classifies one whitespace-separated field.
func wordProblem(field string, opt Options) (Kind, bool) {
	w := strings.TrimFunc(field, func(r rune) bool { return unicode.IsPunct(r) && r != '~' })
	if utf8.RuneCountInString(w) < 3 || strings.HasPrefix(field, "http") || strings.Contains(field, "@") {
		return "", false
	}
	if garbled(w) {
		return OCRNoise, true
	}
	if opt.Known == nil {
		return "", false
	}
	for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '/' }) {
		lw := strings.ToLower(part)
		if len(lw) < 4 || !isLetters(lw) || opt.Known(lw) {
			continue
		}
		if runTogether(lw, opt.Known) {
			return BrokenWord, true
		}
		if nearMiss(lw, opt.Known) {
			return OCRNoise, true
		}
	}
	return "", false
}

// garbled reports characters no word has: a symbol between letters
// ("ma~ximum", "deriva:ion", "C-ramma~" ends in one), a capital inside a
// lower-case word ("trMned", not "WordNet" or "McDonald"), ligature
// characters and replacement characters a text layer left.
func garbled(w string) bool {
	if strings.ContainsAny(w, "�ﬁﬂﬀﬃﬄ") {
		return true
	}
	rs := []rune(w)
	for i, r := range rs {
		if i > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i-1]) && unicode.IsLetter(rs[i+1]) {
			switch r {
			case '~', ':', '^', '$', '|', '\\', '{', '}', '<', '>', '=', '#':
				return true
			}
		}
		if r == '~' && i > 0 && unicode.IsLetter(rs[i-1]) {
			return true
		}
	}
	// Two lower-case letters, a capital, a lower-case letter: "trMned".
	for i := 2; i+1 < len(rs); i++ {
		if unicode.IsLower(rs[i-2]) && unicode.IsLower(rs[i-1]) && unicode.IsUpper(rs[i]) && unicode.IsLower(rs[i+1]) && unicode.IsLower(rs[0]) {
			return true
		}
	}
	// Digits read for letters inside a word: "1ike", "c0mputer", not
	// "word2vec" or "F1": a 0 or 1 with letters on both sides, or leading
	// a lower-case word.
	for i, r := range rs {
		if r != '0' && r != '1' {
			continue
		}
		if i > 0 && i+1 < len(rs) && unicode.IsLower(rs[i-1]) && unicode.IsLower(rs[i+1]) && len(rs) >= 4 {
			return true
		}
		if i == 0 && len(rs) >= 4 && unicode.IsLower(rs[1]) && unicode.IsLower(rs[2]) && unicode.IsLower(rs[3]) {
			return true
		}
	}
	return false
}

// runTogether reports whether w is two known words of four or more
// letters each, written as one ("paperfirst", "coverageprobabilistic").
func runTogether(w string, known func(string) bool) bool {
	if len(w) < 8 {
		return false
	}
	for i := 4; i <= len(w)-4; i++ {
		if known(w[:i]) && known(w[i:]) {
			return true
		}
	}
	return false
}

// ocrConfusions are the misreadings OCR makes, as (read, meant).
var ocrConfusions = [][2]string{
	{"rn", "m"}, {"m", "rn"}, {"1", "l"}, {"l", "i"}, {"i", "l"}, {"c", "e"}, {"e", "c"},
	{"0", "o"}, {"b", "h"}, {"h", "b"}, {"f", "t"}, {"t", "f"}, {"ii", "n"}, {"ii", "u"},
	{"n", "u"}, {"u", "n"}, {"cl", "d"}, {"q", "g"}, {"$", "s"}, {"~", "a"}, {"vv", "w"},
}

// nearMiss reports whether undoing one OCR confusion in w gives a known
// word: "rnodel" -> "model", "modcl" -> "model".
func nearMiss(w string, known func(string) bool) bool {
	for _, c := range ocrConfusions {
		for x := strings.Index(w, c[0]); x >= 0; {
			if cand := w[:x] + c[1] + w[x+len(c[0]):]; known(cand) {
				return true
			}
			next := strings.Index(w[x+1:], c[0])
			if next < 0 {
				break
			}
			x += 1 + next
		}
	}
	return false
}

// fragment reports a sentence that starts in lower case or on closing or
// joining punctuation (")", "]", ",", ";", ":": it was cut from the middle
// of another, as a splitter cuts "(see Smith et al. ), which ...") or ends without final punctuation or on a word
// that cannot end a sentence (it was cut short).
func fragment(s string) (Problem, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Problem{}, false
	}
	start := len(s) - len(strings.TrimLeft(s, " \t\n"))
	r, _ := utf8.DecodeRuneInString(t)
	fs := fields(s)
	if unicode.IsLower(r) || strings.ContainsRune(")]},;:", r) {
		end := fs[min(len(fs)-1, 3)][1]
		return Problem{Kind: Fragment, Span: s[start:end], Start: start, End: end}, true
	}
	last := fs[len(fs)-1]
	lw := strings.ToLower(strings.TrimRight(s[last[0]:last[1]], `"')]”’`))
	ends := strings.HasSuffix(lw, ".") || strings.HasSuffix(lw, "!") || strings.HasSuffix(lw, "?")
	word := strings.TrimRight(lw, ".!?,;:")
	if !ends || (danglingEnds[word] && !strings.HasSuffix(lw, "etc.")) {
		from := fs[max(0, len(fs)-4)][0]
		return Problem{Kind: Unfinished, Span: s[from:last[1]], Start: from, End: last[1]}, true
	}
	return Problem{}, false
}

// danglingEnds are words after which a sentence cannot end.
var danglingEnds = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "in": true, "to": true, "for": true,
	"with": true, "by": true, "on": true, "from": true, "and": true, "or": true, "that": true,
	"which": true, "as": true, "at": true, "is": true, "are": true, "was": true, "were": true,
	"be": true, "into": true, "than": true, "its": true, "their": true, "our": true, "this": true,
	"these": true, "between": true, "such": true, "but": true, "we": true, "can": true,
}

// fields returns the byte ranges of the whitespace-separated fields of s.
func fields(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

func isLetters(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func sortProblems(ps []Problem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Start < ps[j-1].Start; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// dedupe drops a problem whose span lies inside an earlier, wider
// problem's span of a kind that explains it (front matter explains its
// postcode's digits).
func dedupe(ps []Problem) []Problem {
	out := ps[:0]
	for _, p := range ps {
		inside := false
		for _, q := range out {
			if q.Kind != p.Kind && q.Start <= p.Start && p.End <= q.End && q.Kind.NonProse() {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, p)
		}
	}
	return out
}

// functionWords are the grammatical words English prose cannot do
// without: articles, prepositions, conjunctions, pronouns, auxiliaries.
var functionWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the of in on at to for from by with as into than that which who whom
		whose this these those it its we our they their he she his her is are was were be been being has have
		had do does did can could will would may might must shall should and or but not no if when while where
		how what because so such both each all any more most other some only also very then there here about
		over under between through after before without within per via using upon`) {
		functionWords[w] = true
	}
}

// wordSalad reports a sentence of ten or more words of which fewer than
// one in six is a function word: content words strung together without
// the grammar of a sentence ("We baseline model show data corpus language
// corpus sentence method data corpus the sentence dependency."). English
// prose, even terse scientific prose, runs at a third or more.
func wordSalad(s string) bool {
	n, fn := 0, 0
	for _, f := range strings.Fields(s) {
		w := strings.ToLower(strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) }))
		if w == "" {
			continue
		}
		n++
		if functionWords[w] {
			fn++
		}
	}
	return n >= 10 && float64(fn)/float64(n) < 1.0/6
}
