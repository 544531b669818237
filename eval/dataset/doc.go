// Package dataset loads evaluation datasets named "KIND:PATH":
// scisummnet:DIR, clscisumm:DIR, scitldr:FILE and jsonl:FILE (see Load).
//
// It owns the layouts of the corpora and their evaluation protocols as
// data: which version of a paper is summarized ("full", "no_abstract",
// "abstract_only") and which reference types it is scored against, and
// how reference files become lists of sentences. Scoring is not here
// (eval/rouge and package eval do it).
//
// Each load records a content hash of every file read (and of the ids
// selected), so an evaluation result names exactly the data it was
// computed on. Bad data (missing files, empty references, mismatched or
// duplicate ids, malformed JSON) is an error naming the file and line,
// and nothing is returned half-loaded. The one exception is ScisummNet,
// whose 781 papers include a few the corpus itself cannot evaluate: those
// are listed with their reason in Dataset.Skipped, so that one bad paper
// does not block an evaluation of the rest.
package dataset
