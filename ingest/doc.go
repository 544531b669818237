// Package ingest turns an input file into a *papersum.Paper: a title and
// sections of sentences, with references and acknowledgements left out.
//
// It owns reading the input safely (size limit, directories, binary data,
// text encodings), telling the formats apart, converting each format to
// headings and paragraphs, recognising section headings and their roles
// (papersum.SectionKind), and splitting paragraphs into sentences with
// package ingest/sentences. PDF bytes are turned into text by package
// ingest/pdftext and then take the plain-text path.
//
// Options.DropAbstract, used when a summary is scored against the paper's
// own abstract, removes the abstract and every sentence elsewhere that
// repeats it (abstract.go), and finds an abstract that has no heading.
//
// Formats: plain text, Markdown, LaTeX, PDF, and the Reference_XML format
// of the CL-SciSumm and ScisummNet corpora, whose sentences are taken as
// they are so that evaluation matches the gold sentence ids.
//
// Every failure that is the input's fault is a *papersum.Error with code
// papersum.EINVALID (papersum.ENOTFOUND for a missing file) and a one-line
// message that starts with "ingest <name>: ".
//
// Ingestion never reads any file other than the one it was given: LaTeX
// \input and \include are dropped, and XML DOCTYPE declarations (and so
// external entities) are refused.
package ingest
