package dataset

import "github.com/papersum/papersum"

// Dataset is a loaded evaluation set.
type Dataset struct {
	// Spec is the "KIND:PATH" it was loaded from; Kind is its kind.
	Spec, Kind string
	// Hash is the content hash of every file read, in a fixed order.
	Hash  string
	Items []Item
	// Skipped lists what the corpus holds but Items leave out, with the
	// reason: ScisummNet papers that ingest refuses, and ScisummNet
	// references that are empty in the corpus (16 abstracts, three human
	// summaries that are only a title). Other kinds never skip: their bad
	// data is an error.
	Skipped []Skip
}

// Item is one paper with its references.
type Item struct {
	ID string
	// Inputs are the versions of the paper to summarize, each scored
	// against some reference types. Protocols decide: CL-SciSumm and
	// ScisummNet summarize the paper without its abstract when the
	// abstract is the reference, and the whole paper otherwise.
	Inputs []Input
	// References maps a reference type ("abstract", "human", "community",
	// "tldr", "author", "reference") to its references; each reference is
	// a list of sentences (the SPL format ROUGE reads).
	References map[string][][]string
}

// Input is one version of a paper and the reference types it is scored
// against.
type Input struct {
	Name     string // "full", "no_abstract", "abstract_only"
	Paper    *papersum.Paper
	RefTypes []string
}

// Skip is a paper, or one reference type of a paper, left out of a
// Dataset.
type Skip struct {
	// ID is the paper's corpus id.
	ID string
	// RefType is the reference type left out, or "" when the whole paper
	// is (it then has no Item). When only a reference type is left out,
	// the Item is there without that type and without the Input scored
	// against it.
	RefType string
	// Reason says why, naming the file.
	Reason string
}
