package human

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/stats"
)

// Unit is one rated summary: an item and the system that summarized it.
type Unit struct {
	Item, System string
}

// AgreementReport is the inter-rater reliability of a set of ratings.
// Undefined coefficients (too few units, no variation) are NaN.
type AgreementReport struct {
	// Raters are the raters, sorted.
	Raters []string
	// Items and Units count the items and the (item, system) units with at
	// least one rating; Ratings counts the ratings used.
	Items, Units, Ratings int
	// Dimensions are accuracy, completeness, clarity, coherence and
	// overall (papersum's 40/30/20/10 weighted mean), in that order.
	Dimensions []DimensionAgreement
	// Preference is the agreement on which of two summaries is better.
	Preference PreferenceAgreement
	// HasJudge is true when judge scores were given.
	HasJudge bool
	// Notes are warnings about the input, e.g. duplicate ratings.
	Notes []string
}

// DimensionAgreement is the agreement on one rubric dimension.
type DimensionAgreement struct {
	Dimension string
	// Units is the number of units that two or more raters scored, and N
	// the number of scores in them: what alpha is computed from.
	Units, N int
	// AlphaInterval and AlphaOrdinal are Krippendorff's alpha over all
	// human raters with the interval and the ordinal metric.
	AlphaInterval, AlphaOrdinal float64
	// Kappa is quadratic-weighted Cohen's kappa for every pair of raters
	// with a unit in common (categories 0..10), and MeanKappa its mean
	// over the pairs where it is defined. Empty for "overall", whose
	// values are not categories.
	Kappa     []PairKappa
	MeanKappa float64
	// Judge compares the LLM judge with the mean human score; nil when no
	// judge scores were given.
	Judge *JudgeAgreement
}

// PairKappa is the weighted kappa of two raters over the units both scored.
type PairKappa struct {
	RaterA, RaterB string
	N              int
	Kappa          float64
}

// JudgeAgreement compares the judge's scores with the mean human score
// over the units that both have.
type JudgeAgreement struct {
	N int
	// AlphaInterval is Krippendorff's interval alpha with the judge and
	// the mean human as two raters: it punishes an offset, unlike Spearman.
	AlphaInterval float64
	// Spearman is the rank correlation and SpearmanP its two-sided p-value.
	Spearman, SpearmanP float64
	// MeanDiff is the mean of judge minus mean human: positive when the
	// judge is more lenient.
	MeanDiff float64
}

// PreferenceAgreement is the agreement on preferences between two
// summaries of the same item (first system, second system or tie).
type PreferenceAgreement struct {
	// Items is the number of two-summary items with at least one
	// preference, Paired those that two or more raters judged.
	Items, Paired int
	// Alpha is Krippendorff's nominal alpha over the human raters.
	Alpha float64
	// PercentAgreement is the share of agreeing pairs of raters over all
	// pairs of raters on the same item.
	PercentAgreement float64
	// JudgeN is the number of items with a judge preference (from the
	// judge's overall scores; equal overall is a tie) and a strict human
	// majority; JudgeAgreement is the share of them where the two agree
	// and JudgeKappa Cohen's kappa between them. NaN without a judge.
	JudgeN         int
	JudgeAgreement float64
	JudgeKappa     float64
}

// overall is the name of the weighted-mean dimension.
const overall = "overall"

func dimValue(s papersum.Scores, dim string) float64 {
	switch dim {
	case "accuracy":
		return s.Accuracy
	case "completeness":
		return s.Completeness
	case "clarity":
		return s.Clarity
	case "coherence":
		return s.Coherence
	}
	return s.Overall()
}

