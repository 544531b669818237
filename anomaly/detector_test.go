package anomaly

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/stats"
)

func mustNew(t *testing.T, cfg Config) *Detector {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, tc := range map[string]struct {
		edit func(*Config)
		want string
	}{
		"method":        {func(c *Config) { c.Method = "mad" }, "method"},
		"empty method":  {func(c *Config) { c.Method = "" }, "method"},
		"window":        {func(c *Config) { c.Window = 1 }, "window"},
		"warm-up small": {func(c *Config) { c.WarmUp = 1 }, "warm_up"},
		"warm-up big":   {func(c *Config) { c.WarmUp = c.Window + 1 }, "warm_up"},
		"threshold 0":   {func(c *Config) { c.Threshold = 0 }, "threshold"},
		"threshold NaN": {func(c *Config) { c.Threshold = math.NaN() }, "threshold"},
		"threshold Inf": {func(c *Config) { c.Threshold = math.Inf(1) }, "threshold"},
		"cool-down":     {func(c *Config) { c.CoolDown = -1 }, "cool_down"},
		"recent":        {func(c *Config) { c.Recent = 0 }, "recent"},
		"direction":     {func(c *Config) { c.Direction = "sideways" }, "direction"},
		"ddof":          {func(c *Config) { c.DDoF = c.WarmUp }, "ddof"},
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an EINVALID error naming %s", err, tc.want)
			}
			if _, err := New(c); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

// TestWarmUpThresholdCoolDown walks one series through the rules with
// hand-computed scores: window {1..5} has mean 3 and population standard
// deviation √2.
func TestWarmUpThresholdCoolDown(t *testing.T) {
	cfg := Config{Method: MethodZScore, Window: 5, WarmUp: 5, Recent: 1, Threshold: 3, Direction: Both, CoolDown: 2}
	d := mustNew(t, cfg)
	k := Key{Signal: "cost", Model: "m"}
	for _, x := range []float64{1, 2, 3, 4} {
		if _, ok, err := d.Observe(k, x); ok || err != nil {
			t.Fatalf("Observe(%v) during warm-up = %v, %v", x, ok, err)
		}
		if !math.IsNaN(d.Score(k)) {
			t.Fatalf("score during warm-up = %v, want NaN", d.Score(k))
		}
	}
	// The 5th value fills the warm-up; it is not scored itself.
	if _, ok, _ := d.Observe(k, 1000); ok {
		t.Fatal("the value that completes the warm-up was judged")
	}
	d = mustNew(t, cfg)
	for _, x := range []float64{1, 2, 3, 4, 5} {
		d.Observe(k, x)
	}
	a, ok, err := d.Observe(k, 10)
	if err != nil || !ok {
		t.Fatalf("Observe(10) = %v, %v; want an anomaly", ok, err)
	}
	want := Anomaly{Signal: "cost", Model: "m", Value: 10, Recent: 10, Baseline: 3, Score: 7 / math.Sqrt2, Method: MethodZScore, Direction: Up, N: 6}
	if math.Abs(a.Score-want.Score) > 1e-12 {
		t.Fatalf("score %v, want %v", a.Score, want.Score)
	}
	a.Score = want.Score
	if a != want {
		t.Fatalf("anomaly %+v, want %+v", a, want)
	}
	// Cool-down: the next two values score beyond the threshold (3.66 and
	// 7.25, less than twice the alarm's) and raise nothing; the third
	// does.
	for i, x := range []float64{15, 40, 1e9} {
		_, ok, _ := d.Observe(k, x)
		if ok != (i == 2) || d.Score(k) <= 3 {
			t.Fatalf("value %d after the alarm (score %v): anomaly = %v", i+1, d.Score(k), ok)
		}
	}
	// Escalation: during the cool-down a score at least twice the
	// alarm's alarms again.
	d = mustNew(t, cfg)
	for _, x := range []float64{1, 2, 3, 4, 5} {
		d.Observe(k, x)
	}
	d.Observe(k, 10) // z = 4.95 on window {1..5}; window now {2..5, 10}
	if _, ok, _ := d.Observe(k, 30); ok {
		t.Fatalf("score %v < 2 × 4.95 alarmed during the cool-down", d.Score(k))
	}
	if a, ok, _ := d.Observe(k, 1e6); !ok || a.Score < 9.9 {
		t.Fatalf("score %v ≥ 2 × 4.95 did not alarm during the cool-down", d.Score(k))
	}
	// Another series of the same detector is independent.
	if _, ok, _ := d.Observe(Key{Signal: "cost", Model: "other"}, 1e9); ok {
		t.Fatal("a new series alarmed before its warm-up")
	}
	if got := d.Keys(); len(got) != 2 || got[0].Model != "m" || got[1].Model != "other" {
		t.Fatalf("Keys = %v", got)
	}
}

// TestAnomalyEntersBaseline: the documented choice — an anomalous value
// joins the window, so a lasting step stops alarming once the window has
// filled with it.
func TestAnomalyEntersBaseline(t *testing.T) {
	cfg := Config{Method: MethodRobust, Window: 20, WarmUp: 10, Recent: 1, Threshold: 4, Direction: Both, CoolDown: 0, Log: true}
	d := mustNew(t, cfg)
	k := Key{Signal: "latency.summarize", Model: "m"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		if _, ok, _ := d.Observe(k, math.Exp(0.1*r.NormFloat64())); ok {
			t.Fatal("alarm on stationary values")
		}
	}
	alarms, last := 0, -1
	for i := range 100 {
		if _, ok, _ := d.Observe(k, 3*math.Exp(0.1*r.NormFloat64())); ok {
			alarms++
			last = i
		}
	}
	if alarms == 0 || last >= 20 {
		t.Fatalf("%d alarms after a ×3 step, last at %d: want alarms only while the step is new (window 20)", alarms, last)
	}
}

func TestObserveRejects(t *testing.T) {
	k := Key{Signal: "cost", Model: "m"}
	logD := mustNew(t, DefaultConfig())
	plain := DefaultConfig()
	plain.Log = false
	plainD := mustNew(t, plain)
	for _, tc := range []struct {
		d *Detector
		x float64
	}{{logD, 0}, {logD, -1}, {logD, math.NaN()}, {logD, math.Inf(1)}, {plainD, math.NaN()}, {plainD, math.Inf(-1)}} {
		if _, _, err := tc.d.Observe(k, tc.x); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("Observe(%v) error = %v, want EINVALID", tc.x, err)
		}
	}
	if len(logD.Keys()) != 0 {
		// A rejected value must not even create the series.
		t.Errorf("rejected values created series %v", logD.Keys())
	}
	if _, _, err := plainD.Observe(k, -3); err != nil {
		t.Errorf("plain scale refused a negative value: %v", err)
	}
}

