package human

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/stats"
)

var update = flag.Bool("update", false, "rewrite golden files")

// krippendorffRatings turns the reliability data of Krippendorff (2011),
// "Computing Krippendorff's Alpha-Reliability" (4 observers × 12 units,
// values 1–5, some missing), into ratings: observer → rater, unit → a
// single-summary item, every rubric dimension = the value. Krippendorff
// reports α_interval = 0.849 and α_ordinal = 0.815 for it.
func krippendorffRatings() []Rating {
	const m = -1 // missing
	data := [4][12]float64{
		{1, 2, 3, 3, 2, 1, 4, 1, 2, m, m, m},
		{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, m, 3},
		{m, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, m},
		{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, m},
	}
	var out []Rating
	for r, row := range data {
		for u, v := range row {
			if v == m {
				continue
			}
			out = append(out, Rating{
				Item: itemID(u), Rater: string(rune('A' + r)), Row: u + 2,
				Summaries: []SummaryRating{{System: "s", Position: 1, Scores: papersum.Scores{Accuracy: v, Completeness: v, Clarity: v, Coherence: v}}},
			})
		}
	}
	return out
}

func itemID(u int) string { return string(rune('a'+u/10)) + string(rune('0'+u%10)) }

func TestAgreementKrippendorffData(t *testing.T) {
	ratings := krippendorffRatings()
	rep := Agreement(ratings, nil)
	if rep.HasJudge || len(rep.Raters) != 4 || rep.Items != 12 || rep.Units != 12 || rep.Ratings != 41 {
		t.Fatalf("report header: judge %v raters %v items %d units %d ratings %d", rep.HasJudge, rep.Raters, rep.Items, rep.Units, rep.Ratings)
	}
	if len(rep.Dimensions) != 5 || rep.Dimensions[4].Dimension != "overall" {
		t.Fatalf("dimensions = %+v", rep.Dimensions)
	}
	for _, d := range rep.Dimensions {
		// Every dimension, overall included (all four equal), carries the
		// published data.
		if math.Abs(d.AlphaInterval-0.849) > 5e-4 || math.Abs(d.AlphaOrdinal-0.815) > 5e-4 {
			t.Errorf("%s: alpha interval %.4f ordinal %.4f, want 0.849 and 0.815", d.Dimension, d.AlphaInterval, d.AlphaOrdinal)
		}
		if d.Units != 11 || d.N != 40 {
			t.Errorf("%s: units %d n %d, want 11 and 40", d.Dimension, d.Units, d.N)
		}
		if d.Judge != nil {
			t.Errorf("%s: judge agreement without a judge", d.Dimension)
		}
		if d.Dimension == "overall" {
			if len(d.Kappa) != 0 {
				t.Errorf("overall has pairwise kappas")
			}
			continue
		}
		// 4 raters: 6 pairs, each with units in common.
		if len(d.Kappa) != 6 {
			t.Fatalf("%s: %d kappa pairs, want 6", d.Dimension, len(d.Kappa))
		}
		// A and B share units 1–9: A = 1 2 3 3 2 1 4 1 2, B = 1 2 3 3 2 2 4 1 2.
		ab := d.Kappa[0]
		want, _ := stats.WeightedKappa([]int{1, 2, 3, 3, 2, 1, 4, 1, 2}, []int{1, 2, 3, 3, 2, 2, 4, 1, 2}, scale(), stats.QuadraticWeights)
		if ab.RaterA != "A" || ab.RaterB != "B" || ab.N != 9 || math.Abs(ab.Kappa-want.Kappa) > 1e-15 {
			t.Errorf("%s: A-B = %+v, want n 9 kappa %v", d.Dimension, ab, want.Kappa)
		}
		var sum float64
		for _, k := range d.Kappa {
			sum += k.Kappa
		}
		if math.Abs(d.MeanKappa-sum/6) > 1e-15 {
			t.Errorf("%s: mean kappa %v, want %v", d.Dimension, d.MeanKappa, sum/6)
		}
	}
	// No item has two summaries, so there are no preferences.
	if p := rep.Preference; p.Items != 0 || !math.IsNaN(p.Alpha) || !math.IsNaN(p.PercentAgreement) {
		t.Errorf("preference = %+v", p)
	}
}

func scale() []int {
	s := make([]int, 0, MaxScore-MinScore+1)
	for v := MinScore; v <= MaxScore; v++ {
		s = append(s, v)
	}
	return s
}

