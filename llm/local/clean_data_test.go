package local

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/devdata"
)

var cleanDump = flag.String("local.dump", "", "directory where TestCLSciSummSummariesAreProse writes every draft and revision, to be read by hand")

// TestCLSciSummSummariesAreProse summarizes, critiques and revises the
// twenty CL-SciSumm 2018 papers in every style, as a run does, and wants
// no sentence of any draft or revision that prose.Unquotable refuses (the
// detector BENCHMARKS.md counts non-prose text with). It reads the
// Reference_XML; with PAPERSUM_DATA set (as in CI) it reads the PDFs too,
// which take longer. Highlights are also made from the XML without its
// abstract, as `eval run` makes them. It logs how often revision changed
// the draft and how the critique's overall score moved, and wants no
// revision scored below its draft. Skipped without the development data.
func TestCLSciSummSummariesAreProse(t *testing.T) {
	dir := filepath.Join(devdata.Dir(t), "cl-scisumm-2018")
	xmls, err := filepath.Glob(filepath.Join(dir, "Reference_XML", "*.xml"))
	if err != nil || len(xmls) != 20 {
		t.Fatalf("want 20 papers under %s, got %d (%v)", dir, len(xmls), err)
	}
	inputs := xmls
	// "#noabstract" marks the highlights input of eval run.
	for _, x := range xmls {
		inputs = append(inputs, x+"#noabstract")
	}
	if os.Getenv(devdata.EnvData) != "" {
		pdfs, _ := filepath.Glob(filepath.Join(dir, "pdf", "*.pdf"))
		inputs = append(inputs, pdfs...)
	}
	e := New(Config{})
	type moved struct{ runs, changed, up, same, down int }
	var mu sync.Mutex
	stats := map[papersum.Style]*moved{}
	var wg sync.WaitGroup
	next := make(chan string)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for path := range next {
				file, noAbs := strings.CutSuffix(path, "#noabstract")
				p, err := ingest.Open(context.Background(), file, nil, ingest.Options{DropAbstract: noAbs})
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				name := filepath.Base(path)
				for _, style := range papersum.Styles {
					if noAbs && style != papersum.StyleHighlights {
						continue
					}
					target := 150
					if style == papersum.StyleTLDR {
						target = 25
					}
					run := func(task papersum.Task) string {
						task.Paper, task.TargetWords, task.Style = p, target, style
						resp, err := e.Generate(context.Background(), &papersum.Request{Task: task})
						if err != nil {
							t.Fatal(err)
						}
						text := resp.Text[strings.Index(resp.Text, ">")+1 : strings.LastIndex(resp.Text, "<")]
						return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
					}
					draft := run(papersum.Task{Stage: papersum.StageSummarize})
					c := e.Critique(p, draft, target)
					revised := run(papersum.Task{Stage: papersum.StageRevise, Draft: draft, Critique: &c})
					dc, rc := c.Scores.Overall(), e.Critique(p, revised, target).Scores.Overall()
					if rc < dc {
						t.Errorf("%s %s: revision scores %.2f, below the draft's %.2f", name, style, rc, dc)
					}
					mu.Lock()
					m := stats[style]
					if m == nil {
						m = &moved{}
						stats[style] = m
					}
					m.runs++
					if revised != draft {
						m.changed++
					}
					switch {
					case rc > dc:
						m.up++
					case rc < dc:
						m.down++
					default:
						m.same++
					}
					mu.Unlock()
					if *cleanDump != "" {
						out := fmt.Sprintf("DRAFT (overall %.2f)\n%s\n\nREVISION (overall %.2f)\n%s\n", dc, draft, rc, revised)
						if err := os.WriteFile(filepath.Join(*cleanDump, name+"."+string(style)+".txt"), []byte(out), 0o644); err != nil {
							t.Error(err)
						}
					}
					for _, bad := range unquotable(draft) {
						t.Errorf("%s %s draft: %s", name, style, bad)
					}
					for _, bad := range unquotable(revised) {
						t.Errorf("%s %s revision: %s", name, style, bad)
					}
				}
			}
		})
	}
	for _, path := range inputs {
		next <- path
	}
	close(next)
	wg.Wait()
	for _, style := range papersum.Styles {
		if m := stats[style]; m != nil {
			t.Logf("%s: %d runs, revision changed %d; overall up %d, same %d, down %d", style, m.runs, m.changed, m.up, m.same, m.down)
		}
	}
}
