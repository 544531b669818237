package rouge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchPair builds a ~150-word candidate and a ~150-word reference from the
// vector texts, the size of a ScisummNet summary.
func benchPair(b *testing.B) (cand, ref []string) {
	b.Helper()
	var sents []string
	for _, c := range loadVectors(b) {
		sents = append(sents, c.Candidate...)
	}
	take := func(from int) []string {
		var out []string
		words := 0
		for i := from; words < 150; i++ {
			out = append(out, sents[i])
			words += len(strings.Fields(sents[i]))
		}
		return out
	}
	return take(0), take(40)
}

// BenchmarkEvaluate times one Evaluate call (references prepared on every
// call) for a 150-word candidate against one 150-word reference.
func BenchmarkEvaluate(b *testing.B) {
	cand, ref := benchPair(b)
	for _, name := range PresetNames() {
		b.Run(name, func(b *testing.B) {
			cfg := realPreset(b, name)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(cand, [][]string{ref}, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScorer times Score alone, with the reference prepared once.
func BenchmarkScorer(b *testing.B) {
	cand, ref := benchPair(b)
	for _, name := range PresetNames() {
		b.Run(name, func(b *testing.B) {
			s, err := NewScorer([][]string{ref}, realPreset(b, name))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Score(cand)
			}
		})
	}
}

// BenchmarkScisummNet scores all ScisummNet papers (candidate: the abstract,
// reference: the human summary, one sentence per line) per iteration. It needs
// the data set, so it runs only when PAPERSUM_SCISUMMNET_DIR points to it
// (e.g. ../shared/data/scisummnet).
func BenchmarkScisummNet(b *testing.B) {
	dir := os.Getenv("PAPERSUM_SCISUMMNET_DIR")
	if dir == "" {
		b.Skip("PAPERSUM_SCISUMMNET_DIR not set")
	}
	papers, err := filepath.Glob(filepath.Join(dir, "*", "summary", "*.abstract.txt"))
	if err != nil || len(papers) == 0 {
		b.Fatalf("no papers under %s: %v", dir, err)
	}
	type pair struct{ cand, ref []string }
	var pairs []pair
	lines := func(path string) []string {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		return strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	}
	for _, p := range papers {
		human := strings.TrimSuffix(p, ".abstract.txt") + ".scisummnet_human.txt"
		pairs = append(pairs, pair{lines(p), lines(human)})
	}
	for _, name := range PresetNames() {
		b.Run(name, func(b *testing.B) {
			cfg := realPreset(b, name)
			for b.Loop() {
				for _, p := range pairs {
					if _, err := Evaluate(p.cand, [][]string{p.ref}, cfg); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(pairs)), "papers/op")
		})
	}
}