func TestAgreementJudge(t *testing.T) {
	ratings := krippendorffRatings()
	// Mean human score per unit.
	sum := map[Unit]float64{}
	n := map[Unit]float64{}
	for _, r := range ratings {
		u := Unit{r.Item, "s"}
		sum[u] += r.Summaries[0].Scores.Accuracy
		n[u]++
	}
	exact := map[Unit]papersum.Scores{}
	lenient := map[Unit]papersum.Scores{}
	for u := range sum {
		m := sum[u] / n[u]
		exact[u] = papersum.Scores{Accuracy: m, Completeness: m, Clarity: m, Coherence: m}
		lenient[u] = papersum.Scores{Accuracy: m + 1, Completeness: m + 1, Clarity: m + 1, Coherence: m + 1}
	}
	// A judge score for a unit nobody rated is ignored.
	exact[Unit{"zz", "s"}] = papersum.Scores{Accuracy: 3}

	rep := Agreement(ratings, exact)
	for _, d := range rep.Dimensions {
		j := d.Judge
		if j == nil || j.N != 12 || math.Abs(j.AlphaInterval-1) > 1e-12 || math.Abs(j.Spearman-1) > 1e-12 || math.Abs(j.MeanDiff) > 1e-12 {
			t.Errorf("%s: judge = mean human gave %+v", d.Dimension, j)
		}
	}
	rep = Agreement(ratings, lenient)
	for _, d := range rep.Dimensions {
		j := d.Judge
		// A constant offset keeps the ranks (ρ = 1) but costs alpha.
		if j == nil || j.N != 12 || !(j.AlphaInterval < 1) || math.Abs(j.Spearman-1) > 1e-12 || math.Abs(j.MeanDiff-1) > 1e-12 {
			t.Errorf("%s: judge = mean human + 1 gave %+v", d.Dimension, j)
		}
	}
}

// prefRating is a two-summary rating with a preference code: 1 = "alpha"
// preferred, 2 = tie, 3 = "beta", placed at the given sheet positions.
func prefRating(item, rater string, code int, alphaFirst bool) Rating {
	s := papersum.Scores{Accuracy: 5, Completeness: 5, Clarity: 5, Coherence: 5}
	sums := []SummaryRating{{System: "alpha", Position: 1, Scores: s}, {System: "beta", Position: 2, Scores: s}}
	if !alphaFirst {
		sums[0].System, sums[1].System = "beta", "alpha"
	}
	r := Rating{Item: item, Rater: rater, Summaries: sums}
	switch code {
	case 1:
		r.Preferred = "alpha"
	case 2:
		r.Tie = true
	case 3:
		r.Preferred = "beta"
	}
	return r
}

func TestAgreementPreference(t *testing.T) {
	// Two raters, four items: (alpha, alpha), (beta, beta), (alpha, beta),
	// (tie, tie). By hand: the coincidences are o_11 = o_33 = o_22 = 2,
	// o_13 = o_31 = 1, so n = 8, n_1 = n_3 = 3, n_2 = 2;
	// D_o = 2/8, D_e = 2(3·2 + 3·3 + 2·3)/(8·7) = 42/56; α = 1 - (1/4)/(3/4) = 2/3.
	// Three of four pairs agree.
	ratings := []Rating{
		prefRating("i1", "r1", 1, true), prefRating("i1", "r2", 1, false),
		prefRating("i2", "r1", 3, false), prefRating("i2", "r2", 3, true),
		prefRating("i3", "r1", 1, true), prefRating("i3", "r2", 3, true),
		prefRating("i4", "r1", 2, true), prefRating("i4", "r2", 2, false),
		// A repeated rating is noted and ignored.
		prefRating("i4", "r2", 1, false),
	}
	judge := func(prefs ...int) map[Unit]papersum.Scores {
		m := map[Unit]papersum.Scores{}
		for i, p := range prefs {
			item := []string{"i1", "i2", "i3", "i4"}[i]
			a, b := 5.0, 5.0
			switch p {
			case 1:
				a = 7
			case 3:
				b = 7
			}
			m[Unit{item, "alpha"}] = papersum.Scores{Accuracy: a, Completeness: a, Clarity: a, Coherence: a}
			m[Unit{item, "beta"}] = papersum.Scores{Accuracy: b, Completeness: b, Clarity: b, Coherence: b}
		}
		return m
	}

	// The judge agrees with the majority on i1, i2 and i4; i3 has none.
	rep := Agreement(ratings, judge(1, 3, 3, 2))
	p := rep.Preference
	if p.Items != 4 || p.Paired != 4 || math.Abs(p.Alpha-2.0/3) > 1e-12 || p.PercentAgreement != 0.75 {
		t.Errorf("human preference agreement = %+v, want alpha 2/3 and 75%%", p)
	}
	if p.JudgeN != 3 || p.JudgeAgreement != 1 || math.Abs(p.JudgeKappa-1) > 1e-12 {
		t.Errorf("judge preference agreement = %+v, want 3 of 3 and kappa 1", p)
	}
	if len(rep.Notes) != 1 || rep.Ratings != 8 {
		t.Errorf("notes %v, ratings %d: want one note about the repeat and 8 ratings", rep.Notes, rep.Ratings)
	}

	// The judge now prefers alpha on i2: judge 1 1 2 vs majority 1 3 2.
	// p_o = 2/3; marginals judge (2, 1, 0), majority (1, 1, 1);
	// p_e = (2 + 1)/9 = 1/3; κ = (2/3 - 1/3)/(2/3) = 1/2.
	p = Agreement(ratings, judge(1, 1, 3, 2)).Preference
	if p.JudgeN != 3 || math.Abs(p.JudgeAgreement-2.0/3) > 1e-12 || math.Abs(p.JudgeKappa-0.5) > 1e-12 {
		t.Errorf("judge preference agreement = %+v, want 2 of 3 and kappa 0.5", p)
	}
}

