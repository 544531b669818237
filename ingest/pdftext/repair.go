package pdftext

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word repair. The text layer of a PDF does not always put spaces where
// the words are: scanned papers run through OCR space out letters ("A n A n
// n o t a t i o n S c h e m e"), small capitals come out as a capital set
// apart from the rest of its word ("P ROBING", "T RIE"), a wide glyph gap
// in a large font splits a word ("Discrim inative"), and a missing space
// glyph runs two words together ("paperfirst", "broad-coverageprobabilistic").
//
// The repairs use no dictionary (papersum ships none, and papers are full
// of terms no dictionary has); they use the paper's own vocabulary, which
// is large enough to say which reading is right: a spaced-out run becomes
// the words the paper uses elsewhere, a small capital joins its word when
// the paper uses the joined form, and a word that occurs once is split only
// when both halves are words the paper uses often. They run on both
// extraction paths, on the lines before paragraphs are assembled.

// vocab counts the lower-case words of a document: runs of letters between
// anything else.
type vocab struct {
	idx    map[string]int // word -> index into counts
	counts []int
	// afterCap counts the words that follow a lone capital letter ("P
	// ROBING" counts "robing"), so that the rest of a word split by small
	// capitals does not count as a word of its own.
	afterCap map[string]int
}

// newVocab counts the words of lines.
//
// The pieces of a word hyphenated at a line end ("repre-" / "sentation")
// or inside a line ("con- text") are not counted: they are not words, and
// counting them would make suffixes such as "ing" look like words of the
// paper.
func newVocab(lines []line) vocab {
	fields := make([][]string, len(lines))
	for i, l := range lines {
		fields[i] = strings.Fields(l.text)
	}
	return newVocabFields(lines, fields)
}

// newVocabFields is newVocab with the lines' tokens already split.
func newVocabFields(lines []line, fields [][]string) vocab {
	v := vocab{idx: make(map[string]int, 1024), afterCap: map[string]int{}}
	var buf []byte
	brokenBefore := false
	for li, l := range lines {
		f := fields[li]
		if brokenBefore && len(f) > 0 {
			f = f[1:]
		}
		brokenBefore = hyphenated(l.text) != ""
		if brokenBefore && len(f) > 0 {
			f = f[:len(f)-1]
		}
		for i, tok := range f {
			if strings.HasSuffix(tok, "-") || i > 0 && strings.HasSuffix(f[i-1], "-") && len(f[i-1]) > 1 {
				continue
			}
			lone := i > 0 && len(f[i-1]) == 1 && f[i-1][0] >= 'A' && f[i-1][0] <= 'Z'
			first := true
			for k := 0; k < len(tok); {
				r, size := utf8.DecodeRuneInString(tok[k:])
				if !unicode.IsLetter(r) {
					k += size
					continue
				}
				buf = buf[:0]
				for k < len(tok) {
					r, size = utf8.DecodeRuneInString(tok[k:])
					if !unicode.IsLetter(r) {
						break
					}
					buf = utf8.AppendRune(buf, unicode.ToLower(r))
					k += size
				}
				// The lookup with string(buf) does not allocate; only a
				// new word does.
				j, ok := v.idx[string(buf)]
				if !ok {
					j = len(v.counts)
					v.idx[string(buf)] = j
					v.counts = append(v.counts, 0)
				}
				v.counts[j]++
				if lone && first {
					v.afterCap[string(buf)]++
				}
				first = false
			}
		}
	}
	return v
}

// count returns how often the document uses w.
func (v vocab) count(w string) int {
	if j, ok := v.idx[w]; ok {
		return v.counts[j]
	}
	return 0
}

// word reports whether w (lower case) is a word of the document: it
// occurs at least min times and is not a single letter other than "a" and
// "i", which spaced-out text is full of.
func (v vocab) word(w string, min int) bool {
	if n := utf8.RuneCountInString(w); n == 1 && w != "a" && w != "i" || n == 0 {
		return false
	}
	return v.count(w) >= min
}

// repairWords applies the word repairs to every line.
func repairWords(lines []line) {
	fields := make([][]string, len(lines))
	for i, l := range lines {
		fields[i] = strings.Fields(l.text)
	}
	v := newVocabFields(lines, fields)
	for i := range lines {
		if len(fields[i]) > 0 {
			lines[i].text = repairTokens(lines[i].text, fields[i], v)
		}
	}
}

// repairLine repairs the words of one line.
func repairLine(s string, v vocab) string {
	return repairTokens(s, strings.Fields(s), v)
}

