package forecast

import (
	"errors"
	"math"
	"testing"
)

// TestBadInput: every impossible model or series gets a clear, typed error.
func TestBadInput(t *testing.T) {
	y := syntheticSpend(60, 3)
	withZero := append([]float64{0}, y...)
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"damped without trend", func() error { _, err := Fit(y, Spec{Damped: true}); return err }, ErrBadSpec},
		{"seasonal without period", func() error { _, err := Fit(y, Spec{Seasonal: Additive}); return err }, ErrBadSpec},
		{"multiplicative trend", func() error { _, err := Fit(y, Spec{Trend: Multiplicative}); return err }, ErrBadSpec},
		{"empty series", func() error { _, err := Smooth(nil, Spec{}, Params{Alpha: 0.5}, State{}); return err }, ErrBadSpec},
		{"NaN in series", func() error { _, err := Fit([]float64{1, 2, math.NaN(), 4, 5, 6, 7, 8, 9, 10}, Spec{}); return err }, ErrBadSpec},
		{"wrong seasonal count", func() error {
			_, err := Smooth(y, Spec{Seasonal: Additive, Period: 7}, Params{Alpha: 0.5}, State{Seasonal: []float64{1}})
			return err
		}, ErrBadSpec},
		{"heuristic on 9 days", func() error { _, err := HeuristicState(y[:9], Spec{}); return err }, ErrTooShort},
		{"seasonal heuristic on 15 days", func() error { _, err := HeuristicState(y[:15], Spec{Seasonal: Additive, Period: 7}); return err }, ErrTooShort},
		{"seasonal fit on 13 days", func() error { _, err := Fit(y[:13], Spec{Seasonal: Additive, Period: 7}); return err }, ErrTooShort},
		{"multiplicative with a zero", func() error { _, err := Fit(withZero, Spec{Seasonal: Multiplicative, Period: 7}); return err }, ErrNotPositive},
	}
	for _, tc := range tests {
		if err := tc.err(); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestSelectSkipsImpossible: with a zero in the series the multiplicative
// candidates are recorded as failed and an additive one is chosen; with
// none fittable Select says why.
func TestSelectSkipsImpossible(t *testing.T) {
	y := syntheticSpend(70, 4)
	y[30] = 0
	sel, err := Select(y, DailyCandidates(7))
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range sel.Candidates {
		if c.Err != nil {
			failed++
			if !errors.Is(c.Err, ErrNotPositive) {
				t.Errorf("%s: err %v, want ErrNotPositive", c.Spec.Name(), c.Err)
			}
		} else if c.AIC < sel.Best.AIC() {
			t.Errorf("%s has AIC %.3f below the chosen %.3f", c.Spec.Name(), c.AIC, sel.Best.AIC())
		}
	}
	if failed != 3 || sel.Best.Spec.Seasonal == Multiplicative {
		t.Errorf("%d failed candidates, chose %s; want the 3 multiplicative ones failed", failed, sel.Best.Spec.Name())
	}
	if _, err := Select(y[:5], []Spec{{Seasonal: Additive, Period: 7}}); !errors.Is(err, ErrNoModel) || !errors.Is(err, ErrTooShort) {
		t.Errorf("nothing fittable: err = %v, want ErrNoModel wrapping ErrTooShort", err)
	}
}

// TestSelectFindsWeeklyPattern: on a series with a strong weekly pattern
// the AIC choice is seasonal.
func TestSelectFindsWeeklyPattern(t *testing.T) {
	sel, err := Select(syntheticSpend(120, 5), DailyCandidates(7))
	if err != nil {
		t.Fatal(err)
	}
	if sel.Best.Spec.Seasonal == None {
		t.Errorf("chose %s for a weekly series", sel.Best.Spec.Name())
	}
}

// TestPredictSimulated: a multiplicative model's intervals come from seeded
// simulation: reproducible, nested (95 % outside 80 %), around the point
// forecast, and widening with the horizon.
func TestPredictSimulated(t *testing.T) {
	y := syntheticSpend(120, 6)
	spec := Spec{Trend: Additive, Seasonal: Multiplicative, Period: 7}
	init, err := HeuristicState(y, spec)
	if err != nil {
		t.Fatal(err)
	}
	// Fixed parameters that carry the errors forward, so the band widens.
	r, err := Smooth(y, spec, Params{Alpha: 0.5, Beta: 0.1, Gamma: 0.1}, init)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Intervals(7); !errors.Is(err, ErrNoClosedForm) {
		t.Fatalf("Intervals: err = %v, want ErrNoClosedForm", err)
	}
	a, err := r.Predict(30, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Predict(30, 42)
	for h := range a.Mean {
		if a.PI95.Lower[h] != b.PI95.Lower[h] || a.PI80.Upper[h] != b.PI80.Upper[h] {
			t.Fatalf("h=%d: same seed, different intervals", h+1)
		}
		if !(a.PI95.Lower[h] < a.PI80.Lower[h] && a.PI80.Lower[h] < a.Mean[h] && a.Mean[h] < a.PI80.Upper[h] && a.PI80.Upper[h] < a.PI95.Upper[h]) {
			t.Errorf("h=%d: bands not nested around the mean: 95 [%.2f %.2f] 80 [%.2f %.2f] mean %.2f", h+1, a.PI95.Lower[h], a.PI95.Upper[h], a.PI80.Lower[h], a.PI80.Upper[h], a.Mean[h])
		}
	}
	w1 := a.PI95.Upper[0] - a.PI95.Lower[0]
	w30 := a.PI95.Upper[29] - a.PI95.Lower[29]
	if !(w30 > 1.5*w1) {
		t.Errorf("95%% width at h=30 %.2f not 1.5 times h=1's %.2f", w30, w1)
	}
}

// TestForecastDamped: a damped trend's forecast levels off at
// l + b·φ/(1−φ).
func TestForecastDamped(t *testing.T) {
	r, err := Smooth([]float64{10, 11, 12}, Spec{Trend: Additive, Damped: true}, Params{Alpha: 1, Beta: 1, Phi: 0.9}, State{Level: 9, Trend: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Forecast(500)
	want := 12 + 1*0.9/(1-0.9)
	if math.Abs(f[499]-want) > 1e-9 {
		t.Errorf("forecast at h=500 = %.12g, want the limit %.12g", f[499], want)
	}
}
