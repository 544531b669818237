package local

import (
	"slices"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
)

// The aspects a highlights summary covers, in the order a reader wants
// them.
const (
	aspectContribution = iota
	aspectMethod
	aspectResult
	aspectLimitation
	numAspects
)

// limitationCues are phrases with which authors state what their work
// does not do or leaves open.
var limitationCues = phrases(
	"limitation", "limitations", "future work", "in the future", "does not help", "does not handle",
	"does not scale", "does not work", "cannot", "can not", "fails to", "failed to", "drawback",
	"drawbacks", "shortcoming", "shortcomings", "not yet", "left for", "is limited", "are limited",
	"unable to", "weakness", "we plan", "we intend", "would like to", "open question",
	"only applies", "restricted to", "at the cost of", "suffers", "remains to be", "remain to be",
)

// aspects returns which aspects source sentence i states.
func (a *analysis) aspects(i int) [numAspects]bool {
	s := &a.sents[i]
	var out [numAspects]bool
	out[aspectContribution] = s.cue
	out[aspectMethod] = s.method && !s.cue
	out[aspectResult] = s.result && hasResultNumber(s.toks)
	out[aspectLimitation] = hasPhrase(s.toks, limitationCues)
	return out
}

// hasResultNumber reports whether toks hold a number that can be a result:
// a decimal or a percentage, not a year or a bare section number.
func hasResultNumber(toks []string) bool {
	for i, t := range toks {
		if !textproc.IsNumber(t) {
			continue
		}
		if len(t) == 4 && (t[:2] == "19" || t[:2] == "20") {
			continue // a year
		}
		if i > 0 {
			switch toks[i-1] {
			case "section", "table", "figure", "fig", "eq", "equation", "chapter":
				continue
			}
		}
		if slices.Contains([]byte(t), '.') || (i+1 < len(toks) && (toks[i+1] == "%" || toks[i+1] == "percent" || toks[i+1] == "times")) {
			return true
		}
		if len(t) >= 2 {
			return true // "12 languages", "500 sentences"
		}
	}
	return false
}

// copyThreshold is the share of a body sentence's terms found in one
// abstract sentence above which the body sentence repeats the abstract.
const copyThreshold = 0.6

// copiesAbstract reports whether source sentence i is in, or repeats a
// sentence of, the paper's abstract section. The opening that stands in
// for a missing abstract (openingAbstract) is a guess, and on a paper
// whose abstract was removed it is the introduction, the best material
// highlights have: it counts as body.
func (a *analysis) copiesAbstract(i int) bool {
	s := &a.sents[i]
	if s.kind == papersum.KindAbstract {
		return true
	}
	for j := range a.sents {
		if a.sents[j].kind == papersum.KindAbstract && termOverlap(s.vec.IDs, a.sents[j].vec.IDs) >= copyThreshold {
			return true
		}
	}
	return false
}

// highlightable reports whether source sentence i may be quoted in a
// highlights summary: extractable, from the body, not a repeat of the
// abstract.
func (a *analysis) highlightable(i int) bool {
	if a.hlOnly {
		return a.score[i] > 0
	}
	return a.score[i] > 0 && a.sents[i].kind != papersum.KindTitle && !a.copiesAbstract(i)
}

// highlights returns a highlights summary of a (papersum.StyleHighlights):
// body sentences chosen by MMR on their highlights score (see hlScores),
// with a bonus of AspectWeight for each aspect (contribution, method,
// result with a number, limitation) a sentence is the first to state,
// under Summarize's length rule, in document order. It is "" when no body
// sentence qualifies.
func (e *Engine) highlights(a *analysis, target int) string {
	return e.highlightsWith(a.highlightsView(), target)
}

// highlightsWith is highlights on a view whose score is the highlights
// score (see analysis.highlightsView).
func (e *Engine) highlightsWith(a *analysis, target int) string {
	cands := a.pool(mmrPool)
	if len(cands) == 0 {
		return ""
	}
	maxScore := a.score[cands[0]]
	var covered [numAspects]bool
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
				maxSim = max(maxSim, textproc.Dot(s.vec, a.sents[j].vec))
				if termOverlap(s.vec.IDs, a.sents[j].vec.IDs) >= e.cfg.RedundancyThreshold {
					redundant = true
				}
			}
			if redundant {
				used[k] = true
				continue
			}
			v := lambda*a.score[i]/maxScore - (1-lambda)*maxSim
			for asp, has := range a.aspects(i) {
				if has && !covered[asp] {
					v += e.cfg.AspectWeight
				}
			}
			if best < 0 || v > bestV {
				best, bestV = k, v
			}
			if words+s.words <= target && (bestFit < 0 || v > bestFitV) {
				bestFit, bestFitV = k, v
			}
		}
		pick := -1
		switch {
		case bestFit >= 0:
			pick = bestFit
		case best >= 0 && float64(words) < minFill*float64(target):
			pick = best
		}
		if pick < 0 {
			break
		}
		used[pick] = true
		i := cands[pick]
		chosen = append(chosen, i)
		words += a.sents[i].words
		for asp, has := range a.aspects(i) {
			covered[asp] = covered[asp] || has
		}
		if bestFit < 0 {
			break // the one overflowing sentence the length rule allows
		}
	}
	chosen = e.withLimitation(a, chosen, covered[aspectLimitation], target)
	slices.Sort(chosen)
	return a.join(chosen)
}

// withLimitation makes room in chosen (in the order the sentences were
// picked) for the best highlightable sentence that states a limitation,
// when none of chosen does and the paper has one: a reader of highlights
// needs to know what the work does not do, and human summaries, which
// rarely say it, would never make MMR pick it. The sentences picked last
// give way until it fits the target.
func (e *Engine) withLimitation(a *analysis, chosen []int, covered bool, target int) []int {
	if covered {
		return chosen
	}
	lim := -1
	for i := range a.sents {
		if a.highlightable(i) && a.aspects(i)[aspectLimitation] && (lim < 0 || a.score[i] > a.score[lim]) &&
			!slices.Contains(chosen, i) && a.sents[i].words <= target/2 {
			lim = i
		}
	}
	if lim < 0 {
		return chosen
	}
	words := a.sents[lim].words
	for _, i := range chosen {
		words += a.sents[i].words
	}
	for len(chosen) > 1 && words > target {
		words -= a.sents[chosen[len(chosen)-1]].words
		chosen = chosen[:len(chosen)-1]
	}
	return append(chosen, lim)
}
