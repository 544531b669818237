package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// popplerPages runs pdftotext -layout over data and returns its pages as
// rows of positioned words, one character cell per unit.
//
// The PDF goes in on stdin and the text comes back on stdout, so nothing
// touches the file system and concurrent calls cannot collide on temp
// files.
func popplerPages(ctx context.Context, bin string, data []byte, timeout time.Duration) ([]page, error) {
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin, "-layout", "-enc", "UTF-8", "-eol", "unix", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("pdftotext: %w", ctx.Err())
	}
	if runCtx.Err() != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Op: "pdftext.Extract",
			Message: fmt.Sprintf("PDF extraction took longer than %s", timeout), Err: runCtx.Err()}
	}
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			// The program did not run at all: a broken install, not a
			// bad PDF.
			return nil, &papersum.Error{Code: papersum.EINTERNAL, Op: "pdftext.Extract",
				Message: "cannot run pdftotext", Err: err}
		}
		if exit.ExitCode() < 0 || strings.TrimSpace(stderr.String()) == "" {
			// poppler explains every document it cannot read on stderr;
			// a silent failure or a signal is the program failing, and
			// blaming the PDF would send the user after the wrong thing.
			what := fmt.Sprintf("exited with status %d and printed no message", exit.ExitCode())
			if exit.ExitCode() < 0 {
				what = "was stopped by a " + exit.ProcessState.String()
			}
			return nil, toolError(bin, what, err)
		}
		return nil, popplerError(exit.ExitCode(), stderr.String(), data)
	}
	if !strings.Contains(stdout.String(), "\f") {
		// pdftotext ends every page with a form feed, even a blank one.
		return nil, toolError(bin, "exited with status 0 but printed no page", nil)
	}
	pages := layoutPages(stdout.String())
	if letters(stdout.String()) == 0 && hasSyntaxErrors(stderr.String()) {
		// poppler "recovered" a broken file into nothing: say corrupt,
		// not "no text layer", because a scan would not log errors.
		return nil, corruptError(firstLine(stderr.String()), nil)
	}
	return pages, nil
}

// toolError reports a pdftotext program that failed by itself, whatever
// the PDF: a broken install, or a path that is not poppler's pdftotext.
func toolError(bin, what string, err error) error {
	return &papersum.Error{Code: papersum.EINTERNAL, Op: "pdftext.Extract",
		Message: fmt.Sprintf("pdftotext failed, not the PDF: %s %s (is it poppler's pdftotext?)", bin, what), Err: err}
}

// popplerError maps a failed pdftotext run to an error. pdftotext exits 1
// when it cannot open the document (damage or a password it does not
// have) and 3 on a permission error; the stderr text tells which.
func popplerError(code int, stderr string, data []byte) error {
	cause := fmt.Errorf("pdftotext exit %d: %s", code, strings.TrimSpace(stderr))
	low := strings.ToLower(stderr)
	if strings.Contains(low, "incorrect password") || strings.Contains(low, "encrypt") ||
		code == 3 || hasEncrypt(data) {
		return encryptedError(cause)
	}
	return corruptError(firstLine(stderr), cause)
}

// hasSyntaxErrors reports whether poppler logged parse errors.
func hasSyntaxErrors(stderr string) bool {
	return strings.Contains(stderr, "Syntax Error") || strings.Contains(stderr, "Internal Error")
}

// firstLine returns the first line of poppler's stderr without its
// "Syntax Error: " prefix, for a one-line message.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "Syntax Error: ")
	s = strings.TrimPrefix(s, "Syntax Warning: ")
	if s == "" {
		return "pdftotext could not read it"
	}
	return s
}

// layoutPages splits pdftotext -layout output into pages (at form feeds)
// and each line into words with their character columns.
func layoutPages(out string) []page {
	chunks := strings.Split(out, "\f")
	// pdftotext ends every page with \f, so the last chunk is empty.
	if n := len(chunks); n > 1 && strings.TrimSpace(chunks[n-1]) == "" {
		chunks = chunks[:n-1]
	}
	pages := make([]page, 0, len(chunks))
	for _, c := range chunks {
		var p page
		p.em = 1
		for _, ln := range strings.Split(c, "\n") {
			p.rows = append(p.rows, layoutRow(ln))
		}
		pages = append(pages, p)
	}
	return pages
}

// layoutRow cuts one -layout line into words at spaces; a word's x0 and x1
// are its first and one-past-last rune columns.
func layoutRow(ln string) row {
	var r row
	col := 0
	start := -1
	var b strings.Builder
	flush := func() {
		if start >= 0 {
			r.words = append(r.words, word{x0: float64(start), x1: float64(col), s: b.String()})
			b.Reset()
			start = -1
		}
	}
	for _, ch := range ln {
		if ch == ' ' || ch == '\t' || ch == '\r' {
			flush()
		} else {
			if start < 0 {
				start = col
			}
			b.WriteRune(ch)
		}
		col++
	}
	flush()
	return r
}
