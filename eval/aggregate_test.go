package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/papersum/papersum/stats"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// item builds an item with metrics given as name, value pairs.
func item(id string, kv ...any) Item {
	it := Item{ID: id, Metrics: map[string]float64{}}
	for i := 0; i < len(kv); i += 2 {
		it.Metrics[kv[i].(string)] = kv[i+1].(float64)
	}
	return it
}

func failed(id string) Item { return Item{ID: id, Error: "overloaded"} }

func TestAggregate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	type want struct {
		n                          int
		mean, sd, min, median, max float64
		ciIsPoint                  bool
	}
	for _, tc := range []struct {
		name  string
		items []Item
		want  map[string]want // metrics expected; any other metric is an error
	}{
		{"no items", nil, map[string]want{}},
		{"only errors", []Item{failed("a"), failed("b")}, map[string]want{}},
		{"one item", []Item{item("a", "overall", 7.5)}, map[string]want{
			"overall": {1, 7.5, 0, 7.5, 7.5, 7.5, true}}},
		{"all equal", []Item{item("a", "x", 3.0), item("b", "x", 3.0), item("c", "x", 3.0)}, map[string]want{
			"x": {3, 3, 0, 3, 3, 3, true}}},
		{"even n median and sd", []Item{item("a", "x", 4.0), item("b", "x", 1.0), item("c", "x", 3.0), item("d", "x", 2.0)}, map[string]want{
			"x": {4, 2.5, math.Sqrt(5.0 / 3), 1, 2.5, 4, false}}},
		{"ties", []Item{item("a", "x", 1.0), item("b", "x", 2.0), item("c", "x", 2.0), item("d", "x", 2.0), item("e", "x", 9.0)}, map[string]want{
			"x": {5, 3.2, math.Sqrt(10.7), 1, 2, 9, false}}},
		{"NaN and Inf are missing", []Item{item("a", "x", 1.0), item("b", "x", nan), item("c", "x", 3.0), item("d", "x", inf)}, map[string]want{
			"x": {2, 2, math.Sqrt2, 1, 2, 3, false}}},
		{"only NaN: metric absent", []Item{item("a", "x", nan), item("b", "y", 1.0)}, map[string]want{
			"y": {1, 1, 0, 1, 1, 1, true}}},
		{"metric missing on some items; errors skipped", []Item{
			item("a", "overall", 8.0, "rouge2_f/human", 0.1), item("b", "overall", 6.0), failed("c"),
			item("d", "overall", 7.0, "rouge2_f/human", 0.3)}, map[string]want{
			"overall":        {3, 7, 1, 6, 7, 8, false},
			"rouge2_f/human": {2, 0.2, math.Sqrt(0.02), 0.1, 0.2, 0.3, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Aggregate(tc.items, newRand(1))
			if len(got) != len(tc.want) {
				t.Errorf("metrics %v, want %d", keys(got), len(tc.want))
			}
			for name, w := range tc.want {
				s, ok := got[name]
				if !ok {
					t.Errorf("%s missing", name)
					continue
				}
				if s.N != w.n || !near(s.Mean, w.mean) || !near(s.StdDev, w.sd) || s.Min != w.min || !near(s.Median, w.median) || s.Max != w.max {
					t.Errorf("%s = %+v, want %+v", name, s, w)
				}
				if w.ciIsPoint && (s.CI[0] != w.mean || s.CI[1] != w.mean) {
					t.Errorf("%s CI %v, want [%v, %v]", name, s.CI, w.mean, w.mean)
				}
				if !(s.CI[0] <= s.Mean && s.Mean <= s.CI[1] && s.CI[0] >= s.Min && s.CI[1] <= s.Max) {
					t.Errorf("%s CI %v does not bracket the mean %v within [min, max]", name, s.CI, s.Mean)
				}
				if !w.ciIsPoint && s.CI[0] == s.CI[1] {
					t.Errorf("%s CI %v is a point for varying data", name, s.CI)
				}
			}
			// Every summary must encode: JSON has no NaN.
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("aggregate does not encode: %v", err)
			}
		})
	}
}

func TestAggregateDeterministicAndMatchesStats(t *testing.T) {
	var items []Item
	r := newRand(7)
	for i := range 40 {
		items = append(items, item(string(rune('a'+i%26))+string(rune('0'+i/26)), "overall", 5+4*r.Float64(), "accuracy", float64(6+r.IntN(5))))
	}
	a, b := Aggregate(items, newRand(3)), Aggregate(items, newRand(3))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different aggregates:\n%v\n%v", a, b)
	}
	// Metrics are resampled in sorted order: "accuracy" then "overall".
	rng := newRand(3)
	var acc, ov []float64
	for _, it := range items {
		acc = append(acc, it.Metrics["accuracy"])
		ov = append(ov, it.Metrics["overall"])
	}
	for _, c := range []struct {
		name string
		x    []float64
	}{{"accuracy", acc}, {"overall", ov}} {
		ci, err := stats.BootstrapCI(rng, c.x, mean, stats.BootstrapOptions{Resamples: BootstrapResamples, Method: stats.Percentile})
		if err != nil {
			t.Fatal(err)
		}
		if got := a[c.name].CI; got != [2]float64{ci.Low, ci.High} {
			t.Errorf("%s CI %v, want stats.BootstrapCI percentile %v", c.name, got, ci.Interval)
		}
	}
	if c := Aggregate(items, newRand(4))["overall"].CI; c == a["overall"].CI {
		t.Errorf("a different seed gave the same interval %v", c)
	}
}

func TestAggregateNilRNGPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Aggregate(nil, nil)
}

func TestPassRate(t *testing.T) {
	th := DefaultThresholds()
	items := []Item{
		item("pass", "accuracy", 8.0, "overall", 7.5),        // exactly at the bar
		item("pass2", "accuracy", 9.5, "overall", 9.0),       //
		item("low-acc", "accuracy", 7.9, "overall", 9.0),     //
		item("low-overall", "accuracy", 9.0, "overall", 7.4), //
		item("no-rubric", "rouge2_f/human", 0.3),             // missing metrics fail
		item("nan", "accuracy", math.NaN(), "overall", 8.0),  //
		failed("error"), //
	}
	for _, tc := range []struct {
		name  string
		items []Item
		th    Thresholds
		k, n  int
	}{
		{"mixed", items, th, 2, 7},
		{"zero thresholds: only errors fail", items, Thresholds{}, 6, 7},
		{"accuracy only", items, Thresholds{Accuracy: 8}, 3, 7},
		{"all pass", items[:2], th, 2, 2},
		{"all fail", items[2:], th, 0, 5},
		{"one item", items[:1], th, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PassRate(tc.items, tc.th)
			ci := stats.WilsonInterval(tc.k, tc.n, 0.95, false)
			want := Proportion{K: tc.k, N: tc.n, Value: float64(tc.k) / float64(tc.n), CI: [2]float64{ci.Low, ci.High}}
			if got != want {
				t.Errorf("PassRate = %+v, want %+v", got, want)
			}
		})
	}
	if got := PassRate(nil, th); got != (Proportion{CI: [2]float64{0, 1}}) {
		t.Errorf("no items: %+v, want 0 with [0, 1]", got)
	}
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}
