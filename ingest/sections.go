package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/sentences"
)

// doc is the format-neutral form every text format is converted to: a
// title and a flat run of headings and paragraphs. build turns it into a
// Paper, so that section roles, dropping of references and sentence
// splitting work the same for text, Markdown, LaTeX and PDF.
type doc struct {
	title  string
	blocks []block
	// exact says the sentences are given (Reference_XML): they are kept
	// as they are, without the prose filter or front-matter handling, so
	// that they keep matching the corpus's sentence ids.
	exact bool
}

// block is a heading or a paragraph of a doc.
type block struct {
	heading bool
	// level is the heading depth: 1 for a section, 2 for a subsection ...
	level int
	text  string
	// sents, when not nil, are the paragraph's sentences, already split.
	sents []string
}

// Roles of headings that are not section kinds: these sections are left
// out of the paper.
const (
	roleReferences papersum.SectionKind = "references"
	roleAck        papersum.SectionKind = "acknowledgements"
)

// build turns a doc into a Paper (without ID, Source and Format).
//
// Sections titled References or Bibliography end the paper: what follows
// in text is reference entries, whose lines cannot be told from headings
// reliably. The one exception is a section headed "Appendix ..." (or
// "Supplementary ..."), with the sections that follow it: appendices hold
// the authors' own prose, such as proofs and extra results, so they are
// kept with KindOther, where the engines give them little weight.
// Acknowledgements are dropped.
func build(d doc) *papersum.Paper {
	p := &papersum.Paper{Title: d.title}
	var (
		cur        *papersum.Section // nil while dropping
		dropping   bool
		afterRefs  bool
		inAppendix bool // after References, in an appendix
		parentKind = papersum.KindOther
		sawHeading bool
	)
	for _, b := range d.blocks {
		if b.heading {
			sawHeading = true
			title := cleanTitle(b.text)
			kind := kindOf(title)
			switch {
			case kind == roleReferences:
				afterRefs, dropping, cur = true, true, nil
				continue
			case afterRefs && !inAppendix && !isAppendix(title):
				continue
			case kind == roleAck:
				dropping, cur = true, nil
				continue
			}
			if afterRefs {
				// Appendices keep their sections but get KindOther,
				// whatever their titles say ("Additional Results").
				inAppendix, kind = true, papersum.KindOther
			}
			if b.level <= 1 {
				parentKind = kind
			} else if kind == papersum.KindOther {
				// "3.2 Training" inherits the role of "3 Method".
				kind = parentKind
			}
			p.Sections = append(p.Sections, papersum.Section{Title: title, Kind: kind})
			cur, dropping = &p.Sections[len(p.Sections)-1], false
			continue
		}
		if dropping {
			continue
		}
		if cur == nil {
			p.Sections = append(p.Sections, papersum.Section{Kind: papersum.KindOther})
			cur = &p.Sections[len(p.Sections)-1]
		}
		if d.exact {
			cur.Sentences = append(cur.Sentences, b.sents...)
			continue
		}
		for _, s := range sentences.Split(b.text) {
			if isProse(s) {
				cur.Sentences = append(cur.Sentences, s)
			}
		}
	}
	if !d.exact && sawHeading && len(p.Sections) > 0 && p.Sections[0].Title == "" {
		fixPreamble(p)
	}
	return p
}

// fixPreamble handles the untitled text before the first heading of a
// paper that has headings. That text is front matter (authors,
// affiliations, e-mail addresses) plus, in some papers, an abstract without
// a heading. Only sentences that read as prose are kept, and they become
// the abstract when the paper has no abstract section of its own and the
// next section is the introduction.
func fixPreamble(p *papersum.Paper) {
	pre := &p.Sections[0]
	var kept []string
	for _, s := range pre.Sentences {
		if isSentenceLike(s) {
			kept = append(kept, s)
		}
	}
	pre.Sentences = kept
	hasAbstract := false
	for _, s := range p.Sections {
		if s.Kind == papersum.KindAbstract {
			hasAbstract = true
		}
	}
	if !hasAbstract && len(kept) > 0 && len(p.Sections) > 1 && p.Sections[1].Kind == papersum.KindIntroduction {
		pre.Title, pre.Kind = "Abstract", papersum.KindAbstract
	}
}

