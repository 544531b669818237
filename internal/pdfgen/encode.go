package pdfgen

import (
	"fmt"
	"strings"
)

// standardCode maps the characters the generator can typeset outside
// printable ASCII to their StandardEncoding codes. The ASCII apostrophe and
// grave accent are written as quotesingle and quoteleft, since in
// StandardEncoding codes 0x27 and 0x60 are the curly quotes.
var standardCode = map[rune]byte{
	'\'':     0xA9, // quotesingle
	'`':      0x60, // quoteleft
	'\u2018': 0x60, // ‘
	'\u2019': 0x27, // ’
	'\u201C': 0xAA, // “
	'\u201D': 0xBA, // ”
	'\u2013': 0xB1, // –
	'\u2014': 0xD0, // —
	'\u2022': 0xB7, // •
	'\u2026': 0xBC, // …
}

// Ligature codes of StandardEncoding.
const (
	codeFI = 0xAE // fi
	codeFL = 0xAF // fl
)

// encode returns the StandardEncoding bytes of s, with the fi and fl
// ligature glyphs where ligatures is set. A character the fonts cannot
// show is an error: the fixture text must be exactly what a reader of the
// PDF gets back.
func encode(s string, ligatures bool) ([]byte, error) {
	out := make([]byte, 0, len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case ligatures && r == 'f' && i+1 < len(rs) && (rs[i+1] == 'i' || rs[i+1] == 'l'):
			if rs[i+1] == 'i' {
				out = append(out, codeFI)
			} else {
				out = append(out, codeFL)
			}
			i++
		case r >= 32 && r < 127 && r != '\'' && r != '`':
			out = append(out, byte(r))
		default:
			c, ok := standardCode[r]
			if !ok {
				return nil, fmt.Errorf("pdfgen: %q (U+%04X) in %q cannot be set in the standard fonts; write it in ASCII", r, r, s)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// width is the advance of the encoded bytes b at size points.
func width(b []byte, f font, size float64) float64 {
	w, _ := widths()
	n := 0
	for _, c := range b {
		n += w[f][c]
	}
	return float64(n) * size / 1000
}

// pdfString writes b as a PDF literal string.
func pdfString(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for _, c := range b {
		switch {
		case c == '(' || c == ')' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x80 || c < 32:
			fmt.Fprintf(&sb, "\\%03o", c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(')')
	return sb.String()
}
