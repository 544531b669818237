package rouge

import (
	"math"
	"slices"
	"strconv"
)

// Estimate is one of ROUGE's Average_R/P/F values with its bootstrap
// confidence interval, as printed ("... Average_R: 0.41667 (95%-conf.int.
// 0.38000 - 0.45000)").
type Estimate struct {
	Mean, Low, High float64
}

// Average is ROUGE's corpus-level line for one metric.
type Average struct {
	Recall, Precision, F Estimate
	// ModelCount, PeerCount and Hits are the counts summed over all
	// evaluations (what ROUGE prints with -t 2).
	ModelCount, PeerCount, Hits int
}

// Aggregate reproduces ROUGE-1.5.5's Average_* lines for a run over several
// evaluations (one Result per evaluation, in the order of ROUGE's -z file
// list, all computed with cfg). ROUGE does not print the plain mean: it prints
// the mean of cfg.Resamples bootstrap resamples, drawn with Perl's own
// drand48 generator seeded 0, 1, 2, ..., and the cfg.Confidence interval from
// the same samples. Under CountSentence a resample averages the evaluations'
// rounded R, P and F; under CountToken it pools their counts (micro average)
// and computes R, P and F from the pooled counts. Under CountRaw ROUGE
// prints only the summed counts (Average's ModelCount, PeerCount, Hits); the
// estimates are then computed as under CountToken. Aggregate copies all of
// this, so its numbers are ROUGE's to the last printed decimal.
//
// Evaluations are taken in the order Perl's string sort puts their IDs
// ("1.X" < "10.X" < "100.X" < "2.X" ...), which changes which evaluation each
// random index picks. Metrics missing from some evaluations are averaged over
// the evaluations that have them, as ROUGE skips missing peers.
func Aggregate(evals []Result, cfg Config) map[string]Average {
	cfg = cfg.withDefaults()
	out := make(map[string]Average)
	for _, metric := range cfg.Metrics() {
		type instance struct {
			id     string
			values [3]float64
		}
		var inst []instance
		var avg Average
		for i, res := range evals {
			sc, ok := res[metric]
			if !ok {
				continue
			}
			avg.ModelCount += sc.ModelCount
			avg.PeerCount += sc.PeerCount
			avg.Hits += sc.Hits
			v := [3]float64{sc.Recall, sc.Precision, sc.F}
			if cfg.CountMode.pooled() {
				v = [3]float64{float64(sc.ModelCount), float64(sc.PeerCount), float64(sc.Hits)}
			}
			inst = append(inst, instance{strconv.Itoa(i+1) + ".X", v})
		}
		slices.SortFunc(inst, func(a, b instance) int {
			switch {
			case a.id < b.id:
				return -1
			case a.id > b.id:
				return 1
			}
			return 0
		})
		values := make([][3]float64, len(inst))
		for i := range inst {
			values[i] = inst[i].values
		}
		r, p, f := bootstrap(values, cfg)
		avg.Recall, avg.Precision, avg.F = r, p, f
		out[metric] = avg
	}
	return out
}

// perlRand is Perl 5.20+'s built-in drand48 (perl_drand48_t, PERL_DRAND48_QUAD).
type perlRand uint64

// srand is Perl's srand($seed).
func (x *perlRand) srand(seed uint32) { *x = perlRand(uint64(seed)<<16 + 0x330E) }

// intn is Perl's int(rand($n)).
func (x *perlRand) intn(n int) int {
	*x = perlRand((uint64(*x)*0x5DEECE66D + 0xB) & (1<<48 - 1))
	return int(float64(n) * math.Ldexp(float64(*x), -48))
}

// bootstrap is computeAverages + bootstrapResampling of ROUGE-1.5.5.pl.
func bootstrap(values [][3]float64, cfg Config) (r, p, f Estimate) {
	n := len(values)
	samples := [3][]float64{}
	var rng perlRand
	for i := range cfg.Resamples {
		rng.srand(uint32(i))
		var s [3]float64
		for range n {
			v := values[rng.intn(n)]
			s[0] += v[0]
			s[1] += v[1]
			s[2] += v[2]
		}
		if cfg.CountMode.pooled() {
			// per-token (corpus-level) average: R, P and F of the pooled counts
			var tr, tp float64
			if s[0] > 0 {
				tr = s[2] / s[0]
			}
			if s[1] > 0 {
				tp = s[2] / s[1]
			}
			s = [3]float64{tr, tp, fMeasure(tr, tp, cfg.Alpha)}
		} else if n > 0 {
			s[0] /= float64(n)
			s[1] /= float64(n)
			s[2] /= float64(n)
		}
		for k := range 3 {
			samples[k] = append(samples[k], s[k])
		}
	}
	// Interval indexes exactly as the script computes them.
	R := float64(cfg.Resamples)
	delta := R * ((100 - cfg.Confidence) / 2.0) / 100.0
	ciUa := int(R - delta - 1)
	ciLa := int(delta)
	ciR := R - delta - 1 - float64(ciUa)
	var est [3]Estimate
	for k := range 3 {
		a := samples[k]
		slices.Sort(a)
		sum := 0.0
		for _, x := range a {
			sum += x
		}
		at := func(i int) float64 { // Perl reads past the end as 0
			if i >= 0 && i < len(a) {
				return a[i]
			}
			return 0
		}
		est[k] = Estimate{
			Mean: round5(sum / float64(len(a))),
			Low:  round5(at(ciLa) + float64((at(ciLa+1)-at(ciLa))*ciR)),
			High: round5(at(ciUa) + float64((at(ciUa+1)-at(ciUa))*ciR)),
		}
	}
	return est[0], est[1], est[2]
}
