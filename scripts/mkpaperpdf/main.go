// Command mkpaperpdf typesets a paper written in Markdown as a two-column
// PDF with internal/pdfgen. It builds examples/papers/papersum.pdf from
// examples/papers/papersum.md:
//
//	go run ./scripts/mkpaperpdf examples/papers/papersum.md examples/papers/papersum.pdf
//
// Options (all off by default) vary the file for tests: -one-column,
// -no-ligatures, -no-hyphenation, -no-page-numbers, -page-forms (text in
// Form XObjects, as the ACL Anthology stamps its PDFs), -no-widths and
// -uncompressed.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/papersum/papersum/internal/pdfgen"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkpaperpdf:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkpaperpdf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o pdfgen.Options
	fs.BoolVar(&o.OneColumn, "one-column", false, "one column instead of two")
	fs.BoolVar(&o.NoLigatures, "no-ligatures", false, "write fi and fl as two glyphs")
	fs.BoolVar(&o.NoHyphenation, "no-hyphenation", false, "never hyphenate at a line end")
	fs.BoolVar(&o.NoPageNumbers, "no-page-numbers", false, "leave the page numbers out")
	fs.BoolVar(&o.PageForms, "page-forms", false, "put each page's text in a Form XObject")
	fs.BoolVar(&o.NoWidths, "no-widths", false, "leave /Widths out of the font dictionaries")
	fs.BoolVar(&o.Uncompressed, "uncompressed", false, "do not compress content streams")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mkpaperpdf [flags] PAPER.md OUT.pdf")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("want PAPER.md and OUT.pdf")
	}
	src, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	d, err := pdfgen.ParseMarkdown(src)
	if err != nil {
		return err
	}
	pdf, err := pdfgen.Render(d, o)
	if err != nil {
		return err
	}
	return os.WriteFile(fs.Arg(1), pdf, 0o644)
}