// repairTokens repairs the words of line s, whose tokens are toks.
func repairTokens(s string, toks []string, v vocab) string {
	if len(toks) == 0 {
		return s
	}
	out := make([]string, 0, len(toks))
	changed := false
	for i := 0; i < len(toks); i++ {
		// Spaced-out letters.
		if j := singleRun(toks, i); j-i >= minSpacedRun {
			if ws, ok := unspace(toks[i:j], v); ok {
				out = append(out, ws...)
				i = j - 1
				changed = true
				continue
			}
		}
		t := toks[i]
		if i+1 < len(toks) {
			next := toks[i+1]
			// Small capitals: "P ROBING" -> "PROBING".
			if joined, ok := joinSmallCaps(t, next, v); ok {
				out = append(out, joined)
				i++
				changed = true
				continue
			}
			// A word split by a wide glyph gap: "Discrim inative".
			if joined, ok := joinSplit(t, next, v); ok {
				out = append(out, joined)
				i++
				changed = true
				continue
			}
		}
		if split, ok := splitRunTogether(t, v); ok {
			out = append(out, split)
			changed = true
			continue
		}
		out = append(out, t)
	}
	if !changed {
		return s
	}
	return strings.Join(out, " ")
}

// minSpacedRun is the fewest single letters in a row that count as
// spaced-out text; three ("x y z", "a b c") occur in mathematics and
// lists.
const minSpacedRun = 4

// singleRun returns the end of the run of one-letter tokens that starts
// at i (i itself when toks[i] is not one).
func singleRun(toks []string, i int) int {
	j := i
	for j < len(toks) {
		r, size := utf8.DecodeRuneInString(toks[j])
		if size != len(toks[j]) || !unicode.IsLetter(r) {
			break
		}
		j++
	}
	return j
}

// unspace turns a run of spaced-out letters into words. The letters are
// cut first where a lower-case letter is followed by a capital ("An",
// "Annotation", "Scheme"), then each piece that is not a word of the
// document is segmented into its words. It fails (and the letters stay
// as they are) when a piece cannot be read as the document's words and
// does not look like a name (a capital and lower-case letters), so that
// runs of variables ("x y z w") are left alone.
func unspace(letters []string, v vocab) ([]string, bool) {
	var pieces []string
	var cur strings.Builder
	prevLower := false
	for _, l := range letters {
		r, _ := utf8.DecodeRuneInString(l)
		if unicode.IsUpper(r) && prevLower && cur.Len() > 0 {
			pieces = append(pieces, cur.String())
			cur.Reset()
		}
		cur.WriteString(l)
		prevLower = unicode.IsLower(r)
	}
	pieces = append(pieces, cur.String())
	var out []string
	for _, p := range pieces {
		low := strings.ToLower(p)
		if v.word(low, 1) {
			out = append(out, p)
			continue
		}
		if ws := segment(p, v); ws != nil {
			out = append(out, ws...)
			continue
		}
		if !nameLike(p) {
			return nil, false
		}
		out = append(out, p)
	}
	return out, true
}

