package pdfgen

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite examples/papers/papersum.pdf from its Markdown source")

const (
	sampleSource = "../../examples/papers/papersum.md"
	samplePDF    = "../../examples/papers/papersum.pdf"
)

func sample(t *testing.T) *Document {
	t.Helper()
	src, err := os.ReadFile(sampleSource)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseMarkdown(src)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSamplePaperIsUpToDate checks that the committed sample PDF is what
// the generator makes from its source today (-update rewrites it).
func TestSamplePaperIsUpToDate(t *testing.T) {
	got, err := Render(sample(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(samplePDF, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what %s renders to (%d bytes, want %d); run go test ./internal/pdfgen -run SamplePaper -update", samplePDF, sampleSource, len(want), len(got))
	}
}

func TestDeterministic(t *testing.T) {
	d := sample(t)
	for _, o := range []Options{{}, {PageForms: true, NoWidths: true}, {OneColumn: true, Uncompressed: true}} {
		a, err := Render(d, o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Render(d, o)
		if !bytes.Equal(a, b) {
			t.Errorf("%+v: two renders differ", o)
		}
	}
}

// TestOptions reads the uncompressed file to check what each option puts
// in it.
func TestOptions(t *testing.T) {
	d := sample(t)
	render := func(o Options) string {
		t.Helper()
		o.Uncompressed = true
		b, err := Render(d, o)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	base := render(Options{})
	for _, want := range []string{
		"/BaseFont /Times-Roman /FirstChar 32 /LastChar 255 /Widths [",
		"/BaseFont /Times-Bold",
		`\256`, `\257`, // fi and fl glyphs
		"(papersum technical report) Tj", // running header
		"(2) Tj",                         // page number
		"Tw\n",
	} {
		if !strings.Contains(base, want) {
			t.Errorf("default file lacks %q", want)
		}
	}
	if strings.Contains(base, "/Encoding") {
		t.Error("default fonts name an /Encoding; they must use their built-in StandardEncoding")
	}
	// A word broken at a line end: a line that ends in a letter and "-".
	if !strings.Contains(base, "-) Tj") {
		t.Error("no line ends in a hyphen")
	}
	if s := render(Options{NoLigatures: true}); strings.Contains(s, `\256`) || strings.Contains(s, `\257`) {
		t.Error("NoLigatures: ligature glyphs written")
	}
	if s := render(Options{NoHyphenation: true, NoPageNumbers: true}); strings.Contains(s, "(2) Tj") {
		t.Error("NoPageNumbers: page number written")
	}
	if s := render(Options{PageForms: true, NoWidths: true}); !strings.Contains(s, "/Subtype /Form") || !strings.Contains(s, "/Fm0 Do") || strings.Contains(s, "/Widths") {
		t.Error("PageForms/NoWidths not applied")
	}
	compressed, err := Render(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(compressed, []byte("/Filter /FlateDecode")) {
		t.Error("default content streams are not compressed")
	}
	// The catalog comes last, so that a truncated file has none.
	cut := compressed[:len(compressed)*4/10]
	if bytes.Contains(cut, []byte("/Type /Catalog")) {
		t.Error("the catalog is in the first 40% of the file")
	}
}

// TestPopplerReadsIt checks the text layer with poppler, when installed:
// the ligature glyphs come out as ligatures, the title and the running
// header are where they belong.
func TestPopplerReadsIt(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	pdf, err := Render(sample(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-raw", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	pages := strings.Split(text, "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages)-1)
	}
	if !strings.HasPrefix(pages[0], "Summaries of Research Papers that Check Themselves\n") {
		t.Errorf("page 1 starts %.80q", pages[0])
	}
	if strings.Contains(pages[0], "papersum technical report") || !strings.Contains(pages[1], "papersum technical report") {
		t.Error("the running header must be on the pages after the first, not on the first")
	}
	// The fi and fl glyphs (codes 0256, 0257 of StandardEncoding) read
	// back as letters.
	for _, w := range []string{"first draft", "fluent", "official flags", "configurations"} {
		if !strings.Contains(strings.NewReplacer("ﬁ", "fi", "ﬂ", "fl").Replace(text), w) {
			t.Errorf("text lacks %q", w)
		}
	}
}

func TestParseMarkdownErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no title":       "## Abstract\n\nText.\n",
		"text first":     "# T\n\nText before any heading.\n",
		"table":          "# T\n\n## 1 Intro\n\n| a | b |\n",
		"emphasis":       "# T\n\n## 1 Intro\n\nSome *bold* text.\n",
		"unknown key":    "---\ndate: 2026\n---\n# T\n\n## 1 Intro\n\nText.\n",
		"open front":     "---\ntitle: T\n",
		"nothing to set": "# T\n",
		"two titles":     "# T\n\n## 1 Intro\n\nText.\n\n# U\n",
		"deep heading":   "# T\n\n## 1 Intro\n\n#### Deep\n",
		"bad character":  "# T\n\n## 1 Intro\n\nNaïve text.\n",
		"bad char title": "# Ω\n\n## 1 Intro\n\nText.\n",
	} {
		d, err := ParseMarkdown([]byte(src))
		if err == nil {
			_, err = Render(d, Options{})
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	d, err := ParseMarkdown([]byte("---\ntitle: T\nauthor: A\nauthor: B\nheader: H\nfooter: F\n---\n## Abstract\n\nOne\ntwo.\n\nThree.\n\n## 1 Intro\n\nText.\n\n### 1.1 Sub\n\nMore.\n\n## References\n\n- R1.\n- R2\n  continued.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "T" || len(d.Authors) != 2 || d.Header != "H" || len(d.Footer) != 1 || d.Footer[0] != "F" || len(d.Abstract) != 2 || d.Abstract[0] != "One two." ||
		len(d.Sections) != 2 || d.Sections[1].Level != 2 || len(d.References) != 2 || d.References[1] != "R2 continued." {
		t.Errorf("parsed %+v", d)
	}
}
