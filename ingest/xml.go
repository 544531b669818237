package ingest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/papersum/papersum"
)

// maxXMLDepth bounds element nesting. Reference_XML is three levels deep
// (PAPER, SECTION, S); a bound keeps hostile, deeply nested input from
// costing memory or time.
const maxXMLDepth = 32

// parseXML parses the Reference_XML format of CL-SciSumm and ScisummNet:
//
//	<PAPER>
//	  <S sid="0">Title</S>
//	  <ABSTRACT><S sid="1" ssid="1">...</S></ABSTRACT>
//	  <SECTION title="1 Introduction" number="1"><S ...>...</S></SECTION>
//	</PAPER>
//
// The <S> elements are the sentences, taken as they are (white space
// collapsed, empty ones dropped) so that they keep their corpus ids. The
// corpus escapes entities twice ("&amp;quot;"), so text is unescaped once
// more after the XML decoder. DOCTYPE declarations are refused, which
// also rules out external entities.
func parseXML(name, text string) (*papersum.Paper, error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = true
	// The text is UTF-8 already; a declared encoding="ISO-8859-1" only
	// restates what decodeText undid.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	d := doc{exact: true}
	var (
		depth    int
		root     bool // inside <PAPER>
		inS      bool // inside an <S>
		sb       strings.Builder
		para     []string // sentences of the current ABSTRACT or SECTION
		inBlock  bool
		sawTitle bool
	)
	flush := func() {
		if len(para) > 0 {
			d.blocks = append(d.blocks, block{sents: para})
			para = nil
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(name, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, inputError(name, "XML DOCTYPE declarations are not supported")
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, inputError(name, fmt.Sprintf("XML nested deeper than %d levels", maxXMLDepth))
			}
			switch {
			case depth == 1:
				if t.Name.Local != "PAPER" {
					return nil, inputError(name, "not a Reference_XML paper: the root element is <"+t.Name.Local+">, want <PAPER>")
				}
				root = true
			case t.Name.Local == "S":
				inS = true
				sb.Reset()
			case depth == 2 && t.Name.Local == "ABSTRACT":
				flush()
				d.blocks = append(d.blocks, block{heading: true, level: 1, text: "Abstract"})
				inBlock = true
			case depth == 2 && t.Name.Local == "SECTION":
				flush()
				title := unescapeText(attr(t, "title"))
				num, _ := splitNumber(title)
				d.blocks = append(d.blocks, block{heading: true, level: numberLevel(num), text: title})
				inBlock = true
			}
		case xml.EndElement:
			depth--
			switch {
			case t.Name.Local == "S" && inS:
				inS = false
				s := unescapeText(sb.String())
				if depth == 1 && !inBlock && !sawTitle {
					// The first <S> directly under <PAPER> (sid 0) is
					// the title, even when it is empty.
					d.title, sawTitle = s, true
					break
				}
				if s != "" {
					para = append(para, s)
				}
			case depth == 1 && (t.Name.Local == "ABSTRACT" || t.Name.Local == "SECTION"):
				flush()
				inBlock = false
			}
		case xml.CharData:
			if inS {
				sb.Write(t)
			}
		}
	}
	if !root {
		return nil, inputError(name, "not a Reference_XML paper: no <PAPER> element")
	}
	flush()
	return build(d), nil
}

// attr returns the value of the attribute called name, or "".
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// unescapeText undoes the corpus's second level of escaping and collapses
// white space.
func unescapeText(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// xmlError reports malformed XML with the decoder's line number.
func xmlError(name string, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return inputError(name, fmt.Sprintf("malformed XML at line %d: %s", se.Line, se.Msg))
	}
	return inputError(name, "malformed XML: "+err.Error())
}
