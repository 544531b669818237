package pdftext

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"ﬁnal ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ":    "final flow ff ffi ffl st st",
		"soft\u00adhyphen":      "softhyphen",
		"non\u00a0breaking":     "non breaking",
		"zero\u200bwidth\ufeff": "zerowidth",
		"hy\u2010phen":          "hy-phen",
		"“quotes” stay — ok":    "“quotes” stay — ok",
		"ctrl\x01\x02chars":     "ctrlchars",
	}
	for in, want := range cases {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJoinHyphen(t *testing.T) {
	counts := map[string]int{"state-of-the-art": 2, "non-projective": 3, "co-operation": 1, "cooperation": 1}
	cases := []struct{ p, next, want string }{
		{"a recog-", "nition system", "a recognition system"},
		{"the state-of-the-", "art method", "the state-of-the-art method"},
		{"a (non-", "projective) graph", "a (non-projective) graph"},
		{"the non-", "projective arcs", "the non-projective arcs"},
		{"both co-", "operation forms", "both cooperation forms"}, // both spellings occur: join
		{"the pre-", "1990 work", "the pre-1990 work"},
		{"non-", "English text", "non-English text"},
	}
	for _, c := range cases {
		stem := hyphenated(c.p)
		if stem == "" {
			t.Fatalf("hyphenated(%q) = \"\"", c.p)
		}
		if got := joinHyphen(c.p, stem, c.next, counts); got != c.want {
			t.Errorf("joinHyphen(%q, %q) = %q, want %q", c.p, c.next, got, c.want)
		}
	}
	for _, s := range []string{"an en dash --", "x -", "3-"} {
		if stem := hyphenated(s); stem != "" {
			t.Errorf("hyphenated(%q) = %q, want none", s, stem)
		}
	}
}

func TestIsHeading(t *testing.T) {
	done := &line{text: "The end."}
	cases := []struct {
		l    line
		prev *line
		want bool
	}{
		{line{text: "Abstract"}, nil, true},
		{line{text: "REFERENCES"}, done, true},
		{line{text: "Acknowledgments"}, done, true},
		{line{text: "1 Introduction"}, done, true},
		{line{text: "1. Introduction"}, done, true},
		{line{text: "3.2 Feature Templates", short: true}, done, true},
		{line{text: "IV. Results and Analysis", short: true}, done, true},
		// A wrapped sentence line that starts with a number.
		{line{text: "40 Penn Treebank sentences were parsed by the system and"}, &line{text: "On a sample of"}, false},
		{line{text: "2 The model is trained on the data.", short: true}, done, false},
		{line{text: "100 and less when trained"}, done, false},
		{line{text: "In this section we describe the model"}, done, false},
	}
	for _, c := range cases {
		if got := isHeading(c.l, c.prev); got != c.want {
			t.Errorf("isHeading(%q) = %v, want %v", c.l.text, got, c.want)
		}
	}
}

// layoutText runs the -layout half of the pipeline on a literal page.
func layoutText(s string) string {
	return clean(layoutPages(s))
}

func TestReadingOrderLayout(t *testing.T) {
	// Two columns whose baselines do not line up (so many rows hold only
	// one column), a full-width title and a centred author line with a
	// word space where the gutter is.
	page := `
            A Title That Spans Both Columns Of The Page
                       Ann Author and Bob Writer

Abstract                                   whose text is the right column
                                           and it goes on for a few
The left column has a sentence             lines so that the gutter can
that runs into the right column            be found.
                                              A new paragraph starts
and it has enough lines to count           here with an indent and ends
as a column of a page, even if             here.
the right one is offset, and it
ends with a sentence part
`
	got := layoutText(page)
	want := `A Title That Spans Both Columns Of The Page

Ann Author and Bob Writer

Abstract

The left column has a sentence that runs into the right column and it has enough lines to count as a column of a page, even if the right one is offset, and it ends with a sentence part whose text is the right column and it goes on for a few lines so that the gutter can be found.

A new paragraph starts here with an indent and ends here.
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSingleColumnLayout(t *testing.T) {
	page := `Computational Linguistics                        Volume 27, Number 2

1. Introduction

This paper has one wide column of text that goes from the left margin to the
right margin, as journals do, and it must not be cut in two even where a
column of spaces happens to line up in the middle     for a line or two.
     A new paragraph starts with an indent.

                                     12
` + "\f" + `Computational Linguistics                        Volume 27, Number 2

The second page goes on with more text that spans the whole width of the page
and ends here.

                                     13
` + "\f"
	got := layoutText(page)
	want := `1. Introduction

This paper has one wide column of text that goes from the left margin to the right margin, as journals do, and it must not be cut in two even where a column of spaces happens to line up in the middle for a line or two.

A new paragraph starts with an indent.

The second page goes on with more text that spans the whole width of the page and ends here.
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLexerStrings(t *testing.T) {
	cases := map[string]string{
		`(plain)`:           "plain",
		`(a\(b\)c)`:         "a(b)c",
		`(nested (parens))`: "nested (parens)",
		`(oct\101\60)`:      "octA0",
		`(bad \[escape\])`:  "bad [escape]", // the library panics on this
		"(line\\\ncont)":    "linecont",
		`<48656C6C6F>`:      "Hello",
		`<48 65 6c 6C 6>`:   "Hell`",
		`(unterminated`:     "unterminated",
		`(tab\tnew\nret\r)`: "tab\tnew\nret\r",
	}
	for in, want := range cases {
		l := &lexer{b: []byte(in)}
		tok := l.next()
		if tok.kind != tokStr || tok.s != want {
			t.Errorf("lex %q = %v %q, want %q", in, tok.kind, tok.s, want)
		}
	}
}

func TestScanOperators(t *testing.T) {
	content := "BT /F1 10 Tf [(A) -250 (B)] TJ << /MCID 3 >> BDC BI /W 2 /H 2 ID \x00EI\xff EI Q ET"
	var ops []string
	scan([]byte(content), func(op string, args []operand) {
		ops = append(ops, op)
		if op == "TJ" && (len(args) != 1 || len(args[0].arr) != 3 || args[0].arr[1].num != -250) {
			t.Errorf("TJ args %+v", args)
		}
	})
	if got := strings.Join(ops, " "); got != "BT Tf TJ BDC Q ET" {
		t.Errorf("ops %q", got)
	}
}

func TestParseCMap(t *testing.T) {
	cmap := `/CIDInit /ProcSet findresource begin
begincmap
1 begincodespacerange <00> <FF> endcodespacerange
2 beginbfchar
<01> <FB01>
<02> <00660066>
endbfchar
2 beginbfrange
<41> <43> <0061>
<50> <51> [<0078> <D835DC9C>]
endbfrange
endcmap`
	m := parseCMap([]byte(cmap))
	want := map[int]string{0x01: "ﬁ", 0x02: "ff", 0x41: "a", 0x42: "b", 0x43: "c", 0x50: "x", 0x51: "𝒜"}
	for c, s := range want {
		if m[c] != s {
			t.Errorf("code %#x = %q, want %q", c, m[c], s)
		}
	}
}

func TestGlyphText(t *testing.T) {
	cases := map[string]string{
		"a": "a", "fi": "fi", "quotedblleft": "“", "eacute": "é", "Odieresis": "Ö",
		"uni00E9": "é", "u1D49C": "𝒜", "one.oldstyle": "1", "zero": "0",
	}
	for n, want := range cases {
		if got, ok := glyphText(n); !ok || got != want {
			t.Errorf("glyphText(%q) = %q, %v; want %q", n, got, ok, want)
		}
	}
	if _, ok := glyphText("g123"); ok {
		t.Error("glyphText(g123) should be unknown")
	}
}

func TestHasPDFHeaderAndEncrypt(t *testing.T) {
	if !hasPDFHeader([]byte("junk\n%PDF-1.7\n")) || hasPDFHeader([]byte("PDF-1.7")) {
		t.Error("hasPDFHeader")
	}
	if !hasEncrypt(encryptedPDF()) || hasEncrypt(twoColumnPDF()) {
		t.Error("hasEncrypt")
	}
}

func TestTitleBlock(t *testing.T) {
	tests := []struct {
		title, next string
		gap         bool
		lines       int
		want        bool
	}{
		{"A Careful Method for Reading Tables of Results from", "Reports", false, 1, true},
		{"A Careful Method for Reading Tables of Results from Reports", "Ada Quill, Bram Ostrander, Cleo Marsh, and Dev Ranganath", false, 2, false},
		{"Unsupervised Models for Sorting Library Cards", "Petra Lind and Omar Haddad", false, 1, false},
		{"Fast Incremental Parsing and", "Sentence Planning", true, 1, true},
		{"Multilingual Word Clusters", "Ines Varga Tomas R. Ekholm", true, 1, false},
		{"Learning from Disagreement in Annotation:", "Merging Labels", false, 1, true},
		{"A Long Title", "on three lines", false, 3, false},
	}
	for _, tc := range tests {
		if got := continuesTitle(tc.title, tc.next, tc.gap, tc.lines); got != tc.want {
			t.Errorf("continuesTitle(%q, %q) = %v, want %v", tc.title, tc.next, got, tc.want)
		}
	}
}
