package pdfgen

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Render typesets d and returns the PDF. The same d and o always give the
// same bytes.
func Render(d *Document, o Options) ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	if _, err := widths(); err != nil {
		return nil, err
	}
	pages, err := layout(d, o)
	if err != nil {
		return nil, err
	}
	return write(pages, d.Title, o)
}

// num formats a coordinate: at most two decimals, no trailing zeros.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// content is the content stream that draws a page's items.
func content(p *page) []byte {
	var b bytes.Buffer
	b.WriteString("BT\n")
	curF, curSize, curTw := font(-1), 0.0, -1.0
	for _, it := range p.items {
		if it.f != curF || it.size != curSize {
			fmt.Fprintf(&b, "/F%d %s Tf\n", it.f+1, num(it.size))
			curF, curSize = it.f, it.size
		}
		if it.tw != curTw {
			fmt.Fprintf(&b, "%s Tw\n", num(it.tw))
			curTw = it.tw
		}
		fmt.Fprintf(&b, "1 0 0 1 %s %s Tm %s Tj\n", num(it.x), num(it.y), pdfString(it.text))
	}
	b.WriteString("ET\n")
	return b.Bytes()
}

// write serializes the pages: fonts first, then each page's objects, and
// the page tree and catalog last, so that a file cut short has no catalog
// (as with pdfTeX's output) and reads as corrupt rather than as a shorter
// paper.
func write(pages []*page, title string, o Options) ([]byte, error) {
	w, _ := widths()
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offsets []int
	obj := func(body string, stream []byte) int {
		offsets = append(offsets, out.Len())
		n := len(offsets)
		fmt.Fprintf(&out, "%d 0 obj\n", n)
		if stream == nil {
			out.WriteString(body)
		} else {
			fmt.Fprintf(&out, "<< %s/Length %d >>\nstream\n", body, len(stream))
			out.Write(stream)
			out.WriteString("\nendstream")
		}
		out.WriteString("\nendobj\n")
		return n
	}
	stream := func(data []byte) (string, []byte, error) {
		if o.Uncompressed {
			return "", data, nil
		}
		var z bytes.Buffer
		zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
		if err != nil {
			return "", nil, err
		}
		if _, err := zw.Write(data); err != nil {
			return "", nil, err
		}
		if err := zw.Close(); err != nil {
			return "", nil, err
		}
		return "/Filter /FlateDecode ", z.Bytes(), nil
	}

	perPage := 2
	if o.PageForms {
		perPage = 3
	}
	fonts := len(baseFont)
	pagesObj := fonts + perPage*len(pages) + 1
	fontRes := "/Font << "
	for f, name := range baseFont {
		// No /Encoding: the fonts' built-in StandardEncoding, with fi at
		// 0256 and fl at 0257.
		dict := fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s", name)
		if !o.NoWidths {
			ws := make([]string, 0, 224)
			for c := 32; c < 256; c++ {
				ws = append(ws, strconv.Itoa(w[f][c]))
			}
			dict += " /FirstChar 32 /LastChar 255 /Widths [" + strings.Join(ws, " ") + "]"
		}
		n := obj(dict+" >>", nil)
		fontRes += fmt.Sprintf("/F%d %d 0 R ", f+1, n)
	}
	fontRes += ">>"

	var kids []string
	for _, p := range pages {
		filter, data, err := stream(content(p))
		if err != nil {
			return nil, err
		}
		res := fontRes
		if o.PageForms {
			form := obj("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << "+fontRes+" >> "+filter, data)
			res = fmt.Sprintf("/XObject << /Fm0 %d 0 R >>", form)
			if filter, data, err = stream([]byte("q /Fm0 Do Q\n")); err != nil {
				return nil, err
			}
		}
		c := obj(filter, data)
		pg := obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << %s >> /Contents %d 0 R >>", pagesObj, res, c), nil)
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	if n := obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)), nil); n != pagesObj {
		return nil, fmt.Errorf("pdfgen: page tree is object %d, expected %d", n, pagesObj)
	}
	catalog := obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj), nil)
	info := obj(fmt.Sprintf("<< /Title %s /Producer (papersum internal/pdfgen) >>", textString(title)), nil)

	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, catalog, info, xref)
	return out.Bytes(), nil
}

// textString writes s as a PDF text string (UTF-16BE with a byte order
// mark), for the document information dictionary.
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}