// Agreement computes inter-rater reliability for ratings, and judge–human
// agreement when judge holds the LLM judge's scores per unit (nil or empty
// for none; units without a judge score are left out of the judge rows).
// A rater who rated an item more than once counts once, with the first
// rating; the report notes it.
func Agreement(ratings []Rating, judge map[Unit]papersum.Scores) AgreementReport {
	rep := AgreementReport{HasJudge: len(judge) > 0}

	// Keep one rating per (rater, item).
	type ri struct{ rater, item string }
	first := make(map[ri]int)
	var used []Rating
	for _, r := range ratings {
		k := ri{r.Rater, r.Item}
		if _, dup := first[k]; dup {
			where := ""
			if a, b := used[first[k]].Row, r.Row; a > 0 && b > 0 {
				where = fmt.Sprintf(" (sheet rows %d and %d)", a, b)
			}
			rep.Notes = append(rep.Notes, fmt.Sprintf("rater %s rated item %s more than once%s; the first rating is used", r.Rater, r.Item, where))
			continue
		}
		first[k] = len(used)
		used = append(used, r)
	}
	rep.Ratings = len(used)

	raterIdx := make(map[string]int)
	unitIdx := make(map[Unit]int)
	items := make(map[string]bool)
	for _, r := range used {
		raterIdx[r.Rater] = 0
		items[r.Item] = true
		for _, s := range r.Summaries {
			unitIdx[Unit{r.Item, s.System}] = 0
		}
	}
	rep.Raters = sortedKeys(raterIdx)
	for i, name := range rep.Raters {
		raterIdx[name] = i
	}
	units := sortedUnits(unitIdx)
	for i, u := range units {
		unitIdx[u] = i
	}
	rep.Items, rep.Units = len(items), len(units)

	// scores[u][r] is rater r's Scores for unit u; ok marks which exist.
	scores := make([][]papersum.Scores, len(units))
	ok := make([][]bool, len(units))
	for u := range units {
		scores[u] = make([]papersum.Scores, len(rep.Raters))
		ok[u] = make([]bool, len(rep.Raters))
	}
	for _, r := range used {
		for _, s := range r.Summaries {
			u, ri := unitIdx[Unit{r.Item, s.System}], raterIdx[r.Rater]
			scores[u][ri], ok[u][ri] = s.Scores, true
		}
	}

	for _, dim := range append(dimensions[:], overall) {
		rep.Dimensions = append(rep.Dimensions, dimensionAgreement(dim, rep.Raters, units, scores, ok, judge))
	}
	rep.Preference = preferenceAgreement(used, rep.Raters, judge)
	return rep
}

func dimensionAgreement(dim string, raters []string, units []Unit, scores [][]papersum.Scores, ok [][]bool, judge map[Unit]papersum.Scores) DimensionAgreement {
	da := DimensionAgreement{Dimension: dim, AlphaInterval: math.NaN(), AlphaOrdinal: math.NaN(), MeanKappa: math.NaN()}
	data := make([][]float64, len(units))
	for u := range units {
		data[u] = make([]float64, len(raters))
		for r := range raters {
			data[u][r] = math.NaN()
			if ok[u][r] {
				data[u][r] = dimValue(scores[u][r], dim)
			}
		}
	}
	if res, err := stats.KrippendorffAlpha(data, stats.IntervalMetric); err == nil {
		da.AlphaInterval, da.Units, da.N = res.Alpha, res.Units, res.N
	}
	if res, err := stats.KrippendorffAlpha(data, stats.OrdinalMetric); err == nil {
		da.AlphaOrdinal = res.Alpha
	}

	if dim != overall {
		labels := make([]int, 0, MaxScore-MinScore+1)
		for v := MinScore; v <= MaxScore; v++ {
			labels = append(labels, v)
		}
		var sum float64
		var defined int
		for i := range raters {
			for j := i + 1; j < len(raters); j++ {
				var a, b []int
				whole := true
				for u := range units {
					if ok[u][i] && ok[u][j] {
						x, y := data[u][i], data[u][j]
						whole = whole && x == math.Trunc(x) && y == math.Trunc(y)
						a = append(a, int(x))
						b = append(b, int(y))
					}
				}
				if len(a) == 0 {
					continue
				}
				pk := PairKappa{RaterA: raters[i], RaterB: raters[j], N: len(a), Kappa: math.NaN()}
				// Import guarantees whole scores in range. Ratings built
				// otherwise may hold fractions, which are no categories,
				// or values off the scale (WeightedKappa rejects those):
				// the pair's kappa is then undefined rather than wrong.
				if res, err := stats.WeightedKappa(a, b, labels, stats.QuadraticWeights); err == nil && whole {
					pk.Kappa = res.Kappa
				}
				if !math.IsNaN(pk.Kappa) {
					sum += pk.Kappa
					defined++
				}
				da.Kappa = append(da.Kappa, pk)
			}
		}
		if defined > 0 {
			da.MeanKappa = sum / float64(defined)
		}
	}

	if len(judge) > 0 {
		ja := &JudgeAgreement{AlphaInterval: math.NaN(), Spearman: math.NaN(), SpearmanP: math.NaN(), MeanDiff: math.NaN()}
		var js, hs []float64
		for u, unit := range units {
			j, has := judge[unit]
			if !has {
				continue
			}
			var sum float64
			var n int
			for r := range raters {
				if ok[u][r] {
					sum += data[u][r]
					n++
				}
			}
			if n == 0 {
				continue
			}
			js = append(js, dimValue(j, dim))
			hs = append(hs, sum/float64(n))
		}
		ja.N = len(js)
		if ja.N > 0 {
			pairs := make([][]float64, ja.N)
			var diff float64
			for i := range js {
				pairs[i] = []float64{js[i], hs[i]}
				diff += js[i] - hs[i]
			}
			ja.MeanDiff = diff / float64(ja.N)
			if res, err := stats.KrippendorffAlpha(pairs, stats.IntervalMetric); err == nil {
				ja.AlphaInterval = res.Alpha
			}
			if res, err := stats.Spearman(js, hs, stats.TwoSided); err == nil {
				ja.Spearman, ja.SpearmanP = res.Statistic, res.PValue
			}
		}
		da.Judge = ja
	}
	return da
}

