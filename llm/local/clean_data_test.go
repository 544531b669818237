package local

import (
	"context"
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

// TestCLSciSummSummariesAreProse summarizes, critiques and revises the
// twenty CL-SciSumm 2018 papers in every style, as a run does, and wants
// no sentence of any draft or revision that prose.Unquotable refuses (the
// detector BENCHMARKS.md counts non-prose text with). It reads the
// Reference_XML; with PAPERSUM_DATA set (as in CI) it reads the PDFs too,
// which take longer. Skipped without the development data.
func TestCLSciSummSummariesAreProse(t *testing.T) {
	dir := filepath.Join(devdata.Dir(t), "cl-scisumm-2018")
	xmls, err := filepath.Glob(filepath.Join(dir, "Reference_XML", "*.xml"))
	if err != nil || len(xmls) != 20 {
		t.Fatalf("want 20 papers under %s, got %d (%v)", dir, len(xmls), err)
	}
	inputs := xmls
	if os.Getenv(devdata.EnvData) != "" {
		pdfs, _ := filepath.Glob(filepath.Join(dir, "pdf", "*.pdf"))
		inputs = append(inputs, pdfs...)
	}
	e := New(Config{})
	var wg sync.WaitGroup
	next := make(chan string)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for path := range next {
				p, err := ingest.Open(context.Background(), path, nil, ingest.Options{})
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				name := filepath.Base(path)
				for _, style := range papersum.Styles {
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
}
