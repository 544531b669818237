package pdfgen

import (
	"strconv"
	"strings"
)

// Page geometry in points (US Letter).
const (
	pageW, pageH = 612.0, 792.0
	marginX      = 54.0  // left and right margins
	gutter       = 18.0  // between the columns
	bodyTop      = 738.0 // first baseline of the columns on pages after the first
	bodyBottom   = 72.0  // lowest baseline of the body
	headerY      = 760.0 // running header baseline
	pageNumberY  = 36.0
	footerTop    = 60.0 // first baseline of the first-page footer

	bodySize, bodyLead = 10.0, 12.0
	refSize, refLead   = 9.0, 10.5
	parIndent          = 15.0 // first-line indent of a paragraph
	refHang            = 9.0  // hanging indent of a reference
	abstractInset      = 10.0 // the abstract is narrower than its column
	maxWordSpace       = 6.0  // a line is justified only if no gap grows by more
)

// item is one line of text placed on a page.
type item struct {
	f       font
	size    float64
	x, y    float64
	tw      float64 // extra width per space (justification)
	text    []byte  // StandardEncoding
	lineEnd bool    // body text (counted for the column layout)
}

// page is the items of one page.
type page struct{ items []item }

// typesetter flows a document into pages and columns.
type typesetter struct {
	o Options
	// compounds counts the hyphenated words of the document. A compound is
	// broken at its own hyphen only if it occurs more than once, since an
	// extractor can only tell "state-" + "of-the-art" from a hyphenated
	// word by seeing the compound whole elsewhere.
	compounds map[string]int
	pages     []*page
	col       int     // current column, 0 or 1
	y         float64 // baseline of the last line set in the column
	top       float64 // first baseline of the columns on the current page
	bottom    float64 // lowest baseline of the current column
	err       error
}

func (t *typesetter) cols() int {
	if t.o.OneColumn {
		return 1
	}
	return 2
}

func (t *typesetter) colWidth() float64 {
	n := float64(t.cols())
	return (pageW - 2*marginX - (n-1)*gutter) / n
}

func (t *typesetter) colX() float64 {
	return marginX + float64(t.col)*(t.colWidth()+gutter)
}

func (t *typesetter) cur() *page { return t.pages[len(t.pages)-1] }

func (t *typesetter) add(it item) { t.cur().items = append(t.cur().items, it) }

// enc encodes s, keeping the first error.
func (t *typesetter) enc(s string, ligatures bool) []byte {
	b, err := encode(s, ligatures && !t.o.NoLigatures)
	if err != nil && t.err == nil {
		t.err = err
	}
	return b
}

// newPage starts a page whose columns begin at top.
func (t *typesetter) newPage(top float64) {
	t.pages = append(t.pages, &page{})
	t.col, t.top, t.y, t.bottom = 0, top, top+bodyLead, bodyBottom
}

// advance moves to the next baseline, lead below the last one, breaking
// to the next column or page when the column is full, and returns it.
// need is the height that must still fit below it (to keep a heading with
// its first lines).
func (t *typesetter) advance(lead, need float64) float64 {
	y := t.y - lead
	if y-need < t.bottom {
		t.nextColumn()
		y = t.top
	}
	t.y = y
	return y
}

func (t *typesetter) nextColumn() {
	if t.col+1 < t.cols() {
		t.col++
		t.bottom = bodyBottom
	} else {
		t.newPage(bodyTop)
	}
	t.y = t.top + bodyLead
}

// space adds vertical space before a block, unless the column is empty.
func (t *typesetter) space(h float64) {
	if t.y < t.top+bodyLead-0.5 {
		t.y -= h
	}
}

// line is one broken line: its words (encoded) and whether the last word
// was hyphenated at the break.
type line struct {
	text    []byte
	natural float64 // width with normal spaces
	spaces  int
}

