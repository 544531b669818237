package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// The pure-Go path. github.com/ledongthuc/pdf parses the file structure
// (cross-reference table, objects, stream filters, decryption with the
// empty password) and decodes simple font encodings; everything that
// places text on the page is done here, because the library's own text
// functions miss text inside Form XObjects (the ACL Anthology stamps every
// page that way), ignore ToUnicode maps when a font also names an encoding,
// and lose glyph widths for fonts without a /Widths array.

// goPages extracts every page's rows of words with the pure-Go reader.
// A panic in the library while opening the file is a corrupt PDF; a panic
// on one page drops that page, and the file is corrupt only when more than
// half of its pages fail, so one damaged page does not lose a paper.
func goPages(ctx context.Context, data []byte) (pages []page, err error) {
	r, err := openGo(data)
	if err != nil {
		return nil, err
	}
	n, err := numPages(r)
	if err != nil {
		return nil, err
	}
	failed := 0
	var firstErr error
	for i := 1; i <= n; i++ {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("pdf text: %w", ctx.Err())
		}
		glyphs, perr := pageGlyphs(r, i)
		if perr != nil {
			failed++
			if firstErr == nil {
				firstErr = perr
			}
			continue
		}
		pages = append(pages, glyphRows(glyphs))
	}
	if n == 0 || failed*2 > n {
		if hasEncrypt(data) {
			return nil, encryptedError(firstErr)
		}
		detail := "no readable pages"
		if firstErr != nil {
			detail = oneLine(firstErr.Error())
		}
		return nil, corruptError(detail, nil)
	}
	return pages, nil
}

// openGo opens data with the library, turning its errors and panics into
// the package's errors.
func openGo(data []byte) (r *pdf.Reader, err error) {
	defer func() {
		if x := recover(); x != nil {
			r, err = nil, corruptError(oneLine(fmt.Sprint(x)), nil)
		}
	}()
	fixed := fixHeader(data)
	r, err = pdf.NewReader(bytes.NewReader(fixed), int64(len(fixed)))
	if err == nil {
		return r, nil
	}
	if errors.Is(err, pdf.ErrInvalidPassword) || hasEncrypt(data) {
		return nil, encryptedError(err)
	}
	return nil, corruptError(oneLine(err.Error()), nil)
}

// fixHeader rewrites a header the library refuses but readers accept
// ("%PDF-2.0", or "%PDF-1.4" followed by a space instead of a newline) to
// "%PDF-1.7\n". The header has the same length, so object offsets hold.
func fixHeader(data []byte) []byte {
	if len(data) < 9 || !bytes.HasPrefix(data, []byte("%PDF-")) {
		return data
	}
	ok := data[5] == '1' && data[6] == '.' && data[7] >= '0' && data[7] <= '7' && (data[8] == '\n' || data[8] == '\r')
	if ok {
		return data
	}
	out := append([]byte(nil), data...)
	copy(out, "%PDF-1.7\n")
	return out
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

func numPages(r *pdf.Reader) (n int, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = corruptError(oneLine(fmt.Sprint(x)), nil)
		}
	}()
	return r.NumPage(), nil
}

// glyph is one shown character (or the text a ToUnicode map gives for one
// code) in page space.
type glyph struct {
	x, xEnd, y float64
	size       float64 // font size in page space, for thresholds
	s          string
	space      bool // an explicit space character
	// exact says the glyph's width comes from the file, so that the gap
	// after it is the real white space and not an estimate.
	exact bool
}

// matrix is a PDF transformation [a b c d e f]; points are row vectors.
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type gstate struct {
	ctm                                        matrix
	font                                       *fontInfo
	size, charSpace, wordSpace, scale, leading float64
	rise                                       float64
}

// interp runs content streams and collects glyphs.
type interp struct {
	glyphs []glyph
	depth  int
}

// pageGlyphs returns the glyphs of page i, recovering from library panics.
func pageGlyphs(r *pdf.Reader, i int) (gs []glyph, err error) {
	defer func() {
		if x := recover(); x != nil {
			gs, err = nil, fmt.Errorf("page %d: %v", i, x)
		}
	}()
	p := r.Page(i)
	if p.V.IsNull() {
		return nil, fmt.Errorf("page %d: missing", i)
	}
	in := &interp{}
	content, err := streamBytes(p.V.Key("Contents"))
	if err != nil {
		return nil, fmt.Errorf("page %d: %w", i, err)
	}
	in.run(content, p.Resources(), gstate{ctm: identity, scale: 1})
	return in.glyphs, nil
}

