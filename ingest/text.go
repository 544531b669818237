package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/papersum/papersum"
)

// parseText converts plain text (typed, exported from a word processor, or
// extracted from a PDF) into a doc. Paragraphs are separated by blank
// lines; lines inside a paragraph are joined. A line is a heading when it
// starts a paragraph (or follows a line that ends a sentence) and looks
// like one: a numbered title ("2.1 Model"), a known section name
// ("Related Work", "REFERENCES"), a title in capitals, or, once the body
// has begun, a short title-case line standing alone.
func parseText(text string) doc {
	lines := splitLines(text)
	var d doc
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i < len(lines) {
		if t, n := textTitle(lines[i:]); n > 0 {
			d.title = t
			i += n
		}
	}
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		text := joinLines(para)
		para = para[:0]
		// A paragraph that starts in lower case continues the previous
		// one when that one did not end a sentence: PDF text breaks
		// paragraphs at column and page ends.
		if n := len(d.blocks); n > 0 && !d.blocks[n-1].heading && startsLower(text) && !endsSentence(d.blocks[n-1].text) {
			d.blocks[n-1].text += " " + text
			return
		}
		d.blocks = append(d.blocks, block{text: text})
	}
	inBody := false // a known section such as Abstract or Introduction was seen
	for ; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			flush()
			continue
		}
		if isDebrisLine(line) {
			continue
		}
		if len(para) == 0 || endsSentence(para[len(para)-1]) {
			next := ""
			if i+1 < len(lines) {
				next = strings.TrimSpace(lines[i+1])
			}
			standalone := len(para) == 0 && next == ""
			if title, level, rest, ok := headingLine(line, next, standalone, inBody); ok {
				flush()
				d.blocks = append(d.blocks, block{heading: true, level: level, text: title})
				if kindOf(title) != papersum.KindOther {
					inBody = true
				}
				if rest != "" {
					para = append(para, rest)
				}
				continue
			}
		}
		para = append(para, line)
	}
	flush()
	return d
}

// splitLines splits text at "\n", "\r\n" and "\r". A form feed (a page
// break in text exported from PDFs) counts as a blank line.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	text = strings.ReplaceAll(text, "\f", "\n\n")
	return strings.Split(text, "\n")
}

// textTitle returns the title at the start of lines and the number of
// lines it takes, or n == 0 when the first line does not look like a
// title. A second line is taken too when the first one plainly continues
// ("... for", "... :") or the second starts in lower case.
func textTitle(lines []string) (title string, n int) {
	first := strings.TrimRight(cutAffiliation(strings.TrimSpace(lines[0])), " *∗†")
	if !looksLikeTitle(first) {
		return "", 0
	}
	title, n = first, 1
	if len(lines) > 2 && strings.TrimSpace(lines[1]) == "" && startsLower(strings.TrimSpace(lines[2])) &&
		len(strings.Fields(lines[2])) <= 10 && looksLikeTitle(strings.ToUpper(lines[2][:1])+lines[2][1:]) {
		// "Manual and Automatic Evaluation of Machine Translation",
		// blank line, "between European Languages": PDF text may
		// break a long title into two paragraphs.
		return first + " " + strings.TrimSpace(lines[2]), 3
	}
	if len(lines) > 1 {
		second := strings.TrimSpace(lines[1])
		if second != "" && looksLikeTitle(second) || second != "" && startsLower(second) {
			words := strings.Fields(first)
			lastWord := strings.ToLower(words[len(words)-1])
			if strings.HasSuffix(first, ":") || startsLower(second) || isConnector(lastWord) {
				title, n = first+" "+second, 2
			}
		}
	}
	return title, n
}

// cutAffiliation cuts a title line at the first e-mail address or
// affiliation word. PDF text often puts the title, the authors and their
// affiliations on one line; what comes before the affiliation is the title
// and the author names, which cannot be told apart without font sizes.
func cutAffiliation(line string) string {
	words := strings.Fields(line)
	for i, w := range words {
		switch strings.Trim(w, ",.;:()") {
		case "University", "Universität", "Université", "Universidad", "Department", "Dept",
			"Institute", "Laboratory", "Laboratories", "Labs", "School", "College", "Faculty", "Inc", "Corporation":
			if i == 0 {
				return line
			}
			return strings.TrimRight(strings.Join(words[:i], " "), " ,;:*")
		}
		if strings.Contains(w, "@") {
			return strings.TrimRight(strings.Join(words[:i], " "), " ,;:*")
		}
	}
	return line
}

