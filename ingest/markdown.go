package ingest

import (
	"strings"
)

// parseMarkdown converts Markdown into a doc. ATX ("## Method") and setext
// (underlined) headings are sections and the first level-one heading is
// the title. Code blocks, tables, images, HTML comments and tags, link
// targets, footnote markers, display math and YAML front matter are
// dropped; emphasis markers are removed and the text kept. List items
// and block quotes become paragraphs of their own.
//
// It is a line-oriented approximation of CommonMark, not a full parser:
// papers need their prose, not a faithful rendering.
func parseMarkdown(text string) doc {
	lines := splitLines(text)
	var d doc
	var para []string
	flush := func() {
		if len(para) > 0 {
			d.blocks = append(d.blocks, block{text: strings.Join(para, " ")})
			para = para[:0]
		}
	}
	titleH1 := false // the title came from a "#" heading
	heading := func(level int, title string) {
		flush()
		title = cleanTitle(inlineMarkdown(title))
		if title == "" {
			return
		}
		if d.title == "" && level == 1 && len(d.blocks) == 0 {
			d.title, titleH1 = title, true
			return
		}
		if titleH1 && level > 1 {
			// Papers whose title is "#" use "##" for sections.
			level--
		}
		num, _ := splitNumber(title)
		if num != "" {
			level = numberLevel(num)
		}
		d.blocks = append(d.blocks, block{heading: true, level: level, text: title})
	}
	i := 0
	yamlTitle := ""
	// YAML front matter: skip it, keeping its title for papers without a
	// level-one heading.
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for j := 1; j < len(lines); j++ {
			l := strings.TrimSpace(lines[j])
			if l == "---" || l == "..." {
				i = j + 1
				break
			}
			if v, ok := strings.CutPrefix(l, "title:"); ok {
				yamlTitle = strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
	}
	var fence string   // the open code fence ("```" or "~~~"), or ""
	inComment := false // inside <!-- ... -->
	inMath := false    // inside $$ ... $$
	for ; i < len(lines); i++ {
		raw := lines[i]
		line := strings.TrimSpace(raw)
		switch {
		case fence != "":
			if strings.HasPrefix(line, fence) {
				fence = ""
			}
			continue
		case inComment:
			if strings.Contains(line, "-->") {
				inComment = false
			}
			continue
		case inMath:
			if strings.HasSuffix(line, "$$") {
				inMath = false
			}
			continue
		case strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~"):
			flush()
			fence = line[:3]
			continue
		case strings.HasPrefix(line, "<!--"):
			flush()
			inComment = !strings.Contains(line[4:], "-->")
			continue
		case strings.HasPrefix(line, "$$"):
			flush()
			inMath = len(line) == 2 || !strings.HasSuffix(line[2:], "$$")
			continue
		case line == "":
			flush()
			continue
		case strings.HasPrefix(raw, "    ") || strings.HasPrefix(raw, "\t"):
			// Indented code, unless it continues a paragraph or list item.
			if len(para) == 0 {
				continue
			}
		}
		if level, title, ok := atxHeading(line); ok {
			heading(level, title)
			continue
		}
		if i+1 < len(lines) && len(para) == 0 {
			if level := setextLevel(lines[i+1]); level > 0 {
				heading(level, line)
				i++
				continue
			}
		}
		if isRule(line) || isTableLine(line) || isLinkDef(line) {
			flush()
			continue
		}
		if strings.HasPrefix(line, "<") && isHTMLBlock(line) {
			flush()
			continue
		}
		for strings.HasPrefix(line, ">") {
			line = strings.TrimSpace(line[1:])
		}
		if rest, ok := listItem(line); ok {
			flush()
			line = rest
		}
		if t := inlineMarkdown(line); t != "" {
			para = append(para, t)
		}
	}
	flush()
	if d.title == "" {
		d.title = yamlTitle
	}
	return d
}

// atxHeading parses "## Title ##".
func atxHeading(line string) (level int, title string, ok bool) {
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(line) && line[level] != ' ' && line[level] != '\t') {
		return 0, "", false
	}
	title = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[level:]), "#"))
	return level, title, true
}

// setextLevel returns 1 for a "===" underline, 2 for "---", 0 otherwise.
func setextLevel(line string) int {
	line = strings.TrimSpace(line)
	if len(line) < 2 {
		return 0
	}
	switch {
	case strings.Trim(line, "=") == "":
		return 1
	case strings.Trim(line, "-") == "":
		return 2
	}
	return 0
}

// isRule reports whether line is a thematic break ("---", "***", "___").
func isRule(line string) bool {
	s := strings.ReplaceAll(line, " ", "")
	if len(s) < 3 {
		return false
	}
	return strings.Trim(s, "-") == "" || strings.Trim(s, "*") == "" || strings.Trim(s, "_") == ""
}

// isTableLine reports whether line is a row of a pipe table. Tables are
// dropped: their cells are not sentences.
func isTableLine(line string) bool {
	return strings.HasPrefix(line, "|") || strings.Count(line, "|") >= 2 && strings.Trim(line, "|:- ") == ""
}

