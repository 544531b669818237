// Package sentences splits text into sentences. It survives the
// abbreviations, decimals, figure and equation references and author-year
// citations that scientific prose is full of.
package sentences