// isProse reports whether a sentence is text rather than debris such as a
// table row, an equation or a page number: it needs two letters and at
// least half of its non-space characters must be letters.
func isProse(s string) bool {
	letters, other := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsSpace(r):
		default:
			other++
		}
	}
	return letters >= 2 && letters >= other
}

// isSentenceLike reports whether s looks like a full sentence: six words or
// more ending in sentence punctuation. Author lists and affiliations fail.
func isSentenceLike(s string) bool {
	if len(strings.Fields(s)) < 6 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, `)"'”’]`))
	return last == '.' || last == '?' || last == '!'
}

// cleanTitle trims a heading and collapses its white space.
func cleanTitle(t string) string {
	return strings.Join(strings.Fields(t), " ")
}

// normTitle returns the lower-case title without its numbering ("2.1",
// "IV.", "A.") and trailing punctuation, for matching against known
// section names.
func normTitle(t string) string {
	t = strings.ToLower(cleanTitle(t))
	_, rest := splitNumber(t)
	if rest != "" {
		t = rest
	}
	t = strings.TrimRight(t, " .:;")
	return t
}

// splitNumber splits a leading section number ("3", "2.1", "3.", "IV.",
// "A.") off t. It returns the number ("" if none) and the rest of t,
// trimmed. A number must be followed by a space.
func splitNumber(t string) (num, rest string) {
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	if i > 0 && i < len(t) && t[i] == ' ' && t[0] != '.' {
		return t[:i], strings.TrimSpace(t[i:])
	}
	// Roman numerals and appendix letters need a full stop: "IV. Results",
	// "A. Proofs"; a bare "A Novel Method" is not numbered.
	j := 0
	for j < len(t) && j < 5 && strings.IndexByte("ivxIVX", t[j]) >= 0 {
		j++
	}
	if j == 0 && len(t) > 0 && (t[0] >= 'A' && t[0] <= 'Z' || t[0] >= 'a' && t[0] <= 'z') {
		j = 1
	}
	if j > 0 && j+1 < len(t) && t[j] == '.' && t[j+1] == ' ' {
		return t[:j+1], strings.TrimSpace(t[j+1:])
	}
	return "", t
}

// numberLevel returns the depth of a section number: "3" and "3." are 1,
// "3.2" is 2, "3.2.1" is 3.
func numberLevel(num string) int {
	num = strings.TrimRight(num, ".")
	if num == "" {
		return 1
	}
	return strings.Count(num, ".") + 1
}

// kindOf maps a section title to its role. When several role words occur
// ("Experiments and Results"), the one that comes first wins, except that
// results beat experiments and evaluation ("Experimental Results").
func kindOf(title string) papersum.SectionKind {
	t := normTitle(title)
	switch {
	case t == "":
		return papersum.KindOther
	case strings.HasPrefix(t, "reference") || strings.HasPrefix(t, "bibliograph") ||
		t == "literature cited" || t == "works cited" || t == "literature":
		return roleReferences
	case strings.HasPrefix(t, "acknowledg") || strings.HasPrefix(t, "acknowlegement") ||
		t == "funding" || t == "thanks":
		return roleAck
	case strings.HasPrefix(t, "abstract"):
		return papersum.KindAbstract
	}
	best, bestAt := papersum.KindOther, len(t)+1
	for _, kw := range kindWords() {
		if at := wordIndex(t, kw.word); at >= 0 && at < bestAt {
			best, bestAt = kw.kind, at
		}
	}
	if best == papersum.KindExperiments && wordIndex(t, "result") >= 0 {
		best = papersum.KindResults
	}
	if best == papersum.KindOther && strings.IndexByte(t, ' ') >= 0 && len(t) <= 40 {
		// PDF text sometimes splits words ("Intr oduction",
		// "Ref erences"): match a known name at the start of the title
		// with the spaces removed.
		c := strings.ReplaceAll(t, " ", "")
		switch {
		case strings.HasPrefix(c, "reference") || strings.HasPrefix(c, "bibliograph"):
			return roleReferences
		case strings.HasPrefix(c, "acknowledg"):
			return roleAck
		}
		for _, kw := range kindWords() {
			if len(kw.word) >= 6 && strings.HasPrefix(c, strings.ReplaceAll(kw.word, " ", "")) {
				return kw.kind
			}
		}
	}
	return best
}

