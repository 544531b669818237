package pdftext

import (
	"context"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// TestExtractRealPaper runs both paths on a real ACL Anthology PDF from the
// development data beside the clone (CL-SciSumm 2018's P05-1013: every
// page a Form XObject, standard fonts without /Widths, a venue footer on
// the first page, ligatures, hyphenation across columns). The PDF is not
// part of papersum, so the test is skipped without the data. It checks the
// structure of the text and that the sentences of the paper's reference
// full text (its Reference_XML) are recognisably there.
func TestExtractRealPaper(t *testing.T) {
	pdf, err := os.ReadFile(devdata.Path(t, "cl-scisumm-2018", "pdf", "P05-1013.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	xml, err := os.ReadFile(devdata.Path(t, "cl-scisumm-2018", "Reference_XML", "P05-1013.xml"))
	if err != nil {
		t.Fatal(err)
	}
	refs := xmlBodySentences(string(xml))
	if len(refs) < 100 {
		t.Fatalf("%d reference sentences", len(refs))
	}
	forEachPath(t, func(t *testing.T, opts Options) {
		got, err := Extract(context.Background(), pdf, opts)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(got, "\n") {
			lines[l] = true
			if venueRE.MatchString(l) {
				t.Errorf("venue footer kept: %q", l)
			}
		}
		for _, h := range []string{"Abstract", "1 Introduction", "References"} {
			if !lines[h] {
				t.Errorf("heading %q is not a line of its own", h)
			}
		}
		for _, s := range []string{"\f", "ﬁ", "ﬂ", "\u00ad"} {
			if strings.Contains(got, s) {
				t.Errorf("text still has %q", s)
			}
		}
		if strings.Contains(got, "\n\n\n") {
			t.Error("more than one blank line between paragraphs")
		}
		hay := squashText(got)
		found := 0
		for _, s := range refs {
			if chunksFound(squashText(s), hay) {
				found++
			}
		}
		share := float64(found) / float64(len(refs))
		t.Logf("%d/%d reference sentences recognisable (%.3f)", found, len(refs), share)
		if share < 0.9 {
			t.Errorf("only %.3f of the reference sentences are recognisable, want >= 0.9", share)
		}
	})
}

var xmlSentenceRE = regexp.MustCompile(`(?s)<S [^>]*>(.*?)</S>`)

// xmlBodySentences returns the sentences of a Reference_XML file's abstract
// and sections (not the title), unescaped.
func xmlBodySentences(xml string) []string {
	if i := strings.Index(xml, "<ABSTRACT>"); i >= 0 {
		xml = xml[i:]
	}
	var out []string
	for _, m := range xmlSentenceRE.FindAllStringSubmatch(xml, -1) {
		if s := html.UnescapeString(html.UnescapeString(m[1])); len(strings.Fields(s)) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// squashText keeps lower-case letters and digits only.
func squashText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// chunksFound reports whether at least 3/4 of q's 12-character chunks
// occur in hay (the "recognisable" measure of ingest's coverage test).
func chunksFound(q, hay string) bool {
	const k = 12
	if len(q) < k {
		return strings.Contains(hay, q)
	}
	n, hit := 0, 0
	for i := 0; i+k <= len(q); i += k {
		n++
		if strings.Contains(hay, q[i:i+k]) {
			hit++
		}
	}
	return hit*4 >= n*3
}
