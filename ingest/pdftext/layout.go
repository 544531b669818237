package pdftext

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// word is a run of text on one row with its horizontal extent. Units are
// character cells on the pdftotext path and points on the pure-Go path;
// page.em says how big a typical character is in those units, so that every
// threshold below is written once, in characters.
type word struct {
	x0, x1 float64
	s      string
}

// row is one visual line of a page, left to right. A row without words is
// a vertical gap (a blank line in the -layout text).
type row struct {
	words []word
}

func (r row) blank() bool { return len(r.words) == 0 }

func (r row) x0() float64 { return r.words[0].x0 }
func (r row) x1() float64 { return r.words[len(r.words)-1].x1 }

func (r row) text() string {
	parts := make([]string, len(r.words))
	for i, w := range r.words {
		parts[i] = w.s
	}
	return strings.Join(parts, " ")
}

// page is one PDF page as rows top to bottom.
type page struct {
	rows []row
	em   float64 // width of a typical character, in the rows' units
}

// line is one line of text in reading order, as the cleaner sees it.
type line struct {
	text   string
	indent bool    // starts right of its column's left margin: a new paragraph, an equation, a list item
	short  bool    // ends well before its column's right margin: often a paragraph's last line
	gap    bool    // a vertical gap (blank row) comes before it
	offset float64 // distance from the column's left margin, in characters
	page   int     // page index, for the caller's debugging and for header removal
}

// removeRunning drops running headers and footers: rows near the top or
// bottom of a page whose text (digits ignored) recurs on several pages,
// lone page numbers there, and the one-off venue footer of the first page.
// It works on whole rows before the column split, because headers and
// footers span the page and would otherwise break a column in two.
func removeRunning(pages []page) {
	const edge = 3 // rows from the top or bottom that may be furniture
	edgeRows := func(p page) []int {
		var idx []int
		for i := 0; i < len(p.rows) && len(idx) < edge; i++ {
			if !p.rows[i].blank() {
				idx = append(idx, i)
			}
		}
		var bottom []int
		for i := len(p.rows) - 1; i >= 0 && len(bottom) < edge+1; i-- {
			if !p.rows[i].blank() {
				bottom = append(bottom, i)
			}
		}
		return append(idx, bottom...)
	}
	seen := map[string]map[int]bool{}
	for pi, p := range pages {
		for _, ri := range edgeRows(p) {
			k := furnitureKey(p.rows[ri].text())
			if k == "" {
				continue
			}
			if seen[k] == nil {
				seen[k] = map[int]bool{}
			}
			seen[k][pi] = true
		}
	}
	minPages := 3
	if len(pages) <= 4 {
		minPages = 2
	}
	for pi := range pages {
		p := &pages[pi]
		drop := map[int]bool{}
		for _, ri := range edgeRows(*p) {
			t := strings.TrimSpace(p.rows[ri].text())
			k := furnitureKey(t)
			switch {
			case k != "" && len(seen[k]) >= minPages:
				drop[ri] = true
			case pageNumberRE.MatchString(t):
				drop[ri] = true
			case venueRE.MatchString(t):
				drop[ri] = true
			}
		}
		if len(drop) == 0 {
			continue
		}
		kept := p.rows[:0]
		for ri, r := range p.rows {
			if drop[ri] {
				r = row{} // keep the gap so that paragraphs stay apart
			}
			kept = append(kept, r)
		}
		p.rows = kept
	}
}

// pageNumberRE matches a row that is only a page number, such as "236",
// "- 12 -", "Page 3" or "iv".
var pageNumberRE = regexp.MustCompile(`^(?i)(page\s+)?[-–—]?\s*(\d{1,4}|[ivxl]{1,6})\s*[-–—]?$`)

