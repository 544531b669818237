package pdftext

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean runs the shared cleaning pipeline over extracted pages and returns
// the finished text. Both extraction paths end here, so a fix to the
// cleaning helps both.
func clean(pages []page) string {
	for pi := range pages {
		for ri := range pages[pi].rows {
			ws := pages[pi].rows[ri].words[:0]
			for _, w := range pages[pi].rows[ri].words {
				w.s = normalize(w.s)
				if w.s != "" {
					ws = append(ws, w)
				}
			}
			pages[pi].rows[ri].words = ws
		}
	}
	removeRunning(pages)
	var lines []line
	for pi, p := range pages {
		ls := readingOrder(p, pi)
		if pi == 0 {
			// The front matter of the first page stays where it is: an
			// address line ("Gatineau, QC J8X 3X7") has the digits of a
			// table row, and moved to the end of the page it would land
			// in the body.
			n := frontLines(ls)
			lines = append(append(lines, ls[:n]...), moveFloats(ls[n:])...)
			continue
		}
		lines = append(lines, moveFloats(ls)...)
	}
	kept := lines[:0]
	for _, l := range lines {
		if l.text != "" && !hasAlnum(l.text) {
			continue // rules, bullets and stray symbols carry no words
		}
		if loneNumberRE.MatchString(l.text) {
			// Page numbers that were not at an edge, footnote marks set
			// on their own line, table cells: never part of a sentence.
			continue
		}
		kept = append(kept, l)
	}
	repairWords(kept)
	return assemble(kept)
}

// frontLines returns the number of lines of a first page that come
// before its first heading (usually "Abstract"), or 0 when the page has no
// heading in its first 40 lines.
func frontLines(ls []line) int {
	for i, l := range ls {
		if i >= 40 {
			break
		}
		if l.text != "" && isHeading(l, nil) {
			return i
		}
	}
	return 0
}

// captionRE starts a figure or table caption.
var captionRE = regexp.MustCompile(`^(Figure|Fig\.|FIGURE|Table|TABLE|Algorithm)\s*\d+\s*[.:]`)

// eqNumRE ends a displayed equation: "(3)", "(12a)".
var eqNumRE = regexp.MustCompile(`\(\d{1,3}[a-z]?\)$`)

// moveFloats takes one page's lines in reading order and moves what is
// not running prose to the end of the page: figure and table captions with
// their continuation lines, and table rows. Floats sit at the top or
// bottom of columns, so a sentence that runs from one column into the next
// would otherwise have them in its middle. Displayed equations go
// altogether: cut out of their sentence they are noise, and in it they
// break the sentence for every reader downstream.
func moveFloats(lines []line) []line {
	var body, floats []line
	inCaption := false
	for i, l := range lines {
		if l.text == "" {
			inCaption = false
			body = append(body, l)
			continue
		}
		if inCaption {
			prev := lines[i-1]
			if l.gap || l.indent || (prev.short && endsSentence(prev.text)) {
				inCaption = false
			}
		}
		switch {
		case captionRE.MatchString(l.text):
			inCaption = true
			l.gap = true // a caption is its own paragraph
			floats = append(floats, l)
		case inCaption:
			floats = append(floats, l)
		case isEquation(l):
			continue
		case isTableRow(l.text):
			floats = append(floats, l)
		default:
			body = append(body, l)
		}
	}
	if len(floats) > 0 {
		floats[0].gap = true
	}
	return append(body, floats...)
}

// isEquation reports whether l is a displayed equation: set off from the
// margin and either numbered or made of symbols rather than words.
func isEquation(l line) bool {
	if l.offset < 2 {
		return false
	}
	if eqNumRE.MatchString(l.text) && proseWords(l.text) <= 4 {
		return true
	}
	return strings.ContainsAny(l.text, "=≤≥≈∑∏∫∈→×·") && proseWords(l.text) <= 1
}

