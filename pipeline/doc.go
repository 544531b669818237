// Package pipeline runs a paper through the three stages (summarize,
// critique, revise). It owns the prompt templates (embedded, overridable,
// versioned by content hash), the tolerant parser for each stage's
// XML-tagged output contract, and the recording of every stage result,
// its usage and its cost in the store.
//
// It depends only on the root package: models, the store and the pricer
// are injected.
package pipeline
