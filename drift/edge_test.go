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

var (
	nan  = math.NaN()
	pinf = math.Inf(1)
	ninf = math.Inf(-1)
)

// TestUpdateRejectsBadObservations: NaN, ±Inf and, for the binary
// detectors, anything but 0/1 are EINVALID errors that leave the detector
// exactly as it was, mid-stream and right after a detection.
func TestUpdateRejectsBadObservations(t *testing.T) {
	for _, kind := range Kinds() {
		for _, params := range paramSets[kind] {
			d := mustNew(t, kind, params)
			bad := []float64{nan, pinf, ninf}
			if kind.Binary() {
				bad = append(bad, 0.5, 2, -1)
			}
			xs := stream(kind, 700, 5)
			for i, x := range xs {
				if i%50 == 0 || d.Last().Drift {
					before := mustSave(t, d)
					for _, b := range bad {
						if _, err := d.Update(b); papersum.ErrorCode(err) != papersum.EINVALID {
							t.Fatalf("%s%s: Update(%v) error = %v, want EINVALID", kind, params, b, err)
						}
					}
					if !bytes.Equal(before, mustSave(t, d)) {
						t.Fatalf("%s%s: a rejected observation changed the state", kind, params)
					}
				}
				if _, err := d.Update(x); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestConstantStreams: a stream that never changes must never alarm — not
// even where a scale estimate is 0 (CUSUM's σ, the z-score's standard
// deviation, DDM's s, KS ties everywhere).
func TestConstantStreams(t *testing.T) {
	for _, kind := range Kinds() {
		values := []float64{0, 3.5, -1e9, 1e-300}
		if kind.Binary() {
			values = []float64{0, 1}
		}
		for _, params := range paramSets[kind] {
			for _, v := range values {
				if strings.Contains(params, `"mu0"`) && v != 0 {
					continue // a constant away from a given μ0 is a change
				}
				d := mustNew(t, kind, params)
				for i := range 3000 {
					sig, err := d.Update(v)
					if err != nil {
						t.Fatal(err)
					}
					if sig.Drift || sig.Warning {
						t.Fatalf("%s%s on the constant %v: %+v at %d", kind, params, v, sig, i)
					}
				}
			}
		}
	}
}

// TestDetectorsDetectAnObviousChange is a sanity check beyond the
// reference vectors: every detector with its defaults signals within a
// few hundred observations of a large change, and not long before it.
func TestDetectorsDetectAnObviousChange(t *testing.T) {
	for _, kind := range Kinds() {
		params := `{}`
		if kind == KindKSWIN {
			params = `{"seed": 1}`
		}
		d := mustNew(t, kind, params)
		rng := rand.New(rand.NewPCG(99, 1))
		first := -1
		for i := range 2000 {
			var x float64
			switch {
			case kind.Binary() && i < 1000:
				x = b2f(rng.Float64() < 0.05)
			case kind.Binary():
				x = b2f(rng.Float64() < 0.6)
			case i < 1000:
				x = rng.NormFloat64()
			default:
				x = 6 + rng.NormFloat64()
			}
			sig, err := d.Update(x)
			if err != nil {
				t.Fatal(err)
			}
			if sig.Drift && i >= 1000 && first < 0 {
				first = i
			}
		}
		if first < 0 || first > 1300 {
			t.Errorf("%s: first detection after the change at %d, want within 300 updates", kind, first)
		}
	}
}

// TestNewRejectsBadParams: unknown kinds and parameter names, and invalid
// values, are EINVALID errors.
func TestNewRejectsBadParams(t *testing.T) {
	cases := []struct {
		kind   Kind
		params string
	}{
		{"Shewhart", `{}`},
		{KindADWIN, `{"delta": 0}`},
		{KindADWIN, `{"clock": 0}`},
		{KindADWIN, `{"detla": 0.1}`},
		{KindADWIN, `{"delta": "0.1"}`},
		{KindADWIN, `[1]`},
		{KindPageHinkley, `{"mode": "sideways"}`},
		{KindPageHinkley, `{"alpha": 1.5}`},
		{KindPageHinkley, `{"min_instances": 0}`},
		{KindKSWIN, `{"window_size": 50, "stat_size": 30}`},
		{KindKSWIN, `{"alpha": -0.1}`},
		{KindKSWIN, `{"window": [1, "x"]}`},
		{KindDDM, `{"warm_start": -1}`},
		{KindEDDM, `{"alpha": 0.8, "beta": 0.9}`},
		{KindHDDMA, `{"drift_confidence": 1}`},
		{KindCUSUM, `{"threshold": 0}`},
		{KindCUSUM, `{"sigma": -1}`},
		{KindRollingZ, `{"warm_up": 1}`},
		{KindRollingZ, `{"warm_up": 200}`},
		{KindRollingZ, `{"ddof": 30}`},
		{KindRollingZ, `{} {}`},
	}
	for _, c := range cases {
		if _, err := New(c.kind, json.RawMessage(c.params)); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("New(%s, %s) error = %v, want EINVALID", c.kind, c.params, err)
		}
	}
	for _, kind := range Kinds() {
		for _, p := range []string{``, `null`, `{}`} {
			if _, err := New(kind, json.RawMessage(p)); err != nil {
				t.Errorf("New(%s, %q): %v", kind, p, err)
			}
		}
	}
}

// TestTypedConstructorsMatchNew: the typed constructors with the defaults
// build the same detector as New with no parameters.
func TestTypedConstructorsMatchNew(t *testing.T) {
	seed := int64(4)
	typed := map[Kind]func() (Detector, error){
		KindPageHinkley: func() (Detector, error) { return NewPageHinkley(DefaultPageHinkleyParams()) },
		KindADWIN:       func() (Detector, error) { return NewADWIN(DefaultADWINParams()) },
		KindKSWIN: func() (Detector, error) {
			p := DefaultKSWINParams()
			p.Seed = &seed
			return NewKSWIN(p)
		},
		KindDDM:      func() (Detector, error) { return NewDDM(DefaultDDMParams()) },
		KindEDDM:     func() (Detector, error) { return NewEDDM(DefaultEDDMParams()) },
		KindHDDMA:    func() (Detector, error) { return NewHDDMA(DefaultHDDMAParams()) },
		KindCUSUM:    func() (Detector, error) { return NewCUSUM(DefaultCUSUMParams()) },
		KindRollingZ: func() (Detector, error) { return NewRollingZ(DefaultRollingZParams()) },
	}
	for _, kind := range Kinds() {
		a, err := typed[kind]()
		if err != nil {
			t.Fatal(err)
		}
		params := `{}`
		if kind == KindKSWIN {
			params = `{"seed": 4}`
		}
		b := mustNew(t, kind, params)
		for _, x := range stream(kind, 400, 3) {
			a.Update(x)
			b.Update(x)
		}
		if !bytes.Equal(mustSave(t, a), mustSave(t, b)) {
			t.Errorf("%s: typed constructor and New differ", kind)
		}
	}
}

// TestResetRestartsWarmUp: Reset gives a detector in its initial state.
func TestResetRestartsWarmUp(t *testing.T) {
	for _, kind := range Kinds() {
		params := paramSets[kind][0]
		fresh := mustSave(t, mustNew(t, kind, params))
		d := mustNew(t, kind, params)
		for _, x := range stream(kind, 300, 8) {
			d.Update(x)
		}
		d.Reset()
		if got := mustSave(t, d); !bytes.Equal(got, fresh) && kind != KindKSWIN {
			t.Errorf("%s: after Reset\n%s\nwant\n%s", kind, got, fresh)
		}
		if d.Last() != (Signal{}) {
			t.Errorf("%s: Last after Reset = %+v", kind, d.Last())
		}
	}
}
