package pdfgen

import (
	"fmt"
	"sync"

	"codeberg.org/go-pdf/fpdf"
)

// Font is one of the two faces the generator uses.
type font int

const (
	roman font = iota // Times-Roman
	bold              // Times-Bold
)

// baseFont is the PDF name of each face.
var baseFont = [...]string{roman: "Times-Roman", bold: "Times-Bold"}

// winAnsiOf maps the StandardEncoding codes the generator emits outside
// ASCII, and the two ASCII codes whose glyph differs between the
// encodings, to the WinAnsi (cp1252) code of the same glyph, under which
// fpdf stores its metrics.
var winAnsiOf = map[byte]byte{
	0x27: 0x92, // quoteright
	0x60: 0x91, // quoteleft
	0xA9: 0x27, // quotesingle
	0xAA: 0x93, // quotedblleft
	0xBA: 0x94, // quotedblright
	0xB1: 0x96, // endash
	0xD0: 0x97, // emdash
	0xB7: 0x95, // bullet
	0xBC: 0x85, // ellipsis
}

// ligatureWidth is the advance of the fi and fl glyphs (codes 0256, 0257)
// in both Times-Roman and Times-Bold, from Adobe's metrics of the fonts;
// WinAnsi has no such glyphs, so fpdf has no width for them.
const ligatureWidth = 556

// widths returns the advance widths (1/1000 em) of the 256
// StandardEncoding codes of each face; 0 for codes the generator never
// writes.
var widths = sync.OnceValues(func() ([2][256]int, error) {
	var w [2][256]int
	pdf := fpdf.New("P", "pt", "Letter", "")
	for f, style := range []string{roman: "", bold: "B"} {
		pdf.SetFont("Times", style, 10)
		measure := func(b byte) int { return pdf.GetStringSymbolWidth(string([]byte{b})) }
		for c := 32; c < 127; c++ {
			if c == 0x27 || c == 0x60 {
				continue
			}
			w[f][c] = measure(byte(c))
		}
		for std, win := range winAnsiOf {
			w[f][std] = measure(win)
		}
		w[f][0xAE], w[f][0xAF] = ligatureWidth, ligatureWidth
		if err := pdf.Error(); err != nil {
			return w, fmt.Errorf("pdfgen: font metrics: %w", err)
		}
	}
	return w, nil
})
