package papersum

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SectionKind is the normalised role of a section. Section titles vary from
// paper to paper ("2 Our Approach", "METHODS"); the kind lets the engines
// apply section priors without parsing titles again.
type SectionKind string

// The closed set of section kinds. KindOther is any section whose title
// does not match a known role.
const (
	KindTitle        SectionKind = "title"
	KindAbstract     SectionKind = "abstract"
	KindIntroduction SectionKind = "introduction"
	KindRelated      SectionKind = "related_work"
	KindBackground   SectionKind = "background"
	KindMethod       SectionKind = "method"
	KindExperiments  SectionKind = "experiments"
	KindResults      SectionKind = "results"
	KindDiscussion   SectionKind = "discussion"
	KindConclusion   SectionKind = "conclusion"
	KindOther        SectionKind = "other"
)

// Paper is an ingested research paper: its text split into sections and
// sentences. References, bibliography and acknowledgements are not part of
// it.
type Paper struct {
	// ID is the content hash of the paper's normalised text
	// ("sha256:<hex>"); the same paper always gets the same ID.
	ID string `json:"id"`
	// Title is the paper's title, or "" when none was found.
	Title string `json:"title"`
	// Source names where the paper came from (a path, "-" for stdin).
	Source string `json:"source"`
	// Format is the input format: "pdf", "text", "markdown", "latex" or "xml".
	Format string `json:"format"`
	// Sections hold the body in document order. The abstract, when
	// present, is a section of kind KindAbstract.
	Sections []Section `json:"sections"`
}

// Section is one titled part of a paper.
type Section struct {
	Title     string      `json:"title"`
	Kind      SectionKind `json:"kind"`
	Sentences []string    `json:"sentences"`
}

// Sentence is a sentence with its position in the paper, as returned by
// Paper.Sentences.
type Sentence struct {
	// Index is the sentence's position among all sentences of the paper.
	Index int
	// Section is the index of its section in Paper.Sections.
	Section int
	// Text is the sentence itself.
	Text string
}

// Sentences returns every sentence of the paper in document order.
func (p *Paper) Sentences() []Sentence {
	var out []Sentence
	for si, s := range p.Sections {
		for _, t := range s.Sentences {
			out = append(out, Sentence{Index: len(out), Section: si, Text: t})
		}
	}
	return out
}

// WordCount returns the number of whitespace-separated words in the paper.
func (p *Paper) WordCount() int {
	n := 0
	for _, s := range p.Sections {
		for _, t := range s.Sentences {
			n += len(strings.Fields(t))
		}
	}
	return n
}

// Text renders the paper as plain text with section headings, the form in
// which it is sent to a language model.
func (p *Paper) Text() string {
	var b strings.Builder
	if p.Title != "" {
		b.WriteString(p.Title)
		b.WriteString("\n\n")
	}
	for _, s := range p.Sections {
		if s.Title != "" {
			b.WriteString("## ")
			b.WriteString(s.Title)
			b.WriteString("\n\n")
		}
		b.WriteString(strings.Join(s.Sentences, " "))
		b.WriteString("\n\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// ContentHash returns "sha256:<hex>" of data. Papers, prompts and configs
// are all keyed this way.
func ContentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