// isTableRow reports whether s looks like a row of a table: several cells,
// mostly numbers, hardly any words.
func isTableRow(s string) bool {
	f := strings.Fields(s)
	if len(f) < 3 {
		return false
	}
	nums := 0
	for _, t := range f {
		if strings.IndexFunc(t, unicode.IsDigit) >= 0 {
			nums++
		}
	}
	return nums*2 >= len(f) && proseWords(s) <= 1
}

// proseWords counts the lower-case words of three or more letters in s.
func proseWords(s string) int {
	n := 0
	for _, t := range strings.Fields(s) {
		t = strings.TrimRight(t, ".,;:")
		if utf8.RuneCountInString(t) < 3 {
			continue
		}
		ok := true
		for _, r := range t {
			if !unicode.IsLower(r) {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}

var loneNumberRE = regexp.MustCompile(`^\s*\d{1,4}\s*$`)

// replacer maps the characters that PDFs use for typesetting rather than
// meaning to their plain forms: ligatures, invisible or special spaces,
// soft and non-breaking hyphens. Curly quotes and dashes carry meaning and
// stay.
var replacer = strings.NewReplacer(
	"\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl",
	"\uFB05", "st", "\uFB06", "st",
	"\u00AD", "", // soft hyphen: only a hint where a word may break
	"\u200B", "", "\u200C", "", "\u200D", "", "\uFEFF", "", "\u2060", "",
	"\u00A0", " ", "\u2002", " ", "\u2003", " ", "\u2004", " ", "\u2005", " ",
	"\u2006", " ", "\u2007", " ", "\u2008", " ", "\u2009", " ", "\u200A", " ",
	"\u202F", " ", "\u205F", " ", "\u3000", " ",
	"\u2010", "-", "\u2011", "-",
)

// normalize applies replacer and drops control characters.
func normalize(s string) string {
	s = replacer.Replace(s)
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s))
}

func hasAlnum(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// headingNumRE matches a numbered section heading: "3", "3.2", "3.2.", "IV."
// or "A." followed by a capitalised title.
var headingNumRE = regexp.MustCompile(`^(\d{1,2}(\.\d{1,2}){0,3}\.?|[IVX]{1,4}\.|[A-H]\.)\s+[\p{Lu}]`)

// headingWords are the unnumbered headings papers use; compared in lower
// case without a trailing colon or full stop.
var headingWords = map[string]bool{
	"abstract": true, "introduction": true, "references": true, "bibliography": true,
	"acknowledgments": true, "acknowledgements": true, "acknowledgment": true,
	"acknowledgement": true, "conclusion": true, "conclusions": true, "related work": true,
	"appendix": true, "discussion": true, "background": true, "future work": true,
	"conclusions and future work": true, "conclusion and future work": true,
	"keywords": true, "index terms": true,
}

// sentenceInsideRE finds the end of a sentence followed by another inside
// a line: a lower-case word, a full stop and a capitalised word.
var sentenceInsideRE = regexp.MustCompile(`\p{Ll}{2,}[.?!]\s+\p{Lu}\p{Ll}`)

// isHeading reports whether l is a section heading. A numbered heading must
// also look like one on the page (short, or after a gap or a finished
// sentence), so that a wrapped line starting with a number ("40 Penn
// Treebank sentences...") does not count.
func isHeading(l line, prev *line) bool {
	t := strings.TrimSpace(l.text)
	n := utf8.RuneCountInString(t)
	if n == 0 || n > 80 {
		return false
	}
	bare := strings.ToLower(strings.TrimRight(t, ":. "))
	if headingWords[bare] {
		return true
	}
	if m := headingNumRE.FindString(t); m != "" {
		if prev != nil && strings.HasSuffix(strings.TrimSpace(prev.text), "-") {
			// "... on the nouns of the SENSEVAL-" / "2 English all-words
			// task": the number continues the line before.
			return false
		}
		if sentenceInsideRE.MatchString(t[len(m)-1:]) {
			return false // "2 English all-words task. This is a very promising"
		}
		if headingWords[strings.ToLower(strings.TrimRight(strings.TrimSpace(t[len(m)-1:]), ":. "))] {
			return true
		}
		if len(strings.Fields(t)) > 10 || strings.ContainsAny(t[len(t)-1:], ",;-=") {
			return false
		}
		if strings.HasSuffix(t, ".") && !strings.HasSuffix(strings.TrimSpace(m[:len(m)-1]), ".") {
			return false // a sentence, not a title
		}
		return l.short || l.gap || prev == nil || endsSentence(prev.text)
	}
	return false
}

// endsSentence reports whether s ends like a finished sentence.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " ”’\"')]")
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '?' || r == '!' || r == ':'
}

// hyphenated returns the word stem when s ends in a word broken with a
// hyphen ("recog-"), else "".
func hyphenated(s string) string {
	if !strings.HasSuffix(s, "-") || strings.HasSuffix(s, "--") {
		return ""
	}
	i := strings.LastIndexByte(s, ' ')
	tok := s[i+1 : len(s)-1]
	r, _ := utf8.DecodeLastRuneInString(tok)
	if !unicode.IsLetter(r) {
		return ""
	}
	return tok
}

// assemble joins lines into paragraphs and headings.
func assemble(lines []line) string {
	counts := wordCounts(lines)
	var paras []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			paras = append(paras, cur.String())
			cur.Reset()
		}
	}
	var prev *line
	sawHeading := false // a section heading was seen
	titleLines := 0     // lines taken into the title paragraph so far
	titleDone := false  // the title paragraph has ended
	for i := range lines {
		l := &lines[i]
		if l.text == "" {
			if l.gap && i+1 < len(lines) {
				lines[i+1].gap = true
			}
			continue
		}
		if !titleDone {
			// The title is the first block of the first page. It gets a
			// paragraph of its own, so that the reader of this text can
			// tell it from the author names and affiliations that follow
			// (plain text has no font sizes to tell them apart).
			if titleLines > 0 && (l.page != 0 || !continuesTitle(cur.String(), l.text, l.gap, titleLines)) {
				flush()
				titleDone = true
			} else if !isHeading(*l, prev) {
				if titleLines > 0 {
					dropTitleStop(&cur)
					cur.WriteByte(' ')
				}
				cur.WriteString(strings.TrimSpace(l.text))
				titleLines++
				prev = l
				continue
			} else {
				titleDone = true
			}
		}
		if isHeading(*l, prev) {
			flush()
			paras = append(paras, strings.TrimSpace(l.text))
			prev = nil
			sawHeading = true
			continue
		}
		if cur.Len() == 0 {
			cur.WriteString(l.text)
			prev = l
			continue
		}
		p := cur.String()
		if stem := hyphenated(p); stem != "" {
			cur.Reset()
			cur.WriteString(joinHyphen(p, stem, l.text, counts))
			prev = l
			continue
		}
		if breaksBefore(*prev, *l) || l.gap && frontMatter(l, sawHeading) {
			flush()
			cur.WriteString(l.text)
			prev = l
			continue
		}
		if strings.HasSuffix(p, "—") || strings.HasSuffix(p, "/") {
			cur.WriteString(l.text) // an em dash or slash at the break joins tightly
		} else {
			cur.WriteByte(' ')
			cur.WriteString(l.text)
		}
		prev = l
	}
	flush()
	if len(paras) == 0 {
		return ""
	}
	return strings.Join(paras, "\n\n") + "\n"
}

