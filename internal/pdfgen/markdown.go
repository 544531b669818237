package pdfgen

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ParseMarkdown reads a paper written in the small Markdown subset the
// generator takes:
//
//	---
//	title: The Title            (or a "# The Title" line)
//	author: A. Author, Place    (one line each, repeatable)
//	header: running header of pages 2..n
//	footer: first-page footer      (one line each, repeatable)
//	---
//	## Abstract
//	paragraphs...
//	## 1 Introduction           ("###" for a subsection)
//	paragraphs...
//	## References
//	- one entry per item (or per paragraph)
//
// Paragraphs are separated by blank lines; their lines are joined with
// spaces. Anything else that Markdown would render (code, tables, images,
// emphasis markers) is refused, so that the PDF's text is exactly the
// source's text. papersum's own ingest reads the same file as Markdown.
func ParseMarkdown(src []byte) (*Document, error) {
	d := &Document{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), " \t\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pdfgen: %w", err)
	}
	i := 0
	if len(lines) > 0 && lines[0] == "---" {
		for i = 1; i < len(lines) && lines[i] != "---"; i++ {
			key, val, ok := strings.Cut(lines[i], ":")
			val = strings.TrimSpace(val)
			if !ok {
				return nil, fmt.Errorf("pdfgen: front matter line %d: want key: value", i+1)
			}
			switch strings.TrimSpace(key) {
			case "title":
				d.Title = val
			case "author":
				d.Authors = append(d.Authors, val)
			case "header":
				d.Header = val
			case "footer":
				d.Footer = append(d.Footer, val)
			default:
				return nil, fmt.Errorf("pdfgen: front matter line %d: unknown key %q (title, author, header, footer)", i+1, key)
			}
		}
		if i == len(lines) {
			return nil, fmt.Errorf("pdfgen: front matter is not closed with ---")
		}
		i++
	}

	const (
		inNone = iota
		inAbstract
		inSection
		inReferences
	)
	where := inNone
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		p := strings.Join(para, " ")
		para = para[:0]
		switch where {
		case inAbstract:
			d.Abstract = append(d.Abstract, p)
		case inSection:
			s := &d.Sections[len(d.Sections)-1]
			s.Paragraphs = append(s.Paragraphs, p)
		case inReferences:
			d.References = append(d.References, p)
		}
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		n := i + 1
		switch {
		case l == "":
			flush()
		case strings.HasPrefix(l, "# "):
			flush()
			if d.Title != "" && d.Title != strings.TrimSpace(l[2:]) {
				return nil, fmt.Errorf("pdfgen: line %d: a second title", n)
			}
			d.Title = strings.TrimSpace(l[2:])
		case strings.HasPrefix(l, "## ") || strings.HasPrefix(l, "### "):
			flush()
			level := 1
			h := strings.TrimSpace(l[3:])
			if strings.HasPrefix(l, "### ") {
				level, h = 2, strings.TrimSpace(l[4:])
			}
			switch {
			case level == 1 && strings.EqualFold(h, "abstract"):
				where = inAbstract
			case level == 1 && strings.EqualFold(h, "references"):
				where = inReferences
			default:
				where = inSection
				d.Sections = append(d.Sections, Section{Heading: h, Level: level})
			}
		case strings.HasPrefix(l, "- ") && where == inReferences:
			flush()
			para = append(para, strings.TrimSpace(l[2:]))
		case where == inNone:
			return nil, fmt.Errorf("pdfgen: line %d: text before the first heading", n)
		case strings.HasPrefix(l, "```") || strings.HasPrefix(l, "|") || strings.HasPrefix(l, "![") ||
			strings.HasPrefix(l, "<") || strings.HasPrefix(l, ">") || strings.HasPrefix(l, "#"):
			return nil, fmt.Errorf("pdfgen: line %d: only headings, paragraphs and reference items are supported", n)
		case strings.Contains(l, "*") || strings.Contains(l, "]("):
			return nil, fmt.Errorf("pdfgen: line %d: emphasis and links are not supported; write plain text", n)
		default:
			para = append(para, strings.TrimSpace(l))
		}
	}
	flush()
	if err := d.validate(); err != nil {
		return nil, err
	}
	return d, nil
}
