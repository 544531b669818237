package anomaly

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// zCase is a zscore or zmap record of drift-stats.jsonl (development data
// read through PAPERSUM_REFVEC_DIR; its README gives the semantics:
// SciPy 1.10.1, ddof as given, NaN for a constant reference or n = 1).
type zCase struct {
	ID       string                     `json:"id"`
	Function string                     `json:"function"`
	Inputs   map[string][]flexFloat     `json:"inputs"`
	Options  map[string]json.RawMessage `json:"options"`
	Outputs  struct {
		Z     []flexFloat      `json:"z"`
		AbsGT map[string][]int `json:"abs_gt"`
	} `json:"outputs"`
}

// flexFloat reads a number or the strings "NaN", "Infinity", "-Infinity".
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "NaN":
			*f = flexFloat(math.NaN())
		case "Infinity":
			*f = flexFloat(math.Inf(1))
		case "-Infinity":
			*f = flexFloat(math.Inf(-1))
		default:
			return fmt.Errorf("not a number: %q", s)
		}
		return nil
	}
	var v float64
	err := json.Unmarshal(b, &v)
	*f = flexFloat(v)
	return err
}

func floats(xs []flexFloat) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// TestReferenceZ checks the Detector's scores against SciPy's zscore and
// zmap (drift-stats.jsonl), to 1e-9 relative, through the public
// interface: the reference sample is fed as the series' window, the
// state is saved, and each score is the Observe of a restored copy, so
// that the scored value never enters the window it is scored against.
// zscore(a) is zmap(a, a). The thresholds 2, 2.5 and 3 of the record's
// abs_gt must raise exactly its indices (cool-down 0). NaN is an error
// here, not propagated: the test asserts that for the NaN inputs and
// scores the rest as nan_policy="omit" does.
func TestReferenceZ(t *testing.T) {
	path := devdata.RefVec(t, "drift-stats.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	seen := 0
	for sc.Scan() {
		var head struct {
			Function string `json:"function"`
		}
		if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
			t.Fatal(err)
		}
		if head.Function != "zscore" && head.Function != "zmap" {
			continue
		}
		var c zCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		seen++
		t.Run(c.ID, func(t *testing.T) { runZCase(t, c) })
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != 14 {
		t.Fatalf("%d zscore/zmap cases, want 14 (README: zscore 11, zmap 3)", seen)
	}
}

func runZCase(t *testing.T, c zCase) {
	scores, compare := floats(c.Inputs["a"]), floats(c.Inputs["a"])
	if c.Function == "zmap" {
		scores, compare = floats(c.Inputs["scores"]), floats(c.Inputs["compare"])
	}
	ddof := 0
	if raw, ok := c.Options["ddof"]; ok {
		if err := json.Unmarshal(raw, &ddof); err != nil {
			t.Fatal(err)
		}
	}
	propagate := true
	if raw, ok := c.Options["nan_policy"]; ok {
		propagate = string(raw) != `"omit"`
	}
	cfg := Config{Method: MethodZScore, Window: max(len(compare), 2), WarmUp: 2, Recent: 1, Threshold: 3, Direction: Both, DDoF: ddof}
	got, _, hasNaN := scoreAgainst(t, cfg, compare, scores)
	want := floats(c.Outputs.Z)
	if hasNaN && propagate {
		// SciPy makes every z NaN; papersum refuses the NaN instead
		// (scoreAgainst asserts the error) and scores the rest.
		for i, w := range want {
			if !math.IsNaN(w) {
				t.Errorf("z[%d]: SciPy's propagate gives %v, want NaN", i, w)
			}
		}
		return
	}
	for i := range want {
		if !close(got[i], want[i]) {
			t.Errorf("z[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	for th, wantIdx := range c.Outputs.AbsGT {
		var thr float64
		if _, err := fmt.Sscan(th, &thr); err != nil {
			t.Fatal(err)
		}
		cfg := cfg
		cfg.Threshold, cfg.CoolDown = thr, 0
		_, alarms, _ := scoreAgainst(t, cfg, compare, scores)
		if !slices.Equal(alarms, wantIdx) && len(alarms)+len(wantIdx) > 0 {
			t.Errorf("threshold %v: alarms at %v, want %v", thr, alarms, wantIdx)
		}
	}
}

// scoreAgainst feeds compare to a new Detector, saves it, and returns the
// score of each of scores observed by its own restored copy, the indices
// that raised an anomaly, and whether compare held a NaN. Observe of a
// NaN must fail.
func scoreAgainst(t *testing.T, cfg Config, compare, scores []float64) (z []float64, alarms []int, hasNaN bool) {
	t.Helper()
	key := Key{Signal: "x", Model: "m"}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	observe := func(d *Detector, x float64) bool {
		_, ok, err := d.Observe(key, x)
		if math.IsNaN(x) {
			if err == nil {
				t.Fatalf("Observe(NaN) = nil error")
			}
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, x := range compare {
		observe(d, x)
		hasNaN = hasNaN || math.IsNaN(x)
	}
	snap, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	z = make([]float64, len(scores))
	for i, x := range scores {
		r := restore(t, snap)
		if observe(r, x) {
			alarms = append(alarms, i)
		}
		z[i] = math.NaN()
		if !math.IsNaN(x) {
			z[i] = r.Score(key)
		}
	}
	return z, alarms, hasNaN
}

func restore(t *testing.T, snap []byte) *Detector {
	t.Helper()
	d, err := Load(snap)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func close(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}