// looksLikeTitle reports whether a line can be a paper title: 1 to 25
// words, starting with a capital or a digit, not ending like a sentence,
// not a section heading, and mostly letters.
func looksLikeTitle(line string) bool {
	words := strings.Fields(line)
	if len(words) == 0 || len(words) > 25 || !isProse(line) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(line)
	if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
		return false
	}
	if last, _ := utf8.DecodeLastRuneInString(line); last == '.' || last == ',' || last == ';' {
		return false
	}
	// A known section name ("Abstract", "1 Introduction") is not a title;
	// a longer line that merely contains such a word ("Polylingual Topic
	// Models") may be.
	if k := kindOf(line); k != papersum.KindOther && len(words) <= 2 {
		return false
	}
	return true
}

// isConnector reports whether w is a word a title line can end with when
// it continues on the next line.
func isConnector(w string) bool {
	switch w {
	case "a", "an", "the", "of", "for", "and", "or", "in", "on", "with", "to", "from", "by", "via", "using", "into", "at", "as", "&", "-", "–", "—":
		return true
	}
	return false
}

// startsLower reports whether s starts with a lower-case letter.
func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// endsSentence reports whether a line ends with sentence punctuation,
// possibly followed by closing quotes or brackets.
func endsSentence(line string) bool {
	line = strings.TrimRight(line, `)"'”’]`)
	last, _ := utf8.DecodeLastRuneInString(line)
	return last == '.' || last == '?' || last == '!' || last == ':'
}

// headingLine decides whether line is a section heading. next is the
// following line ("" at a blank line or the end), standalone says the line
// is a paragraph of its own, and inBody that a known section was seen. It
// returns the heading's title and level, and any text after an inline
// heading ("Abstract. We study ..." gives rest "We study ...").
func headingLine(line, next string, standalone, inBody bool) (title string, level int, rest string, ok bool) {
	if utf8.RuneCountInString(line) > 120 {
		return "", 0, "", false
	}
	if t, r, ok := inlineAbstract(line); ok {
		return t, 1, r, true
	}
	num, body := splitNumber(line)
	if body == "" || (num != "" && !validNumber(num)) {
		return "", 0, "", false
	}
	if !inBody && len(num) == 2 && num[1] == '.' && isLetterByte(num[0]) && strings.IndexByte("IVX", num[0]) < 0 {
		// Before the first known section, "K. Vijay-Shanker David J.
		// Weir" is an author line starting with an initial, not
		// appendix K; appendices come after the body.
		return "", 0, "", false
	}
	if countWords(body) > 12 {
		return "", 0, "", false
	}
	words := strings.Fields(body)
	r, _ := utf8.DecodeRuneInString(body)
	if !unicode.IsUpper(r) {
		return "", 0, "", false
	}
	if !isProse(body) || isCaption(body) {
		return "", 0, "", false
	}
	level = numberLevel(num)
	last, _ := utf8.DecodeLastRuneInString(line)
	caps := allCaps(body)
	titled := caps || titleCase(words)
	// Known section names: "Related Work", "6. Conclusion.", "REFERENCES".
	if kindOf(body) != papersum.KindOther && len(words) <= 5 && (titled || len(words) <= 2) &&
		(last != '.' || len(words) <= 3) && last != ',' && last != ';' {
		return strings.TrimRight(line, ".: "), level, "", true
	}
	if isAppendix(body) && len(words) <= 8 {
		return line, level, "", true
	}
	if last == '.' || last == ',' || last == ';' || last == ':' || last == '?' || last == '!' {
		return "", 0, "", false
	}
	switch {
	case num != "" && (standalone || len(words) <= 8 && (titled || startsUpper(next))):
		return line, level, "", true
	case caps && len(words) <= 8 && standalone:
		return line, level, "", true
	case inBody && standalone && num == "" && len(words) <= 8 && titleCase(words):
		return line, level, "", true
	}
	return "", 0, "", false
}