// venueRE matches the venue and copyright lines that ACL-style proceedings
// stamp at the foot of a paper's first page; they occur once, so the
// repetition rule cannot catch them, and they sit between the last line of
// the right column and the first line of the next page.
//
// The second line of that footer names the place, the dates and the
// copyright holder ("MIT, Massachusetts, USA, 9-11 October 2010. ©2010
// Crown in Right of Canada."): a day range with a month and a year, or a
// copyright sign (which OCR and fonts turn into "!c", "(c)" or a lone "c")
// before a year.
var venueRE = regexp.MustCompile(`(?i)^(proceedings of\b.*\bpages?\s+\d+.*|.*\b(19|20)\d\d\s+association for computational linguistics\.?|` +
	`.*\b\d{1,2}\s*[-–]\s*\d{1,2}\s+(january|february|march|april|may|june|july|august|september|october|november|december)\s+(19|20)\d\d\b.*|` +
	`.*(©|\(c\)|!c?)\s*(19|20)\d\d\b.*)$`)

// furnitureKey normalises a header or footer row so that running headers
// with changing page numbers compare equal.
func furnitureKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('#')
		case unicode.IsLetter(r):
			b.WriteRune(r)
		}
	}
	k := b.String()
	if len([]rune(k)) < 4 { // too short to be sure it is not body text
		return ""
	}
	return k
}

// readingOrder puts one page's rows into reading order and returns its
// lines. It finds the column gutter, if there is one, then walks the page
// top to bottom in bands: a run of rows that split at the gutter is emitted
// left column first, then right column; a row that spans the gutter (a
// title, a full-width abstract, a wide table) is emitted where it stands
// and closes the band.
func readingOrder(p page, pageIdx int) []line {
	gutter, ok := findGutter(p)
	if !ok {
		return columnLines(p.rows, p.em, pageIdx)
	}
	type split struct {
		left, right []word
		full        bool
	}
	splits := make([]split, len(p.rows))
	for i, r := range p.rows {
		if r.blank() {
			continue
		}
		l, rt, crossing := cutAt(r.words, gutter)
		if !crossing && len(l) > 0 && len(rt) > 0 && rt[0].x0-l[len(l)-1].x1 < 2*p.em {
			// Text on both sides with only a word space between: a
			// centred title or author line that happens to have a
			// space at the gutter, not two columns.
			crossing = true
		}
		splits[i] = split{left: l, right: rt, full: crossing}
	}
	// The front matter of the first page (title, authors, affiliations)
	// sits above the abstract, and its rows are not body columns (below).
	front := -1 // index of the row that starts the abstract, on page 1
	if pageIdx == 0 {
		front = abstractRow(p.rows)
	}
	// A lone crossing row between split rows is usually a line whose
	// column gap pdftotext squeezed to one space, or an equation that pokes
	// into the gutter; cutting it at the nearest gap keeps the band whole.
	// In the front matter, rows with text on one side only do not count:
	// the centred lines of a title block are such rows, and cutting a
	// title or author line between them puts half of it elsewhere
	// ("... Segmentation and" | "Syntactic Parsing").
	oneSided := func(s split) bool { return !s.full }
	twoSided := func(s split) bool { return !s.full && len(s.left) > 0 && len(s.right) > 0 }
	for i := range splits {
		ok := oneSided
		if i < front {
			ok = twoSided
		}
		if !splits[i].full || !neighbourSplit(p.rows, splits, i, -1, ok) ||
			!neighbourSplit(p.rows, splits, i, +1, ok) {
			continue
		}
		if l, rt, ok := cutNear(p.rows[i].words, gutter, 3*p.em); ok {
			splits[i] = split{left: l, right: rt}
		}
	}
	// In the front matter, a lone row with a wide gap is one line ("A
	// Maximum-Entropy-Inspired     Parser"), and the author blocks side by
	// side end their band before the abstract, or the right-hand block is
	// read after the whole left column, in the middle of the body
	// ("Christof Monz Department of Computer Science ... was done by the
	// participants").
	// Above the abstract, a gap of a few word spaces at the gutter is the
	// word space of a large font, not two columns ("Combining   Parsers").
	for i := 0; i < front; i++ {
		sp := splits[i]
		if twoSided(sp) && sp.right[0].x0-sp.left[len(sp.left)-1].x1 < 4*p.em {
			splits[i] = split{full: true}
		}
	}
	for i := 0; i < front; i++ {
		if twoSided(splits[i]) && !neighbourSplit(p.rows, splits, i, -1, twoSided) &&
			!neighbourSplit(p.rows, splits, i, +1, twoSided) {
			splits[i] = split{full: true}
		}
	}
	var out []line
	var left, right []row
	flush := func() {
		// A column without text in this band (a centred line that fell
		// on one side of the gutter) adds nothing, not even a gap.
		if hasText(left) {
			out = append(out, columnLines(left, p.em, pageIdx)...)
		}
		if hasText(right) {
			out = append(out, columnLines(right, p.em, pageIdx)...)
		}
		if n := len(left); n > 0 && left[n-1].blank() {
			// The band ended with a vertical gap; keep it for the
			// line that follows.
			out = append(out, line{gap: true, page: pageIdx})
		}
		left, right = nil, nil
	}
	for i, r := range p.rows {
		s := splits[i]
		if i == front {
			flush()
		}
		switch {
		case r.blank():
			if left != nil || right != nil {
				left = append(left, row{})
				right = append(right, row{})
			} else {
				out = append(out, line{gap: true, page: pageIdx})
			}
		case s.full:
			flush()
			out = append(out, columnLines([]row{r}, p.em, pageIdx)...)
		default:
			left = append(left, row{words: s.left})
			right = append(right, row{words: s.right})
		}
	}
	flush()
	return out
}

