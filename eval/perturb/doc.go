// Package perturb derives damaged versions of a good summary, one kind of
// damage at a time, for testing that a critique notices each: a number
// changed, a named method or dataset swapped for one from another paper, a
// sentence from another paper's summary inserted, only the first sentence
// kept, words garbled as OCR garbles them, an author and affiliation line
// inserted, the sentences shuffled, a sentence repeated, and the last
// sentence cut mid-way.
//
// It is pure and deterministic: a Generator draws from a *rand.Rand seeded
// by its caller (DefaultSeed in the repository's tests), so the same corpus
// and seed give the same damaged summaries on every machine. It never reads
// the paper a summary belongs to: the damage is what an honest mistake or a
// broken extractor would make, not what a particular critique can see.
package perturb
