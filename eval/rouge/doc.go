// Package rouge is a re-implementation of ROUGE-1.5.5.pl (Chin-Yew Lin, 2004)
// that gives the same numbers as the Perl script: ROUGE-N, ROUGE-L
// (summary-level union LCS), ROUGE-S/SU with a gap limit (SU4) or without
// (SU*) or both side by side (-U), stemming (-m), stopword removal (-s),
// the A/B multi-reference formulas (-f), alpha (-p), the counting unit (-t),
// length limits (-l/-b), and the bootstrap averages of a corpus run
// (Aggregate). A configuration computes exactly the metrics ROUGE prints for
// its flags (Config.Metrics), and ParseFlags refuses what ROUGE would reject
// or silently replace.
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
// The package owns the scoring only. The SMART stopword list (-s) and the
// WordNet 2.0 exception lists (-m) that ROUGE reads from its data directory
// are not part of papersum: LoadResources reads them from ROUGE-1.5.5's data/
// directory (or a flat directory holding the same files) into a Resources
// value, which a Config carries; scoring itself does no I/O. A configuration
// without -m and -s needs no files. The package is tested against scores that
// the original Perl script printed (the reference vectors in
// ../shared/data/reference-vectors, read through PAPERSUM_REFVEC_DIR), and its
// own unit tests run on small stand-in data files written for papersum.
//
// Typical use:
//
//	res, err := rouge.LoadResources("ROUGE-1.5.5/data") // only for -m or -s
//	cfg, err := rouge.Preset("scitldr_stem")            // or rouge.ParseFlags("-n 2 -m -2 4 -u")
//	cfg.Resources = res
//	scores, err := rouge.Evaluate(candidateSentences, [][]string{refSentences}, cfg)
//	f1 := scores[rouge.ROUGE1].F
//
// A Scorer prepares the references once when many candidates are scored
// against the same references.
package rouge
