package pdftext

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"time"
	"unicode"

	"github.com/papersum/papersum"
)

// Off is the Options.PDFToText value that forces the pure-Go path even when
// pdftotext is installed; tests and benchmarks use it to exercise the
// fallback on machines that have poppler.
const Off = "off"

// DefaultTimeout bounds one pdftotext run when Options.Timeout is zero. A
// 30-page paper takes well under a second; a minute-long run means a
// pathological file, and the caller should not wait for it.
const DefaultTimeout = 30 * time.Second

// Options configure extraction. The zero value is ready to use: it runs
// pdftotext from PATH with a 30 s bound and falls back to pure Go when
// pdftotext is not installed.
type Options struct {
	// PDFToText is the path of poppler's pdftotext. Default "": look it up
	// with exec.LookPath and use the pure-Go fallback when it is not found.
	// Off ("off") forces the pure-Go fallback. An explicit path that cannot
	// be run is a configuration error (EINVALID), not a silent fallback,
	// because the caller asked for that binary.
	PDFToText string
	// Timeout bounds the pdftotext process. Default 30s (DefaultTimeout).
	// It does not bound the pure-Go path, which honours ctx only between
	// pages.
	Timeout time.Duration
}

// The one-line messages of the errors Extract returns. They are part of the
// user interface: the CLI prints them as they are.
const (
	msgNotPDF    = "not a PDF: the data does not start with %PDF"
	msgEncrypted = "encrypted PDF: papersum cannot read password-protected files"
	msgNoText    = "no text layer; OCR is not supported"
	msgCorrupt   = "corrupt PDF"
)

// Extract returns the cleaned plain text of the PDF paper in data, in
// reading order: paragraphs separated by a blank line, section headings on
// lines of their own, hyphenation at line ends undone, ligatures expanded,
// running headers, footers and page numbers removed, and two-column pages
// read left column first.
//
// It returns a *papersum.Error with code papersum.EINVALID when data is not
// a PDF, is encrypted, is corrupt, has no text layer, or when pdftotext
// runs longer than opts.Timeout; code papersum.EINTERNAL when pdftotext
// cannot be run or fails by itself (see doc.go); ctx's own error (wrapped)
// when ctx ends.
func Extract(ctx context.Context, data []byte, opts Options) (string, error) {
	if !hasPDFHeader(data) {
		return "", &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract", Message: msgNotPDF}
	}
	bin, err := opts.binary()
	if err != nil {
		return "", err
	}
	var pages []page
	if bin == "" {
		pages, err = goPages(ctx, data)
	} else {
		pages, err = popplerPages(ctx, bin, data, opts.timeout())
	}
	if err != nil {
		return "", err
	}
	text := clean(pages)
	if letters(text) < minLetters(len(pages)) {
		if hasEncrypt(data) {
			// A file that opened but gave nothing is, when it carries an
			// /Encrypt dictionary, much more likely locked than scanned.
			return "", encryptedError(nil)
		}
		return "", &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract", Message: msgNoText}
	}
	return text, nil
}

// binary resolves Options.PDFToText to the program to run, or "" for the
// pure-Go path.
func (o Options) binary() (string, error) {
	switch o.PDFToText {
	case Off:
		return "", nil
	case "":
		p, err := exec.LookPath("pdftotext")
		if err != nil {
			return "", nil // not installed: the documented fallback
		}
		return p, nil
	}
	p, err := exec.LookPath(o.PDFToText)
	if err != nil {
		return "", &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract",
			Message: fmt.Sprintf("pdftotext not found at %q", o.PDFToText), Err: err}
	}
	return p, nil
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// hasPDFHeader reports whether data starts with %PDF. The spec allows junk
// before the header (readers search the first 1024 bytes), and some mail
// gateways prepend a few bytes, so the search is not anchored at zero.
func hasPDFHeader(data []byte) bool {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// encryptRE finds an /Encrypt entry of a trailer or cross-reference stream
// dictionary: the key followed by an indirect reference or a dictionary.
var encryptRE = regexp.MustCompile(`/Encrypt\s*(\d+\s+\d+\s+R|<<)`)

// hasEncrypt reports whether data declares encryption. It is not used to
// refuse files up front, because a PDF encrypted with an empty user
// password (owner restrictions only) reads fine; it turns a failure or an
// empty result into the clearer "encrypted" message.
func hasEncrypt(data []byte) bool {
	return encryptRE.Match(data)
}

func encryptedError(err error) error {
	return &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract", Message: msgEncrypted, Err: err}
}

func corruptError(detail string, err error) error {
	msg := msgCorrupt
	if detail != "" {
		msg += ": " + detail
	}
	return &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract", Message: msg, Err: err}
}

// letters counts the letters in s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// minLetters is the fewest letters a document of n pages must yield to
// count as having a text layer. A real page of prose has thousands; a scan
// with a stamped page number or a figure with axis labels has a handful.
func minLetters(n int) int {
	if n < 1 {
		n = 1
	}
	return max(40, 20*n)
}