// streamBytes reads a content stream, or the concatenation of an array of
// them.
func streamBytes(v pdf.Value) ([]byte, error) {
	switch v.Kind() {
	case pdf.Array:
		var all []byte
		for i := 0; i < v.Len(); i++ {
			b, err := streamBytes(v.Index(i))
			if err != nil {
				return nil, err
			}
			all = append(all, b...)
			all = append(all, '\n')
		}
		return all, nil
	case pdf.Stream:
		rc := v.Reader()
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil && len(b) == 0 {
			return nil, err
		}
		// A truncated Flate stream still gives its readable prefix.
		return b, nil
	case pdf.Null:
		return nil, nil
	}
	return nil, fmt.Errorf("content is a %v", v.Kind())
}

// run interprets one content stream with its resources.
func (in *interp) run(content []byte, res pdf.Value, g gstate) {
	fonts := map[string]*fontInfo{}
	var stack []gstate
	var tm, tlm matrix
	scan(content, func(op string, args []operand) {
		num := func(i int) float64 {
			if i < len(args) && args[i].kind == tokNum {
				return args[i].num
			}
			return 0
		}
		switch op {
		case "q":
			stack = append(stack, g)
		case "Q":
			if n := len(stack); n > 0 {
				g = stack[n-1]
				stack = stack[:n-1]
			}
		case "cm":
			if len(args) == 6 {
				g.ctm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			if len(args) == 2 && args[0].kind == tokName {
				f, ok := fonts[args[0].s]
				if !ok {
					f = newFontInfo(res.Key("Font").Key(args[0].s))
					fonts[args[0].s] = f
				}
				g.font = f
				g.size = num(1)
			}
		case "Tc":
			g.charSpace = num(0)
		case "Tw":
			g.wordSpace = num(0)
		case "Tz":
			g.scale = num(0) / 100
		case "TL":
			g.leading = num(0)
		case "Ts":
			g.rise = num(0)
		case "Td", "TD":
			if op == "TD" {
				g.leading = -num(1)
			}
			tlm = matrix{1, 0, 0, 1, num(0), num(1)}.mul(tlm)
			tm = tlm
		case "Tm":
			if len(args) == 6 {
				tlm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}
				tm = tlm
			}
		case "T*":
			tlm = matrix{1, 0, 0, 1, 0, -g.leading}.mul(tlm)
			tm = tlm
		case "Tj", "'", "\"":
			if op == "\"" && len(args) == 3 {
				g.wordSpace, g.charSpace = num(0), num(1)
				args = args[2:]
			}
			if op != "Tj" {
				tlm = matrix{1, 0, 0, 1, 0, -g.leading}.mul(tlm)
				tm = tlm
			}
			if len(args) > 0 && args[len(args)-1].kind == tokStr {
				in.show(args[len(args)-1].s, &g, &tm)
			}
		case "TJ":
			if len(args) == 0 || args[0].kind != tokArrOpen {
				return
			}
			for _, a := range args[0].arr {
				switch a.kind {
				case tokStr:
					in.show(a.s, &g, &tm)
				case tokNum:
					tx := -a.num / 1000 * g.size * g.scale
					tm = matrix{1, 0, 0, 1, tx, 0}.mul(tm)
				}
			}
		case "Do":
			if len(args) == 1 && args[0].kind == tokName {
				in.form(res.Key("XObject").Key(args[0].s), res, g)
			}
		}
	})
}

// form runs a Form XObject in place. Image XObjects carry no text.
func (in *interp) form(x pdf.Value, parentRes pdf.Value, g gstate) {
	if x.Kind() != pdf.Stream || x.Key("Subtype").Name() != "Form" || in.depth >= 8 {
		return
	}
	content, err := streamBytes(x)
	if err != nil {
		return
	}
	if m := x.Key("Matrix"); m.Kind() == pdf.Array && m.Len() == 6 {
		var mm matrix
		for i := range mm {
			mm[i] = m.Index(i).Float64()
		}
		g.ctm = mm.mul(g.ctm)
	}
	res := x.Key("Resources")
	if res.Kind() != pdf.Dict {
		res = parentRes
	}
	in.depth++
	in.run(content, res, g)
	in.depth--
}

