// Package textproc turns text into the units that papersum's local engine
// and its evaluation score with: lowercase word tokens (numbers kept whole,
// so "93.2" stays one token), English Snowball stems, a stopword list, sparse
// TF-IDF vectors with cosine similarity, and Flesch–Kincaid readability.
//
// It owns no model and no I/O. Everything here is deterministic and safe for
// concurrent use unless a type's comment says otherwise. The hot paths
// (tokenising, stemming, cosine) avoid allocation where they can, because the
// local engine must run a 10,000-word paper through all three pipeline stages
// in well under 50 ms on one core.
package textproc
