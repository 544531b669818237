package pdftext

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"fmt"
	"math/rand"
	"strings"
)

// The PDFs below are written by hand, object by object, so that each test
// input is exactly what its name says and nothing else. See
// testdata/README.md.

// pdfObj is one indirect object: its dictionary (or other value) and an
// optional stream.
type pdfObj struct {
	dict   string
	stream []byte
}

// buildPDF writes objects 1..n with a correct cross-reference table.
// Object 1 must be the catalog. extraTrailer is added to the trailer
// dictionary (for /Encrypt and /ID).
func buildPDF(objs []pdfObj, extraTrailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.stream != nil {
			fmt.Fprintf(&b, "%s\nstream\n", strings.Replace(o.dict, ">>", fmt.Sprintf(" /Length %d >>", len(o.stream)), 1))
			b.Write(o.stream)
			b.WriteString("\nendstream")
		} else {
			b.WriteString(o.dict)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extraTrailer, xref)
	return b.Bytes()
}

// pagesPDF makes a PDF whose pages have the given content streams, with
// Helvetica as /F1 (and "fi" at code 1) and an optional image /Im1.
func pagesPDF(contents []string, withImage bool) []byte {
	return pagesPDFWith(contents, withImage, "<< >>")
}

// pagesPDFWith is pagesPDF with contentDict as the content streams'
// dictionary (before /Length is added).
func pagesPDFWith(contents []string, withImage bool, contentDict string) []byte {
	n := len(contents)
	// 1 catalog, 2 pages, 3 font, 4 image, then page and content pairs.
	kids := make([]string, n)
	for i := range contents {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	objs := []pdfObj{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)},
		{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi] >> >>"},
		{dict: "<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 >>",
			stream: bytes.Repeat([]byte{0x80}, 64)},
	}
	res := "/Font << /F1 3 0 R >>"
	if withImage {
		res += " /XObject << /Im1 4 0 R >>"
	}
	for i, c := range contents {
		objs = append(objs,
			pdfObj{dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << %s >> /Contents %d 0 R >>", res, 6+2*i)},
			pdfObj{dict: contentDict, stream: []byte(c)})
	}
	return buildPDF(objs, "")
}

// textOps writes lines of text at absolute positions.
type placed struct {
	x, y float64
	s    string
}

func textOps(lines []placed) string {
	var b strings.Builder
	b.WriteString("BT /F1 10 Tf\n")
	for _, l := range lines {
		s := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l.s)
		fmt.Fprintf(&b, "1 0 0 1 %.1f %.1f Tm (%s) Tj\n", l.x, l.y, s)
	}
	b.WriteString("ET\n")
	return b.String()
}

// column lays out lines top-down from y at x with 13 pt leading.
func column(x, y float64, lines ...string) []placed {
	out := make([]placed, len(lines))
	for i, s := range lines {
		out[i] = placed{x, y - 13*float64(i), s}
	}
	return out
}

// twoColumnPDF is a two-page, two-column paper with the usual furniture.
// \001 is the "fi" ligature glyph of the font.
func twoColumnPDF() []byte {
	header := placed{200, 765, "Journal of Careful Tests, Volume 1"}
	p1 := []placed{header, {190, 730, "Reading Order in Two Columns Matters"}}
	p1 = append(p1, column(72, 690,
		"1 Introduction",
		"The left column starts here and the",
		"text goes on with a word that is recog-",
		"nition split across two lines. We use a",
		"state-of-the-",
		"art method, and the state-of-the-art",
		"results are good. Finally the first",
		"column ends in the middle of a",
		"sentence which")...)
	p1 = append(p1, column(320, 690,
		"continues in the right column. The",
		"\001nal words of page one are here.",
		"A second paragraph has no other",
		"purpose than to fill this column with",
		"enough lines to look like a column.",
		"It ends with a full stop.")...)
	p1 = append(p1, placed{300, 40, "1"})
	p2 := []placed{header}
	p2 = append(p2, column(72, 690,
		"2 Method",
		"Page two has its own text in the left",
		"column and it has no hyphen at all",
		"in any of its lines, which keeps the",
		"test simple for everyone who reads",
		"it later on.")...)
	p2 = append(p2, column(320, 690,
		"References",
		"A. Author. 2024. A first reference.",
		"B. Author. 2023. A second reference.",
		"C. Author. 2022. A third reference.",
		"D. Author. 2021. A fourth reference.",
		"E. Author. 2020. A fifth reference.")...)
	p2 = append(p2, placed{300, 40, "2"})
	return pagesPDF([]string{textOps(p1), textOps(p2)}, false)
}

