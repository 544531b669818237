//go:build unix

package pdftext

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCleanCorpus times the cleaning stage (layout, running heads,
// floats, word repair, paragraphs) over the 20 CL-SciSumm 2018 PDFs, on
// the pages each extraction path gives; one iteration is one pass over the
// 20 papers. The pages are extracted once, outside the timer, so that the
// figure is the cleaning alone, which both paths share.
//
//	PAPERSUM_DATA=../shared/data go test ./ingest/pdftext -run '^$' -bench CleanCorpus -benchmem -count 5
func BenchmarkCleanCorpus(b *testing.B) {
	dir := dataDir()
	files, _ := filepath.Glob(filepath.Join(dir, "cl-scisumm-2018", "pdf", "*.pdf"))
	if len(files) == 0 {
		b.Skipf("no CL-SciSumm PDFs under %q; set PAPERSUM_DATA", dir)
	}
	for _, path := range []string{"pdftotext", "go"} {
		b.Run(path, func(b *testing.B) {
			bin := ""
			if path == "pdftotext" {
				p, err := exec.LookPath("pdftotext")
				if err != nil {
					b.Skip("pdftotext not installed")
				}
				bin = p
			}
			var docs [][]page
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					b.Fatal(err)
				}
				var pages []page
				if bin == "" {
					pages, err = goPages(context.Background(), data)
				} else {
					pages, err = popplerPages(context.Background(), bin, data, DefaultTimeout)
				}
				if err != nil {
					b.Fatal(err)
				}
				docs = append(docs, pages)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			n := 0
			for b.Loop() {
				for _, d := range docs {
					clean(copyPages(d))
				}
				n++
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
		})
	}
}

// copyPages deep-copies pages, because clean changes them in place.
func copyPages(ps []page) []page {
	out := make([]page, len(ps))
	for i, p := range ps {
		out[i] = page{em: p.em, rows: make([]row, len(p.rows))}
		for j, r := range p.rows {
			out[i].rows[j] = row{words: append([]word(nil), r.words...)}
		}
	}
	return out
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
