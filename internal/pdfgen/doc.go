// Package pdfgen typesets a short paper as a PDF that looks like a
// conference paper: two columns, a title block across both, a running
// header, page numbers, a first-page footer, justified lines, words
// hyphenated at line ends, and fi/fl ligature glyphs in the text layer.
//
// papersum uses it to build its test fixtures and its sample paper from
// text written for papersum (never from third-party PDFs), so that both PDF
// paths of ingest/pdftext (poppler's pdftotext and the pure-Go reader) are
// exercised on the things that make real papers hard, and so that the
// expected text of every fixture is known exactly. Output is deterministic:
// the same Document and Options give the same bytes.
//
// Why it is written by hand: a PDF library such as go-pdf/fpdf writes the
// standard (non-embedded) fonts with WinAnsiEncoding only, which has no fi
// or fl glyph, and shipping a font program to get them would put third-party
// data in the repository. This package therefore writes the few PDF objects
// it needs itself, with the standard Type 1 fonts Times-Roman and Times-Bold
// in their built-in StandardEncoding, where the ligatures are the codes
// 0256 (fi) and 0257 (fl). It measures text with fpdf's metrics of those
// fonts (Adobe's core-font widths), so that lines fill their column as a
// viewer draws them.
//
// The input is a Document, usually parsed from Markdown (ParseMarkdown):
// YAML-like front matter for the title, authors, running header and
// first-page footer, then "## Abstract", numbered "## 1 Introduction"
// sections (and "###" subsections), paragraphs, and "## References".
package pdfgen
