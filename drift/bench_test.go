package drift

import (
	"math/rand/v2"
	"testing"
)

// benchValues is a fixed stationary stream the update benchmarks cycle
// through: N(0,1) for real-valued detectors, Bernoulli(0.2) for the
// binary ones.
func benchValues(binary bool) []float64 {
	rng := rand.New(rand.NewPCG(42, 42))
	xs := make([]float64, 1<<14)
	for i := range xs {
		if binary {
			xs[i] = b2f(rng.Float64() < 0.2)
		} else {
			xs[i] = rng.NormFloat64()
		}
	}
	return xs
}

var benchSink float64

// BenchmarkUpdateBaseline is the floor the detectors are measured
// against: a loop that only adds the values, over the same stream.
func BenchmarkUpdateBaseline(b *testing.B) {
	xs := benchValues(false)
	var s float64
	for i := 0; b.Loop(); i++ {
		s += xs[i&(len(xs)-1)]
	}
	benchSink = s
}

// BenchmarkUpdate measures one Update per op, per detector with its
// defaults (KSWIN seeded), on a stationary stream.
func BenchmarkUpdate(b *testing.B) {
	for _, det := range faDetectors {
		b.Run(det.name, func(b *testing.B) {
			xs := benchValues(det.kind.Binary())
			d, err := New(det.kind, []byte(det.params(1)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := d.Update(xs[i&(len(xs)-1)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSaveLoad measures a round trip through the saved form, what a
// replica pays to take a detector over from the store.
func BenchmarkSaveLoad(b *testing.B) {
	for _, det := range faDetectors {
		b.Run(det.name, func(b *testing.B) {
			d, err := New(det.kind, []byte(det.params(1)))
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range benchValues(det.kind.Binary())[:1000] {
				d.Update(x)
			}
			b.ReportAllocs()
			for b.Loop() {
				data, err := Save(d)
				if err != nil {
					b.Fatal(err)
				}
				if d, err = Load(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatch measures the batch tests on 1000 reference and 1000
// current values.
func BenchmarkBatch(b *testing.B) {
	ref, cur := normals(1, 1000, 0, 1), normals(2, 1000, 0.2, 1)
	tests := map[string]func() error{
		"KS":            func() error { _, err := KS(ref, cur); return err },
		"PSI":           func() error { _, err := PSI(ref, cur, Numerical); return err },
		"JensenShannon": func() error { _, err := JensenShannon(ref, cur, Numerical); return err },
		"Wasserstein":   func() error { _, err := Wasserstein(ref, cur); return err },
	}
	for _, name := range []string{"KS", "PSI", "JensenShannon", "Wasserstein"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := tests[name](); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
