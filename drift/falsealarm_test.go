package drift

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var falseAlarms = flag.Bool("falsealarms", false, "measure false-alarm rates on stationary streams (TestFalseAlarms) and print them as Markdown")

// Settings of the false-alarm measurement (BENCHMARKS.md quotes them).
const (
	faSteps = 5000
	faSeeds = 20
)

type faDist struct {
	name   string
	binary bool
	draw   func(*rand.Rand) float64
}

var faDists = []faDist{
	{"N(0,1)", false, func(r *rand.Rand) float64 { return r.NormFloat64() }},
	{"U(0,1)", false, func(r *rand.Rand) float64 { return r.Float64() }},
	{"Exp(1)", false, func(r *rand.Rand) float64 { return r.ExpFloat64() }},
	{"t(3)", false, func(r *rand.Rand) float64 {
		// Student t with 3 df: Z / sqrt(χ²₃/3).
		c := 0.0
		for range 3 {
			z := r.NormFloat64()
			c += z * z
		}
		return r.NormFloat64() / math.Sqrt(c/3)
	}},
	{"Bernoulli(0.05)", true, func(r *rand.Rand) float64 { return b2f(r.Float64() < 0.05) }},
	{"Bernoulli(0.2)", true, func(r *rand.Rand) float64 { return b2f(r.Float64() < 0.2) }},
	{"Bernoulli(0.5)", true, func(r *rand.Rand) float64 { return b2f(r.Float64() < 0.5) }},
}

// faDetectors are the detectors measured, each with its defaults (KSWIN
// seeded per stream, RollingZ also in its robust form).
var faDetectors = []struct {
	name   string
	kind   Kind
	params func(seed uint64) string
}{
	{"PageHinkley", KindPageHinkley, func(uint64) string { return `{}` }},
	{"ADWIN", KindADWIN, func(uint64) string { return `{}` }},
	{"KSWIN", KindKSWIN, func(s uint64) string { return fmt.Sprintf(`{"seed": %d}`, s) }},
	{"CUSUM", KindCUSUM, func(uint64) string { return `{}` }},
	{"RollingZ", KindRollingZ, func(uint64) string { return `{}` }},
	{"RollingZ robust", KindRollingZ, func(uint64) string { return `{"robust": true}` }},
	{"DDM", KindDDM, func(uint64) string { return `{}` }},
	{"EDDM", KindEDDM, func(uint64) string { return `{}` }},
	{"HDDM_A", KindHDDMA, func(uint64) string { return `{}` }},
}

// TestFalseAlarms measures, per detector with its defaults, how often it
// signals on stationary streams (every signal is false): faSeeds streams
// of faSteps values per distribution, fixed seeds. Run with
//
//	go test ./drift -run TestFalseAlarms -falsealarms -v
//
// It prints Markdown for BENCHMARKS.md and asserts nothing beyond the
// streams running: it is a measurement, not a check.
func TestFalseAlarms(t *testing.T) {
	if !*falseAlarms {
		t.Skip("a measurement; run with -falsealarms")
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "| detector | stream | alarms per 1000 updates | streams with an alarm | warning share |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, det := range faDetectors {
		for _, dist := range faDists {
			if dist.binary != det.kind.Binary() {
				continue
			}
			alarms, withAlarm, warnSteps := 0, 0, 0
			for s := range uint64(faSeeds) {
				seed := 1000 + s
				rng := rand.New(rand.NewPCG(seed, 0xfa15e))
				d := mustNew(t, det.kind, det.params(seed))
				n := 0
				for range faSteps {
					sig, err := d.Update(dist.draw(rng))
					if err != nil {
						t.Fatal(err)
					}
					if sig.Drift {
						n++
					}
					if sig.Warning {
						warnSteps++
					}
				}
				alarms += n
				if n > 0 {
					withAlarm++
				}
			}
			warn := "–"
			if det.kind.Binary() {
				warn = fmt.Sprintf("%.3f", float64(warnSteps)/float64(faSeeds*faSteps))
			}
			fmt.Fprintf(&sb, "| %s | %s | %.3f | %d/%d | %s |\n", det.name, dist.name,
				1000*float64(alarms)/float64(faSeeds*faSteps), withAlarm, faSeeds, warn)
		}
	}
	t.Log("\n" + sb.String())
}