// Preference codes for nominal alpha: which of an item's two systems,
// taken in name order, was preferred.
const (
	prefFirst  = 1
	prefTie    = 2
	prefSecond = 3
)

func preferenceAgreement(used []Rating, raters []string, judge map[Unit]papersum.Scores) PreferenceAgreement {
	pa := PreferenceAgreement{Alpha: math.NaN(), PercentAgreement: math.NaN(), JudgeAgreement: math.NaN(), JudgeKappa: math.NaN()}
	raterIdx := make(map[string]int, len(raters))
	for i, r := range raters {
		raterIdx[r] = i
	}
	type itemPrefs struct {
		systems [2]string // in name order
		codes   []float64 // per rater, NaN if none
	}
	byItem := make(map[string]*itemPrefs)
	for _, r := range used {
		if len(r.Summaries) != 2 || (r.Preferred == "" && !r.Tie) {
			continue
		}
		sys := [2]string{r.Summaries[0].System, r.Summaries[1].System}
		if sys[1] < sys[0] {
			sys[0], sys[1] = sys[1], sys[0]
		}
		ip := byItem[r.Item]
		if ip == nil {
			ip = &itemPrefs{systems: sys, codes: make([]float64, len(raters))}
			for i := range ip.codes {
				ip.codes[i] = math.NaN()
			}
			byItem[r.Item] = ip
		}
		code := float64(prefTie)
		switch {
		case r.Tie:
		case r.Preferred == ip.systems[0]:
			code = prefFirst
		case r.Preferred == ip.systems[1]:
			code = prefSecond
		default:
			continue // the item's systems differ between ratings: not comparable
		}
		ip.codes[raterIdx[r.Rater]] = code
	}
	pa.Items = len(byItem)
	itemIDs := make([]string, 0, len(byItem))
	for id := range byItem {
		itemIDs = append(itemIDs, id)
	}
	slices.Sort(itemIDs)

	data := make([][]float64, 0, len(itemIDs))
	var agree, pairs int
	for _, id := range itemIDs {
		codes := byItem[id].codes
		data = append(data, codes)
		var present []float64
		for _, c := range codes {
			if !math.IsNaN(c) {
				present = append(present, c)
			}
		}
		if len(present) >= 2 {
			pa.Paired++
		}
		for i := range present {
			for j := i + 1; j < len(present); j++ {
				pairs++
				if present[i] == present[j] {
					agree++
				}
			}
		}
	}
	if pairs > 0 {
		pa.PercentAgreement = float64(agree) / float64(pairs)
	}
	if len(data) > 0 {
		if res, err := stats.KrippendorffAlpha(data, stats.NominalMetric); err == nil {
			pa.Alpha = res.Alpha
		}
	}

	if len(judge) == 0 {
		return pa
	}
	var jc, hc []int
	for _, id := range itemIDs {
		ip := byItem[id]
		j1, ok1 := judge[Unit{id, ip.systems[0]}]
		j2, ok2 := judge[Unit{id, ip.systems[1]}]
		if !ok1 || !ok2 {
			continue
		}
		maj, ok := majority(ip.codes)
		if !ok {
			continue
		}
		jcode := prefTie
		switch o1, o2 := j1.Overall(), j2.Overall(); {
		case o1 > o2:
			jcode = prefFirst
		case o2 > o1:
			jcode = prefSecond
		}
		jc = append(jc, jcode)
		hc = append(hc, maj)
	}
	pa.JudgeN = len(jc)
	if pa.JudgeN > 0 {
		var same int
		for i := range jc {
			if jc[i] == hc[i] {
				same++
			}
		}
		pa.JudgeAgreement = float64(same) / float64(pa.JudgeN)
		if res, err := stats.CohensKappa(jc, hc); err == nil {
			pa.JudgeKappa = res.Kappa
		}
	}
	return pa
}

