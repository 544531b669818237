package ingest

import (
	"context"
	"strings"
	"testing"
)

// TestInitialIsNotAppendix: before the body, an author line that starts
// with an initial ("K. Vijay-Shanker ...") is not a section lettered K.
func TestInitialIsNotAppendix(t *testing.T) {
	text := "CHARACTERIZING STRUCTURAL DESCRIPTIONS\n\nK. Vijay-Shanker David J. Weir Aravind K. Joshi\n\n" +
		"Department of Computer and Information Science University of Pennsylvania\n\nABSTRACT\n\n" +
		"We consider the structural descriptions produced by various grammatical formalisms. " +
		"We find that several of the formalisms are closely related.\n\n1 Introduction\n\n" +
		"Much of the work on formalisms has focused on their weak generative capacity. We look at their structural descriptions instead.\n"
	p, err := Parse(context.Background(), "paper.txt", []byte(text), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Sections {
		if strings.HasPrefix(s.Title, "K.") {
			t.Errorf("author line taken for a heading: %q", s.Title)
		}
	}
	if strings.Contains(p.Text(), "Department of Computer") {
		t.Errorf("affiliation kept as a sentence:\n%s", p.Text())
	}
}
