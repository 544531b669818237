package ingest

import (
	"context"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// The sentences of a made-up paper whose introduction and conclusion
// repeat its abstract in the ways real papers do.
const (
	absFirst  = "We present a new parser for parsing down to Penn treebank style parse trees that achieves high accuracy."
	absSecond = "This represents a large decrease in error rate over the best single-parser results on this corpus."
	absThird  = "The major technical innovation is the use of a maximum entropy inspired model for conditioning and smoothing."
	// copies of the abstract in the body, each of which must go
	bodyExact   = absSecond
	bodyChanged = "We present a new parser for parsing down to Penn treebank style parse trees [16] that achieves high accuracy for short sentences."
	bodyJoined  = "Brown University Providence RI 02912 ec@cs.brown.edu The major technical innovation is the use of a maximum entropy inspired model for conditioning and smoothing."
	// sentences of the body that share the paper's terms but say
	// something else, which must stay
	bodyOwn1 = "Following earlier work, our parser is based upon a probabilistic generative model of parse trees."
	bodyOwn2 = "The model conditions each decision on the parent and the head of the constituent."
	bodyOwn3 = "We thank the reviewers of the treebank parser for their comments on smoothing."
)

// papers writes the made-up paper in every text format papersum reads.
func abstractPapers() map[string]string {
	body := []string{bodyChanged, bodyOwn1, bodyExact, bodyOwn2}
	concl := []string{bodyJoined, bodyOwn3}
	abs := []string{absFirst, absSecond, absThird}
	sp := func(s []string) string { return strings.Join(s, " ") }
	xmlS := func(ss []string) string {
		var b strings.Builder
		for i, s := range ss {
			b.WriteString(`<S sid="` + string(rune('1'+i)) + `">` + s + "</S>\n")
		}
		return b.String()
	}
	return map[string]string{
		"paper.txt": "A Maximum-Entropy-Inspired Parser\n\nAbstract\n\n" + sp(abs) + "\n\n1 Introduction\n\n" + sp(body) +
			"\n\n2 Conclusion\n\n" + sp(concl) + "\n",
		"paper.md": "# A Maximum-Entropy-Inspired Parser\n\n## Abstract\n\n" + sp(abs) + "\n\n## 1 Introduction\n\n" + sp(body) +
			"\n\n## 2 Conclusion\n\n" + sp(concl) + "\n",
		"paper.tex": "\\documentclass{article}\n\\title{A Maximum-Entropy-Inspired Parser}\n\\begin{document}\n\\begin{abstract}\n" + sp(abs) +
			"\n\\end{abstract}\n\\section{Introduction}\n" + sp(body) + "\n\\section{Conclusion}\n" + sp(concl) + "\n\\end{document}\n",
		"paper.xml": "<PAPER>\n<S sid=\"0\">A Maximum-Entropy-Inspired Parser</S>\n<ABSTRACT>\n" + xmlS(abs) + "</ABSTRACT>\n" +
			"<SECTION title=\"1 Introduction\" number=\"1\">\n" + xmlS(body) + "</SECTION>\n" +
			"<SECTION title=\"2 Conclusion\" number=\"2\">\n" + xmlS(concl) + "</SECTION>\n</PAPER>\n",
	}
}

func TestDropAbstractRemovesRepeats(t *testing.T) {
	for name, text := range abstractPapers() {
		t.Run(name, func(t *testing.T) {
			full, err := Parse(context.Background(), name, []byte(text), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{bodyExact, bodyChanged, bodyOwn1} {
				if !hasSentence(full, s) {
					t.Fatalf("without DropAbstract, %q is missing:\n%s", s, full.Text())
				}
			}
			p, err := Parse(context.Background(), name, []byte(text), Options{DropAbstract: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Sections {
				if s.Kind == papersum.KindAbstract {
					t.Errorf("abstract section kept: %q", s.Sentences)
				}
			}
			for _, s := range []string{absFirst, bodyExact, bodyChanged, bodyJoined, absThird} {
				if hasSentence(p, s) || strings.Contains(p.Text(), "maximum entropy inspired model for conditioning") {
					t.Errorf("repeat of the abstract kept: %q", s)
				}
			}
			for _, s := range []string{bodyOwn1, bodyOwn2, bodyOwn3} {
				if !hasSentence(p, s) {
					t.Errorf("sentence of the body dropped: %q", s)
				}
			}
		})
	}
}

// hasSentence reports whether p has sentence s.
func hasSentence(p *papersum.Paper, s string) bool {
	for _, x := range p.Sentences() {
		if x.Text == s {
			return true
		}
	}
	return false
}

// TestDropAbstractWithoutHeading covers Reference_XML files made from
// scans: no <ABSTRACT>, the abstract in the first sentences after an
// "ABSTRACT" marker, then "INTRODUCTION" run into a sentence; and a
// journal paper whose untitled first section copies the abstract.
func TestDropAbstractWithoutHeading(t *testing.T) {
	flat := `<PAPER>
<S sid="0">A STATISTICAL APPROACH TO TRANSLATION P. BROWN IBM Research Division Yorktown Heights, N.Y. 10598</S>
<S sid="1">ABSTRACT An approach to automatic translation is outlined that utilizes statistical techniques.</S>
<S sid="2">The method is based on the availability of pairs of large corresponding texts that are translations.</S>
<S sid="3">In our case, the texts are in English and French.</S>
<S sid="4">INTRODUCTION In this paper we will outline our approach to automatic translation in detail.</S>
<S sid="5">The glossary pairs fixed locutions of the two languages with their probabilities.</S>
<S sid="6">The method is based on the availability of pairs of large corresponding texts that are translations.</S>
<S sid="7">We align the sentences of the two texts before anything else is done.</S>
</PAPER>`
	p, err := Parse(context.Background(), "flat.xml", []byte(flat), Options{DropAbstract: true})
	if err != nil {
		t.Fatal(err)
	}
	text := p.Text()
	for _, gone := range []string{"An approach to automatic translation is outlined", "The method is based on", "In our case"} {
		if strings.Contains(text, gone) {
			t.Errorf("abstract sentence %q kept:\n%s", gone, text)
		}
	}
	for _, kept := range []string{"INTRODUCTION In this paper", "The glossary pairs", "We align the sentences"} {
		if !strings.Contains(text, kept) {
			t.Errorf("body sentence %q dropped:\n%s", kept, text)
		}
	}

	journal := `<PAPER>
<S sid="0">Probabilistic Top-Down Parsing and Language Modeling</S>
<ABSTRACT>
<S sid="1">This paper describes the functioning of a broad-coverage probabilistic top-down parser.</S>
<S sid="2">A small recognition experiment also demonstrates the utility of the model.</S>
</ABSTRACT>
<SECTION title="" number="1">
<S sid="3">This paper describes the functioning of a broad-coverage probabilistic top-down parser.</S>
<S sid="4">A small recognition experiment also demonstrates the utility of the model.</S>
</SECTION>
<SECTION title="1. Introduction" number="2">
<S sid="5">With certain exceptions, computational linguists have formed a separate community.</S>
<S sid="6">Perhaps one reason is that speech recognition needed fast language models.</S>
<S sid="7">We describe a parser that is fast enough for speech recognition.</S>
</SECTION>
</PAPER>`
	p, err = Parse(context.Background(), "journal.xml", []byte(journal), Options{DropAbstract: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(p.Sentences()); got != 3 || strings.Contains(p.Text(), "This paper describes") {
		t.Errorf("%d sentences, want the 3 of the introduction:\n%s", got, p.Text())
	}
}

func TestAbstractIndex(t *testing.T) {
	x := newAbstractIndex([]string{absFirst, absSecond, "We evaluate it."})
	tests := []struct {
		s    string
		want bool
	}{
		{absSecond, true},
		{strings.ToUpper(absSecond), true},
		{"This represents a large decrease in error rate over the best single-parser results.", true},
		{"Furthermore, this represents a large decrease in error rate over the best single-parser results on this corpus, and more.", true},
		// A short abstract sentence does not swallow body sentences.
		{"We evaluate it on the treebank with the standard split of sections.", false},
		{"We evaluate it.", true},
		{bodyOwn1, false},
		{"Parse trees.", false},
	}
	for _, tc := range tests {
		if got := x.repeats(tc.s); got != tc.want {
			t.Errorf("repeats(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