// dropTitleStop removes a full stop that ends a title line when the title
// goes on: titles have none, and OCR text layers add them ("PRODUCED BY
// VARIOUS." / "GRAMMATICAL FORMALISMS"). An abbreviation ("U.S.", "Inc.")
// keeps its stop: its last word has another stop or is short.
func dropTitleStop(b *strings.Builder) {
	s := b.String()
	if !strings.HasSuffix(s, ".") {
		return
	}
	last := s[strings.LastIndexByte(s, ' ')+1 : len(s)-1]
	if strings.Contains(last, ".") || utf8.RuneCountInString(last) <= 3 {
		return
	}
	b.Reset()
	b.WriteString(s[:len(s)-1])
}

// frontMatter reports whether l is in the front matter: on the first page,
// before any heading. There a vertical gap ends the paragraph even after a
// line that does not end a sentence, because author and affiliation lines
// end without punctuation ("Brian Roark* / Brown University", gap, "This
// paper describes ...").
func frontMatter(l *line, sawHeading bool) bool {
	return l.page == 0 && !sawHeading
}

// breaksBefore decides whether l starts a new paragraph after prev: a
// first-line indent, a finished sentence on a short line, or a vertical
// gap after a finished sentence.
func breaksBefore(prev, l line) bool {
	if l.indent {
		return true
	}
	done := endsSentence(prev.text)
	return done && (prev.short || l.gap)
}

