// Package runtest holds the sample runs that the tests of the run's
// renderings share (report's text and Markdown, httpapi's JSON), so that
// each golden file renders the same run.
package runtest