// isLinkDef reports whether line defines a reference link or a footnote
// ("[1]: https://...", "[^1]: ...").
func isLinkDef(line string) bool {
	if !strings.HasPrefix(line, "[") {
		return false
	}
	end := strings.Index(line, "]:")
	return end > 0 && !strings.Contains(line[:end], " ")
}

// isHTMLBlock reports whether line is a line of block-level HTML.
func isHTMLBlock(line string) bool {
	name := strings.TrimLeft(line[1:], "/")
	for _, tag := range []string{"div", "table", "tr", "td", "th", "img", "figure", "figcaption", "p>", "br", "hr", "script", "style", "svg", "iframe", "details", "summary", "center", "tbody", "thead", "picture", "source", "video"} {
		if strings.HasPrefix(strings.ToLower(name), tag) {
			return true
		}
	}
	return false
}

// listItem strips a list marker ("- ", "* ", "+ ", "1. ", "1) ").
func listItem(line string) (string, bool) {
	if len(line) >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ' {
		return strings.TrimSpace(line[2:]), true
	}
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' ' {
		return strings.TrimSpace(line[i+2:]), true
	}
	return line, false
}

// inlineMarkdown strips inline markup from one line: images, links (the
// text is kept), autolinks, inline code markers, emphasis, footnote
// references, HTML tags and backslash escapes.
func inlineMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\\`*_{}[]()#+-.!<>|~$", s[i+1]) >= 0 {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
		case '!':
			if i+1 < len(s) && s[i+1] == '[' {
				if _, _, end, ok := linkAt(s, i+1); ok {
					i = end // images are dropped, alt text too
					continue
				}
			}
		case '[':
			if strings.HasPrefix(s[i:], "[^") {
				if j := indexWithin(s[i:], ']', 64); j > 0 {
					i += j + 1 // footnote reference
					continue
				}
			}
			if text, _, end, ok := linkAt(s, i); ok {
				b.WriteString(inlineMarkdown(text))
				i = end
				continue
			}
		case '<':
			if j := indexWithin(s[i:], '>', 256); j > 0 {
				inner := s[i+1 : i+j]
				if strings.HasPrefix(inner, "http://") || strings.HasPrefix(inner, "https://") || strings.HasPrefix(inner, "mailto:") {
					b.WriteString(inner)
					i += j + 1
					continue
				}
				if isTag(inner) {
					i += j + 1
					continue
				}
			}
		case '`':
			i++
			continue
		case '*', '~':
			// Emphasis and strike-through markers; a lone "*" between
			// spaces (a product, a footnote mark) is text.
			j := i
			for j < len(s) && s[j] == c {
				j++
			}
			if c == '~' && j-i < 2 {
				break
			}
			before := i == 0 || s[i-1] == ' '
			after := j == len(s) || s[j] == ' '
			if before && after {
				break
			}
			i = j
			continue
		case '_':
			// Only at word edges: snake_case identifiers keep theirs.
			j := i
			for j < len(s) && s[j] == '_' {
				j++
			}
			atStart := i == 0 || !isWordByte(s[i-1])
			atEnd := j == len(s) || !isWordByte(s[j])
			if atStart != atEnd {
				i = j
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return strings.TrimSpace(b.String())
}

// maxLinkScan bounds how far a link's text or target is looked for, so
// that a line of a million "[" or "<" costs linear time, not quadratic.
const maxLinkScan = 1024

// linkAt parses "[text](target)" or "[text][ref]" starting at s[i] == '['
// and returns the text, the target and the index after the link.
func linkAt(s string, i int) (text, target string, end int, ok bool) {
	depth := 0
	j := i
	for ; j < len(s) && j-i < maxLinkScan; j++ {
		if s[j] == '[' {
			depth++
		} else if s[j] == ']' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if j >= len(s) || depth != 0 {
		return "", "", 0, false
	}
	text = s[i+1 : j]
	if j+1 < len(s) && (s[j+1] == '(' || s[j+1] == '[') {
		closer := byte(')')
		if s[j+1] == '[' {
			closer = ']'
		}
		if k := indexWithin(s[j+2:], closer, maxLinkScan); k >= 0 {
			return text, s[j+2 : j+2+k], j + 2 + k + 1, true
		}
	}
	return "", "", 0, false
}

// isTag reports whether inner (the text between "<" and ">") is an HTML
// tag such as "b", "/i", "br/" or "span class=x".
func isTag(inner string) bool {
	inner = strings.TrimPrefix(inner, "/")
	if inner == "" || !isLetterByte(inner[0]) {
		return false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c == ' ' || c == '/' {
			return true
		}
		if !isLetterByte(c) && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isWordByte reports whether c is an ASCII letter or digit.
func isWordByte(c byte) bool {
	return isLetterByte(c) || c >= '0' && c <= '9'
}

// indexWithin is strings.IndexByte limited to the first max bytes of s.
func indexWithin(s string, c byte, max int) int {
	if len(s) > max {
		s = s[:max]
	}
	return strings.IndexByte(s, c)
}
