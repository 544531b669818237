package drift

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// stream returns n values with a change in the middle: N(0,1) then
// N(2,1.5²) for real-valued detectors, error rate 0.1 then 0.4 for the
// binary ones. Fixed seed.
func stream(kind Kind, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	for i := range xs {
		after := i >= n/2
		if kind.Binary() {
			p := 0.1
			if after {
				p = 0.4
			}
			if rng.Float64() < p {
				xs[i] = 1
			}
			continue
		}
		if after {
			xs[i] = 2 + 1.5*rng.NormFloat64()
		} else {
			xs[i] = rng.NormFloat64()
		}
	}
	return xs
}

// paramSets are the parameter sets the state tests run per kind: the
// defaults and a variant that fires often (so that restores land right
// after detections, where the lazy reset is pending).
var paramSets = map[Kind][]string{
	KindPageHinkley: {`{}`, `{"min_instances": 10, "threshold": 5, "alpha": 1.0, "mode": "down"}`},
	KindADWIN:       {`{}`, `{"delta": 0.1, "clock": 1, "max_buckets": 2, "min_window_length": 3, "grace_period": 4}`},
	KindKSWIN:       {`{"seed": 42}`, `{"alpha": 0.05, "window_size": 40, "stat_size": 15, "seed": 3}`, `{}`},
	KindDDM:         {`{}`, `{"warm_start": 10, "warning_threshold": 1.0, "drift_threshold": 1.5}`},
	KindEDDM:        {`{}`, `{"warm_start": 5, "alpha": 0.99, "beta": 0.98}`},
	KindHDDMA:       {`{}`, `{"drift_confidence": 0.1, "warning_confidence": 0.3, "two_sided_test": true}`},
	KindCUSUM:       {`{}`, `{"min_instances": 5, "slack": 0.1, "threshold": 1, "mode": "up"}`, `{"mu0": 0, "sigma": 1}`},
	KindRollingZ:    {`{}`, `{"window_size": 20, "warm_up": 5, "threshold": 1.5, "cool_down": 2, "robust": true}`, `{"ddof": 1, "cool_down": 0}`},
}

func mustNew(t *testing.T, kind Kind, params string) Detector {
	t.Helper()
	d, err := New(kind, json.RawMessage(params))
	if err != nil {
		t.Fatalf("New(%s, %s): %v", kind, params, err)
	}
	return d
}

func mustSave(t *testing.T, d Detector) []byte {
	t.Helper()
	b, err := Save(d)
	if err != nil {
		t.Fatalf("Save(%s): %v", d.Kind(), err)
	}
	return b
}

func sameStats(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !(v == w || math.IsNaN(v) && math.IsNaN(w)) {
			return false
		}
	}
	return true
}

// TestRoundTripMidStream saves and restores a detector before every
// fifth update and before every update that follows a detection or a
// warning (when river's lazy reset is pending), and checks that it gives
// the same signals and the same state as a twin that never stopped —
// KSWIN without a seed included (its generator state travels with it).
func TestRoundTripMidStream(t *testing.T) {
	for _, kind := range Kinds() {
		for _, params := range paramSets[kind] {
			t.Run(string(kind)+params, func(t *testing.T) {
				xs := stream(kind, 1500, 11)
				straight := mustNew(t, kind, params)
				// Start the restored copy from the straight one's saved
				// form, so that an unseeded KSWIN shares its generator.
				restored, err := Load(mustSave(t, straight))
				if err != nil {
					t.Fatal(err)
				}
				drifts := 0
				for i, x := range xs {
					if last := straight.Last(); i%5 == 0 || last.Drift || last.Warning {
						restored, err = Load(mustSave(t, restored))
						if err != nil {
							t.Fatalf("step %d: Load: %v", i, err)
						}
					}
					want, err1 := straight.Update(x)
					got, err2 := restored.Update(x)
					if err1 != nil || err2 != nil {
						t.Fatalf("step %d: %v / %v", i, err1, err2)
					}
					if got != want {
						t.Fatalf("step %d: restored detector signals %+v, the straight one %+v", i, got, want)
					}
					if !sameStats(restored.Stats(), straight.Stats()) {
						t.Fatalf("step %d: stats differ:\n%v\n%v", i, restored.Stats(), straight.Stats())
					}
					if want.Drift {
						drifts++
					}
				}
				if !bytes.Equal(mustSave(t, restored), mustSave(t, straight)) {
					t.Error("the saved forms differ at the end")
				}
				if drifts == 0 {
					t.Errorf("no detection in the stream: the test did not exercise a restore after a detection")
				}
			})
		}
	}
}