// breakLines breaks text into lines of width w (the first indented by
// first, the others by rest), hyphenating where a word does not fit.
func (t *typesetter) breakLines(text string, f font, size, w, first, rest float64, ligatures bool) []line {
	var lines []line
	var cur []string
	avail := w - first
	spaceW := width([]byte{' '}, f, size)
	curW := 0.0
	wordW := func(s string) float64 { return width(t.enc(s, ligatures), f, size) }
	flush := func() {
		s := strings.Join(cur, " ")
		b := t.enc(s, ligatures)
		lines = append(lines, line{text: b, natural: width(b, f, size), spaces: strings.Count(s, " ")})
		cur, curW, avail = nil, 0, w-rest
	}
	words := strings.Fields(text)
	for i := 0; i < len(words); i++ {
		word := words[i]
		ww := wordW(word)
		gap := 0.0
		if len(cur) > 0 {
			gap = spaceW
		}
		if curW+gap+ww <= avail {
			cur = append(cur, word)
			curW += gap + ww
			continue
		}
		if head, tail, ok := t.split(word, avail-curW-gap, wordW); ok {
			cur = append(cur, head)
			flush()
			words[i] = tail
			i--
			continue
		}
		if len(cur) == 0 { // a word longer than a line: it overflows
			cur = append(cur, word)
			flush()
			continue
		}
		flush()
		i--
	}
	if len(cur) > 0 {
		flush()
	}
	return lines
}

// split breaks word at the last point where its head, with a hyphen,
// fits in room: after a hyphen of a compound, or at a hyphenation point.
func (t *typesetter) split(word string, room float64, wordW func(string) float64) (head, tail string, ok bool) {
	if room <= 0 {
		return "", "", false
	}
	var cands []int // heads end before these offsets (exclusive of the hyphen we add)
	letters := len(word) - len(strings.TrimRight(word, ".,;:)!?\"'"))
	core := word[:len(word)-letters]
	if !t.o.NoHyphenation {
		cands = append(cands, hyphenPoints(core)...)
	}
	if t.compounds[compoundKey(word)] > 1 {
		for i := len(word) - 2; i >= 2; i-- {
			if word[i] == '-' {
				cands = append(cands, -(i + 1)) // keep the compound's own hyphen
			}
		}
	}
	best, bestW := "", 0.0
	for _, c := range cands {
		var h, rest string
		if c < 0 {
			h, rest = word[:-c], word[-c:]
		} else {
			h, rest = word[:c]+"-", word[c:]
		}
		if w := wordW(h); w <= room && w > bestW && rest != "" {
			best, bestW, tail = h, w, rest
		}
	}
	return best, tail, best != ""
}

// setLines places broken lines in the column, justified unless last.
func (t *typesetter) setLines(lines []line, f font, size, lead, w, first, rest float64, justifyLast bool) {
	for i, l := range lines {
		indent := rest
		if i == 0 {
			indent = first
		}
		y := t.advance(lead, 0)
		tw := 0.0
		if (i < len(lines)-1 || justifyLast) && l.spaces > 0 {
			tw = (w - indent - l.natural) / float64(l.spaces)
			if tw < 0 || tw > maxWordSpace {
				tw = 0
			}
		}
		t.add(item{f: f, size: size, x: t.colX() + indent, y: y, tw: tw, text: l.text, lineEnd: true})
	}
}

// paragraph sets a paragraph of body text.
func (t *typesetter) paragraph(text string, indent bool) {
	first := 0.0
	if indent {
		first = parIndent
	}
	w := t.colWidth()
	t.setLines(t.breakLines(text, roman, bodySize, w, first, 0, true), roman, bodySize, bodyLead, w, first, 0, false)
}

// heading sets a section heading, kept with two lines of what follows.
func (t *typesetter) heading(text string, level int, centred bool) {
	size := 11.0
	if level > 1 {
		size = bodySize
	}
	t.space(6)
	b := t.enc(text, false)
	y := t.advance(bodyLead+1, 2*bodyLead)
	x := t.colX()
	if centred {
		x += (t.colWidth() - width(b, bold, size)) / 2
	}
	t.add(item{f: bold, size: size, x: x, y: y, text: b, lineEnd: true})
	t.y -= 2 // a little air under the heading
}