// abstractRow returns the index of the row of a first page whose left
// part starts with the heading "Abstract", when it lies in the top half of
// the page, or -1.
func abstractRow(rows []row) int {
	for i := 0; i < len(rows)/2; i++ {
		if rows[i].blank() {
			continue
		}
		w := strings.ToLower(strings.TrimRight(rows[i].words[0].s, ".:—-"))
		if w == "abstract" {
			return i
		}
	}
	return -1
}

// hasText reports whether any of rows has a word.
func hasText(rows []row) bool {
	for _, r := range rows {
		if !r.blank() {
			return true
		}
	}
	return false
}

// neighbourSplit reports whether the nearest non-blank row from i in
// direction dir satisfies ok.
func neighbourSplit[S any](rows []row, splits []S, i, dir int, ok func(S) bool) bool {
	for j := i + dir; j >= 0 && j < len(rows); j += dir {
		if !rows[j].blank() {
			return ok(splits[j])
		}
	}
	return false
}

// cutAt splits words at x; crossing is true when a word covers x.
func cutAt(words []word, x float64) (left, right []word, crossing bool) {
	for _, w := range words {
		switch {
		case w.x1 <= x:
			left = append(left, w)
		case w.x0 >= x:
			right = append(right, w)
		default:
			return nil, nil, true
		}
	}
	return left, right, false
}

// cutNear splits words at the widest gap whose middle lies within tol of x.
func cutNear(words []word, x, tol float64) (left, right []word, ok bool) {
	best, bestGap := -1, 0.0
	for i := 1; i < len(words); i++ {
		mid := (words[i-1].x1 + words[i].x0) / 2
		g := words[i].x0 - words[i-1].x1
		if mid >= x-tol && mid <= x+tol && g > bestGap {
			best, bestGap = i, g
		}
	}
	if best < 0 {
		return nil, nil, false
	}
	return words[:best], words[best:], true
}