// twoColumnWant is what Extract must return for twoColumnPDF on both
// paths.
const twoColumnWant = `Reading Order in Two Columns Matters

1 Introduction

The left column starts here and the text goes on with a word that is recognition split across two lines. We use a state-of-the-art method, and the state-of-the-art results are good. Finally the first column ends in the middle of a sentence which continues in the right column. The final words of page one are here. A second paragraph has no other purpose than to fill this column with enough lines to look like a column. It ends with a full stop.

2 Method

Page two has its own text in the left column and it has no hyphen at all in any of its lines, which keeps the test simple for everyone who reads it later on.

References

A. Author. 2024. A first reference.

B. Author. 2023. A second reference.

C. Author. 2022. A third reference.

D. Author. 2021. A fourth reference.

E. Author. 2020. A fifth reference.
`

func imageOnlyPDF() []byte {
	return pagesPDF([]string{"q 400 0 0 400 100 200 cm /Im1 Do Q\n"}, true)
}

func vectorOnlyPDF() []byte {
	return pagesPDF([]string{"0.5 g 100 100 200 300 re f 0 G 2 w 50 50 m 500 700 l 300 80 l h S\n"}, false)
}

// badFilterPDF has a page whose content stream names a filter that does
// not exist; the library panics on it ("unknown filter"), which the pure-Go
// path must turn into an error.
func badFilterPDF() []byte {
	return pagesPDFWith([]string{textOps(column(72, 700, "This text sits behind a filter nobody knows."))}, false,
		"<< /Filter /BogusDecode >>")
}

func garbagePDF() []byte {
	r := rand.New(rand.NewSource(1))
	b := make([]byte, 4096)
	r.Read(b)
	return append([]byte("%PDF-1.4\n"), b...)
}

// pdfPad is the password padding string of the standard security handler.
var pdfPad = []byte{0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A}

func padPassword(pw string) []byte {
	return append([]byte(pw), pdfPad...)[:32]
}

func rc4Bytes(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// encryptedPDF is a one-page text PDF encrypted with RC4 40-bit (revision
// 2) and user password "secret", following PDF 1.7 §7.6.3 algorithms 2
// (file key), 3 (/O) and 4 (/U), and §7.6.2 algorithm 1 for the content
// stream.
func encryptedPDF() []byte {
	perms := int32(-4)
	id := []byte("0123456789abcdef")
	// Algorithm 3: /O from the owner password.
	ok := md5.Sum(padPassword("owner"))
	o := rc4Bytes(ok[:5], padPassword("secret"))
	// Algorithm 2: the file key from the user password.
	h := md5.New()
	h.Write(padPassword("secret"))
	h.Write(o)
	p := uint32(perms)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id)
	key := h.Sum(nil)[:5]
	// Algorithm 4: /U.
	u := rc4Bytes(key, pdfPad)
	content := []byte(textOps(column(72, 700,
		"This text is locked behind a password and",
		"nobody without it should be able to read it.")))
	// Algorithm 1: the key of object 6 generation 0.
	ok2 := md5.Sum(append(append([]byte(nil), key...), 6, 0, 0, 0, 0))
	enc := rc4Bytes(ok2[:10], content)
	objs := []pdfObj{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [5 0 R] /Count 1 >>"},
		{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"},
		{dict: fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /O <%x> /U <%x> /P %d >>", o, u, perms)},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>"},
		{dict: "<< >>", stream: enc},
	}
	return buildPDF(objs, fmt.Sprintf("/Encrypt 4 0 R /ID [<%x> <%x>]", id, id))
}
