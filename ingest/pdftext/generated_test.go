package pdftext

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/papersum/papersum/internal/pdfgen"
)

// The paper tests run on papersum's sample paper, a short paper written
// for papersum and typeset by internal/pdfgen: two columns, a running
// header, page numbers, words hyphenated at line ends (ordinary words and
// compounds) and fi/fl ligature glyphs. Because its source is known, the
// extracted text can be checked sentence by sentence.
const (
	samplePaperSource = "../../examples/papers/papersum.md"
	samplePaperPDF    = "../../examples/papers/papersum.pdf"
)

// venueFooter is a first-page footer in the form the ACL Anthology stamps
// on its PDFs (the venue is made up).
var venueFooter = []string{
	"Proceedings of the Workshop on Careful Tests, pages 1-3,",
	"Nowhere, June 2026. (c) 2026 Association for Computational Linguistics",
}

func sampleDoc(t testing.TB) *pdfgen.Document {
	t.Helper()
	src, err := os.ReadFile(samplePaperSource)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pdfgen.ParseMarkdown(src)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// anthologyLike renders the sample paper the way the ACL Anthology's PDFs
// are built: every page's text inside a Form XObject, fonts without
// /Widths, and the venue footer under the first page's left column.
func anthologyLike(t testing.TB, o pdfgen.Options) []byte {
	t.Helper()
	d := sampleDoc(t)
	d.Footer = venueFooter
	o.PageForms, o.NoWidths = true, true
	b, err := pdfgen.Render(d, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sourceSentences splits the body of d (abstract and sections) into
// sentences at ". ", "; " and ": " before a capital or a digit.
func sourceSentences(d *pdfgen.Document) []string {
	paras := append([]string(nil), d.Abstract...)
	for _, s := range d.Sections {
		paras = append(paras, s.Paragraphs...)
	}
	var out []string
	for _, p := range paras {
		start := 0
		for i := 0; i+2 < len(p); i++ {
			if strings.IndexByte(".;:", p[i]) >= 0 && p[i+1] == ' ' && (unicode.IsUpper(rune(p[i+2])) || unicode.IsDigit(rune(p[i+2]))) {
				out = append(out, p[start:i+1])
				start = i + 2
			}
		}
		out = append(out, p[start:])
	}
	return out
}

func TestExtractGeneratedPapers(t *testing.T) {
	d := sampleDoc(t)
	sentences := sourceSentences(d)
	headings := []string{"Abstract", "1 Introduction", "2.1 Summarize", "4 Evaluation", "7 Conclusion", "References"}
	for _, v := range []struct {
		name string
		pdf  []byte
	}{
		{"sample", samplePDF(t)},
		{"anthology-like", anthologyLike(t, pdfgen.Options{})},
	} {
		t.Run(v.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T, opts Options) {
				got, err := Extract(context.Background(), v.pdf, opts)
				if err != nil {
					t.Fatal(err)
				}
				lines := map[string]bool{}
				for _, l := range strings.Split(got, "\n") {
					lines[l] = true
					if _, err := strconv.Atoi(l); err == nil {
						t.Errorf("a page number survives: %q", l)
					}
				}
				if !strings.HasPrefix(got, d.Title+"\n\n") {
					t.Errorf("the text does not start with the title: %.100q", got)
				}
				for _, h := range headings {
					if !lines[h] {
						t.Errorf("heading %q is not a line of its own", h)
					}
				}
				// Every sentence comes back verbatim: across columns and
				// pages, past the running header and the venue footer,
				// with hyphenated words joined, compounds kept whole and
				// ligatures spelled out.
				flat := strings.Join(strings.Fields(got), " ")
				missing := 0
				for _, s := range sentences {
					if !strings.Contains(flat, s) {
						missing++
						t.Errorf("sentence lost: %q", s)
					}
				}
				if missing > 0 {
					t.Logf("text:\n%s", got)
				}
				for _, s := range []string{d.Header, "Proceedings of the Workshop", "Association for Computational Linguistics", "\f", "ﬁ", "ﬂ", "\u00ad"} {
					if strings.Contains(got, s) {
						t.Errorf("text still has %q", s)
					}
				}
				if strings.Contains(got, "\n\n\n") {
					t.Error("more than one blank line between paragraphs")
				}
			})
		})
	}
}

// tjRE finds the positioned strings of an uncompressed pdfgen content
// stream.
var tjRE = regexp.MustCompile(`1 0 0 1 \S+ \S+ Tm \(((?:\\.|\\[0-7]{3}|[^\\)])*)\) Tj`)

// shownLines decodes the text lines of an uncompressed pdfgen file in the
// order they were set (reading order within a page), ligatures spelled out.
func shownLines(pdf []byte) []string {
	var out []string
	for _, m := range tjRE.FindAllSubmatch(pdf, -1) {
		var b strings.Builder
		s := string(m[1])
		for i := 0; i < len(s); i++ {
			if s[i] != '\\' {
				b.WriteByte(s[i])
				continue
			}
			if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				c, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
				switch c {
				case 0256:
					b.WriteString("fi")
				case 0257:
					b.WriteString("fl")
				case 0251:
					b.WriteByte('\'')
				default:
					b.WriteByte('?')
				}
				i += 3
				continue
			}
			i++
			b.WriteByte(s[i])
		}
		out = append(out, b.String())
	}
	return out
}

// TestGeneratedFixtureHasTheHardParts checks that the generated papers
// really contain what TestExtractGeneratedPapers claims to cover: lines
// ending in an ordinary word's hyphen and in a compound's own hyphen, and
// ligature glyphs; otherwise a change of the text or the layout could make
// the extraction test pass without testing them.
func TestGeneratedFixtureHasTheHardParts(t *testing.T) {
	d := sampleDoc(t)
	src := strings.Join(strings.Fields(strings.Join(sourceSentences(d), " ")), " ")
	for _, v := range []struct {
		name string
		o    pdfgen.Options
		pdf  []byte
	}{
		{"sample", pdfgen.Options{Uncompressed: true}, nil},
		{"anthology-like", pdfgen.Options{}, anthologyLike(t, pdfgen.Options{Uncompressed: true})},
	} {
		pdf := v.pdf
		if pdf == nil {
			var err error
			if pdf, err = pdfgen.Render(d, v.o); err != nil {
				t.Fatal(err)
			}
		}
		lines := shownLines(pdf)
		words, compounds := 0, 0
		for i := 0; i+1 < len(lines); i++ {
			l := lines[i]
			if !strings.HasSuffix(l, "-") || len(l) < 2 || !unicode.IsLetter(rune(l[len(l)-2])) {
				continue
			}
			head := l[strings.LastIndexByte(l, ' ')+1:]
			next := strings.Fields(lines[i+1])
			if len(next) == 0 {
				continue
			}
			switch {
			case strings.Contains(src, " "+head+next[0]):
				compounds++
			case strings.Contains(src, " "+strings.TrimSuffix(head, "-")+next[0]):
				words++
			}
		}
		if words < 5 || compounds < 1 {
			t.Errorf("%s: %d words and %d compounds broken at a line end; the fixture must have both", v.name, words, compounds)
		}
		if !strings.Contains(string(pdf), `\256`) || !strings.Contains(string(pdf), `\257`) {
			t.Errorf("%s: no fi or fl ligature glyph", v.name)
		}
		t.Logf("%s: %d hyphenated words, %d broken compounds", v.name, words, compounds)
	}
}
