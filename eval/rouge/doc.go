// Package rouge is a re-implementation of ROUGE-1.5.5.pl (Chin-Yew Lin, 2004)
// that gives the same numbers as the Perl script: ROUGE-N, ROUGE-L
// (summary-level union LCS), ROUGE-S/SU with a gap limit (SU4) or without
// (SU*), stemming (-m), stopword removal (-s), the A/B multi-reference
// formulas (-f), alpha (-p), the counting unit (-t), length limits (-l/-b),
// and the bootstrap averages of a corpus run (Aggregate).
//
// It is hand-written because no Go library reproduces ROUGE-1.5.5 exactly, and
// published scores (SciTLDR, CL-SciSumm) come from that script. The
// differences that change scores are in the details this package copies on
// purpose: byte-wise tokenisation (every byte of a UTF-8 character separates
// words), the WordNet exception list consulted before ROUGE's own Porter
// variant, only tokens longer than 3 bytes stemmed, bigrams that cross sentence
// boundaries, the last token's missing unigram in ROUGE-SU, the union-LCS
// clipping, "model average" multi-reference pooling (not a mean or a max), R
// and P rounded to 5 decimals before F, and "-2 -4" meaning an unlimited gap.
// ROUGE-1.5.5 does no jackknifing (it was removed in 1.4); neither does this
// package. Every such rule is commented where it is implemented.
//
// The package owns the scoring only. It does no I/O: the SMART stopword list
// and the WordNet 2.0 exception lists that ROUGE reads from its data directory
// are embedded (see resources/README.md for provenance and the WordNet licence,
// also available from Notices), and it is tested against scores produced by
// the original Perl script (testdata/README.md).
//
// Typical use:
//
//	cfg, err := rouge.Preset("scitldr")            // or rouge.ParseFlags("-n 2 -m -2 4 -u")
//	res, err := rouge.Evaluate(candidateSentences, [][]string{refSentences}, cfg)
//	f1 := res[rouge.ROUGE1].F
//
// A Scorer prepares the references once when many candidates are scored
// against the same references.
package rouge