// joinHyphen joins the paragraph so far, which ends in "stem-", with the
// next line. The hyphen is dropped ("recog-" + "nition") unless the
// document shows the word is really hyphenated: the hyphenated form occurs
// elsewhere and the joined one never does, or the stem is already a
// compound ("state-of-the-" + "art"), or the next part is capitalised or a
// number ("non-" + "English", "ACL-" + "08").
func joinHyphen(p, stem, next string, counts map[string]int) string {
	first, _ := utf8.DecodeRuneInString(next)
	head := p[:len(p)-1] // without the hyphen
	if !unicode.IsLower(first) {
		return p + next
	}
	nextWord := next
	if i := strings.IndexFunc(next, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }); i >= 0 {
		nextWord = next[:i]
	}
	// "(non-" looks the word up as "non".
	stem = strings.TrimLeftFunc(stem, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	joined := strings.ToLower(stem + nextWord)
	hyph := strings.ToLower(stem + "-" + nextWord)
	if counts[joined] == 0 && (counts[hyph] > 0 || strings.Contains(stem, "-")) {
		return p + next
	}
	return head + next
}

// wordCounts counts the lower-cased words of the document (inner hyphens
// kept), for the hyphenation heuristic.
func wordCounts(lines []line) map[string]int {
	counts := map[string]int{}
	for _, l := range lines {
		for _, f := range strings.Fields(l.text) {
			f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if f != "" {
				counts[strings.ToLower(f)]++
			}
		}
	}
	return counts
}

// continuesTitle reports whether next, a line after the title lines so far
// (title), still belongs to the title. A title spans at most three lines
// and ends at a vertical gap or at a line of author names, unless its last
// line ends with a connector ("... Parsing and" / "Language Modeling").
func continuesTitle(title, next string, gap bool, lines int) bool {
	words := strings.Fields(title)
	if len(words) == 0 {
		return false
	}
	last := strings.ToLower(strings.Trim(words[len(words)-1], ",;"))
	switch last {
	case "a", "an", "the", "of", "for", "and", "or", "in", "on", "with", "to", "from", "by", "via", "using", "into", "at", "as", "&", "-", "–", "—":
		return lines < 3
	}
	if strings.HasSuffix(title, ":") && !gap {
		return lines < 3
	}
	if gap || lines >= 3 || looksLikeAuthors(next) || strings.Contains(next, "@") {
		return false
	}
	return true
}

// looksLikeAuthors reports whether s reads like a line of author names:
// two or more words, every one a capitalised name, an initial, "and", "&"
// or a footnote mark.
func looksLikeAuthors(s string) bool {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		w = strings.Trim(w, "*†‡∗0123456789")
		if w == "" || w == "and" || w == "&" {
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		if rest := w[size:]; rest != "" && rest != "." && strings.ToUpper(rest) == rest {
			return false // "FORMALISMS": a title in capitals, not a name
		}
	}
	return true
}
