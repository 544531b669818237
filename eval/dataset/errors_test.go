package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// errCase is bad input: setup builds it in dir and returns the spec;
// the error must have code and a message containing every one of want.
type errCase struct {
	name  string
	setup func(t *testing.T, dir string) string
	code  string
	want  []string
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := c.setup(t, dir)
			ds, err := Load(context.Background(), spec, Options{})
			if err == nil {
				t.Fatalf("Load(%q) = %d items, want an error", spec, len(ds.Items))
			}
			if ds != nil {
				t.Error("a dataset came back with the error")
			}
			msg := papersum.ErrorMessage(err)
			if papersum.ErrorCode(err) != c.code {
				t.Errorf("code %s, want %s (%v)", papersum.ErrorCode(err), c.code, err)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	fixed := func(spec string) func(*testing.T, string) string {
		return func(*testing.T, string) string { return spec }
	}
	runErrCases(t, []errCase{
		{"no kind", fixed("testdata/scisummnet"), papersum.EINVALID, []string{"want KIND:PATH"}},
		{"empty kind", fixed(":testdata/scisummnet"), papersum.EINVALID, []string{"want KIND:PATH"}},
		{"unknown kind", fixed("duc2004:testdata/scisummnet"), papersum.EINVALID, []string{`unknown kind "duc2004"`, "scisummnet, clscisumm, scitldr, jsonl"}},
		{"empty path", fixed("scitldr:"), papersum.EINVALID, []string{"empty path"}},
		{"path not found", fixed("scisummnet:testdata/nowhere"), papersum.ENOTFOUND, []string{"testdata/nowhere", "no such file"}},
		{"file not found", fixed("scitldr:testdata/scitldr/test.jsonl"), papersum.ENOTFOUND, []string{"testdata/scitldr/test.jsonl"}},
		{"dir kind on a file", fixed("clscisumm:testdata/scitldr/sample.jsonl"), papersum.EINVALID, []string{"is not a directory"}},
		{"file kind on a dir", fixed("jsonl:testdata/jsonl"), papersum.EINVALID, []string{"is a directory"}},
	})
}

// scisummnetCopy copies the fixture paper PS-0001 into dir.
func scisummnetCopy(t *testing.T, dir string) string {
	copyTree(t, "testdata/scisummnet/PS-0001", filepath.Join(dir, "PS-0001"))
	return "scisummnet:" + dir
}

func TestScisummNetErrors(t *testing.T) {
	remove := func(rel string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			spec := scisummnetCopy(t, dir)
			if err := os.Remove(filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
			return spec
		}
	}
	runErrCases(t, []errCase{
		{"missing XML", remove("PS-0001/Reference_XML/PS-0001.xml"), papersum.ENOTFOUND, []string{"PS-0001/Reference_XML/PS-0001.xml", "missing"}},
		{"missing human summary", remove("PS-0001/summary/PS-0001.scisummnet_human.txt"), papersum.ENOTFOUND, []string{"PS-0001.scisummnet_human.txt"}},
		{"missing abstract", remove("PS-0001/summary/PS-0001.abstract.txt"), papersum.ENOTFOUND, []string{"PS-0001.abstract.txt"}},
		{"no papers", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "LICENCE"), "not a paper")
			return "scisummnet:" + dir
		}, papersum.EINVALID, []string{"no paper folders"}},
		{"not UTF-8", func(t *testing.T, dir string) string {
			spec := scisummnetCopy(t, dir)
			write(t, filepath.Join(dir, "PS-0001/summary/PS-0001.abstract.txt"), "caf\xe9 \xff\n")
			return spec
		}, papersum.EINVALID, []string{"PS-0001.abstract.txt", "not UTF-8"}},
	})
}

// clscisummCopy copies the CL-SciSumm fixtures into dir.
func clscisummCopy(t *testing.T, dir string) string {
	copyTree(t, "testdata/clscisumm", dir)
	return "clscisumm:" + dir
}