// majority is the most frequent preference code; false when there is
// none or two codes tie for most frequent.
func majority(codes []float64) (int, bool) {
	var count [prefSecond + 1]int
	for _, c := range codes {
		if !math.IsNaN(c) {
			count[int(c)]++
		}
	}
	best, n, tied := 0, 0, false
	for c := prefFirst; c <= prefSecond; c++ {
		switch {
		case count[c] > n:
			best, n, tied = c, count[c], false
		case count[c] == n && n > 0:
			tied = true
		}
	}
	return best, n > 0 && !tied
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedUnits(m map[Unit]int) []Unit {
	units := make([]Unit, 0, len(m))
	for u := range m {
		units = append(units, u)
	}
	slices.SortFunc(units, func(a, b Unit) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.System, b.System))
	})
	return units
}

// WriteMarkdown renders the report as Markdown: a table of alphas, mean
// kappa and judge agreement per dimension, the pairwise kappas, the
// preference agreement and the notes. Undefined values print as "n/a".
func (r AgreementReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Human evaluation: inter-rater agreement\n\n")
	fmt.Fprintf(&b, "Raters: %d (%s). Items: %d. Rated summaries: %d. Ratings: %d.\n\n",
		len(r.Raters), strings.Join(r.Raters, ", "), r.Items, r.Units, r.Ratings)
	fmt.Fprintf(&b, "Scores are whole numbers %d-%d; overall is the 40/30/20/10 weighted mean. ", MinScore, MaxScore)
	b.WriteString("Alpha is Krippendorff's alpha over all raters; kappa is Cohen's kappa with quadratic weights, averaged over pairs of raters. ")
	b.WriteString("n is the number of summaries scored by two or more raters.\n\n")

	b.WriteString("## Rubric scores\n\n")
	b.WriteString("| dimension | n | alpha (interval) | alpha (ordinal) | mean kappa |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: |\n")
	for _, d := range r.Dimensions {
		mk := num(d.MeanKappa)
		if d.Dimension == overall {
			mk = "-"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", d.Dimension, d.Units, num(d.AlphaInterval), num(d.AlphaOrdinal), mk)
	}

	if r.HasJudge {
		b.WriteString("\n## Judge vs mean human score\n\n")
		b.WriteString("| dimension | n | alpha (interval) | Spearman rho | p | judge - human |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: |\n")
		for _, d := range r.Dimensions {
			if d.Judge == nil {
				continue
			}
			j := d.Judge
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", d.Dimension, j.N, num(j.AlphaInterval), num(j.Spearman), pval(j.SpearmanP), signed(j.MeanDiff))
		}
	}

	var pairs bool
	for _, d := range r.Dimensions {
		pairs = pairs || len(d.Kappa) > 0
	}
	if pairs {
		b.WriteString("\n## Pairwise weighted kappa (quadratic)\n\n")
		b.WriteString("| dimension | rater | rater | n | kappa |\n")
		b.WriteString("| --- | --- | --- | ---: | ---: |\n")
		for _, d := range r.Dimensions {
			for _, k := range d.Kappa {
				fmt.Fprintf(&b, "| %s | %s | %s | %d | %s |\n", d.Dimension, k.RaterA, k.RaterB, k.N, num(k.Kappa))
			}
		}
	}

	p := r.Preference
	b.WriteString("\n## Preference\n\n")
	fmt.Fprintf(&b, "Items with a preference: %d, judged by two or more raters: %d.\n\n", p.Items, p.Paired)
	b.WriteString("| measure | value |\n| --- | ---: |\n")
	fmt.Fprintf(&b, "| alpha (nominal) | %s |\n", num(p.Alpha))
	fmt.Fprintf(&b, "| pairwise agreement | %s |\n", pct(p.PercentAgreement))
	if r.HasJudge {
		fmt.Fprintf(&b, "| judge = human majority (n = %d) | %s |\n", p.JudgeN, pct(p.JudgeAgreement))
		fmt.Fprintf(&b, "| kappa, judge vs human majority | %s |\n", num(p.JudgeKappa))
	}

	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}

func signed(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%+.2f", v)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func pval(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", v)
}
