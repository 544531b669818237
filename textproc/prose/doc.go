// Package prose tells prose from the debris that PDF and OCR text layers
// put into sentences, and names the exact span at fault: words broken
// apart ("P ROBING") or run together ("broad-coverageprobabilistic"),
// OCR noise ("trMned", "ma~ximum", "deriva:ion"), author and affiliation
// lines ("Ralph Weischedel M A 02138"), figure and table debris ("(question)
// (logical form) (answer)", "∗∗"), numeric citation brackets ("[5,9,10]"),
// and fragments (a sentence that starts in lower case or stops mid-way).
//
// It is pure and deterministic and owns no lexicon: a caller that has one
// (the words of the paper a summary is checked against) passes it in
// Options.Known, which turns on the checks that need to know what a word
// is. The critique of the local engine reports these problems; the
// summarizer uses the same checks to keep debris out of its summaries:
// Tidy repairs what can be repaired without guessing (citation brackets,
// split small capitals, line-end hyphens) and Unquotable adds to Check
// what a quoted sentence must not have (sentences run together by a page
// or column break, words lost from the text layer, formulas, cut
// brackets). Unquotable is also the detector with which papersum's
// benchmarks count summaries with non-prose text.
package prose