// show places the glyphs of one string.
func (in *interp) show(s string, g *gstate, tm *matrix) {
	f := g.font
	if f == nil {
		f = fallbackFont
	}
	for _, c := range f.codes(s) {
		text := f.decode(c)
		w := f.width(c, text)
		trm := matrix{g.size * g.scale, 0, 0, g.size, 0, g.rise}.mul(*tm).mul(g.ctm)
		adv := (w*g.size + g.charSpace) * g.scale
		if c.n == 1 && c.code == 32 {
			adv += g.wordSpace * g.scale
		}
		sx := math.Hypot(trm[0], trm[1])
		sy := math.Hypot(trm[2], trm[3])
		// Rotated text (margin stamps, rotated table headers) would
		// land on the wrong rows; it is rarely part of the prose.
		upright := trm[0] > 0 && math.Abs(trm[1]) <= 0.05*sx && math.Abs(trm[2]) <= 0.05*sy
		if upright && text != "" {
			in.glyphs = append(in.glyphs, glyph{
				x: trm[4], xEnd: trm[4] + w*sx, y: trm[5], size: sy * f.vscale,
				s: text, space: strings.TrimSpace(text) == "", exact: f.hasWidth(c),
			})
		}
		*tm = matrix{1, 0, 0, 1, adv, 0}.mul(*tm)
	}
}

// fontInfo knows how to split a string into codes, decode them and size
// them.
type fontInfo struct {
	twoByte   bool
	toUnicode map[int]string
	table     *[256]string    // simple fonts: text per code
	widths    map[int]float64 // in text space units per unit font size
	dw        float64         // default width, text space
	fixed     bool            // a monospaced font without widths
	wscale    float64         // glyph space to text space (1/1000, or Type3 FontMatrix)
	vscale    float64         // font size to visual size (Type3 fonts may use size 1)
}

type code struct {
	code int
	n    int // bytes
}

// fallbackFont is used when a content stream shows text without a font.
var fallbackFont = &fontInfo{wscale: 0.001, vscale: 1}

func newFontInfo(v pdf.Value) *fontInfo {
	f := &fontInfo{wscale: 0.001, vscale: 1}
	if v.Kind() != pdf.Dict {
		return f
	}
	sub := v.Key("Subtype").Name()
	base := v.Key("BaseFont").Name()
	f.fixed = strings.Contains(strings.ToLower(base), "courier")
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		if b, err := streamBytes(tu); err == nil {
			f.toUnicode = parseCMap(b)
		}
	}
	if sub == "Type3" {
		if m := v.Key("FontMatrix"); m.Kind() == pdf.Array && m.Len() == 6 {
			f.wscale = m.Index(0).Float64()
			f.vscale = math.Abs(m.Index(3).Float64()) * 1000
			if f.wscale == 0 {
				f.wscale = 0.001
			}
			if f.vscale == 0 {
				f.vscale = 1
			}
		}
	}
	if sub == "Type0" {
		f.twoByte = true
		d := v.Key("DescendantFonts").Index(0)
		f.dw = 1000
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dw = dw.Float64()
		}
		f.dw *= f.wscale
		f.widths = cidWidths(d.Key("W"), f.wscale)
		return f
	}
	t := simpleTable(v)
	f.table = &t
	if ws := v.Key("Widths"); ws.Kind() == pdf.Array && ws.Len() > 0 {
		first := int(v.Key("FirstChar").Int64())
		f.widths = make(map[int]float64, ws.Len())
		for i := 0; i < ws.Len(); i++ {
			f.widths[first+i] = ws.Index(i).Float64() * f.wscale
		}
	}
	return f
}

