package pdfgen

import (
	"errors"
	"fmt"
	"strings"
)

// Document is the content of a paper.
type Document struct {
	// Title is set in bold across both columns of the first page.
	Title string
	// Authors are lines under the title (names, affiliations).
	Authors []string
	// Header is the running header of every page after the first; "" for
	// none.
	Header string
	// Footer are lines at the foot of the first page's left column, as a
	// venue stamps its proceedings; none for no footer.
	Footer []string
	// Abstract holds the abstract's paragraphs; none for no abstract.
	Abstract []string
	// Sections follow the abstract in order.
	Sections []Section
	// References are the entries of the reference list; none for no list.
	References []string
}

// Section is a numbered or unnumbered section of the body.
type Section struct {
	// Heading is the heading as printed, number included ("1 Introduction").
	Heading string
	// Level is 1 for a section, 2 for a subsection.
	Level int
	// Paragraphs are the section's paragraphs of running text.
	Paragraphs []string
}

// validate checks that d has something to typeset.
func (d *Document) validate() error {
	var errs []error
	if strings.TrimSpace(d.Title) == "" {
		errs = append(errs, errors.New("no title"))
	}
	if len(d.Abstract) == 0 && len(d.Sections) == 0 {
		errs = append(errs, errors.New("no abstract and no sections"))
	}
	for i, s := range d.Sections {
		if strings.TrimSpace(s.Heading) == "" {
			errs = append(errs, fmt.Errorf("section %d has no heading", i+1))
		}
		if s.Level != 1 && s.Level != 2 {
			errs = append(errs, fmt.Errorf("section %q: level %d, want 1 or 2", s.Heading, s.Level))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pdfgen: %w", err)
	}
	return nil
}

// Options change how a Document is typeset. The zero value is the usual
// fixture: two columns, ligatures, hyphenation, page numbers, font widths
// in the file and compressed content streams.
type Options struct {
	// OneColumn sets the body in one column across the page. Default
	// false: two columns.
	OneColumn bool
	// NoLigatures writes "fi" and "fl" as two glyphs. Default false: the
	// ligature glyphs.
	NoLigatures bool
	// NoHyphenation never breaks a word at a line end (a word too long for
	// a line overflows it). Default false: words are hyphenated.
	NoHyphenation bool
	// NoPageNumbers leaves the page numbers out. Default false: a number
	// centred at the foot of every page.
	NoPageNumbers bool
	// PageForms puts each page's text in a Form XObject that the page
	// draws, as the ACL Anthology stamps its PDFs; text extraction must
	// look inside. Default false: text in the page's content stream.
	PageForms bool
	// NoWidths leaves the /Widths arrays out of the font dictionaries, as
	// many PDFs of the standard fonts do, so a reader must know the
	// fonts' metrics itself. Default false: widths included.
	NoWidths bool
	// Uncompressed writes content streams as plain text (for reading the
	// file). Default false: FlateDecode.
	Uncompressed bool
}
