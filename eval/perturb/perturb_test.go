package perturb

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var corpus = []Summary{
	{ID: "a", Sentences: []string{
		"We present a parser trained on the Penn Treebank with CRFs.",
		"It reaches 91.2 F1 on section 23, a gain of 1.5 points over the baseline.",
		"The parser uses WordNet to back off rare words in its lexicon.",
	}},
	{ID: "b", Sentences: []string{
		"This paper describes a translation system tuned with MIRA on the NIST data.",
		"We report BLEU gains on Arabic and Chinese.",
	}},
	{ID: "c", Sentences: []string{"One short sentence only."}},
}

func TestEveryKindDamages(t *testing.T) {
	g := New(rand.New(rand.NewPCG(DefaultSeed, 0)), corpus)
	for _, k := range Kinds() {
		got, ok := g.Damage(k, 0)
		if !ok {
			t.Errorf("%s: not applied to a summary it applies to", k)
			continue
		}
		if slices.Equal(got, corpus[0].Sentences) {
			t.Errorf("%s: summary unchanged", k)
		}
		if k.Dimension() == "" {
			t.Errorf("%s: no dimension", k)
		}
	}
}

func TestWhatEachKindDoes(t *testing.T) {
	g := New(rand.New(rand.NewPCG(DefaultSeed, 0)), corpus)
	orig := corpus[0].Sentences
	if got, _ := g.Damage(FirstOnly, 0); !slices.Equal(got, orig[:1]) {
		t.Errorf("first only: %q", got)
	}
	if got, _ := g.Damage(Repeat, 0); len(got) != len(orig)+1 {
		t.Errorf("repeat: %d sentences", len(got))
	}
	if got, _ := g.Damage(Cut, 0); strings.HasSuffix(got[len(got)-1], ".") || len(got[len(got)-1]) >= len(orig[len(orig)-1]) {
		t.Errorf("cut: last sentence %q", got[len(got)-1])
	}
	got, _ := g.Damage(Shuffle, 0)
	a, b := slices.Clone(got), slices.Clone(orig)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) || slices.Equal(got, orig) {
		t.Errorf("shuffle: %q", got)
	}
	got, _ = g.Damage(ForeignSentence, 0)
	if len(got) != len(orig)+1 || !slices.Contains(corpus[1].Sentences, firstNew(got, orig)) {
		t.Errorf("foreign: %q", got)
	}
	got, _ = g.Damage(SwapName, 0)
	joined := strings.Join(got, " ")
	if !strings.Contains(joined, "MIRA") && !strings.Contains(joined, "NIST") && !strings.Contains(joined, "BLEU") {
		t.Errorf("swap: no name of the other summary in %q", joined)
	}
	got, _ = g.Damage(Numbers, 0)
	if strings.Join(got, " ") == strings.Join(orig, " ") || !strings.ContainsAny(strings.Join(got, " "), "0123456789") {
		t.Errorf("numbers: %q", got)
	}
}

func firstNew(got, orig []string) string {
	for _, s := range got {
		if !slices.Contains(orig, s) {
			return s
		}
	}
	return ""
}

func TestNotApplicable(t *testing.T) {
	g := New(rand.New(rand.NewPCG(DefaultSeed, 0)), corpus)
	for _, k := range []Kind{FirstOnly, Shuffle, Numbers, Cut} {
		if _, ok := g.Damage(k, 2); ok {
			t.Errorf("%s applied to a one-sentence summary without numbers", k)
		}
	}
}

func TestDeterministic(t *testing.T) {
	run := func() [][]string {
		g := New(rand.New(rand.NewPCG(DefaultSeed, 0)), corpus)
		var out [][]string
		for _, k := range Kinds() {
			for i := range corpus {
				d, _ := g.Damage(k, i)
				out = append(out, d)
			}
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("run %d differs: %q vs %q", i, a[i], b[i])
		}
	}
}

func TestNames(t *testing.T) {
	got := Names("BLEU rises when WordNet and CRFs help the Parser on 2 tasks.")
	if !slices.Equal(got, []string{"WordNet", "CRFs"}) {
		t.Errorf("Names = %q", got)
	}
}