// inlineAbstract recognises "Abstract", "ABSTRACT", "Abstract. We ...",
// "Abstract: We ..." and "Abstract—We ...".
func inlineAbstract(line string) (title, rest string, ok bool) {
	if len(line) < len("abstract") || !strings.EqualFold(line[:len("abstract")], "abstract") {
		return "", "", false
	}
	after := line[len("abstract"):]
	if after == "" {
		return "Abstract", "", true
	}
	trimmed := strings.TrimLeft(after, " ")
	for _, sep := range []string{".", ":", "—", "–", "-"} {
		if strings.HasPrefix(trimmed, sep) {
			return "Abstract", strings.TrimSpace(trimmed[len(sep):]), true
		}
	}
	return "", "", false
}

// validNumber reports whether a section number is plausible: at most four
// parts of one or two digits, the first at most 30 ("2019" or "3.14159"
// starting a line is not a section number), or a Roman numeral or letter
// with a full stop.
func validNumber(num string) bool {
	if num[0] < '0' || num[0] > '9' {
		return true // "IV.", "A." from splitNumber
	}
	parts := strings.Split(strings.TrimRight(num, "."), ".")
	if len(parts) > 4 {
		return false
	}
	for i, p := range parts {
		if p == "" || len(p) > 2 {
			return false
		}
		if i == 0 && (len(p) == 2 && p > "30") {
			return false
		}
	}
	return true
}

// isCaption reports whether s starts like a figure or table caption.
func isCaption(s string) bool {
	for _, p := range []string{"Table ", "Figure ", "Fig. ", "Fig ", "TABLE ", "FIGURE ", "Algorithm ", "Listing "} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// allCaps reports whether s has at least three letters and no lower-case
// ones.
func allCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 3
}

// titleCase reports whether every word other than short function words
// starts with a capital letter or a digit.
func titleCase(words []string) bool {
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) || unicode.IsDigit(r) || !unicode.IsLetter(r) {
			continue
		}
		if i > 0 && isConnector(strings.ToLower(w)) || w == "vs" || w == "vs." || w == "is" || w == "are" {
			continue
		}
		return false
	}
	return true
}

// startsUpper reports whether s starts with an upper-case letter.
func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// isDebrisLine reports whether a line is not prose: a page number, a rule,
// a row of a table of numbers, or a keywords line. Such lines are dropped
// before paragraphs are joined so they do not end up inside sentences.
func isDebrisLine(line string) bool {
	letters, other, words := 0, 0, 0
	run := 0
	for _, r := range line {
		switch {
		case unicode.IsLetter(r):
			letters++
			run++
			continue
		case unicode.IsSpace(r):
		default:
			other++
		}
		if run >= 3 {
			words++
		}
		run = 0
	}
	if run >= 3 {
		words++
	}
	if letters < 2 {
		return true
	}
	if letters < other && words <= 2 {
		return true
	}
	return hasPrefixFold(line, "keywords") || hasPrefixFold(line, "key words") ||
		hasPrefixFold(line, "index terms") || hasPrefixFold(line, "arxiv:")
}

// joinLines joins the lines of a paragraph with spaces. A word broken
// across lines with a hyphen is joined again ("improve-" + "ment"), but a
// hyphenated compound broken at one of its hyphens keeps it
// ("state-of-the-" + "art").
func joinLines(lines []string) string {
	if len(lines) == 1 {
		return lines[0]
	}
	n := len(lines)
	for _, l := range lines {
		n += len(l)
	}
	b := make([]byte, 0, n)
	for i, l := range lines {
		if i > 0 {
			prev := lines[i-1]
			if strings.HasSuffix(prev, "-") && len(prev) >= 2 && isLetterByte(prev[len(prev)-2]) && startsLower(l) {
				lastWord := prev[strings.LastIndexByte(prev, ' ')+1:]
				if strings.Count(lastWord, "-") == 1 {
					b = b[:len(b)-1]
				}
			} else {
				b = append(b, ' ')
			}
		}
		b = append(b, l...)
	}
	return string(b)
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case,
// without allocating.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// countWords counts the space-separated words of s, without allocating.
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		space := s[i] == ' ' || s[i] == '\t'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}
