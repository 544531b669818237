package dataset

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/papersum/papersum/ingest/sentences"
)

// textOf checks that data is UTF-8 and returns it with every line ending
// (CRLF, LF, and the lone CRs a few corpus files have) turned into '\n'.
// The corpora mix line endings within one directory and some files lack
// a final newline, so nothing downstream may depend on either.
func textOf(file string, data []byte) (string, error) {
	if !utf8.Valid(data) {
		return "", dataError(file, "not UTF-8 text")
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

// nonEmptyLines returns the lines of text that hold more than white
// space, trimmed.
func nonEmptyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// unescapeCorpus undoes the entity escaping of the CL-SciSumm and
// ScisummNet files. Their text was cut from the Reference_XML, which
// escapes twice ("&amp;quot;"), and ingest unescapes the XML twice; doing
// the same here keeps "amp quot" out of the reference tokens, which no
// summary built from the ingested paper could match.
func unescapeCorpus(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return html.UnescapeString(html.UnescapeString(s))
}

// collapse turns every run of white space into one space and trims.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// splitLines splits each line into sentences. A line break always ends a
// sentence: the corpus summaries are written one sentence a line, and
// some lines have no final full stop ("Tested accuracy exceeds 94%"),
// which sentences.Split alone would run into the next line.
func splitLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, sentences.Split(l)...)
	}
	return out
}

var (
	// openTag matches the <S sid=".." ssid=".."> that starts each cited
	// span of a community file, in the damaged forms the files also
	// hold: attributes CSV-quoted (sid=""90""), the '<' lost
	// (`S sid="9" ssid="5">`), and a line that starts mid-tag
	// (`d="79" ssid="12">`, `75 ssid="4">`).
	openTag = regexp.MustCompile(`<?\bS\s+sid\s*=\s*"[^>]*>|^[^<>]{0,20}?\bssid\s*=\s*"*\d+"*\s*>`)
	// closeTag matches </S>, also when its '>' was lost at the end of a
	// line.
	closeTag = regexp.MustCompile(`</S\s*>|</S\b`)
)

// communityLine returns the text of one line of a CL-SciSumm .community
// file without its <S> tags, or "" for a line that holds no cited text.
//
// The files are one cited span a line, but were exported from a
// spreadsheet: a cell of several spans is one CSV field, opened by '"'
// before its first tag and closed by '"' after its last, with the
// attribute quotes doubled. Those quotes are removed. A line "NA" (some
// written “NA”) marks a citance the annotator found no span for; it is
// not summary text, so it is dropped.
func communityLine(line string) string {
	line = strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(line, `"`); ok && openTag.MatchString(strings.TrimSpace(rest)) {
		line = strings.TrimSpace(rest)
	}
	if t := strings.TrimSpace(strings.TrimSuffix(line, `"`)); t != line && (strings.HasSuffix(t, "</S>") || strings.HasSuffix(t, "</S")) {
		line = t
	}
	line = openTag.ReplaceAllString(line, " ")
	line = closeTag.ReplaceAllString(line, " ")
	line = collapse(unescapeCorpus(line))
	if strings.Trim(line, `"“” `) == "NA" {
		return ""
	}
	return line
}