// TestStateRoundTrip: a detector saved and loaded at any point continues
// exactly as the one that was not, for both methods.
func TestStateRoundTrip(t *testing.T) {
	for _, m := range []Method{MethodZScore, MethodRobust} {
		cfg := DefaultConfig()
		cfg.Method, cfg.Window, cfg.WarmUp, cfg.CoolDown, cfg.Threshold = m, 30, 10, 3, 2.5
		a := mustNew(t, cfg)
		b := mustNew(t, cfg)
		r := rand.New(rand.NewPCG(3, 4))
		keys := []Key{{"cost", "x"}, {"cost", "y"}, {"tokens.revise", "x"}}
		alarms := 0
		for i := range 600 {
			k := keys[i%len(keys)]
			x := math.Exp(r.NormFloat64())
			wa, oka, erra := a.Observe(k, x)
			wb, okb, errb := b.Observe(k, x)
			if wa != wb || oka != okb || erra != nil || errb != nil {
				t.Fatalf("%s step %d: %+v %v %v vs restored %+v %v %v", m, i, wa, oka, erra, wb, okb, errb)
			}
			if oka {
				alarms++
			}
			if i%7 == 0 || oka {
				data, err := json.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				if b, err = Load(data); err != nil {
					t.Fatal(err)
				}
			}
		}
		if alarms == 0 {
			t.Fatalf("%s: no alarm at threshold 2.5, the cool-down path was not exercised", m)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	d := mustNew(t, DefaultConfig())
	d.Observe(Key{"cost", "m"}, 1)
	good, _ := json.Marshal(d)
	cfg := `{"method":"zscore","window":3,"warm_up":2,"recent":2,"threshold":3,"direction":"both","cool_down":1,"log":false,"ddof":0}`
	doc := func(series string) string { return `{"version":1,"config":` + cfg + `,"series":[` + series + `]}` }
	for name, doc := range map[string]string{
		"not JSON":          "{",
		"version":           strings.Replace(string(good), `"version":1`, `"version":2`, 1),
		"bad config":        strings.Replace(string(good), `"window":100`, `"window":1`, 1),
		"window too long":   doc(`{"signal":"s","model":"m","n":6,"window":[1,2,3,4],"recent":[5,6],"cool_down_left":0}`),
		"recent too long":   doc(`{"signal":"s","model":"m","n":3,"window":[],"recent":[1,2,3],"cool_down_left":0}`),
		"window not recent": doc(`{"signal":"s","model":"m","n":3,"window":[1,2],"recent":[3],"cool_down_left":0}`),
		"n too small":       doc(`{"signal":"s","model":"m","n":2,"window":[1],"recent":[2,3],"cool_down_left":0}`),
		"cool-down":         doc(`{"signal":"s","model":"m","n":3,"window":[1],"recent":[2,3],"cool_down_left":2}`),
		"duplicate": doc(`{"signal":"s","model":"m","n":3,"window":[1],"recent":[2,3],"cool_down_left":0},` +
			`{"signal":"s","model":"m","n":3,"window":[1],"recent":[2,3],"cool_down_left":0}`),
	} {
		if _, err := Load([]byte(doc)); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: Load error = %v, want EINVALID", name, err)
		}
	}
	if _, err := Load(good); err != nil {
		t.Fatalf("good state: %v", err)
	}
	if _, err := Load([]byte(doc(`{"signal":"s","model":"m","n":9,"window":[1,2,3],"recent":[2,3],"cool_down_left":1}`))); err != nil {
		t.Fatalf("hand-written good state: %v", err)
	}
}

// TestRecentMean: with Recent 2 the mean of the two newest values is
// scored against the window before them, with the standard error σ/√2:
// window {1..5} (mean 3, σ √2), recent {7, 7}: z = (7 − 3)/(√2/√2) = 4.
func TestRecentMean(t *testing.T) {
	d := mustNew(t, Config{Method: MethodZScore, Window: 5, WarmUp: 5, Recent: 2, Threshold: 3, Direction: Up, CoolDown: 0})
	k := Key{Signal: "tokens.summarize", Model: "m"}
	for _, x := range []float64{1, 2, 3, 4, 5, 7} {
		if _, ok, _ := d.Observe(k, x); ok || !math.IsNaN(d.Score(k)) {
			t.Fatalf("Observe(%v): scored before the window held 5 values (score %v)", x, d.Score(k))
		}
	}
	a, ok, err := d.Observe(k, 7)
	if err != nil || !ok || math.Abs(a.Score-4) > 1e-12 || a.Recent != 7 || a.Baseline != 3 || a.Value != 7 {
		t.Fatalf("Observe(7) = %+v, %v, %v; want score 4, recent 7, baseline 3", a, ok, err)
	}
	// Up only: a mean far below the baseline raises nothing.
	d = mustNew(t, Config{Method: MethodZScore, Window: 5, WarmUp: 5, Recent: 2, Threshold: 3, Direction: Up, CoolDown: 0})
	for _, x := range []float64{1, 2, 3, 4, 5, -10} {
		d.Observe(k, x)
	}
	if _, ok, _ := d.Observe(k, -10); ok || d.Score(k) > -3 {
		t.Fatalf("direction up alarmed on score %v", d.Score(k))
	}
}

// TestScoresAreZMap: every score is drift's ZMap or RobustZMap of the
// recent mean against the window before it, times √Recent, bit for bit —
// with ties (values rounded to 0.1), windows that slide, and the robust
// method's sorted window kept by insertion.
func TestScoresAreZMap(t *testing.T) {
	for _, m := range []Method{MethodZScore, MethodRobust} {
		for _, recent := range []int{1, 3} {
			cfg := Config{Method: m, Window: 15, WarmUp: 5, Recent: recent, Threshold: 3, Direction: Both, CoolDown: 2}
			d := mustNew(t, cfg)
			k := Key{Signal: "s", Model: "m"}
			r := rand.New(rand.NewPCG(5, uint64(recent)))
			var xs []float64
			for i := range 300 {
				x := math.Round(10*r.NormFloat64()) / 10
				if i%50 == 49 {
					x += 20
				}
				xs = append(xs, x)
				if _, _, err := d.Observe(k, x); err != nil {
					t.Fatal(err)
				}
				rec := xs[max(0, len(xs)-recent):]
				win := xs[max(0, len(xs)-recent-cfg.Window) : len(xs)-len(rec)]
				want := math.NaN()
				if len(rec) == recent && len(win) >= cfg.WarmUp {
					mean := rec[0]
					if recent > 1 {
						mean = stats.Sum(rec) / float64(recent)
					}
					var z []float64
					if m == MethodRobust {
						z = drift.RobustZMap([]float64{mean}, win)
					} else {
						z = drift.ZMap([]float64{mean}, win, 0, drift.Propagate)
					}
					want = z[0] * math.Sqrt(float64(recent))
				}
				if got := d.Score(k); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("%s recent %d, value %d: score %v, want %v", m, recent, i, got, want)
				}
			}
		}
	}
}
