package pdftext

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Simple-font decoding for the pure-Go path. The library's decoder reads
// /Differences without the base encoding and falls back to PDFDocEncoding
// for fonts that rely on their built-in encoding, which turns TeX's curly
// quotes into "fi"/"fl" and loses the real ligatures; so the 256-entry
// table is built here: base encoding (named, or the embedded Type1 font's
// own), then /Differences through the glyph names.

// simpleTable returns the text of each of the 256 codes of a simple font.
func simpleTable(v pdf.Value) [256]string {
	var t [256]string
	enc := v.Key("Encoding")
	base := ""
	switch enc.Kind() {
	case pdf.Name:
		base = enc.Name()
	case pdf.Dict:
		base = enc.Key("BaseEncoding").Name()
	}
	switch base {
	case "WinAnsiEncoding":
		t = charmapTable(charmap.Windows1252)
	case "MacRomanEncoding":
		t = charmapTable(charmap.Macintosh)
	case "StandardEncoding":
		t = standardTable()
	default:
		if builtin, ok := type1Encoding(v); ok {
			t = builtin
		} else if v.Key("FontDescriptor").Key("FontFile3").Kind() == pdf.Stream {
			// A CFF font whose encoding lives in the font program, which
			// is not parsed here. Such fonts in papers are nearly always
			// TeX's, re-encoded with TeXBase1 (8r) by dvips or pdfTeX.
			t = texBase1Table()
		} else if v.Key("Subtype").Name() == "TrueType" {
			t = charmapTable(charmap.Windows1252)
		} else {
			t = standardTable()
		}
	}
	if enc.Kind() == pdf.Dict {
		d := enc.Key("Differences")
		c := 0
		for i := 0; i < d.Len(); i++ {
			x := d.Index(i)
			switch x.Kind() {
			case pdf.Integer:
				c = int(x.Int64())
			case pdf.Name:
				if c >= 0 && c < 256 {
					if s, ok := glyphText(x.Name()); ok {
						t[c] = s
					} else if c >= 33 && c < 127 {
						t[c] = string(rune(c)) // unnamed glyphs of TeX fonts sit at their ASCII codes
					} else {
						t[c] = ""
					}
				}
				c++
			}
		}
	}
	return t
}

func charmapTable(cm *charmap.Charmap) [256]string {
	var t [256]string
	for i := 0; i < 256; i++ {
		r := cm.DecodeByte(byte(i))
		if r != '\uFFFD' {
			t[i] = string(r)
		}
	}
	return t
}

// standardTable is Adobe StandardEncoding: ASCII with curly single quotes,
// plus the upper half that text actually uses.
func standardTable() [256]string {
	var t [256]string
	for i := 32; i < 127; i++ {
		t[i] = string(rune(i))
	}
	t[0x27], t[0x60] = "’", "‘"
	for c, s := range map[int]string{
		0xA1: "¡", 0xA2: "¢", 0xA3: "£", 0xA4: "⁄", 0xA5: "¥", 0xA6: "ƒ", 0xA7: "§", 0xA8: "¤",
		0xA9: "'", 0xAA: "“", 0xAB: "«", 0xAC: "‹", 0xAD: "›", 0xAE: "fi", 0xAF: "fl",
		0xB1: "–", 0xB2: "†", 0xB3: "‡", 0xB4: "·", 0xB6: "¶", 0xB7: "•", 0xB8: "‚", 0xB9: "„",
		0xBA: "”", 0xBB: "»", 0xBC: "…", 0xBD: "‰", 0xBF: "¿", 0xD0: "—", 0xE1: "Æ", 0xE8: "Ł",
		0xE9: "Ø", 0xEA: "Œ", 0xF1: "æ", 0xF5: "ı", 0xF8: "ł", 0xF9: "ø", 0xFA: "œ", 0xFB: "ß",
	} {
		t[c] = s
	}
	return t
}

// texBase1Table is TeX's 8r encoding (TeXBase1Encoding): WinAnsi in the
// upper half, ligatures and accents in the control range.
func texBase1Table() [256]string {
	t := charmapTable(charmap.Windows1252)
	t[0x27], t[0x60] = "’", "‘"
	for c, s := range map[int]string{
		0x02: "fi", 0x03: "fl", 0x04: "⁄", 0x06: "Ł", 0x07: "ł", 0x0C: "−",
		0x0E: "Ž", 0x0F: "ž", 0x11: "ı", 0x13: "ff", 0x14: "ffi", 0x15: "ffl",
	} {
		t[c] = s
	}
	for c := 0; c < 32; c++ {
		if t[c] != "" && []rune(t[c])[0] < 32 {
			t[c] = ""
		}
	}
	return t
}

var dupRE = regexp.MustCompile(`dup\s+(\d+)\s*/([^\s/]+)\s+put`)

