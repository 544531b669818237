// Package dataset loads evaluation datasets named "KIND:PATH":
// scisummnet:DIR, clscisumm:DIR, scitldr:FILE and jsonl:FILE. Each load
// records a content hash of every file read, so an evaluation result names
// exactly the data it was computed on. Bad data (missing files, empty
// references, mismatched ids) is an error naming the file and line.
package dataset
