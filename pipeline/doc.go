// Package pipeline runs a paper through the three stages (summarize,
// critique, revise). It owns the prompt templates (embedded, overridable,
// versioned by content hash), the tolerant parser for each stage's
// XML-tagged output contract, and the recording of every stage result,
// its usage and its cost in the store.
//
// A run resumed by the job queue (Runner.Resume) pays only for the stages
// it has not stored. A stage whose model answered but whose result the
// store could not take (a database restarting) is kept by the Runner and
// stored by the run's next attempt in this process, instead of being
// asked for again; a call that must be made again all the same is
// counted on the run (papersum.Run.RepeatedCalls).
//
// It depends only on the root package: models, the store and the pricer
// are injected.
package pipeline