// findGutter looks for the vertical strip of white space between two
// columns: a position in the middle of the page that no word covers on
// most rows and that has text on both sides on many of them. It returns
// false for single-column pages.
func findGutter(p page) (float64, bool) {
	var rows []row
	lo, hi := 0.0, 0.0
	for _, r := range p.rows {
		if r.blank() {
			continue
		}
		if len(rows) == 0 || r.x0() < lo {
			lo = r.x0()
		}
		if len(rows) == 0 || r.x1() > hi {
			hi = r.x1()
		}
		rows = append(rows, r)
	}
	if len(rows) < 6 || hi-lo < 20*p.em {
		return 0, false
	}
	width := hi - lo
	step := p.em / 2
	bestX, bestScore, bestSide, bestCross := 0.0, -1<<30, 0, 0
	var ties []float64
	for x := lo + 0.3*width; x <= lo+0.7*width; x += step {
		left, right, cross := 0, 0, 0
		for _, r := range rows {
			hasL, hasR, covered := false, false, false
			for _, w := range r.words {
				switch {
				case w.x1 <= x:
					hasL = true
				case w.x0 >= x:
					hasR = true
				default:
					covered = true
				}
			}
			switch {
			case covered:
				cross++
			default:
				if hasL {
					left++
				}
				if hasR {
					right++
				}
			}
		}
		// Both sides must carry text on many rows (the two columns'
		// baselines need not line up, so a row may hold only one of
		// them), and few rows may run across.
		side := min(left, right)
		score := side - 2*cross
		switch {
		case score > bestScore:
			bestX, bestScore, bestSide, bestCross = x, score, side, cross
			ties = append(ties[:0], x)
		case score == bestScore && len(ties) > 0 && x-ties[len(ties)-1] <= step*1.01:
			ties = append(ties, x)
		}
	}
	n := len(rows)
	if float64(bestSide) < 0.25*float64(n) || bestCross*4 > bestSide {
		return 0, false
	}
	if len(ties) > 0 {
		bestX = (ties[0] + ties[len(ties)-1]) / 2
	}
	return bestX, true
}

// columnLines turns the rows of one column (or of a single-column page)
// into lines, marking indentation against the column's left margin and
// short lines against its right margin.
func columnLines(rows []row, em float64, pageIdx int) []line {
	var xs0, xs1 []float64
	for _, r := range rows {
		if !r.blank() {
			xs0 = append(xs0, r.x0())
			xs1 = append(xs1, r.x1())
		}
	}
	if len(xs0) == 0 {
		if len(rows) > 0 {
			return []line{{gap: true, page: pageIdx}}
		}
		return nil
	}
	margin := leftMargin(xs0, em)
	sort.Float64s(xs1)
	// The right margin is a high percentile rather than the maximum, so
	// that one wide equation does not make every line look short.
	right := xs1[len(xs1)*9/10]
	width := right - margin
	var out []line
	gap := false
	for i, r := range rows {
		if r.blank() {
			gap = true
			continue
		}
		// A first-line indent sits right of the margin and right of the
		// line below it; a block indented as a whole (an abstract, a
		// quotation) is not a paragraph per line.
		indent := r.x0()-margin >= 1.5*em
		for j := i + 1; j < len(rows); j++ {
			if !rows[j].blank() {
				indent = indent && r.x0()-rows[j].x0() >= 1.5*em
				break
			}
		}
		out = append(out, line{
			text:   r.text(),
			indent: indent,
			offset: (r.x0() - margin) / em,
			short:  right-r.x1() > max(0.15*width, 4*em),
			gap:    gap,
			page:   pageIdx,
		})
		gap = false
	}
	return out
}

// leftMargin is the column's text edge: the smallest x0 that at least a
// fifth of the lines share (within one character), so a stray outdented
// bullet or a mis-placed symbol does not count as the margin.
func leftMargin(xs []float64, em float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	need := max(1, len(s)/5)
	for i := range s {
		n := 0
		for j := i; j < len(s) && s[j]-s[i] <= em; j++ {
			n++
		}
		if n >= need {
			return s[i]
		}
	}
	return s[0]
}