// TestSavedFormIsSelfDescribing checks the envelope: kind, version,
// river's parameter names with their defaults filled in, and a state.
func TestSavedFormIsSelfDescribing(t *testing.T) {
	d := mustNew(t, KindADWIN, `{"clock": 4}`)
	var env struct {
		Kind    Kind           `json:"kind"`
		Version int            `json:"version"`
		Params  map[string]any `json:"params"`
		State   map[string]any `json:"state"`
	}
	if err := json.Unmarshal(mustSave(t, d), &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"delta": 0.002, "clock": 4.0, "max_buckets": 5.0, "min_window_length": 5.0, "grace_period": 10.0}
	if env.Kind != KindADWIN || env.Version != 1 || len(env.State) == 0 {
		t.Fatalf("envelope = %+v", env)
	}
	for k, v := range want {
		if env.Params[k] != v {
			t.Errorf("params[%s] = %v, want %v", k, env.Params[k], v)
		}
	}
	// Non-finite state values survive JSON (PageHinkley's min starts at
	// +Inf).
	ph := mustNew(t, KindPageHinkley, `{}`)
	b := mustSave(t, ph)
	if !strings.Contains(string(b), `"Infinity"`) {
		t.Errorf("saved PageHinkley lacks its +Inf minimum: %s", b)
	}
	back, err := Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(back.Stats()["min_increase"], 1) {
		t.Errorf("min_increase after Load = %v", back.Stats()["min_increase"])
	}
}

// TestLoadRejectsBadInput: corrupt, foreign, mismatched and inconsistent
// documents are EINVALID errors, never a half-restored detector.
func TestLoadRejectsBadInput(t *testing.T) {
	ks := mustNew(t, KindKSWIN, `{"seed": 1, "window_size": 10, "stat_size": 3}`)
	for range 12 {
		ks.Update(1.5)
	}
	good := string(mustSave(t, ks))
	adwin := mustNew(t, KindADWIN, `{}`)
	for i := range 40 {
		adwin.Update(float64(i % 3))
	}
	goodADWIN := string(mustSave(t, adwin))
	bad := map[string]string{
		"empty":            ``,
		"not json":         `{"kind": "KSWIN", `,
		"array":            `[1, 2]`,
		"unknown kind":     strings.Replace(good, `"kind":"KSWIN"`, `"kind":"Nope"`, 1),
		"future version":   strings.Replace(good, `"version":1`, `"version":2`, 1),
		"no state":         `{"kind":"DDM","version":1,"params":{}}`,
		"unknown param":    strings.Replace(good, `"alpha":0.005`, `"alpha":0.005,"alpah":1`, 1),
		"invalid param":    strings.Replace(good, `"stat_size":3`, `"stat_size":30`, 1),
		"unknown state":    strings.Replace(good, `"n":12`, `"n":12,"m":1`, 1),
		"window too long":  strings.Replace(good, `"window_size":10`, `"window_size":8`, 1),
		"short rng":        `{"kind":"KSWIN","version":1,"params":{},"state":{"n":0,"window":[],"p_value":0,"statistic":0,"tested":false,"drift_detected":false,"rng":{"mt":[1,2],"pos":0}}}`,
		"adwin width lies": strings.Replace(goodADWIN, `"width":40`, `"width":41`, 1),
		"string number":    strings.Replace(good, `"n":12`, `"n":"12"`, 1),
	}
	for name, doc := range bad {
		if doc == good || doc == goodADWIN {
			t.Fatalf("%s: the corruption did not apply", name)
		}
		d, err := Load([]byte(doc))
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: Load = %v, %v; want an EINVALID error", name, d, err)
		}
	}
	if _, err := Load([]byte(good)); err != nil {
		t.Fatalf("the uncorrupted document does not load: %v", err)
	}
}
