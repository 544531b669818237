package ingest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/papersum/papersum"
)

// section is the part of a papersum.Section a test compares.
type section struct {
	title string
	kind  papersum.SectionKind
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		file     string
		format   string
		title    string
		sections []section
		// has and hasNot are sentences (has) or substrings of the whole
		// text (hasNot) to check.
		has    []string
		hasNot []string
	}{
		{
			file:   "paper.txt",
			format: FormatText,
			title:  "Sparse Attention for Long Scientific Documents",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
				{"1 Introduction", papersum.KindIntroduction},
				{"2 Related Work", papersum.KindRelated},
				{"3.1 Block Selection", papersum.KindMethod},
				{"4 Experiments", papersum.KindExperiments},
				{"5 Results", papersum.KindResults},
				{"6 Conclusion", papersum.KindConclusion},
				{"Appendix A: Hyperparameters", papersum.KindOther},
			},
			has: []string{
				"It reduces memory use by 60% compared with full attention (Smith et al., 2019).",
				"Transformers, e.g. BERT, struggle with long inputs.",
				"As Fig. 3 shows, memory grows quadratically with length [4, 5].",
				"Dr. Lee proposed local windows in 2020.",
				"Eq. (2) defines the loss.",
				"Does it help short inputs?",
				"Table 1: Results on arXiv and PubMed.",
			},
			hasNot: []string{"University of Somewhere", "example.edu", "BLEU 23.4", "We thank the reviewers",
				"Generating long sequences", "Proceedings of ACL"},
		},
		{
			file:   "paper.md",
			format: FormatMarkdown,
			title:  "Sparse Attention for Long Scientific Documents",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
				{"1 Introduction", papersum.KindIntroduction},
				{"2 Method", papersum.KindMethod},
				{"2.1 Training", papersum.KindMethod},
			},
			has: []string{
				"We propose a sparse attention mechanism for long documents.",
				"Transformers, e.g. BERT, struggle with long inputs.",
				"We address this with snake_case code and emphasis.",
				"We select blocks with a learned scorer.",
				"Quoted text is kept as prose.",
				"Inline HTML tags are removed.",
			},
			hasNot: []string{"Should not appear", "footnote", "comment", "ROUGE-1", "E = mc", "fig1.png",
				"arxiv.org", "Front Matter", "Jane Doe", "Child et al", "**", "<span>"},
		},
		{
			file:   "paper.tex",
			format: FormatLaTeX,
			title:  "Sparse Attention for Long Scientific Documents",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
				{"Introduction", papersum.KindIntroduction},
				{"Method", papersum.KindMethod},
				{"Block Selection", papersum.KindMethod},
				{"Experiments", papersum.KindExperiments},
				{"Conclusion", papersum.KindConclusion},
			},
			has: []string{
				"It reduces memory use by 60% compared with full attention.",
				"Transformers, e.g. BERT, struggle with long inputs.",
				"As Fig. [REF] shows, memory grows with O(n^2) for length n.",
				"[CITE] proposed sparse attention.",
				"We address this problem with block selection.",
				"We select blocks with a learned scorer “as in prior work”—a small MLP.",
				"The top-k blocks are kept.",
				"We evaluate on arXiv and PubMed, see https://example.org/data.",
			},
			hasNot: []string{"Commented Out", "Jane Doe", "Equal contribution", "Code is available",
				"passwd", "secret", "root:", "Memory use should not appear", "ROUGE", "mathcal", `\`,
				"Should not appear", "sec:intro", "{", "}"},
		},
		{
			file:   "reference.xml",
			format: FormatXML,
			title:  "Reading Order in Two-Column PDF Papers from Text Positions Alone",
			has: []string{
				// Double-escaped entities come out as plain quotes.
				`A footer such as "Proceedings of the Workshop on Careful Tests, pages 1-3" occurs once, so a pattern recognises it.`,
			},
			hasNot: []string{"&quot;", "&amp;"},
		},
		{
			file:   "fragments.xml",
			format: FormatXML,
			title:  "One Retry Layer for Many Model Providers",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
				{"Introduction", papersum.KindIntroduction},
			},
			// A fragment the corpus's conversion left, with question marks
			// for lost quotes, is a sentence as it stands.
			has: []string{"and ?overloaded?"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			p, err := Open(context.Background(), path, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != tt.format || p.Title != tt.title || p.Source != path {
				t.Errorf("format, title, source = %q, %q, %q; want %q, %q, %q", p.Format, p.Title, p.Source, tt.format, tt.title, path)
			}
			if want := papersum.ContentHash([]byte(p.Text())); p.ID != want {
				t.Errorf("ID = %s, want %s", p.ID, want)
			}
			if tt.sections != nil {
				var got []section
				for _, s := range p.Sections {
					got = append(got, section{s.Title, s.Kind})
				}
				if !equalSections(got, tt.sections) {
					t.Errorf("sections\n got %v\nwant %v", got, tt.sections)
				}
			}
			all := map[string]bool{}
			for _, s := range p.Sentences() {
				all[s.Text] = true
			}
			for _, h := range tt.has {
				if !all[h] {
					t.Errorf("missing sentence %q", h)
				}
			}
			text := p.Text()
			for _, h := range tt.hasNot {
				if strings.Contains(text, h) {
					t.Errorf("text contains %q", h)
				}
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

func equalSections(a, b []section) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestXMLSentencesAsIs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "reference.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(context.Background(), "reference.xml", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Every <S> element but the title and the Acknowledgements section's
	// sentences; the abstract has two.
	want := strings.Count(string(data), "<S ") - 1 - sentencesIn(string(data), `title="Acknowledgements"`)
	if got := len(p.Sentences()); got != want {
		t.Errorf("%d sentences, want %d", got, want)
	}
	q, err := Parse(context.Background(), "reference.xml", data, Options{DropAbstract: true})
	if err != nil {
		t.Fatal(err)
	}
	// The abstract's two sentences go; the body repeats neither of them
	// (repeats are tested in abstract_test.go).
	if got := len(q.Sentences()); got != want-2 {
		t.Errorf("DropAbstract: %d sentences, want %d", got, want-2)
	}
	for _, s := range q.Sections {
		if s.Kind == papersum.KindAbstract {
			t.Error("DropAbstract kept the abstract")
		}
	}
	if q.ID == p.ID {
		t.Error("the paper without its abstract has the same ID")
	}
}

// sentencesIn counts the <S elements of the section whose start tag
// contains marker.
func sentencesIn(xml, marker string) int {
	i := strings.Index(xml, marker)
	if i < 0 {
		return 0
	}
	rest := xml[i:]
	if j := strings.Index(rest, "</SECTION>"); j >= 0 {
		rest = rest[:j]
	}
	return strings.Count(rest, "<S ")
}

func TestStdin(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "paper.md"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(context.Background(), "-", bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "-" || p.Format != FormatMarkdown {
		t.Errorf("source, format = %q, %q; want -, markdown (sniffed)", p.Source, p.Format)
	}
	q, err := Parse(context.Background(), "paper.md", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != q.ID {
		t.Error("the same paper from stdin and from a file has different IDs")
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"<PAPER>\n<S sid=\"0\">T</S></PAPER>", FormatXML},
		{"<?xml version=\"1.0\"?>\n<PAPER/>", FormatXML},
		{"\\documentclass{article}\n\\begin{document}x\\end{document}", FormatLaTeX},
		{"Intro.\n\\section{Intro}\nText.", FormatLaTeX},
		{"# Title\n\nText.", FormatMarkdown},
		{"Title\n\n## Intro\n\nText.", FormatMarkdown},
		{"Title\n\n1 Introduction\n\nText. More # text.", FormatText},
	}
	for _, tt := range tests {
		if got := sniffText(tt.text); got != tt.want {
			t.Errorf("sniffText(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := formatOf("paper.txt", []byte("%PDF-1.4 ...")); got != FormatPDF {
		t.Errorf("PDF bytes named .txt: format %q, want pdf", got)
	}
}

// prose is a valid three-sentence paper body.
const prose = "We study sentence splitting. It matters for summaries. We test it here.\n"

func TestDecode(t *testing.T) {
	utf16Bytes := func(order string, s string) []byte {
		var b []byte
		if order == "le" {
			b = append(b, 0xFF, 0xFE)
		} else {
			b = append(b, 0xFE, 0xFF)
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if order == "le" {
				b = append(b, byte(u), byte(u>>8))
			} else {
				b = append(b, byte(u>>8), byte(u))
			}
		}
		return b
	}
	text := "Naïve café résumé.\n\n" + prose
	latin1 := []byte("Na\xefve caf\xe9 r\xe9sum\xe9.\n\n" + prose)
	cp1252 := []byte("It\x92s \x93quoted\x94 text.\n\n" + prose)
	tests := []struct {
		name string
		data []byte
		want string // the first sentence
	}{
		{"utf-8", []byte(text), "Naïve café résumé."},
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, text...), "Naïve café résumé."},
		{"utf-16le bom", utf16Bytes("le", text), "Naïve café résumé."},
		{"utf-16be bom", utf16Bytes("be", text), "Naïve café résumé."},
		{"latin-1", latin1, "Naïve café résumé."},
		{"windows-1252", cp1252, "It’s “quoted” text."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(context.Background(), "x.txt", tt.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Sentences()[0].Text; got != tt.want && p.Title != tt.want {
				t.Errorf("first sentence %q (title %q), want %q", got, p.Title, tt.want)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	random := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	deep := strings.Repeat("<S>", 10000) + strings.Repeat("</S>", 10000)
	tests := []struct {
		name string
		file string
		data []byte
		opts Options
		want string // the whole message
	}{
		{"empty", "paper.txt", nil, Options{}, "ingest paper.txt: empty file"},
		{"blank", "paper.txt", []byte(" \n\t\r\n "), Options{}, "ingest paper.txt: empty file"},
		{"random bytes", "paper.txt", random, Options{}, "ingest paper.txt: binary data, not text (supported: .pdf, .txt, .md, .tex, .xml)"},
		{"nul bytes", "paper.txt", []byte("Some text\x00\x00\x00 with NULs. " + prose), Options{}, "ingest paper.txt: binary data, not text (supported: .pdf, .txt, .md, .tex, .xml)"},
		{"bad encoding", "paper.txt", []byte("Text with \x81\x8d bytes. " + prose), Options{}, "ingest paper.txt: text is not UTF-8, UTF-16 or Latin-1; convert it to UTF-8"},
		{"stdin name", "-", nil, Options{}, "ingest stdin: empty file"},
		{"too large", "paper.txt", []byte(prose), Options{MaxBytes: 10}, "ingest paper.txt: file is 72 bytes, over the 10 bytes limit"},
		{"negative limit", "paper.txt", []byte(prose), Options{MaxBytes: -1}, "ingest: MaxBytes is -1; it must be 0 (default 50 MiB) or positive"},
		{"too short", "paper.txt", []byte("Only one sentence here. And two."), Options{}, "ingest paper.txt: too short: 2 sentences; papersum needs at least 3"},
		{"too short after drop", "paper.md", []byte("# T\n\n## Abstract\n\n" + prose + "\n## Intro\n\nOne sentence."), Options{DropAbstract: true}, "ingest paper.md: too short: 1 sentences; papersum needs at least 3"},
		{"only debris", "paper.txt", []byte("12 13 14\n\n-- 3 --\n\n%%%% ####\n"), Options{}, "ingest paper.txt: too short: 0 sentences; papersum needs at least 3"},
		{"xml deep", "p.xml", []byte("<PAPER>" + deep + "</PAPER>"), Options{}, "ingest p.xml: XML nested deeper than 32 levels"},
		{"xml doctype", "p.xml", []byte(`<?xml version="1.0"?><!DOCTYPE PAPER [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PAPER><S sid="0">&xxe;</S></PAPER>`), Options{}, "ingest p.xml: XML DOCTYPE declarations are not supported"},
		{"xml entity", "p.xml", []byte(`<PAPER><S sid="0">&xxe;</S></PAPER>`), Options{}, "ingest p.xml: malformed XML at line 1: invalid character entity &xxe;"},
		{"xml wrong root", "p.xml", []byte(`<html><body>Hi.</body></html>`), Options{}, "ingest p.xml: not a Reference_XML paper: the root element is <html>, want <PAPER>"},
		{"xml malformed", "p.xml", []byte("<PAPER><S>unclosed</PAPER>"), Options{}, "ingest p.xml: malformed XML at line 1: element <S> closed by </PAPER>"},
		{"xml no sentences", "title-only.xml", mustRead(t, "title-only.xml"), Options{}, "ingest title-only.xml: too short: 0 sentences; papersum needs at least 3"},
		{"not a pdf", "paper.pdf", []byte(prose), Options{PDFToText: "off"}, "ingest paper.pdf: not a PDF: the data does not start with %PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), tt.file, tt.data, tt.opts)
			checkErr(t, err, papersum.EINVALID, tt.want)
		})
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkErr checks that err is a *papersum.Error with code and message.
func checkErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *papersum.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *papersum.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code %q, want %q", e.Code, code)
	}
	if got := papersum.ErrorMessage(err); got != msg {
		t.Errorf("message\n got %q\nwant %q", got, msg)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("message has more than one line: %q", err.Error())
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, bytes.Repeat([]byte(prose), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.txt")
	t.Run("missing", func(t *testing.T) {
		_, err := Open(context.Background(), missing, nil, Options{})
		checkErr(t, err, papersum.ENOTFOUND, "ingest "+missing+": no such file")
	})
	t.Run("directory", func(t *testing.T) {
		_, err := Open(context.Background(), dir, nil, Options{})
		checkErr(t, err, papersum.EINVALID, "ingest "+dir+": is a directory; give the path of one paper file")
	})
	t.Run("over limit by stat", func(t *testing.T) {
		_, err := Open(context.Background(), big, nil, Options{MaxBytes: 1000})
		checkErr(t, err, papersum.EINVALID, "ingest "+big+": file is 7200 bytes, over the 1000 bytes limit")
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%v does not wrap ErrTooLarge", err)
		}
	})
	t.Run("stdin over limit", func(t *testing.T) {
		_, err := Open(context.Background(), "-", strings.NewReader(strings.Repeat(prose, 100)), Options{MaxBytes: 1 << 10})
		checkErr(t, err, papersum.EINVALID, "ingest stdin: input is larger than the 1 KiB limit")
	})
	t.Run("endless stdin", func(t *testing.T) {
		_, err := Open(context.Background(), "-", endless{}, Options{MaxBytes: 1 << 20})
		checkErr(t, err, papersum.EINVALID, "ingest stdin: input is larger than the 1 MiB limit")
	})
	t.Run("no stdin", func(t *testing.T) {
		_, err := Open(context.Background(), "-", nil, Options{})
		checkErr(t, err, papersum.EINVALID, "ingest stdin: no standard input to read")
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Open(ctx, big, nil, Options{}); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}

// endless is a reader that never ends, like /dev/zero with text.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestLaTeXReadsNoOtherFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.tex")
	if err := os.WriteFile(secret, []byte("TOPSECRET sentence here."), 0o644); err != nil {
		t.Fatal(err)
	}
	src := "\\begin{document}\n\\input{" + secret + "}\n\\include{/etc/passwd}\n\\input /etc/passwd\n" +
		"\\section{Intro}\n" + prose + "\\end{document}\n"
	p, err := Parse(context.Background(), "x.tex", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := p.Text(); strings.Contains(text, "TOPSECRET") || strings.Contains(text, "root:") {
		t.Errorf("text has content of another file:\n%s", text)
	}
}

func TestHostileInputIsBounded(t *testing.T) {
	// Each of these must finish quickly and not blow the stack; the test
	// timeout is the check.
	inputs := map[string]string{
		"x.tex": strings.Repeat("{", 200000) + prose + strings.Repeat("\\emph{", 50000) + strings.Repeat(`\section{`, 50000),
		"y.tex": strings.Repeat(`\begin{figure}`, 20000) + prose,
		"x.md":  strings.Repeat("[", 200000) + "\n\n" + strings.Repeat("<", 200000) + "\n\n" + strings.Repeat("[a](", 50000) + "\n\n" + prose,
		"x.txt": strings.Repeat("1. ", 100000) + "\n\n" + prose,
	}
	for name, in := range inputs {
		if _, err := Parse(context.Background(), name, []byte(in), Options{}); err != nil && papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		title string
		want  papersum.SectionKind
	}{
		{"Abstract", papersum.KindAbstract},
		{"1 Introduction", papersum.KindIntroduction},
		{"1. INTRODUCTION", papersum.KindIntroduction},
		{"I. Introduction", papersum.KindIntroduction},
		{"2 Related Work", papersum.KindRelated},
		{"Previous Work", papersum.KindRelated},
		{"Background", papersum.KindBackground},
		{"3 Preliminaries", papersum.KindBackground},
		{"3 Our Approach", papersum.KindMethod},
		{"METHODS", papersum.KindMethod},
		{"2.1 Model", papersum.KindMethod},
		{"4 Experiments", papersum.KindExperiments},
		{"Experimental Setup", papersum.KindExperiments},
		{"Evaluation", papersum.KindExperiments},
		{"5 Results", papersum.KindResults},
		{"Experimental Results", papersum.KindResults},
		{"Experiments and Results", papersum.KindResults},
		{"Results and Discussion", papersum.KindResults},
		{"Discussion", papersum.KindDiscussion},
		{"Error Analysis", papersum.KindDiscussion},
		{"6 Conclusions", papersum.KindConclusion},
		{"Conclusion and Future Work", papersum.KindConclusion},
		{"Future Work", papersum.KindConclusion},
		{"Conclusion. ", papersum.KindConclusion},
		{"References", roleReferences},
		{"REFERENCES", roleReferences},
		{"Bibliography", roleReferences},
		{"Acknowledgments", roleAck},
		{"Acknowledgements", roleAck},
		{"Tree Adjoining Grammars", papersum.KindOther},
		{"", papersum.KindOther},
		{"Datalog Semantics", papersum.KindOther},
	}
	for _, tt := range tests {
		if got := kindOf(tt.title); got != tt.want {
			t.Errorf("kindOf(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestHeadingLine(t *testing.T) {
	tests := []struct {
		line, next string
		standalone bool
		inBody     bool
		want       string // "" for not a heading
		level      int
	}{
		{"Abstract", "", true, false, "Abstract", 1},
		{"ABSTRACT", "We study.", false, false, "Abstract", 1},
		{"1 Introduction", "", true, false, "1 Introduction", 1},
		{"2.1 Model", "We use it.", false, false, "2.1 Model", 2},
		{"3. Experiments", "", true, false, "3. Experiments", 1},
		{"3.2.1 Data Collection and Cleaning", "Text.", false, true, "3.2.1 Data Collection and Cleaning", 3},
		{"IV. RESULTS", "", true, false, "IV. RESULTS", 1},
		{"METHODS", "", true, false, "METHODS", 1},
		{"DATA COLLECTION", "", true, false, "DATA COLLECTION", 1},
		{"Related Work", "Text.", false, false, "Related Work", 1},
		{"Conclusions", "", true, false, "Conclusions", 1},
		{"References", "", true, false, "References", 1},
		{"Appendix A: Proofs", "", true, true, "Appendix A: Proofs", 1},
		{"Learning to Rank", "", true, true, "Learning to Rank", 1},
		// Not headings.
		{"Learning to Rank", "", true, false, "", 0},
		{"2019 was a good year for the field of NLP and beyond", "More.", false, true, "", 0},
		{"2 shows that the model works", "", false, true, "", 0},
		{"1 We first train the model on the data.", "", true, true, "", 0},
		{"Table 1: Results on arXiv", "", true, true, "", 0},
		{"Figure 2 Architecture", "", true, true, "", 0},
		{"The results are shown in a table", "", true, true, "", 0},
		{"3.14159 is pi", "", true, true, "", 0},
		{"In this section we describe", "the model.", false, true, "", 0},
		{"Results are good.", "", true, true, "", 0},
	}
	for _, tt := range tests {
		got, level, _, ok := headingLine(tt.line, tt.next, tt.standalone, tt.inBody)
		if !ok {
			got, level = "", 0
		}
		if got != tt.want || level != tt.level {
			t.Errorf("headingLine(%q) = %q level %d, want %q level %d", tt.line, got, level, tt.want, tt.level)
		}
	}
	if _, _, rest, ok := headingLine("Abstract—We propose a model.", "", false, false); !ok || rest != "We propose a model." {
		t.Errorf("inline abstract: ok %v rest %q", ok, rest)
	}
}

func TestTextStructure(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		title    string
		sections []section
	}{
		{
			name:     "no headings",
			in:       "We study X. It works well. We conclude.\n",
			sections: []section{{"", papersum.KindOther}},
		},
		{
			name:  "unheaded abstract before introduction",
			in:    "A Title Here\n\nAlice Smith\nSome University\n\nWe propose a new method for splitting text. It is fast and accurate.\n\n1 Introduction\n\nSplitting matters a lot. We study it.\n",
			title: "A Title Here",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
				{"1 Introduction", papersum.KindIntroduction},
			},
		},
		{
			name:  "two-line title",
			in:    "Learning to Split Sentences for\nScientific Documents\n\nAbstract\n\nWe split. We test. We win.\n",
			title: "Learning to Split Sentences for Scientific Documents",
			sections: []section{
				{"Abstract", papersum.KindAbstract},
			},
		},
		{
			name:  "heading inside a paragraph after a sentence",
			in:    "Title\n\n1 Introduction\nWe study X. It works.\n2 Method\nWe do Y. It is new.\n",
			title: "Title",
			sections: []section{
				{"1 Introduction", papersum.KindIntroduction},
				{"2 Method", papersum.KindMethod},
			},
		},
		{
			name:  "wrapped line starting with a number is not a heading",
			in:    "Title\n\n1 Introduction\n\nWe ran the model for\n10 Epochs on the data. It worked. We stopped.\n",
			title: "Title",
			sections: []section{
				{"1 Introduction", papersum.KindIntroduction},
			},
		},
		{
			name:  "references end the paper",
			in:    "Title\n\n1 Introduction\n\nWe study X. It works. Done.\n\nReferences\n\nA. Smith. 2019. Paper. In Proc.\n\n2 Not A Section\n\nMore text here.\n",
			title: "Title",
			sections: []section{
				{"1 Introduction", papersum.KindIntroduction},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(context.Background(), "x.txt", []byte(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []section
			for _, s := range p.Sections {
				got = append(got, section{s.Title, s.Kind})
			}
			if p.Title != tt.title || !equalSections(got, tt.sections) {
				t.Errorf("title %q sections %v\nwant title %q sections %v\ntext:\n%s", p.Title, got, tt.title, tt.sections, p.Text())
			}
		})
	}
}

func TestJoinLines(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"one"}, "one"},
		{[]string{"improve-", "ment of the"}, "improvement of the"},
		{[]string{"state-of-the-", "art model"}, "state-of-the-art model"},
		{[]string{"the BERT-", "Base model"}, "the BERT- Base model"},
		{[]string{"a line", "and more"}, "a line and more"},
	}
	for _, tt := range tests {
		if got := joinLines(tt.in); got != tt.want {
			t.Errorf("joinLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
