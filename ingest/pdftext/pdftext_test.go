package pdftext

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// extractPaths are the two extraction paths. Every behavioural test runs
// on both; the pdftotext one is skipped where poppler is not installed.
var extractPaths = []struct {
	name string
	opts Options
}{
	{"pdftotext", Options{PDFToText: "pdftotext"}},
	{"go", Options{PDFToText: Off}},
}

func forEachPath(t *testing.T, f func(t *testing.T, opts Options)) {
	for _, p := range extractPaths {
		t.Run(p.name, func(t *testing.T) {
			if p.opts.PDFToText != Off {
				if _, err := exec.LookPath(p.opts.PDFToText); err != nil {
					t.Skip("pdftotext not installed")
				}
			}
			f(t, p.opts)
		})
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtractTwoColumn(t *testing.T) {
	forEachPath(t, func(t *testing.T, opts Options) {
		got, err := Extract(context.Background(), twoColumnPDF(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got != twoColumnWant {
			t.Errorf("got:\n%s\nwant:\n%s", got, twoColumnWant)
		}
	})
}

func TestExtractErrors(t *testing.T) {
	p05 := readFixture(t, "P05-1013.pdf")
	cases := []struct {
		name string
		data []byte
		msg  string // prefix of the user message
	}{
		{"empty", nil, "not a PDF"},
		{"plain text", []byte("Just some notes, not a PDF at all.\n"), "not a PDF"},
		{"encrypted", encryptedPDF(), "encrypted PDF: papersum cannot read password-protected files"},
		{"truncated", p05[:len(p05)*4/10], "corrupt PDF"},
		{"garbage", garbagePDF(), "corrupt PDF"},
		{"unknown filter", badFilterPDF(), "corrupt PDF"},
		{"image only", imageOnlyPDF(), "no text layer; OCR is not supported"},
		{"vector only", vectorOnlyPDF(), "no text layer; OCR is not supported"},
	}
	forEachPath(t, func(t *testing.T, opts Options) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				text, err := Extract(context.Background(), c.data, opts)
				if err == nil {
					t.Fatalf("no error; text %q", text)
				}
				var pe *papersum.Error
				if !errors.As(err, &pe) || pe.Code != papersum.EINVALID {
					t.Fatalf("error %v (%T), want *papersum.Error with code %s", err, err, papersum.EINVALID)
				}
				msg := papersum.ErrorMessage(err)
				if !strings.HasPrefix(msg, c.msg) {
					t.Errorf("message %q, want prefix %q", msg, c.msg)
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("message %q is not one line", msg)
				}
			})
		}
	})
}

// TestEncryptedFixtureIsReal proves that encryptedPDF is a genuinely
// encrypted file (and not merely unreadable): with the password, poppler
// reads its text.
func TestEncryptedFixtureIsReal(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	cmd := exec.Command(bin, "-upw", "secret", "-", "-")
	cmd.Stdin = bytes.NewReader(encryptedPDF())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext -upw secret: %v", err)
	}
	if !strings.Contains(string(out), "locked behind a password") {
		t.Errorf("decrypted text %q", out)
	}
}

func TestExtractPaper(t *testing.T) {
	data := readFixture(t, "P05-1013.pdf")
	forEachPath(t, func(t *testing.T, opts Options) {
		got, err := Extract(context.Background(), data, opts)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(got, "\n") {
			lines[l] = true
		}
		for _, h := range []string{"Abstract", "1 Introduction", "2 Dependency Graph Transformations", "References"} {
			if !lines[h] {
				t.Errorf("heading %q is not a line of its own", h)
			}
		}
		for _, s := range []string{
			// Runs from the foot of the left column, past the venue
			// footer, into the next column.
			"since the inclusion of non-projective structures makes the parsing problem more complex",
			// Broken after "(non-" at a line end: a real compound, used
			// hyphenated elsewhere in the paper, so the hyphen stays.
			"of a (non-projective) dependency graph",
			// Broken as "pro-" / "jective": an ordinary word, joined.
			"The fact that projective dependency parsers can never exactly reproduce the analyses",
		} {
			if !strings.Contains(got, s) {
				t.Errorf("text lacks %q", s)
			}
		}
		for _, s := range []string{"Proceedings of the 43rd Annual Meeting", "\f", "ﬁ", "\u00ad"} {
			if strings.Contains(got, s) {
				t.Errorf("text still has %q", s)
			}
		}
		if strings.Contains(got, "\n\n\n") {
			t.Error("more than one blank line between paragraphs")
		}
	})
}

