package local

import (
	"encoding/xml"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// refXML is the CL-SciSumm / ScisummNet Reference_XML layout.
type refXML struct {
	Title    []refS `xml:"S"`
	Abstract struct {
		S []refS `xml:"S"`
	} `xml:"ABSTRACT"`
	Sections []struct {
		Title string `xml:"title,attr"`
		S     []refS `xml:"S"`
	} `xml:"SECTION"`
}

type refS struct {
	Text string `xml:",chardata"`
}

// parseRefXML reads a Reference_XML file into a Paper. It stands in for
// the ingest package, which the tests must not depend on. Entities are
// double-escaped in these files (&amp;quot;), hence the second unescape.
// Acknowledgement sections are left out, as ingest does.
func parseRefXML(data []byte, withAbstract bool) (*papersum.Paper, error) {
	var x refXML
	if err := xml.Unmarshal(data, &x); err != nil {
		return nil, err
	}
	clean := func(ss []refS) []string {
		var out []string
		for _, s := range ss {
			t := strings.Join(strings.Fields(html.UnescapeString(s.Text)), " ")
			if t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	p := &papersum.Paper{Format: "xml"}
	if t := clean(x.Title); len(t) > 0 {
		p.Title = t[0]
	}
	if withAbstract {
		if s := clean(x.Abstract.S); len(s) > 0 {
			p.Sections = append(p.Sections, papersum.Section{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: s})
		}
	}
	for _, sec := range x.Sections {
		k := kindOf(sec.Title)
		if k == "" {
			continue
		}
		if s := clean(sec.S); len(s) > 0 {
			p.Sections = append(p.Sections, papersum.Section{Title: strings.TrimSpace(sec.Title), Kind: k, Sentences: s})
		}
	}
	p.ID = papersum.ContentHash([]byte(p.Text()))
	return p, nil
}

// kindOf maps a section title to a kind by keywords; "" drops the section.
func kindOf(title string) papersum.SectionKind {
	t := strings.ToLower(title)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("acknowledg", "reference", "bibliograph"):
		return ""
	case has("abstract"):
		return papersum.KindAbstract
	case has("introduction", "motivation"):
		return papersum.KindIntroduction
	case has("related", "previous work", "prior work"):
		return papersum.KindRelated
	case has("background", "preliminar"):
		return papersum.KindBackground
	case has("conclu", "summary", "future work"):
		return papersum.KindConclusion
	case has("result", "evaluation"):
		return papersum.KindResults
	case has("experiment"):
		return papersum.KindExperiments
	case has("discussion", "analysis"):
		return papersum.KindDiscussion
	case has("method", "approach", "model", "algorithm", "architecture"):
		return papersum.KindMethod
	}
	return papersum.KindOther
}

// loadFixture reads testdata/<id>.xml with its abstract.
func loadFixture(t testing.TB, id string) *papersum.Paper {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", id+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseRefXML(data, true)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	p.Source = id
	return p
}

// fixtureIDs are the papers in testdata.
var fixtureIDs = []string{"A00-1043", "D07-1096", "P02-1040", "P05-1022", "W03-0419"}
