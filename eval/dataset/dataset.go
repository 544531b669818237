package dataset

import "github.com/papersum/papersum"

// Dataset is a loaded evaluation set.
type Dataset struct {
	// Spec is the "KIND:PATH" it was loaded from; Kind is its kind.
	Spec, Kind string
	// Hash is the content hash of every file read, in a fixed order.
	Hash  string
	Items []Item
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
	// "tldr", "reference") to its references; each reference is a list of
	// sentences (the SPL format ROUGE reads).
	References map[string][][]string
}

// Input is one version of a paper and the reference types it is scored
// against.
type Input struct {
	Name     string // "full", "no_abstract", "abstract_only"
	Paper    *papersum.Paper
	RefTypes []string
}
