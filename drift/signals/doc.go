// Package signals extracts from a finished run, and the paper it
// summarised, the signals that papersum's drift detection watches:
//
//   - input: the paper's length, number of sections, readability, share
//     of English stopwords (a language proxy) and the language it implies,
//     input format, section-kind mix and its most frequent content terms
//     (vocabulary and topic), and the share of its words outside the title
//     and abstract (a full paper or an abstract only);
//   - output: the summary's length, compression ratio, share of novel word
//     bigrams, and the share of its numbers and names found in the paper
//     (faithfulness);
//   - quality: each critique dimension, the overall score, and the
//     pass/fail stream of the overall threshold;
//   - operations: cost, tokens and latency per stage, and the error stream
//     with its class.
//
// Defs lists every signal with its group and kind; Extract computes the
// values of one run. Numeric and binary signals feed streaming detectors
// (Default says which one); categorical ones are compared in batch with a
// chi-square or Jensen–Shannon test. Everything is pure: no I/O, no clock.
package signals
