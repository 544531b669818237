// Package report renders runs for people (Markdown, plain text) and for
// programs (JSON with a versioned, stable schema). Renderers are pure
// functions of their input and are golden-tested.
package report