// titleBlock sets the title and authors across the top of the first page
// and returns the first baseline of the columns.
func (t *typesetter) titleBlock(d *Document) float64 {
	full := pageW - 2*marginX
	y := 722.0
	centre := func(text string, f font, size, lead float64) {
		for _, l := range t.breakLines(text, f, size, full, 0, 0, false) {
			t.add(item{f: f, size: size, x: marginX + (full-l.natural)/2, y: y, text: l.text})
			y -= lead
		}
	}
	centre(d.Title, bold, 15, 18)
	y -= 12 // a blank line's worth between the title and the authors
	for _, a := range d.Authors {
		centre(a, roman, 11, 13)
	}
	return y - 18
}

// compoundKey is the form under which hyphenated words are counted.
func compoundKey(word string) string {
	return strings.ToLower(strings.Trim(word, ".,;:()!?\"'"))
}

// countCompounds counts the hyphenated words of d.
func countCompounds(d *Document) map[string]int {
	m := map[string]int{}
	var texts []string
	texts = append(texts, d.Abstract...)
	for _, s := range d.Sections {
		texts = append(texts, s.Paragraphs...)
	}
	texts = append(texts, d.References...)
	for _, t := range texts {
		for _, w := range strings.Fields(t) {
			if k := compoundKey(w); strings.Contains(strings.Trim(k, "-"), "-") {
				m[k]++
			}
		}
	}
	return m
}

// layout typesets d into pages.
func layout(d *Document, o Options) ([]*page, error) {
	t := &typesetter{o: o, compounds: countCompounds(d)}
	t.pages = append(t.pages, &page{})
	top := t.titleBlock(d)
	t.col, t.top, t.y, t.bottom = 0, top, top+bodyLead, bodyBottom
	if len(d.Footer) > 0 {
		// The footer sits under the left column of the first page.
		fy := footerTop
		for _, f := range d.Footer {
			for _, l := range t.breakLines(f, roman, 8, t.colWidth(), 0, 0, false) {
				t.add(item{f: roman, size: 8, x: marginX, y: fy, text: l.text})
				fy -= 9
			}
		}
		t.bottom = footerTop + bodyLead + 4
	}
	if len(d.Abstract) > 0 {
		t.heading("Abstract", 1, true)
		w := t.colWidth() - 2*abstractInset
		for i, p := range d.Abstract {
			first := abstractInset
			if i > 0 {
				first += parIndent
			}
			lines := t.breakLines(p, roman, bodySize, w+abstractInset, first, abstractInset, true)
			t.setLines(lines, roman, bodySize, bodyLead, w+abstractInset, first, abstractInset, false)
		}
	}
	for _, s := range d.Sections {
		t.heading(s.Heading, s.Level, false)
		for i, p := range s.Paragraphs {
			t.paragraph(p, i > 0)
		}
	}
	if len(d.References) > 0 {
		t.heading("References", 1, false)
		w := t.colWidth()
		for _, r := range d.References {
			t.space(3)
			t.setLines(t.breakLines(r, roman, refSize, w, 0, refHang, true), roman, refSize, refLead, w, 0, refHang, false)
		}
	}
	for i, p := range t.pages {
		if i > 0 && d.Header != "" {
			b := t.enc(d.Header, false)
			p.items = append(p.items, item{f: roman, size: 9, x: (pageW - width(b, roman, 9)) / 2, y: headerY, text: b})
		}
		if !o.NoPageNumbers {
			b := []byte(strconv.Itoa(i + 1))
			p.items = append(p.items, item{f: roman, size: 9, x: (pageW - width(b, roman, 9)) / 2, y: pageNumberY, text: b})
		}
	}
	return t.pages, t.err
}
