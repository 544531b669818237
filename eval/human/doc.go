// Package human owns papersum's human evaluation: blind rating sheets for
// people to fill in, reading the filled sheets back, and inter-rater
// reliability over the ratings.
//
// Export writes a CSV rating sheet and a separate key. On the sheet each
// item shows the paper and one or two summaries as summary_1 and
// summary_2, in an order drawn per item from an injected, seeded
// *rand.Rand, and never names the systems; the key records which system
// is which, and hashes to check that a filled sheet belongs to it. Raters
// score each summary on papersum's rubric (accuracy, completeness,
// clarity, coherence; whole numbers 0–10) and, for two summaries, say
// which they prefer (1, 2 or tie).
//
// Import reads a filled sheet with its key, un-blinds it and validates
// every cell. Rows with a problem (a score out of range or not a whole
// number, an unknown or duplicated item, an item missing from the key,
// summaries that do not match the key) are rejected and listed as
// Problems with their row and line; the other rows are returned.
//
// Agreement computes, per rubric dimension, Krippendorff's alpha
// (interval and ordinal) across raters, quadratic-weighted Cohen's kappa
// for every pair of raters, and the agreement between an LLM judge and
// the mean human rating; and the same for preferences. WriteMarkdown
// renders it.
//
// Files are read and written only through io.Reader and io.Writer; the
// CLI opens them.
package human