// nameLike reports whether p is a capital followed by at least three
// lower-case letters, or only capitals: a name or an acronym.
func nameLike(p string) bool {
	rs := []rune(p)
	if len(rs) < 2 || !unicode.IsUpper(rs[0]) {
		return false
	}
	upper := true
	for _, r := range rs[1:] {
		upper = upper && unicode.IsUpper(r)
	}
	if upper {
		return true
	}
	for _, r := range rs[1:] {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return len(rs) >= 4
}

// segment splits p into words of the document, preferring few, frequent
// words, or returns nil when it cannot. p is at most a few dozen letters,
// so the quadratic dynamic programme is cheap.
func segment(p string, v vocab) []string {
	low := strings.ToLower(p)
	n := len(low)
	if n > 64 {
		return nil
	}
	best := make([]float64, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i] = math.Inf(-1)
		for j := 0; j < i; j++ {
			if math.IsInf(best[j], -1) {
				continue
			}
			w := low[j:i]
			if !v.word(w, 1) {
				continue
			}
			// Each word costs a constant, so fewer words win, and
			// frequent words are preferred among equals.
			score := best[j] - 10 + math.Log(float64(v.count(w)))
			if score > best[i] {
				best[i], from[i] = score, j
			}
		}
	}
	if math.IsInf(best[n], -1) {
		return nil
	}
	var out []string
	for i := n; i > 0; i = from[i] {
		out = append(out, p[from[i]:i])
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// joinSmallCaps joins a capital set apart from the rest of its word in
// capitals ("P ROBING", "T RIE:") when the document uses the joined word
// or does not use the rest as a word. "A NEW" stays, because "anew" is not
// the paper's word and "new" is.
func joinSmallCaps(t, next string, v vocab) (string, bool) {
	if len(t) != 1 || t[0] < 'A' || t[0] > 'Z' {
		return "", false
	}
	// The rest of the word is the letters that start next, up to a
	// hyphen or punctuation: "ROJECTIVIZE(W", "MALLEST-N".
	end := strings.IndexFunc(next, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(next)
	}
	core := next[:end]
	if utf8.RuneCountInString(core) < 2 || strings.ToUpper(core) != core {
		return "", false
	}
	joined := strings.ToLower(t + core)
	rest := strings.ToLower(core)
	if v.word(joined, 1) || v.count(rest)-v.afterCap[rest] < 1 {
		return t + next, true
	}
	return "", false
}

// joinSplit joins two lower-case tokens that are the halves of a word the
// document uses at least twice, when one half is not otherwise a word of
// it ("Discrim inative" -> "Discriminative"; "data set" stays).
func joinSplit(t, next string, v vocab) (string, bool) {
	if len(t) < 2 || len(next) < 2 || next[0] < 0x80 && (next[0] < 'a' || next[0] > 'z') {
		return "", false // the second half must start in lower case
	}
	a := strings.TrimLeftFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
	b := strings.TrimRightFunc(next, func(r rune) bool { return !unicode.IsLetter(r) })
	if a != t[len(t)-len(a):] || len(a) < 2 || len(b) < 2 || !allLetters(a) || !allLetters(b) {
		return "", false
	}
	if r, _ := utf8.DecodeRuneInString(b); !unicode.IsLower(r) {
		return "", false
	}
	for _, r := range a[1:] {
		if !unicode.IsLower(r) {
			return "", false
		}
	}
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if len(la)+len(lb) < 6 || v.count(la) > 1 && v.count(lb) > 1 || !v.word(la+lb, 2) {
		return "", false
	}
	return t + next, true
}

// Run-together words. A token the document uses once is split in two when
// both halves are words it uses at least minHalfCount times. A half of two
// letters must be a function word (such halves are how most run-together
// pairs start: "ofinterest", "inwhich"), and common compounds of function
// words are never split.
var minHalfCount = 3

// firstHalves and lastHalves are the two-letter words that may start or
// end a run-together pair. "in" does not start one ("incorrect",
// "informed"), and "or" and "at" do not end one ("constructor", "format").
var (
	firstHalves = map[string]bool{
		"of": true, "to": true, "on": true, "is": true, "we": true,
		"by": true, "at": true, "as": true, "or": true, "be": true, "it": true,
	}
	lastHalves = map[string]bool{
		"of": true, "in": true, "to": true, "on": true, "is": true, "we": true,
		"by": true, "as": true, "be": true, "it": true,
	}
)

// prefixes are words that also make ordinary words as prefixes
// ("outcomes", "overcomes", "understand", "withdraw"); a word that starts
// with one is not split there.
var prefixes = map[string]bool{
	"out": true, "over": true, "under": true, "up": true, "down": true, "with": true,
	"back": true, "fore": true, "after": true, "counter": true, "view": true, "where": true,
	"there": true, "here": true, "any": true, "some": true, "every": true, "no": true,
	"non": true, "sub": true, "semi": true, "multi": true, "anti": true, "inter": true,
	"intra": true, "pre": true, "post": true, "self": true, "con": true, "per": true,
}

// compounds are ordinary words made of two frequent words, which a paper
// may well use once.
var compounds = map[string]bool{
	"another": true, "cannot": true, "into": true, "onto": true, "upon": true, "within": true,
	"without": true, "however": true, "whereas": true, "therefore": true, "thereby": true,
	"therein": true, "herein": true, "whatever": true, "whenever": true, "wherever": true,
	"itself": true, "themselves": true, "something": true, "someone": true, "somewhat": true,
	"sometimes": true, "anyone": true, "anything": true, "everything": true, "nothing": true,
	"throughout": true, "although": true, "already": true, "altogether": true,
	"nevertheless": true, "nonetheless": true, "furthermore": true, "moreover": true,
	"meanwhile": true, "otherwise": true, "overall": true, "inside": true, "outside": true,
	"instead": true, "indeed": true, "inform": true, "informal": true, "onset": true,
	"ontology": true, "online": true, "offline": true, "whereby": true, "hereafter": true,
	"become": true, "becomes": true, "before": true, "below": true, "beside": true, "besides": true,
	"beyond": true, "together": true, "toward": true, "towards": true, "himself": true,
	"herself": true, "yourself": true, "ourselves": true, "everyone": true, "anyway": true,
	"underlying": true, "understand": true, "understanding": true, "outperform": true,
	"outperforms": true, "baseline": true, "baselines": true, "framework": true,
	"frameworks": true, "database": true, "databases": true, "workshop": true, "keyword": true,
	"keywords": true, "headword": true, "headwords": true, "wordnet": true, "treebank": true,
	"treebanks": true, "network": true, "networks": true, "output": true, "outputs": true,
	"input": true, "inputs": true, "itemset": true, "subset": true, "subsets": true,
	"nearby": true, "hereby": true, "viewpoint": true, "viewpoints": true, "bottleneck": true,
	"breakthrough": true, "throughput": true, "workflow": true, "wordform": true, "wordforms": true,
}

// suffixes are endings that are not split off a word even when the text
// has them as words (a line that starts with the end of a hyphenated
// word): "border|ing"; and words that end closed compounds.
var suffixes = map[string]bool{
	"ing": true, "ings": true, "ed": true, "er": true, "ers": true, "ly": true, "ion": true,
	"ions": true, "tion": true, "tions": true, "ment": true, "ments": true, "ness": true,
	"able": true, "ably": true, "al": true, "ally": true, "es": true, "est": true, "ity": true,
	"ities": true, "ive": true, "ize": true, "ized": true, "ise": true, "less": true, "ful": true,
	// second parts of closed compounds: "rightmost", "hopefully",
	// "alongside", "runtime", "treelet", "dataset", "stepwise", "toward"
	"most": true, "fully": true, "side": true, "time": true, "let": true, "lets": true,
	"set": true, "sets": true, "wise": true, "like": true, "ward": true, "wards": true,
}

// splitRunTogether splits a run-together token, or a part of it between
// hyphens ("broad-coverageprobabilistic"), into two words.
func splitRunTogether(t string, v vocab) (string, bool) {
	lead := len(t) - len(strings.TrimLeftFunc(t, func(r rune) bool { return !unicode.IsLetter(r) }))
	trail := len(t) - len(strings.TrimRightFunc(t, func(r rune) bool { return !unicode.IsLetter(r) }))
	if lead+trail >= len(t) {
		return "", false
	}
	core := t[lead : len(t)-trail]
	if len(core) < 7 {
		return "", false
	}
	if strings.IndexByte(core, '-') < 0 {
		if s, ok := splitWord(core, v); ok {
			return t[:lead] + s + t[len(t)-trail:], true
		}
		return "", false
	}
	parts := strings.Split(core, "-")
	changed := false
	for i, p := range parts {
		if s, ok := splitWord(p, v); ok {
			parts[i] = s
			changed = true
		}
	}
	if !changed {
		return "", false
	}
	return t[:lead] + strings.Join(parts, "-") + t[len(t)-trail:], true
}

// splitWord splits one word of letters, or reports false.
func splitWord(w string, v vocab) (string, bool) {
	if len(w) < 7 || !allLetters(w) {
		return "", false
	}
	for _, r := range w[1:] {
		if !unicode.IsLower(r) {
			return "", false // a name or an acronym: "McDonald", "TextRunner"
		}
	}
	low := w
	if r, size := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
		low = string(unicode.ToLower(r)) + w[size:]
	}
	if v.count(low) > 1 || compounds[low] {
		return "", false
	}
	bestAt, bestMin := 0, 0
	for i := 2; i <= len(low)-2; i++ {
		a, b := low[:i], low[i:]
		if len(a) == 2 && (!firstHalves[a] || len(b) < 4) || len(b) == 2 && (!lastHalves[b] || len(a) < 4) {
			continue
		}
		if len(a) < 2 || len(b) < 2 || suffixes[b] || prefixes[a] {
			continue
		}
		m := min(v.count(a), v.count(b))
		if m >= minHalfCount && m > bestMin {
			bestAt, bestMin = i, m
		}
	}
	if bestAt == 0 {
		return "", false
	}
	return w[:bestAt] + " " + w[bestAt:], true
}

// allLetters reports whether s is made of letters only.
func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}
