// Package local is papersum's offline engine and default provider: a
// papersum.Model that needs no network, no key and no model weights.
//
// It answers the three pipeline stages from the structured task
// (papersum.Task), not from the prompt text, and writes the same XML that a
// language model is asked for, so the pipeline parses both alike:
//
//   - summarize: an extractive summarizer. Sentences are ranked by LexRank
//     centrality over TF-IDF cosine similarity, mixed with section and
//     position priors and a key-term score, discounted for sentences that
//     read badly out of context (captions, citations, equations, "Table 3
//     shows"), and picked with maximal marginal relevance up to the target
//     length, then put back in document order. A paper's abstract is the
//     authors' own summary: its sentences get a strong prior and are never
//     redundant with each other, and body sentences only top a short
//     abstract up to 80% of the target. A paper without headings is taken
//     to open with its abstract. When too few sentences pass the filters
//     (tiny papers, lost sentence boundaries) they are relaxed, so every
//     paper with a word in it gets a summary. Only prose is quoted:
//     sentences are tidied (citation brackets, split small capitals and
//     line-end hyphens repaired, textproc/prose.Tidy) and a sentence that
//     prose.Unquotable refuses (author lines, OCR noise, figure debris,
//     fragments, sentences run together by a page or column break) is
//     never extracted while clean ones are left.
//   - styles (papersum.Task.Style): abstract (the above), highlights
//     (contributions, method, results with numbers and a limitation, from
//     the body, never the abstract or a repeat of it; ranked by their own
//     feature weights, tuned on ScisummNet without the abstract, hlscore.go)
//     and tldr (Engine.TLDR).
//   - critique: measured rubric scores (accuracy, completeness, clarity,
//     coherence, 0-10) and concrete issues, computed for any summary text,
//     extractive or written by a language model. Engine.Critique exposes it
//     so evaluation can use it as the default judge.
//   - revise: edits the draft to fix what the critique measured (drop
//     redundant or unsupported sentences, add sentences that cover missing
//     key terms or results, restore document order, trim to length) and
//     never returns a summary that scores lower than the draft. It gives up
//     an abstract sentence only for a material gain (ReviseMinGain), then
//     acts on the issues still raised by single-sentence edits that leave
//     fewer of them without lowering the score (ReviseFixSlack).
//
// Engine.TLDR is a fourth, one-sentence mode (SciTLDR): the abstract
// sentence that best states the contribution, scored by contribution cues,
// title overlap, centrality, position and length, with a framing opening
// ("In this paper,") and parenthetical asides removed.
//
// Everything is deterministic: the same paper, draft and configuration give
// the same bytes, with no clock and no randomness.
package local