func TestCLSciSummErrors(t *testing.T) {
	edit := func(f func(t *testing.T, dir string)) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			spec := clscisummCopy(t, dir)
			f(t, dir)
			return spec
		}
	}
	rm := func(rels ...string) func(*testing.T, string) string {
		return edit(func(t *testing.T, dir string) {
			for _, rel := range rels {
				if err := os.Remove(filepath.Join(dir, rel)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	runErrCases(t, []errCase{
		{"gold with no XML", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Task2_gold/P99-9999.abstract"), "An abstract.\n")
		}), papersum.EINVALID, []string{"Task2_gold/P99-9999.abstract", "no ", "Reference_XML/P99-9999.xml"}},
		{"XML with no gold", edit(func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, "Reference_XML/PS-1002.xml"))
			write(t, filepath.Join(dir, "Reference_XML/P99-9999.xml"), string(data))
		}), papersum.EINVALID, []string{"Reference_XML/P99-9999.xml", "no abstract gold summary"}},
		{"no abstract", rm("Task2_gold/PS-1002.abstract"), papersum.EINVALID, []string{"PS-1002.xml", "no abstract gold"}},
		{"no human", rm("Task2_gold/PS-1002_ben.human.txt", "Task2_gold/PS-1002_cy.human.txt", "Task2_gold/PS-1002_dee.human.txt"), papersum.EINVALID, []string{"PS-1002.xml", "no human gold"}},
		{"no community", rm("Task2_gold/PS-1001_ben.community", "Task2_gold/PS-1001_cy.community", "Task2_gold/PS-1001_ada.community"), papersum.EINVALID, []string{"PS-1001.xml", "no community gold"}},
		{"unknown gold file", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Task2_gold/PS-1002_ben.human"), "no .txt")
		}), papersum.EINVALID, []string{"PS-1002_ben.human", "unexpected file name"}},
		{"unexpected XML file", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Reference_XML/notes.txt"), "x")
		}), papersum.EINVALID, []string{"Reference_XML/notes.txt", "unexpected file"}},
		{"empty human", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Task2_gold/PS-1002_ben.human.txt"), " \r\n\r\n")
		}), papersum.EINVALID, []string{"PS-1002_ben.human.txt", "empty"}},
		{"empty abstract", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Task2_gold/PS-1001.abstract"), "")
		}), papersum.EINVALID, []string{"PS-1001.abstract", "empty"}},
		{"community of NA only", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Task2_gold/PS-1002_cy.community"), "NA\r\n“NA”\r\n")
		}), papersum.EINVALID, []string{"PS-1002_cy.community", "no cited text"}},
		{"no Task2_gold", func(t *testing.T, dir string) string {
			copyTree(t, "testdata/clscisumm/Reference_XML", filepath.Join(dir, "Reference_XML"))
			return "clscisumm:" + dir
		}, papersum.ENOTFOUND, []string{"Task2_gold"}},
		{"no Reference_XML", func(t *testing.T, dir string) string {
			copyTree(t, "testdata/clscisumm/Task2_gold", filepath.Join(dir, "Task2_gold"))
			return "clscisumm:" + dir
		}, papersum.ENOTFOUND, []string{"Reference_XML"}},
		{"XML ingest refuses", edit(func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "Reference_XML/PS-1002.xml"), "<PAPER><S sid=\"0\">Title</S></PAPER>")
		}), papersum.EINVALID, []string{"PS-1002.xml", "too short"}},
	})
}

// jsonlFile writes lines to dir/data.jsonl and returns the spec kind:file.
func jsonlFile(kind string, lines ...string) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "data.jsonl")
		write(t, path, strings.Join(lines, "\n")+"\n")
		return kind + ":" + path
	}
}

