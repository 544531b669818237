package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/devdata"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
)

// The speed benchmarks run the real path: ingestion, the three stages on
// the local engine through the Runner (prompt rendering, output parsing,
// pricing) and the SQLite store. Each benchmark reports the ingestion of
// the same input as its baseline, in the same run.
//
//	go test -run '^$' -bench 'Runner10k' -cpu 1 ./pipeline
//	PAPERSUM_DATA=../shared/data go test -run '^$' -bench Corpus -benchtime 1x ./pipeline
//
// Both read real papers from the development data beside the clone
// (../shared/data, or $PAPERSUM_DATA); they are skipped without it.

func newBenchRunner(b *testing.B) *Runner {
	b.Helper()
	store, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	pricer, err := pricing.Default()
	if err != nil {
		b.Fatal(err)
	}
	// A fresh engine per runner: the engine caches paper analyses, and a
	// benchmark that reused them would measure the cache, not the work.
	engine := local.New(local.Config{})
	stages := map[papersum.Stage]StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = StageModel{Provider: "local", Model: "local", Client: engine}
	}
	r, err := NewRunner(RunnerConfig{Stages: stages, Store: store, Pricer: pricer})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkRunner10kWords measures the goal: the full three-stage local
// pipeline on a 10,000-word paper (goal: under 50 ms on one core), D07-1096
// of ScisummNet (Reference_XML, 10,091 words).
func BenchmarkRunner10kWords(b *testing.B) {
	data, err := os.ReadFile(devdata.Path(b, "scisummnet", "D07-1096", "Reference_XML", "D07-1096.xml"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	paper, err := ingest.Parse(ctx, "D07-1096.xml", data, ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	words := float64(paper.WordCount())
	b.Run("ingest", func(b *testing.B) { // baseline
		for b.Loop() {
			if _, err := ingest.Parse(ctx, "D07-1096.xml", data, ingest.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(words*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
	b.Run("pipeline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			r := newBenchRunner(b)
			b.StartTimer()
			if _, err := r.Run(ctx, paper, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(words*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
}

// BenchmarkCorpus runs ingestion and the pipeline over the real corpora:
// the 20 CL-SciSumm 2018 PDFs (both PDF paths) and the ScisummNet
// Reference_XML files. It reports milliseconds per paper and words per
// second for ingestion alone (the baseline) and for ingestion plus the
// pipeline. Use -benchtime 1x: one iteration is one pass over a corpus.
func BenchmarkCorpus(b *testing.B) {
	data := devdata.Requested(b)
	pdfs, _ := filepath.Glob(filepath.Join(data, "cl-scisumm-2018", "pdf", "*.pdf"))
	xmls, _ := filepath.Glob(filepath.Join(data, "scisummnet", "*", "Reference_XML", "*.xml"))
	sort.Strings(pdfs)
	sort.Strings(xmls)
	corpora := []struct {
		name  string
		files []string
		opts  ingest.Options
	}{
		{"clscisumm-pdf-pdftotext", pdfs, ingest.Options{}},
		{"clscisumm-pdf-go", pdfs, ingest.Options{PDFToText: "off"}},
		{"scisummnet-xml", xmls, ingest.Options{}},
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		corpora = corpora[1:]
	}
	for _, c := range corpora {
		if len(c.files) == 0 {
			b.Fatalf("%s: no files under %s", c.name, data)
		}
		contents := make([][]byte, len(c.files))
		for i, f := range c.files {
			var err error
			if contents[i], err = os.ReadFile(f); err != nil {
				b.Fatal(err)
			}
		}
		for _, withPipeline := range []bool{false, true} {
			name := c.name + "/ingest"
			if withPipeline {
				name = c.name + "/ingest+pipeline"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				var words, papers int
				var elapsed time.Duration
				for b.Loop() {
					b.StopTimer()
					r := newBenchRunner(b)
					b.StartTimer()
					start := time.Now()
					for i, f := range c.files {
						p, err := ingest.Parse(ctx, f, contents[i], c.opts)
						if err != nil {
							if papersum.ErrorCode(err) == papersum.EINVALID {
								continue // e.g. a corpus file with no sentences
							}
							b.Fatal(err)
						}
						words += p.WordCount()
						papers++
						if withPipeline {
							if _, err := r.Run(ctx, p, Options{}); err != nil {
								b.Fatal(fmt.Errorf("%s: %w", f, err))
							}
						}
					}
					elapsed += time.Since(start)
				}
				b.ReportMetric(float64(elapsed.Milliseconds())/float64(papers), "ms/paper")
				b.ReportMetric(float64(words)/elapsed.Seconds(), "words/s")
				b.ReportMetric(float64(words)/float64(papers), "words/paper")
			})
		}
	}
}
