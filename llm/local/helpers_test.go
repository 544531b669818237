package local

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/devdata"
)

// fixturePath is where the fixture paper id is: testdata/<id>.md, or
// papersum's sample paper for "papersum".
func fixturePath(id string) string {
	if id == "papersum" {
		return filepath.Join("..", "..", "examples", "papers", "papersum.md")
	}
	return filepath.Join("testdata", id+".md")
}

// loadFixture reads a fixture paper, abstract included, through
// ingest.Parse: the tests see a paper exactly as a user's run does.
func loadFixture(t testing.TB, id string) *papersum.Paper {
	t.Helper()
	data, err := os.ReadFile(fixturePath(id))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ingest.Parse(context.Background(), id+".md", data, ingest.Options{})
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return p
}

// loadDataPaper reads ScisummNet's Reference_XML of paper id from the
// development data beside the clone, or skips tb (the speed benchmarks
// need a real 10,000-word paper).
func loadDataPaper(tb testing.TB, id string) *papersum.Paper {
	tb.Helper()
	path := devdata.Path(tb, "scisummnet", id, "Reference_XML", id+".xml")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := ingest.Parse(context.Background(), path, data, ingest.Options{})
	if err != nil {
		tb.Fatalf("%s: %v", id, err)
	}
	return p
}

// rougeData loads ROUGE-1.5.5's data files (for -m and -s) from the
// development data beside the clone, or skips t.
func rougeData(t testing.TB) *rouge.Resources {
	t.Helper()
	r, err := rouge.LoadResources(devdata.RougeDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fixtureIDs are the fixture papers: testdata/*.md and the sample paper,
// all written for papersum.
var fixtureIDs = []string{"groupcommit", "papersum", "pdfcolumns", "retry", "rouge"}

// innerText returns the unescaped text of the single <tag> element that
// makes up out, failing if out is not exactly that, well-formed.
func innerText(t testing.TB, out, tag string) string {
	t.Helper()
	if !strings.HasPrefix(out, "<"+tag+">") || !strings.HasSuffix(out, "</"+tag+">") {
		t.Fatalf("output is not one <%s> element: %.80q", tag, out)
	}
	var v struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	}
	if err := xml.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not well-formed XML: %v", err)
	}
	return v.Text
}

// critiqueXML is the critique contract.
type critiqueXML struct {
	XMLName xml.Name `xml:"critique"`
	Scores  struct {
		Accuracy     float64 `xml:"accuracy"`
		Completeness float64 `xml:"completeness"`
		Clarity      float64 `xml:"clarity"`
		Coherence    float64 `xml:"coherence"`
	} `xml:"scores"`
	JudgeVersion string   `xml:"judge_version"`
	Issues       []string `xml:"issues>issue"`
}

// parseCritique parses the critique XML the way the pipeline would.
func parseCritique(t testing.TB, out string) papersum.Critique {
	t.Helper()
	var c critiqueXML
	if err := xml.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("critique is not well-formed XML: %v\n%s", err, out)
	}
	return papersum.Critique{
		Scores: papersum.Scores{Accuracy: c.Scores.Accuracy, Completeness: c.Scores.Completeness,
			Clarity: c.Scores.Clarity, Coherence: c.Scores.Coherence, Judge: Judge, JudgeVersion: c.JudgeVersion},
		Issues: c.Issues,
	}
}
