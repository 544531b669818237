package forecast

import "testing"

// The benchmarks run on the synthetic spend series (a made-up series, see
// syntheticSpend), one year of days. BenchmarkSeasonalNaive is the
// baseline a forecast is compared with in BENCHMARKS.md.

func benchSeries() []float64 { return syntheticSpend(365, 20261207) }

// BenchmarkSmooth: one pass of the Holt-Winters recursion.
func BenchmarkSmooth(b *testing.B) {
	y := benchSeries()
	spec := Spec{Trend: Additive, Seasonal: Additive, Period: 7}
	init, err := HeuristicState(y, spec)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Smooth(y, spec, Params{Alpha: 0.3, Beta: 0.05, Gamma: 0.1}, init); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFit fits each kind of model.
func BenchmarkFit(b *testing.B) {
	y := benchSeries()
	for _, spec := range []Spec{
		{Trend: Additive, Damped: true},
		{Trend: Additive, Seasonal: Additive, Period: 7},
		{Trend: Additive, Seasonal: Multiplicative, Period: 7},
	} {
		b.Run(spec.Name(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Fit(y, spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelectPredict90 is the work of one cost forecast: choose among
// the nine daily candidates by AIC and predict 90 days with intervals.
func BenchmarkSelectPredict90(b *testing.B) {
	y := benchSeries()
	for b.Loop() {
		if _, err := ByAIC(DailyCandidates(7), 1).Predict(y, 90); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeasonalNaive90 is the baseline's 90-day prediction.
func BenchmarkSeasonalNaive90(b *testing.B) {
	y := benchSeries()
	for b.Loop() {
		if _, err := SeasonalNaive(7).Predict(y, 90); err != nil {
			b.Fatal(err)
		}
	}
}
