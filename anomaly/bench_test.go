package anomaly

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/papersum/papersum/drift"
)

// BenchmarkObserve is the cost of one Observe on a series whose window
// is full (Window 100), per method and Recent, on log-normal values. The
// baseline, measured in the same run, is drift.RollingZ's Update (one
// value against the window before it, robust with an incrementally
// sorted window), which Observe's Recent = 1 computes the same z as.
func BenchmarkObserve(b *testing.B) {
	values := make([]float64, 4096)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range values {
		values[i] = math.Exp(0.3 * r.NormFloat64())
	}
	for _, m := range []Method{MethodZScore, MethodRobust} {
		for _, recent := range []int{1, 20} {
			b.Run(string(m)+"/recent="+strconv.Itoa(recent), func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.Method, cfg.Recent = m, recent
				d, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				k := Key{Signal: "cost", Model: "m"}
				for _, v := range values[:200] {
					d.Observe(k, v)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if _, _, err := d.Observe(k, values[i%len(values)]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run("baseline-drift.RollingZ/"+string(m), func(b *testing.B) {
			p := drift.DefaultRollingZParams()
			p.Robust = m == MethodRobust
			z, err := drift.NewRollingZ(p)
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range values[:200] {
				z.Update(math.Log(v))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				z.Update(math.Log(values[i%len(values)]))
			}
		})
	}
}
