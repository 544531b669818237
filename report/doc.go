// Package report renders runs and evaluations for people (Markdown, plain
// text, HTML) on the CLI. Renderers are pure functions of their input and
// are golden-tested. A run's JSON form is not here: it is the API's wire
// shape, httpapi.RunJSON, which the CLI prints as it is.
package report