// type1Encoding reads the encoding vector from the clear-text part of an
// embedded Type1 font program ("dup 174 /fi put"), which TeX-made PDFs
// rely on when they give no /Encoding or no base encoding.
func type1Encoding(v pdf.Value) ([256]string, bool) {
	var t [256]string
	ff := v.Key("FontDescriptor").Key("FontFile")
	if ff.Kind() != pdf.Stream {
		return t, false
	}
	b, err := streamBytes(ff)
	if err != nil {
		return t, false
	}
	if i := strings.Index(string(b[:min(len(b), 1<<16)]), "eexec"); i >= 0 {
		b = b[:i]
	}
	if strings.Contains(string(b), "/Encoding StandardEncoding") {
		return standardTable(), true
	}
	ms := dupRE.FindAllSubmatch(b, -1)
	if len(ms) == 0 {
		return t, false
	}
	for _, m := range ms {
		c, err := strconv.Atoi(string(m[1]))
		if err != nil || c < 0 || c > 255 {
			continue
		}
		if s, ok := glyphText(string(m[2])); ok {
			t[c] = s
		} else if c >= 33 && c < 127 {
			t[c] = string(rune(c))
		}
	}
	return t, true
}

// glyphNames maps the Adobe glyph names that prose uses and that are not a
// single character; letters and accented letters are handled by rule.
var glyphNames = map[string]string{
	"space": " ", "exclam": "!", "quotedbl": "\"", "numbersign": "#", "dollar": "$", "percent": "%",
	"ampersand": "&", "quoteright": "’", "quotesingle": "'", "parenleft": "(", "parenright": ")",
	"asterisk": "*", "plus": "+", "comma": ",", "hyphen": "-", "minus": "−", "period": ".", "slash": "/",
	"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
	"seven": "7", "eight": "8", "nine": "9", "colon": ":", "semicolon": ";", "less": "<", "equal": "=",
	"greater": ">", "question": "?", "at": "@", "bracketleft": "[", "backslash": "\\",
	"bracketright": "]", "asciicircum": "^", "underscore": "_", "quoteleft": "‘", "grave": "`",
	"braceleft": "{", "bar": "|", "braceright": "}", "asciitilde": "~", "quotedblleft": "“",
	"quotedblright": "”", "quotesinglbase": "‚", "quotedblbase": "„", "endash": "–", "emdash": "—",
	"bullet": "•", "dagger": "†", "daggerdbl": "‡", "section": "§", "paragraph": "¶", "ellipsis": "…",
	"fi": "fi", "fl": "fl", "ff": "ff", "ffi": "ffi", "ffl": "ffl", "dotlessi": "ı", "germandbls": "ß",
	"ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "oslash": "ø", "Oslash": "Ø", "lslash": "ł", "Lslash": "Ł",
	"eth": "ð", "thorn": "þ", "Eth": "Ð", "Thorn": "Þ", "degree": "°", "multiply": "×", "divide": "÷",
	"plusminus": "±", "copyright": "©", "registered": "®", "trademark": "™", "periodcentered": "·",
	"guillemotleft": "«", "guillemotright": "»", "exclamdown": "¡", "questiondown": "¿", "cent": "¢",
	"sterling": "£", "yen": "¥", "euro": "€", "florin": "ƒ", "fraction": "⁄", "perthousand": "‰",
	"onehalf": "½", "onequarter": "¼", "threequarters": "¾", "mu": "µ", "nbspace": " ", "sfthyphen": "-",
	"circumflex": "ˆ", "tilde": "˜", "dieresis": "¨", "acute": "´", "cedilla": "¸", "macron": "¯",
	"ring": "˚", "caron": "ˇ", "breve": "˘", "dotaccent": "˙", "hungarumlaut": "˝", "ogonek": "˛",
	"visiblespace": "␣", "arrowright": "→", "arrowleft": "←",
}

// accents are the combining marks named at the end of accented-letter
// glyph names ("eacute", "Odieresis").
var accents = []struct{ name, mark string }{
	{"acute", "\u0301"}, {"grave", "\u0300"}, {"circumflex", "\u0302"}, {"tilde", "\u0303"},
	{"dieresis", "\u0308"}, {"ring", "\u030A"}, {"cedilla", "\u0327"}, {"caron", "\u030C"},
	{"macron", "\u0304"}, {"breve", "\u0306"}, {"dotaccent", "\u0307"}, {"ogonek", "\u0328"},
	{"hungarumlaut", "\u030B"}, {"commaaccent", "\u0326"},
}

// glyphText returns the text of a glyph name.
func glyphText(n string) (string, bool) {
	if i := strings.IndexByte(n, '.'); i > 0 {
		n = n[:i] // "a.sc", "one.oldstyle"
	}
	if len(n) == 1 {
		return n, true
	}
	if s, ok := glyphNames[n]; ok {
		return s, true
	}
	if strings.HasPrefix(n, "uni") && len(n) == 7 {
		if v, err := strconv.ParseUint(n[3:], 16, 32); err == nil {
			return string(rune(v)), true
		}
	}
	if strings.HasPrefix(n, "u") && len(n) >= 5 && len(n) <= 7 {
		if v, err := strconv.ParseUint(n[1:], 16, 32); err == nil {
			return string(rune(v)), true
		}
	}
	for _, a := range accents {
		if len(n) == 1+len(a.name) && strings.HasSuffix(n, a.name) {
			return norm.NFC.String(n[:1] + a.mark), true
		}
	}
	return "", false
}