func TestAgreementEmpty(t *testing.T) {
	rep := Agreement(nil, nil)
	if rep.Ratings != 0 || len(rep.Dimensions) != 5 {
		t.Fatalf("empty report = %+v", rep)
	}
	for _, d := range rep.Dimensions {
		if !math.IsNaN(d.AlphaInterval) || !math.IsNaN(d.MeanKappa) || d.Units != 0 {
			t.Errorf("%s: %+v, want NaN and 0", d.Dimension, d)
		}
	}
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
}

// TestWriteMarkdownGolden renders a report with judge scores,
// preferences and a note. Run with -update to rewrite the golden file.
func TestWriteMarkdownGolden(t *testing.T) {
	ratings := krippendorffRatings()
	judge := map[Unit]papersum.Scores{}
	for _, r := range ratings {
		if r.Rater == "B" {
			s := r.Summaries[0].Scores
			s.Accuracy++
			judge[Unit{r.Item, "s"}] = s
		}
	}
	ratings = append(ratings,
		prefRating("p1", "A", 1, true), prefRating("p1", "B", 1, false),
		prefRating("p2", "A", 3, false), prefRating("p2", "B", 2, true),
		prefRating("p2", "B", 3, true),
	)
	judge[Unit{"p1", "alpha"}] = papersum.Scores{Accuracy: 8, Completeness: 7, Clarity: 7, Coherence: 7}
	judge[Unit{"p1", "beta"}] = papersum.Scores{Accuracy: 6, Completeness: 7, Clarity: 7, Coherence: 7}

	var b bytes.Buffer
	if err := Agreement(ratings, judge).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "agreement.golden.md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("Markdown differs from %s (go test -update rewrites it):\n%s", path, b.String())
	}
}

func TestAgreementKappaNeedsCategories(t *testing.T) {
	half := papersum.Scores{Accuracy: 7.5, Completeness: 7, Clarity: 7, Coherence: 7}
	whole := papersum.Scores{Accuracy: 7, Completeness: 7, Clarity: 6, Coherence: 7}
	off := papersum.Scores{Accuracy: 12, Completeness: 7, Clarity: 7, Coherence: 7}
	one := func(item, rater string, s papersum.Scores) Rating {
		return Rating{Item: item, Rater: rater, Summaries: []SummaryRating{{System: "s", Position: 1, Scores: s}}}
	}
	rep := Agreement([]Rating{one("a", "x", half), one("a", "y", whole), one("b", "x", whole), one("b", "y", off)}, nil)
	if k := rep.Dimensions[0].Kappa; len(k) != 1 || !math.IsNaN(k[0].Kappa) {
		t.Errorf("accuracy with 7.5 and 12: kappa %+v, want NaN", k)
	}
	// Clarity is whole and on the scale for both: defined.
	if k := rep.Dimensions[2].Kappa; len(k) != 1 || math.IsNaN(k[0].Kappa) {
		t.Errorf("clarity: kappa %+v, want a value", k)
	}
}
