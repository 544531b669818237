package ingest

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// dataDir returns the shared data directory named by PAPERSUM_DATA, or
// skips the test when it is not set.
func dataDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PAPERSUM_DATA")
	if dir == "" {
		t.Skip("PAPERSUM_DATA not set")
	}
	return dir
}

// TestCorpusXML ingests every Reference_XML file of ScisummNet (781) and
// CL-SciSumm 2018 (20) and checks that the sentences are exactly the
// non-empty <S> elements outside the dropped sections, counted here with
// regular expressions independently of the decoder. Papers with fewer
// than MinSentences such sentences must fail as too short.
func TestCorpusXML(t *testing.T) {
	dir := dataDir(t)
	var files []string
	for _, pattern := range []string{
		filepath.Join(dir, "scisummnet", "*", "Reference_XML", "*.xml"),
		filepath.Join(dir, "cl-scisumm-2018", "Reference_XML", "*.xml"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) != 801 {
		t.Errorf("%d Reference_XML files, want 781 + 20", len(files))
	}
	short := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := expectedSentences(string(data))
		p, err := Open(context.Background(), f, nil, Options{})
		if want < MinSentences {
			short++
			if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), "too short") {
				t.Errorf("%s: %d sentences: error %v, want too short", f, want, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := len(p.Sentences()); got != want {
			t.Errorf("%s: %d sentences, want %d", f, got, want)
		}
		// Three files have an empty <S sid="0">, so no title is not an
		// error in itself.
		if p.Format != FormatXML {
			t.Errorf("%s: format %q", f, p.Format)
		}
	}
	t.Logf("%d files, %d too short", len(files), short)
}

var (
	sectionRE = regexp.MustCompile(`(?s)<(ABSTRACT|SECTION)(\s[^>]*)?>(.*?)</(?:ABSTRACT|SECTION)>`)
	titleRE   = regexp.MustCompile(`title="([^"]*)"`)
	sRE       = regexp.MustCompile(`(?s)<S\s[^>]*>(.*?)</S>`)
	numberRE  = regexp.MustCompile(`^[0-9. ]*`)
)

// expectedSentences counts the sentences ingestion should keep: non-empty
// <S> elements outside sections (but the title), of the abstract and of
// sections other than acknowledgements, references and what follows
// references (except an appendix and the sections after it).
func expectedSentences(xml string) int {
	n := 0
	// <S> elements directly under <PAPER>, except the first (the title).
	outside := sectionRE.ReplaceAllString(strings.ReplaceAll(xml, "<ABSTRACT/>", ""), "")
	for i, s := range sRE.FindAllStringSubmatch(outside, -1) {
		if i > 0 && strings.TrimSpace(html.UnescapeString(html.UnescapeString(s[1]))) != "" {
			n++
		}
	}
	afterRefs, inAppendix := false, false
	for _, m := range sectionRE.FindAllStringSubmatch(strings.ReplaceAll(xml, "<ABSTRACT/>", ""), -1) {
		title := ""
		if t := titleRE.FindStringSubmatch(m[2]); t != nil {
			title = html.UnescapeString(html.UnescapeString(t[1]))
		}
		title = strings.ToLower(strings.TrimSpace(title))
		title = strings.TrimSpace(numberRE.ReplaceAllString(title, ""))
		switch {
		case m[1] == "ABSTRACT":
		case strings.HasPrefix(title, "reference") || strings.HasPrefix(title, "bibliograph"):
			afterRefs = true
			continue
		case afterRefs && !inAppendix && !strings.HasPrefix(title, "appendi") && !strings.HasPrefix(title, "supplement"):
			continue
		case afterRefs:
			inAppendix = true
		case strings.HasPrefix(title, "acknowledg"):
			continue
		}
		for _, s := range sRE.FindAllStringSubmatch(m[3], -1) {
			if strings.TrimSpace(html.UnescapeString(html.UnescapeString(s[1]))) != "" {
				n++
			}
		}
	}
	return n
}

// TestCorpusPDF ingests the 20 CL-SciSumm 2018 PDFs with pdftotext (when
// installed) and with the pure-Go fallback, and checks that each gives a
// paper with an abstract or introduction, three kinds of section and a
// reasonable number of sentences.
func TestCorpusPDF(t *testing.T) {
	dir := dataDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "cl-scisumm-2018", "pdf", "*.pdf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no PDFs: %v", err)
	}
	for _, mode := range []string{"", "off"} {
		for _, f := range files {
			name := filepath.Base(f) + " pdftotext=" + mode
			p, err := Open(context.Background(), f, nil, Options{PDFToText: mode})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			kinds := map[papersum.SectionKind]int{}
			for _, s := range p.Sections {
				kinds[s.Kind] += len(s.Sentences)
			}
			n := len(p.Sentences())
			// W06-3114 has no introduction (it starts with "1
			// Evaluation Framework") and J01-2004 no abstract heading.
			if n < 50 || kinds[papersum.KindAbstract]+kinds[papersum.KindIntroduction] == 0 || len(kinds) < 3 {
				t.Errorf("%s: %d sentences, sections %v", name, n, kinds)
			}
			if testing.Verbose() {
				t.Logf("%s: title %q, %d sentences, %d sections, kinds %v", name, p.Title, n, len(p.Sections), kinds)
			}
		}
	}
}