// cidWidths reads a CIDFont /W array: c [w1 w2 ...] or c1 c2 w.
func cidWidths(w pdf.Value, scale float64) map[int]float64 {
	out := map[int]float64{}
	for i := 0; i < w.Len(); {
		c := int(w.Index(i).Int64())
		if i+1 < w.Len() && w.Index(i+1).Kind() == pdf.Array {
			a := w.Index(i + 1)
			for j := 0; j < a.Len(); j++ {
				out[c+j] = a.Index(j).Float64() * scale
			}
			i += 2
			continue
		}
		if i+2 < w.Len() {
			c2 := int(w.Index(i + 1).Int64())
			wd := w.Index(i+2).Float64() * scale
			for k := c; k <= c2 && k-c < 65536; k++ {
				out[k] = wd
			}
		}
		i += 3
	}
	return out
}

func (f *fontInfo) codes(s string) []code {
	var out []code
	if f.twoByte {
		for i := 0; i+1 < len(s); i += 2 {
			out = append(out, code{int(s[i])<<8 | int(s[i+1]), 2})
		}
		return out
	}
	for i := 0; i < len(s); i++ {
		out = append(out, code{int(s[i]), 1})
	}
	return out
}

func (f *fontInfo) decode(c code) string {
	if t, ok := f.toUnicode[c.code]; ok {
		return t
	}
	if f.twoByte {
		return "" // no map: CIDs say nothing about characters
	}
	if f.table != nil {
		return f.table[c.code&0xff]
	}
	return string(rune(c.code))
}

// hasWidth reports whether the file gives the width of code c.
func (f *fontInfo) hasWidth(c code) bool {
	if w, ok := f.widths[c.code]; ok && w > 0 {
		return true
	}
	return f.twoByte && f.dw > 0
}

// width returns the advance of code c in text space per unit font size.
func (f *fontInfo) width(c code, text string) float64 {
	if w, ok := f.widths[c.code]; ok && w > 0 {
		return w
	}
	if f.twoByte {
		return f.dw
	}
	if f.fixed {
		return 0.6
	}
	// No widths in the file (a standard font that is not embedded, or an
	// OCR text layer): use Times-Roman's, which is what those files
	// mostly are, so that word gaps can still be told from letter gaps.
	r, _ := firstRune(text)
	if r >= 32 && r < 127 {
		return float64(timesWidths[r-32]) / 1000
	}
	return 0.5
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

// timesWidths are Times-Roman's advance widths for ASCII 32..126, from
// Adobe's font metrics (AFM) for the standard 14 fonts.
var timesWidths = [95]int{
	250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278, // space ! " # $ % & ' ( ) * + , - . /
	500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // 0-9 : ; < = > ?
	921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // @ A-O
	556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // P-Z [ \ ] ^ _
	333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // ` a-o
	500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, // p-z { | } ~
}

// parseCMap reads the bfchar and bfrange sections of a ToUnicode CMap.
func parseCMap(b []byte) map[int]string {
	m := map[int]string{}
	l := &lexer{b: b}
	var toks []token
	for t := l.next(); t.kind != tokEOF; t = l.next() {
		toks = append(toks, t)
	}
	codeOf := func(s string) int {
		v := 0
		for i := 0; i < len(s); i++ {
			v = v<<8 | int(s[i])
		}
		return v
	}
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != tokOp {
			continue
		}
		switch toks[i].s {
		case "beginbfchar":
			for i++; i+1 < len(toks) && toks[i].kind == tokStr; i += 2 {
				if toks[i+1].kind == tokStr {
					m[codeOf(toks[i].s)] = utf16BE(toks[i+1].s)
				} else if toks[i+1].kind == tokName {
					m[codeOf(toks[i].s)] = glyphNameText(toks[i+1].s)
				}
			}
		case "beginbfrange":
			for i++; i+2 < len(toks) && toks[i].kind == tokStr; {
				lo, hi := codeOf(toks[i].s), codeOf(toks[i+1].s)
				if hi-lo > 65535 || hi < lo {
					hi = lo
				}
				if toks[i+2].kind == tokStr {
					dst := []rune(utf16BE(toks[i+2].s))
					for c := lo; c <= hi && len(dst) > 0; c++ {
						d := append([]rune(nil), dst...)
						d[len(d)-1] += rune(c - lo)
						m[c] = string(d)
					}
					i += 3
					continue
				}
				if toks[i+2].kind == tokArrOpen {
					j := i + 3
					for c := lo; j < len(toks) && toks[j].kind == tokStr; c++ {
						m[c] = utf16BE(toks[j].s)
						j++
					}
					for j < len(toks) && toks[j].kind != tokArrClose {
						j++
					}
					i = j + 1
					continue
				}
				i += 3
			}
		}
	}
	return m
}

