package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/papersum/papersum"
)

// DefaultMaxBytes is the size limit when Options.MaxBytes is zero. Papers
// are rarely over 10 MiB even as PDFs with figures; 50 MiB leaves room for
// scanned-looking PDFs while keeping a mistaken path (a video, a disk
// image) from being read into memory.
const DefaultMaxBytes int64 = 50 << 20

// MinSentences is the fewest sentences a paper may have. Fewer means the
// input is not a paper (or ingestion failed to find its text), and every
// stage downstream would produce nonsense.
const MinSentences = 3

// The formats a Paper can come from, as stored in papersum.Paper.Format.
const (
	FormatPDF      = "pdf"
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatLaTeX    = "latex"
	FormatXML      = "xml"
)

// Options configure ingestion. Zero values are defaults.
type Options struct {
	// MaxBytes is the size limit of the input in bytes. Default 0 means
	// DefaultMaxBytes (50 MiB). Negative values are invalid.
	MaxBytes int64
	// PDFToText is the path of poppler's pdftotext. Default "" looks it up
	// on PATH and falls back to the pure-Go extractor when it is missing;
	// "off" forces the pure-Go extractor.
	PDFToText string
	// DropAbstract leaves the abstract section out of the paper, and with
	// it every sentence elsewhere that repeats the abstract (a first
	// section that restates it, an introduction that reuses its
	// sentences). Default false. Evaluation against a paper's own abstract
	// sets it, because a summary that copies the abstract would otherwise
	// score perfectly.
	DropAbstract bool
}

// maxBytes returns the effective size limit.
func (o Options) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// validate checks the options themselves, before any input is read.
func (o Options) validate() error {
	if o.MaxBytes < 0 {
		return papersum.Errorf(papersum.EINVALID, "ingest: MaxBytes is %d; it must be 0 (default %s) or positive", o.MaxBytes, sizeString(DefaultMaxBytes))
	}
	return nil
}

// Open reads the paper at path ("-" reads stdin) and parses it with Parse.
//
// The size limit is checked with Stat before anything is read, and reads
// go through a LimitReader as well, so that stdin, pipes and files that
// grow while being read are bounded too.
//
// Errors: ENOTFOUND when path does not exist; EINVALID for a directory, a
// file over the limit, an unreadable file and every error of Parse.
func Open(ctx context.Context, path string, stdin io.Reader, opts Options) (*papersum.Paper, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := opts.maxBytes()
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			return nil, inputError("-", "no standard input to read")
		}
		r = stdin
	} else {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, &papersum.Error{Code: papersum.ENOTFOUND, Message: "ingest " + path + ": no such file", Op: "ingest.Open"}
		case err != nil:
			return nil, openError(path, err)
		case fi.IsDir():
			return nil, inputError(path, "is a directory; give the path of one paper file")
		case fi.Mode().IsRegular() && fi.Size() > limit:
			return nil, sizeError(path, fi.Size(), limit)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, openError(path, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, openError(path, err)
	}
	if int64(len(data)) > limit {
		return nil, sizeError(path, -1, limit)
	}
	return Parse(ctx, path, data, opts)
}

// Parse parses the paper in data. name is used for messages and as
// Paper.Source, and its extension (.pdf, .txt, .md, .tex, .xml and their
// variants) chooses the format; without a known extension the format is
// sniffed from the content. Data that starts with "%PDF-" is a PDF
// whatever its name says.
//
// Text that is not UTF-8 is transcoded when it carries a UTF-16 byte-order
// mark or is plausible Latin-1/Windows-1252; anything else is refused.
//
// Errors: EINVALID for empty, binary, undecodable, oversized or too short
// input (fewer than MinSentences sentences) and for input that is
// malformed for its format; ctx's error when ctx ends.
func Parse(ctx context.Context, name string, data []byte, opts Options) (*papersum.Paper, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if int64(len(data)) > opts.maxBytes() {
		return nil, sizeError(name, int64(len(data)), opts.maxBytes())
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, inputError(name, "empty file")
	}
	format := formatOf(name, data)
	var (
		p   *papersum.Paper
		err error
	)
	if format == FormatPDF {
		p, err = parsePDF(ctx, name, data, opts)
	} else {
		var text string
		text, err = decodeText(name, data)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(text) == "" {
			return nil, inputError(name, "empty file")
		}
		if format == "" {
			format = sniffText(text)
		}
		switch format {
		case FormatXML:
			p, err = parseXML(name, text)
		case FormatMarkdown:
			p = build(parseMarkdown(text))
		case FormatLaTeX:
			p = build(parseLaTeX(text))
		default:
			p = build(parseText(text))
		}
	}
	if err != nil {
		return nil, err
	}
	p.Source = name
	p.Format = format
	return finish(name, p, opts)
}

