package local

import (
	"math"
	"slices"
	"sync"

	"github.com/papersum/papersum"
)

// The features of a sentence's highlights score (see hlScores). Each is
// in [0,1].
const (
	hfCentrality   = iota // LexRank centrality
	hfPrior               // section and position prior
	hfLead                // closeness to the start of the paper
	hfKeyTerms            // share of the key terms' weight it holds
	hfCue                 // a contribution cue ("in this paper")
	hfStrongCue           // a first-person statement of the work ("we propose")
	hfTitle               // share of the title's terms it holds
	hfIntro               // in the introduction
	hfConclusion          // in the conclusion
	hfSectionStart        // near the start of its section
	hfResult              // reports a result with a number
	hfFirstPerson         // "we" or "our"
	hfRelated             // in related work or background
	hfLate                // relative position in the paper
	hfMethod              // in a method or experiments section
	hfLength              // close to 25 words
	hfOpening             // the opening that stands in for a missing abstract
	numHF
)

// hlWeights weigh the features of the highlights score.
type hlWeights [numHF]float64

// defaultHL are the highlights weights, tuned on the first 400
// ScisummNet papers with the abstract removed from the input, against
// their human summaries with the CL-SciSumm flags (TestHighlightsTune:
// two passes of coordinate ascent from the abstract style's mix, steps of
// -0.3, +0.3 and +1; R-2 0.1118 -> 0.1312). Centrality, the section prior
// and the share of title terms carry most of it.
// The human summaries are the abstract plus the statements that citing
// papers make about the work; without the abstract, the sentences that
// come closest are the introduction's and conclusion's statements of
// what the paper does and finds.
var defaultHL = hlWeights{
	hfCentrality: 2, hfPrior: 1.7, hfLead: 0.8, hfKeyTerms: -0.1, hfCue: 0.5, hfTitle: 1.6,
	hfIntro: 0.3, hfConclusion: 0.3, hfSectionStart: 0.3, hfResult: -0.3, hfFirstPerson: 0.3,
	hfRelated: 0.3, hfLate: -0.3, hfMethod: -0.3, hfLength: -0.3, hfOpening: 2.7,
}

// hlFeatures returns the features of source sentence i.
func (a *analysis) hlFeatures(i int) [numHF]float64 {
	s := &a.sents[i]
	var f [numHF]float64
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	var key float64
	for _, k := range a.keys {
		if _, ok := slices.BinarySearch(s.vec.IDs, k.id); ok {
			key += k.weight
		}
	}
	f[hfCentrality] = a.cent[i]
	f[hfPrior] = s.prior
	f[hfLead] = s.lead
	f[hfKeyTerms] = math.Min(1, key/a.keyMass()*2)
	f[hfCue] = b(s.cue)
	f[hfStrongCue] = b(hasPhrase(s.toks, strongCues))
	if len(a.title) > 0 {
		n := 0
		for _, id := range s.vec.IDs {
			if a.titleTerm(id) {
				n++
			}
		}
		f[hfTitle] = float64(n) / float64(len(a.title))
	}
	f[hfIntro] = b(s.kind == papersum.KindIntroduction)
	f[hfConclusion] = b(s.kind == papersum.KindConclusion)
	f[hfSectionStart] = math.Exp(-float64(s.pos) / 3)
	f[hfResult] = b(s.result && hasResultNumber(s.toks))
	f[hfFirstPerson] = b(slices.Contains(s.toks, "we") || slices.Contains(s.toks, "our"))
	f[hfRelated] = b(s.kind == papersum.KindRelated || s.kind == papersum.KindBackground)
	if len(a.sents) > 1 {
		f[hfLate] = float64(i) / float64(len(a.sents)-1)
	}
	f[hfMethod] = b(s.kind == papersum.KindMethod || s.kind == papersum.KindExperiments)
	f[hfLength] = max(0, 1-math.Abs(float64(s.words)-25)/35)
	f[hfOpening] = b(s.abs)
	return f
}

// hlScores is the highlights score of every source sentence: its
// suitability times the weighted features, 0 for a sentence that may not
// be highlighted (see highlightable).
func (a *analysis) hlScores(w hlWeights) []float64 {
	out := make([]float64, len(a.sents))
	for i := range a.sents {
		if !a.highlightable(i) {
			continue
		}
		f := a.hlFeatures(i)
		var v float64
		for k := range f {
			v += w[k] * f[k]
		}
		// Every highlightable sentence keeps a positive score, so that
		// the relaxed filters still find one.
		out[i] = a.sents[i].suit * max(v, 1e-6)
	}
	return out
}

// hlView is the lazily built highlights view of an analysis.
type hlView struct {
	once sync.Once
	view *analysis
}

// highlightsView returns a copy of a whose extraction score is the
// highlights score with the default weights (hlScores): the selection of
// highlights and the revision of a highlights summary read it as they read
// the score of an abstract-style summary. The copy shares everything else
// with a and is built once per analysis.
func (a *analysis) highlightsView() *analysis {
	if a.hl == nil || a.hlOnly {
		return a
	}
	a.hl.once.Do(func() { a.hl.view = a.withHLScores(defaultHL) })
	return a.hl.view
}

// withHLScores returns the highlights view of a under weights w.
func (a *analysis) withHLScores(w hlWeights) *analysis {
	v := *a
	v.score = a.hlScores(w)
	v.hlOnly = true
	v.hl = nil
	return &v
}