// utf16BE decodes a CMap destination string.
func utf16BE(s string) string {
	if len(s)%2 == 1 {
		return string([]rune(s))
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return string(utf16.Decode(u))
}

// glyphNameText handles the rare CMap that maps to a glyph name.
func glyphNameText(n string) string {
	if len(n) == 1 {
		return n
	}
	return ""
}

// glyphRows groups a page's glyphs into rows of words, in points.
func glyphRows(gs []glyph) page {
	p := page{em: 5}
	if len(gs) == 0 {
		return p
	}
	sizes := make([]float64, 0, len(gs))
	for _, g := range gs {
		if !g.space && g.size > 0 {
			sizes = append(sizes, g.size)
		}
	}
	if len(sizes) == 0 {
		return p
	}
	sort.Float64s(sizes)
	med := sizes[len(sizes)/2]
	p.em = med / 2
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].y > gs[j].y })
	// Baselines within 0.45 of the body font size are one row: that
	// keeps superscripts and subscripts on their line and leaves normal
	// line spacing (1.2 and more) apart.
	tol := 0.45 * med
	var rowsG [][]glyph
	for _, g := range gs {
		n := len(rowsG)
		if n > 0 && rowsG[n-1][0].y-g.y <= tol {
			rowsG[n-1] = append(rowsG[n-1], g)
			continue
		}
		rowsG = append(rowsG, []glyph{g})
	}
	prevY := math.NaN()
	for _, rg := range rowsG {
		r := wordsOf(rg)
		if len(r.words) == 0 {
			continue
		}
		y := rg[0].y
		if !math.IsNaN(prevY) && prevY-y > 1.9*med {
			p.rows = append(p.rows, row{}) // a vertical gap
		}
		prevY = y
		p.rows = append(p.rows, r)
	}
	return p
}

// medianGapFits reports whether the median gap between neighbouring
// glyphs of a row (sorted by x) is within 3% of the font size.
func medianGapFits(gs []glyph) bool {
	var gaps []float64
	for i := 1; i < len(gs); i++ {
		if gs[i].space || gs[i-1].space || gs[i].size <= 0 {
			continue
		}
		gaps = append(gaps, math.Abs(gs[i].x-gs[i-1].xEnd)/gs[i].size)
	}
	if len(gaps) < 8 {
		return false
	}
	sort.Float64s(gaps)
	return gaps[len(gaps)/2] < 0.03
}

// wordsOf sorts a row's glyphs left to right and cuts them into words at
// explicit spaces and at gaps wider than a fifth of the font size (TeX
// sets spaces as positioning, not as characters).
func wordsOf(gs []glyph) row {
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].x < gs[j].x })
	// When the widths fit the glyphs (the file's own widths, or estimated
	// widths of the font the file really uses), the letters of a word
	// touch: kerning moves them by a few hundredths of the size. Then a
	// justified line's word spaces, which can shrink to under a fifth of
	// the size ("sinceweanticipated" at 0.18), are told apart with a lower
	// threshold. Most neighbouring glyphs of a row are letters of one word,
	// so the median gap says whether the widths fit.
	tight := medianGapFits(gs)
	var r row
	var cur strings.Builder
	var w word
	open := false
	var last glyph
	flush := func() {
		if open && cur.Len() > 0 {
			w.s = cur.String()
			r.words = append(r.words, w)
		}
		cur.Reset()
		open = false
	}
	for i, g := range gs {
		if g.space {
			flush()
			continue
		}
		// Some producers draw text twice for a bold effect.
		if i > 0 && g.s == last.s && math.Abs(g.x-last.x) < 0.1*g.size && !last.space {
			continue
		}
		thr := 0.2
		if tight || g.exact && last.exact {
			thr = 0.12
		}
		if open && g.x-w.x1 > thr*max(g.size, 1) {
			flush()
		}
		if !open {
			w = word{x0: g.x, x1: g.xEnd}
			open = true
		}
		cur.WriteString(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, g.s))
		if g.xEnd > w.x1 {
			w.x1 = g.xEnd
		}
		last = g
	}
	flush()
	return r
}
