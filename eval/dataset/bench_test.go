package dataset

import (
	"context"
	"path/filepath"
	"testing"
)

// The benchmarks load the full shared data set when PAPERSUM_DATA is set:
//
//	PAPERSUM_DATA=../shared/data go test -run '^$' -bench . ./eval/dataset/

func benchLoad(b *testing.B, spec string) {
	b.Helper()
	for b.Loop() {
		ds, err := Load(context.Background(), spec, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(ds.Items)), "items")
	}
}

func benchData(b *testing.B, rel ...string) string {
	b.Helper()
	dir := getenvData(b)
	return filepath.Join(append([]string{dir}, rel...)...)
}

func BenchmarkLoadScisummNet(b *testing.B) {
	benchLoad(b, "scisummnet:"+benchData(b, "scisummnet"))
}

func BenchmarkLoadCLSciSumm(b *testing.B) {
	benchLoad(b, "clscisumm:"+benchData(b, "cl-scisumm-2018"))
}

func BenchmarkLoadSciTLDR(b *testing.B) {
	benchLoad(b, "scitldr:"+benchData(b, "scitldr", "SciTLDR-A", "dev.jsonl"))
}