// finish applies the options, checks the length and sets the ID.
func finish(name string, p *papersum.Paper, opts Options) (*papersum.Paper, error) {
	if opts.DropAbstract {
		dropAbstract(p)
	}
	// Sections that lost all their sentences (a heading followed by a
	// table, say) carry nothing for the engines.
	kept := p.Sections[:0]
	n := 0
	for _, s := range p.Sections {
		if len(s.Sentences) > 0 {
			kept = append(kept, s)
			n += len(s.Sentences)
		}
	}
	p.Sections = kept
	if n < MinSentences {
		return nil, inputError(name, fmt.Sprintf("too short: %d sentences; papersum needs at least %d", n, MinSentences))
	}
	p.ID = papersum.ContentHash([]byte(p.Text()))
	return p, nil
}

// formatOf returns the format named by name's extension, FormatPDF for
// data with a PDF header, or "" when the content must be sniffed.
func formatOf(name string, data []byte) string {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return FormatPDF
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return FormatPDF
	case ".txt", ".text":
		return FormatText
	case ".md", ".markdown", ".mdown", ".mkd":
		return FormatMarkdown
	case ".tex", ".latex", ".ltx":
		return FormatLaTeX
	case ".xml":
		return FormatXML
	}
	return ""
}

// sniffText guesses the format of decoded text without a known extension
// (stdin, or a file named without one) from its first kilobytes.
func sniffText(text string) string {
	head := text
	if len(head) > 8192 {
		head = head[:8192]
	}
	trimmed := strings.TrimSpace(head)
	switch {
	case strings.HasPrefix(trimmed, "<PAPER") || strings.HasPrefix(trimmed, "<?xml"):
		return FormatXML
	case strings.Contains(head, `\documentclass`) || strings.Contains(head, `\begin{document}`) ||
		strings.Contains(head, `\section{`) || strings.Contains(head, `\begin{abstract}`):
		return FormatLaTeX
	}
	for _, line := range strings.Split(head, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "```") {
			return FormatMarkdown
		}
	}
	return FormatText
}

// displayName is how messages name the input.
func displayName(name string) string {
	if name == "-" || name == "" {
		return "stdin"
	}
	return name
}

// inputError returns the EINVALID error for bad input.
func inputError(name, msg string) error {
	return &papersum.Error{Code: papersum.EINVALID, Message: "ingest " + displayName(name) + ": " + msg, Op: "ingest"}
}

// openError reports a file that exists but cannot be read. The OS error
// text is put in the message (and not only in Err) because it is what the
// user needs, e.g. "permission denied".
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &papersum.Error{Code: papersum.EINVALID, Message: "ingest " + displayName(path) + ": cannot read: " + err.Error(), Op: "ingest.Open"}
}

// sizeError reports input over the limit. size is -1 when only "more than
// the limit" is known (a stream).
func sizeError(name string, size, limit int64) error {
	what := "input is larger than"
	if size >= 0 {
		what = "file is " + sizeString(size) + ", over"
	}
	err := inputError(name, fmt.Sprintf("%s the %s limit", what, sizeString(limit))).(*papersum.Error)
	err.Err = ErrTooLarge
	return err
}

// ErrTooLarge is wrapped by the error about input over the size limit
// (Options.MaxBytes), so that a caller can say how its user raises the
// limit: the CLI names --max-bytes, the service its own setting.
var ErrTooLarge = errors.New("input over the size limit")

// sizeString formats n bytes for people.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