// TestFallbackWithoutPoppler shows that the zero Options fall back to the
// pure-Go path when pdftotext is not on PATH.
func TestFallbackWithoutPoppler(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	got, err := Extract(context.Background(), twoColumnPDF(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != twoColumnWant {
		t.Errorf("got:\n%s", got)
	}
}

func TestOptionsMissingBinary(t *testing.T) {
	_, err := Extract(context.Background(), twoColumnPDF(), Options{PDFToText: filepath.Join(t.TempDir(), "no-such-pdftotext")})
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(papersum.ErrorMessage(err), "pdftotext not found") {
		t.Fatalf("got %v", err)
	}
}

// TestTimeout runs a stand-in pdftotext that hangs, to show that
// Options.Timeout bounds the process.
func TestTimeout(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	fake := filepath.Join(t.TempDir(), "pdftotext")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Extract(context.Background(), twoColumnPDF(), Options{PDFToText: fake, Timeout: 200 * time.Millisecond})
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(papersum.ErrorMessage(err), "longer than") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestBrokenPdftotext: a program that fails by itself (silently, by a
// signal, or printing no page) is reported as the tool failing, with its
// exit status, not as a corrupt PDF; a failure that poppler explains still
// blames the PDF.
func TestBrokenPdftotext(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	tests := []struct{ name, script, code, want string }{
		{"silent exit 1", "exit 1", papersum.EINTERNAL, "pdftotext failed, not the PDF: %s exited with status 1 and printed no message"},
		{"silent exit 7", "cat >/dev/null; exit 7", papersum.EINTERNAL, "pdftotext failed, not the PDF: %s exited with status 7 and printed no message"},
		{"killed", "kill -9 $$", papersum.EINTERNAL, "pdftotext failed, not the PDF: %s was stopped by a signal: killed"},
		{"no pages", "cat >/dev/null; exit 0", papersum.EINTERNAL, "pdftotext failed, not the PDF: %s exited with status 0 but printed no page"},
		{"poppler explains", `echo "Syntax Error: Couldn't read xref table" >&2; exit 1`, papersum.EINVALID, "corrupt PDF: Couldn't read xref table"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := filepath.Join(t.TempDir(), "pdftotext")
			if err := os.WriteFile(fake, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := Extract(context.Background(), twoColumnPDF(), Options{PDFToText: fake})
			want := tc.want
			if strings.Contains(want, "%s") {
				want = strings.Replace(want, "%s", fake, 1)
			}
			if papersum.ErrorCode(err) != tc.code || !strings.HasPrefix(papersum.ErrorMessage(err), want) {
				t.Fatalf("got %v (%s), want %s: %s", err, papersum.ErrorCode(err), tc.code, want)
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	forEachPath(t, func(t *testing.T, opts Options) {
		_, err := Extract(ctx, readFixture(t, "P05-1013.pdf"), opts)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	data := readFixture(b, "P05-1013.pdf")
	for _, p := range extractPaths {
		b.Run(p.name, func(b *testing.B) {
			if p.opts.PDFToText != Off {
				if _, err := exec.LookPath(p.opts.PDFToText); err != nil {
					b.Skip("pdftotext not installed")
				}
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Extract(context.Background(), data, p.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
