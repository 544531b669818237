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
	"github.com/papersum/papersum/internal/devdata"
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

// samplePDF is papersum's sample paper, typeset from its Markdown source
// by internal/pdfgen (see generated_test.go).
func samplePDF(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(samplePaperPDF)
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
	sample := samplePDF(t)
	cases := []struct {
		name string
		data []byte
		msg  string // prefix of the user message
	}{
		{"empty", nil, "not a PDF"},
		{"plain text", []byte("Just some notes, not a PDF at all.\n"), "not a PDF"},
		{"encrypted", encryptedPDF(), "encrypted PDF: papersum cannot read password-protected files"},
		{"truncated", sample[:len(sample)*4/10], "corrupt PDF"},
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
			want := strings.Replace(tc.want, "%s", fake, 1)
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
		_, err := Extract(ctx, samplePDF(t), opts)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

// BenchmarkExtract extracts the sample paper (3 pages) and, when the
// development data is beside the clone, P05-1013 of CL-SciSumm 2018 (8
// pages, the file of the figures in README.md).
func BenchmarkExtract(b *testing.B) {
	files := []struct {
		name string
		data func(b *testing.B) []byte
	}{
		{"sample", func(b *testing.B) []byte { return samplePDF(b) }},
		{"P05-1013", func(b *testing.B) []byte {
			data, err := os.ReadFile(devdata.Path(b, "cl-scisumm-2018", "pdf", "P05-1013.pdf"))
			if err != nil {
				b.Fatal(err)
			}
			return data
		}},
	}
	for _, f := range files {
		for _, p := range extractPaths {
			b.Run(f.name+"/"+p.name, func(b *testing.B) {
				if p.opts.PDFToText != Off {
					if _, err := exec.LookPath(p.opts.PDFToText); err != nil {
						b.Skip("pdftotext not installed")
					}
				}
				data := f.data(b)
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := Extract(context.Background(), data, p.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
