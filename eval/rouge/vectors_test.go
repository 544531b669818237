package rouge

import (
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// The reference vectors (rouge.jsonl in ../shared/data/reference-vectors or
// $PAPERSUM_REFVEC_DIR, provenance in that directory's README.md) hold, for
// 300 cases, the scores printed by the original ROUGE-1.5.5.pl under three
// configurations, and the tokens it printed with -v. They are development
// data, not part of papersum: the tests below are skipped without them.

type vectorScore struct {
	Recall     float64 `json:"recall"`
	Precision  float64 `json:"precision"`
	F          float64 `json:"f"`
	ModelCount *int    `json:"model_count"`
	PeerCount  *int    `json:"peer_count"`
	HitCount   *int    `json:"hit_count"`
}

type vectorTokens struct {
	Candidate  [][]string   `json:"candidate"`
	References [][][]string `json:"references"`
}

type vectorCase struct {
	ID          string                            `json:"id"`
	Description string                            `json:"description"`
	Candidate   []string                          `json:"candidate"`
	References  [][]string                        `json:"references"`
	Scores      map[string]map[string]vectorScore `json:"scores"`
	RougeTokens map[string]vectorTokens           `json:"rouge_tokens"`
}

// vectorMetric maps the vector files' metric keys to ROUGE's metric names.
var vectorMetric = map[string]string{
	"rouge1": ROUGE1, "rouge2": ROUGE2, "rougeL": ROUGEL, "rougeSU4": ROUGESU4, "rougeSUstar": ROUGESUStar,
}

func loadVectors(t testing.TB) []vectorCase {
	t.Helper()
	cases := devdata.ReadJSONL[vectorCase](t, devdata.RefVec(t, "rouge.jsonl"))
	if len(cases) != 300 {
		t.Fatalf("loaded %d cases, want 300", len(cases))
	}
	return cases
}

const vectorTolerance = 1e-4 // required agreement; exact agreement is also counted

// vectorConfigs maps each configuration of the vectors to the presets that
// reproduce its runs: the scitldr* vectors hold ROUGE-1/2/L from a run with
// SciTLDR's flags and ROUGE-SU4 from a second run that added -2 4 -u.
var vectorConfigs = map[string][]string{
	"scitldr":      {"scitldr", "scitldr_su4"},
	"scitldr_stem": {"scitldr_stem", "scitldr_stem_su4"},
	"clscisumm":    {"clscisumm"},
}

func TestVectorConfigsCoverPresets(t *testing.T) {
	seen := map[string]bool{}
	for _, ps := range vectorConfigs {
		for _, p := range ps {
			seen[p] = true
		}
	}
	for _, name := range PresetNames() {
		if !seen[name] {
			t.Errorf("preset %s is not checked against the reference vectors", name)
		}
	}
}

func TestReferenceVectors(t *testing.T) {
	cases := loadVectors(t)
	for vc, names := range vectorConfigs {
		for _, name := range names {
			t.Run(name, func(t *testing.T) { checkVectors(t, cases, vc, name) })
		}
		t.Run(vc+"/metrics", func(t *testing.T) {
			// Together the presets print exactly the vector's metrics.
			var got []string
			for _, name := range names {
				got = append(got, mustPreset(t, name).Metrics()...)
			}
			var want []string
			for key := range cases[0].Scores[vc] {
				want = append(want, vectorMetric[key])
			}
			slices.Sort(got)
			slices.Sort(want)
			if got = slices.Compact(got); !slices.Equal(got, want) {
				t.Errorf("presets %v print %v, the vectors hold %v", names, got, want)
			}
		})
	}
}

// checkVectors compares preset name with the vectors' configuration vc on
// every metric the preset computes.
func checkVectors(t *testing.T, cases []vectorCase, vc, name string) {
	cfg := realPreset(t, name)
	var values, inexact int
	maxDev := 0.0
	for _, c := range cases {
		want, ok := c.Scores[vc]
		if !ok {
			t.Fatalf("%s: no scores for %s", c.ID, vc)
		}
		got, err := Evaluate(c.Candidate, c.References, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(cfg.Metrics()) {
			t.Errorf("%s: metrics %v, want %v", c.ID, keys(got), cfg.Metrics())
		}
		for key, w := range want {
			g, ok := got[vectorMetric[key]]
			if !ok {
				continue // printed by the configuration's other run
			}
			for _, v := range [][2]float64{{g.Recall, w.Recall}, {g.Precision, w.Precision}, {g.F, w.F}} {
				values++
				d := math.Abs(v[0] - v[1])
				maxDev = max(maxDev, d)
				if d != 0 {
					inexact++
				}
				if d > vectorTolerance || math.IsNaN(v[0]) {
					t.Errorf("%s %s: got R/P/F %v/%v/%v, want %v/%v/%v", c.ID, key,
						g.Recall, g.Precision, g.F, w.Recall, w.Precision, w.F)
					break
				}
			}
			if w.ModelCount != nil {
				if g.ModelCount != *w.ModelCount || g.PeerCount != *w.PeerCount || g.Hits != *w.HitCount {
					t.Errorf("%s %s: got counts model %d peer %d hit %d, want %d %d %d", c.ID, key,
						g.ModelCount, g.PeerCount, g.Hits, *w.ModelCount, *w.PeerCount, *w.HitCount)
				}
			}
		}
	}
	t.Logf("%s against %s: %d cases, %d values, max |deviation| %.3g, %d not bit-identical", name, vc, len(cases), values, maxDev, inexact)
	if values == 0 {
		t.Errorf("no values compared")
	}
	if inexact != 0 {
		t.Errorf("%d values differ from ROUGE's printed numbers (within tolerance, but ROUGE is deterministic)", inexact)
	}
}

func keys(r Result) []string {
	var k []string
	for name := range r {
		k = append(k, name)
	}
	return k
}

// TestReferenceTokens checks the tokenizer and stemmer against the tokens
// ROUGE-1.5.5 printed (-v) for every sentence of every case.
func TestReferenceTokens(t *testing.T) {
	cases := loadVectors(t)
	for name := range vectorConfigs {
		z := newTokenizer(realPreset(t, name))
		sentences := func(in []string) [][]string {
			out := [][]string{}
			for _, s := range z.read(in, 0, 0).sentences {
				if s == nil {
					s = []string{}
				}
				out = append(out, s)
			}
			return out
		}
		n := 0
		for _, c := range cases {
			want := c.RougeTokens[name]
			if got := sentences(c.Candidate); !reflect.DeepEqual(got, want.Candidate) {
				t.Errorf("%s %s candidate:\n got %q\nwant %q", name, c.ID, got, want.Candidate)
			}
			for i, ref := range c.References {
				if got := sentences(ref); !reflect.DeepEqual(got, want.References[i]) {
					t.Errorf("%s %s reference %d:\n got %q\nwant %q", name, c.ID, i, got, want.References[i])
				}
			}
			n++
		}
		t.Logf("%s: tokens of %d cases compared", name, n)
	}
}

// TestVectorFileIntact checks that the vectors read are the published ones
// (the hash in the vectors' README.md), not an edited copy.
func TestVectorFileIntact(t *testing.T) {
	path := devdata.RefVec(t, "rouge.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const want = "e647e67e61a7ab3b344bc22bc242f459abc0c31c941efd5be74872ba4d04eced"
	if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != want {
		t.Errorf("%s sha256 %s, want %s", path, got, want)
	}
}
