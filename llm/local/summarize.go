package local

import (
	"cmp"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
)

// minFill is the share of the target below which the summarizer still
// adds one sentence that overflows the target, rather than stop short.
const minFill = 0.8

// mmrPool is how many of the best-scored sentences MMR chooses among. The
// rest never win against them on a 150-word budget; the cap keeps the
// selection loop cheap on long papers.
const mmrPool = 60

// Summarize returns an extractive summary of p of about targetWords words
// (0 means the configured default). Sentences are chosen by score with
// maximal marginal relevance and returned in document order, joined by
// single spaces.
//
// When the paper has an abstract (see Config.AbstractFill), its sentences
// come first and sentences from the body only top it up to AbstractFill of
// the target. When too few sentences pass the suitability filters, the
// filters are relaxed (see relaxSuitability); a lone sentence longer than
// the target is then cut to its first targetWords words, ending in "…".
//
// Length rule: a sentence is added only while it fits in the words left;
// when no remaining candidate fits and the summary is still under 80% of
// the target, the best candidate is added even though it overflows, and
// selection stops. So the summary exceeds targetWords only by part of one
// sentence: dropping its longest sentence always brings it within target.
func (e *Engine) Summarize(p *papersum.Paper, targetWords int) string {
	if targetWords <= 0 {
		targetWords = e.cfg.TargetWords
	}
	return e.summarize(e.analysisOf(p), targetWords)
}

func (e *Engine) summarize(a *analysis, target int) string {
	idxs := e.selectSentences(a, target)
	words := 0
	for _, i := range idxs {
		words += a.sents[i].words
	}
	parts := make([]string, len(idxs))
	for k, i := range idxs {
		parts[k] = cleanSpace(a.sents[i].text)
		if n := a.sents[i].words; n > target {
			// Only a relaxed filter (see relaxSuitability) lets a
			// sentence longer than the whole summary through, typically
			// text whose sentence boundaries were lost; its opening
			// stands for it, in the room the other sentences leave.
			parts[k] = clipWords(parts[k], max(target-(words-n), 1))
		}
	}
	return strings.Join(parts, " ")
}

// clipWords returns the first n words of s followed by "…".
func clipWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) <= n {
		return s
	}
	return strings.Join(w[:n], " ") + "…"
}

// join renders source sentences, given in document order, as one paragraph.
func (a *analysis) join(idxs []int) string {
	parts := make([]string, len(idxs))
	for i, k := range idxs {
		parts[i] = cleanSpace(a.sents[k].text)
	}
	return strings.Join(parts, " ")
}

// cleanSpace collapses runs of white space, which XML sources keep.
func cleanSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// pool returns the indices of the extractable sentences, best score first
// (ties to the earlier sentence), at most n of them.
func (a *analysis) pool(n int) []int {
	var idxs []int
	for i, sc := range a.score {
		if sc > 0 {
			idxs = append(idxs, i)
		}
	}
	slices.SortStableFunc(idxs, func(x, y int) int { return cmp.Compare(a.score[y], a.score[x]) })
	if len(idxs) > n {
		idxs = idxs[:n]
	}
	return idxs
}

// selectSentences picks sentences by MMR under the length rule of
// Summarize and returns them in document order.
func (e *Engine) selectSentences(a *analysis, target int) []int {
	cands := a.pool(mmrPool)
	if len(cands) == 0 {
		return nil
	}
	maxScore := a.score[cands[0]]
	bodyLimit := e.bodyLimit(a, target)
	var chosen []int
	used := make([]bool, len(cands))
	words := 0
	lambda := e.cfg.Lambda
	for {
		best, bestFit := -1, -1
		var bestV, bestFitV float64
		for k, i := range cands {
			if used[k] {
				continue
			}
			s := &a.sents[i]
			var maxSim float64
			redundant := false
			for _, j := range chosen {
				sim := textproc.Dot(s.vec, a.sents[j].vec)
				if sim > maxSim {
					maxSim = sim
				}
				// Two abstract sentences are never redundant (see
				// analysis.abstractPair).
				if bothAbstract := s.abs && a.sents[j].abs; !bothAbstract &&
					termOverlap(s.vec.IDs, a.sents[j].vec.IDs) >= e.cfg.RedundancyThreshold {
					redundant = true
				}
			}
			if redundant {
				used[k] = true
				continue
			}
			v := lambda*a.score[i]/maxScore - (1-lambda)*maxSim
			limit := target
			if !s.abs {
				limit = bodyLimit
			}
			// Only an abstract sentence may overflow the target of a
			// summary built on the abstract; a body sentence may
			// overflow only the fill share.
			if (best < 0 || v > bestV) && (!a.abstract || limit == target || words+s.words <= target) {
				best, bestV = k, v
			}
			if words+s.words <= limit && (bestFit < 0 || v > bestFitV) {
				bestFit, bestFitV = k, v
			}
		}
		switch {
		case bestFit >= 0:
			used[bestFit] = true
			chosen = append(chosen, cands[bestFit])
			words += a.sents[cands[bestFit]].words
			continue
		case best >= 0 && float64(words) < minFill*float64(target):
			chosen = append(chosen, cands[best])
		}
		break
	}
	slices.Sort(chosen)
	return chosen
}

// bodyLimit is the length up to which sentences from outside the abstract
// may be added to a summary of a: AbstractFill of the target when the paper
// has an abstract to build on (see Config.AbstractFill), else the target.
func (e *Engine) bodyLimit(a *analysis, target int) int {
	if !a.abstract {
		return target
	}
	return int(e.cfg.AbstractFill * float64(target))
}

// termOverlap is the number of shared terms over the size of the smaller
// term set, 0 when either has fewer than three terms (too little to call
// two sentences redundant). ids must be sorted and distinct.
func termOverlap(a, b []int32) float64 {
	n := min(len(a), len(b))
	if n < 3 {
		return 0
	}
	return float64(textproc.Overlap(a, b)) / float64(n)
}