func TestSciTLDRErrors(t *testing.T) {
	ok := `{"paper_id": "a", "title": "T", "source": ["One.", "Two."], "target": ["A tldr."]}`
	runErrCases(t, []errCase{
		{"malformed JSON", jsonlFile("scitldr", ok, `{"paper_id": "b", "source": [`), papersum.EINVALID, []string{"data.jsonl line 2", "malformed JSON"}},
		{"two values on a line", jsonlFile("scitldr", ok+" {}"), papersum.EINVALID, []string{"data.jsonl line 1", "more than one value"}},
		{"duplicate id", jsonlFile("scitldr", ok, "", ok), papersum.EINVALID, []string{"data.jsonl line 3", `duplicate paper_id "a"`, "line 1"}},
		{"missing id", jsonlFile("scitldr", `{"source": ["One."], "target": ["T."]}`), papersum.EINVALID, []string{"line 1", "paper_id"}},
		{"id not a string", jsonlFile("scitldr", `{"paper_id": 7, "source": ["One."], "target": ["T."]}`), papersum.EINVALID, []string{"line 1", "malformed JSON"}},
		{"empty source", jsonlFile("scitldr", `{"paper_id": "a", "source": [], "target": ["T."]}`), papersum.EINVALID, []string{"line 1", `empty "source"`}},
		{"empty source sentence", jsonlFile("scitldr", `{"paper_id": "a", "source": ["One.", " \n"], "target": ["T."]}`), papersum.EINVALID, []string{"line 1", "source sentence 2 is empty"}},
		{"no target", jsonlFile("scitldr", `{"paper_id": "a", "source": ["One."]}`), papersum.EINVALID, []string{"line 1", `empty "target"`}},
		{"empty target", jsonlFile("scitldr", `{"paper_id": "a", "source": ["One."], "target": ["T.", ""]}`), papersum.EINVALID, []string{"line 1", "target 2 is empty"}},
		{"empty file", jsonlFile("scitldr", "", " "), papersum.EINVALID, []string{"data.jsonl", "no records"}},
	})
}

func TestJSONLErrors(t *testing.T) {
	text := `"text": "First sentence here. Second sentence here. Third sentence here."`
	withPaper := func(t *testing.T, dir string) {
		write(t, filepath.Join(dir, "p.txt"), "First sentence here. Second sentence here. Third sentence here.\n")
	}
	runErrCases(t, []errCase{
		{"malformed JSON", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": ["R."]}`, `{"id": "b",`), papersum.EINVALID, []string{"data.jsonl line 2", "malformed JSON"}},
		{"unknown field", jsonlFile("jsonl", `{"id": "a", `+text+`, "reference": ["R."]}`), papersum.EINVALID, []string{"line 1", `unknown field "reference"`}},
		{"duplicate id", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": ["R."]}`, `{"id": "a", `+text+`, "references": ["R."]}`), papersum.EINVALID, []string{"line 2", `duplicate id "a"`}},
		{"missing id", jsonlFile("jsonl", `{`+text+`, "references": ["R."]}`), papersum.EINVALID, []string{"line 1", `"id"`}},
		{"path and text", jsonlFile("jsonl", `{"id": "a", "path": "p.txt", `+text+`, "references": ["R."]}`), papersum.EINVALID, []string{"line 1", `both "path" and "text"`}},
		{"neither path nor text", jsonlFile("jsonl", `{"id": "a", "references": ["R."]}`), papersum.EINVALID, []string{"line 1", `neither "path" nor "text"`}},
		{"no references", jsonlFile("jsonl", `{"id": "a", `+text+`}`), papersum.EINVALID, []string{"line 1", `no "references"`}},
		{"empty reference", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": ["R.", "  "]}`), papersum.EINVALID, []string{"line 1", "reference 2: empty"}},
		{"empty sentence list", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": [[]]}`), papersum.EINVALID, []string{"line 1", "reference 1: empty list"}},
		{"empty sentence", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": [["R.", ""]]}`), papersum.EINVALID, []string{"line 1", "sentence 2 is empty"}},
		{"reference not text", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": [3]}`), papersum.EINVALID, []string{"line 1", "want a string or a list"}},
		{"list of non-strings", jsonlFile("jsonl", `{"id": "a", `+text+`, "references": [[1, 2]]}`), papersum.EINVALID, []string{"line 1", "only strings"}},
		{"paper file missing", jsonlFile("jsonl", `{"id": "a", "path": "missing.txt", "references": ["R."]}`), papersum.ENOTFOUND, []string{"data.jsonl line 1", "missing.txt"}},
		{"paper too short", jsonlFile("jsonl", `{"id": "a", "text": "Too short.", "references": ["R."]}`), papersum.EINVALID, []string{"data.jsonl line 1", "too short"}},
		{"second paper file missing", func(t *testing.T, dir string) string {
			withPaper(t, dir)
			return jsonlFile("jsonl", `{"id": "a", "path": "p.txt", "references": ["R."]}`, `{"id": "b", "path": "q.txt", "references": ["R."]}`)(t, dir)
		}, papersum.ENOTFOUND, []string{"data.jsonl line 2", "q.txt"}},
	})
}