// kindWord is a word that gives a section its role.
type kindWord struct {
	word string
	kind papersum.SectionKind
}

// kindWords returns the words that give a section its role, matched at the
// start of a word in the lower-case title. On a tie the earlier entry wins.
func kindWords() []kindWord {
	return []kindWord{
		{"introduction", papersum.KindIntroduction},
		{"motivation", papersum.KindIntroduction},
		{"overview", papersum.KindIntroduction},
		{"related work", papersum.KindRelated},
		{"related research", papersum.KindRelated},
		{"related literature", papersum.KindRelated},
		{"previous work", papersum.KindRelated},
		{"prior work", papersum.KindRelated},
		{"previous approaches", papersum.KindRelated},
		{"literature review", papersum.KindRelated},
		{"state of the art", papersum.KindRelated},
		{"background", papersum.KindBackground},
		{"preliminar", papersum.KindBackground},
		{"problem definition", papersum.KindBackground},
		{"problem formulation", papersum.KindBackground},
		{"problem statement", papersum.KindBackground},
		{"task definition", papersum.KindBackground},
		{"notation", papersum.KindBackground},
		{"conclu", papersum.KindConclusion},
		{"future work", papersum.KindConclusion},
		{"future directions", papersum.KindConclusion},
		{"summary", papersum.KindConclusion},
		{"closing remarks", papersum.KindConclusion},
		{"final remarks", papersum.KindConclusion},
		{"result", papersum.KindResults},
		{"finding", papersum.KindResults},
		{"discussion", papersum.KindDiscussion},
		{"analys", papersum.KindDiscussion},
		{"limitation", papersum.KindDiscussion},
		{"ablation", papersum.KindDiscussion},
		{"experiment", papersum.KindExperiments},
		{"evaluation", papersum.KindExperiments},
		{"setup", papersum.KindExperiments},
		{"set-up", papersum.KindExperiments},
		{"data", papersum.KindExperiments},
		{"corpus", papersum.KindExperiments},
		{"corpora", papersum.KindExperiments},
		{"benchmark", papersum.KindExperiments},
		{"implementation", papersum.KindExperiments},
		{"method", papersum.KindMethod},
		{"approach", papersum.KindMethod},
		{"model", papersum.KindMethod},
		{"framework", papersum.KindMethod},
		{"architecture", papersum.KindMethod},
		{"algorithm", papersum.KindMethod},
		{"proposed", papersum.KindMethod},
		{"system", papersum.KindMethod},
		{"technique", papersum.KindMethod},
	}
}

// wordIndex returns the index of kw in t where it starts a word and the
// rest of the word is an inflection ("experiment" matches "experiments"
// and "experimental", "data" does not match "datalog"), or -1.
func wordIndex(t, kw string) int {
	for off := 0; ; {
		i := strings.Index(t[off:], kw)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(kw)
		for end < len(t) && isLetterByte(t[end]) {
			end++
		}
		if (i == 0 || !isLetterByte(t[i-1])) && isSuffix(t[i+len(kw):end]) {
			return i
		}
		off = i + 1
	}
}

// isSuffix reports whether s can end a word whose stem is a kind word.
func isSuffix(s string) bool {
	switch s {
	case "", "s", "es", "al", "ally", "ed", "ing", "set", "sets", "sion", "sions", "is",
		"ies", "y", "ology", "ologies":
		return true
	}
	return false
}

// isLetterByte reports whether c is an ASCII letter.
func isLetterByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isAppendix reports whether a title heads an appendix.
func isAppendix(title string) bool {
	t := strings.ToLower(cleanTitle(title))
	if _, rest := splitNumber(t); rest != "" {
		t = rest
	}
	return strings.HasPrefix(t, "appendix") || strings.HasPrefix(t, "appendices") ||
		strings.HasPrefix(t, "supplementary") || strings.HasPrefix(t, "supplemental")
}
