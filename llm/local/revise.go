package local

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
	"github.com/papersum/papersum/textproc/prose"
)

// Revise returns a revision of draft that acts on critique (nil: the
// engine critiques the draft itself) and never scores lower than the draft
// on Engine.Critique. targetWords 0 means the configured default.
//
// The revision first follows a plan drawn from the measured critique:
// sentences with numbers or names the paper lacks are replaced by the
// source sentence they came from (or dropped), the weaker sentence of
// each redundant pair is dropped, the rest is put in document order, the
// summary is filled with source sentences that cover missing key terms
// and results, and trimmed to the length rule of Summarize. A bounded
// local search (remove, add or replace one sentence per step) then climbs
// the critique's overall score. Both keep Summarize's rules for papers
// with an abstract: body sentences do not grow the summary past
// AbstractFill of the target, and an edit that drops an abstract sentence
// must raise the overall score by ReviseMinGain. The result is compared with the draft by
// the full critique, and the better one (the revision on a tie) is
// returned.
//
// Of a critique written by someone else, Revise uses the key terms named
// in issues of the form `key term "X" not covered`; everything else it
// measures again.
func (e *Engine) Revise(p *papersum.Paper, draft string, critique *papersum.Critique, targetWords int) string {
	if targetWords <= 0 {
		targetWords = e.cfg.TargetWords
	}
	return e.revise(context.Background(), e.analysisOf(p), draft, critique, targetWords)
}

// keyTermIssue matches the engine's own "key term not covered" issue.
var keyTermIssue = regexp.MustCompile(`key term "([^"]+)" not covered`)

// reviser holds the state of one revision.
type reviser struct {
	e      *Engine
	a      *analysis
	m      *matcher
	target int
	// bodyLimit is the length up to which sentences from outside the
	// abstract may be added: AbstractFill of the target for a paper with
	// an abstract, the target otherwise (see Config.AbstractFill).
	bodyLimit int
	want      []int32 // term ids the critique asked for, beyond the key terms
	// highlights keeps the revision of a highlights summary to body
	// sentences that do not repeat the abstract (see highlightable).
	highlights bool
	sources    map[int]draftSent // fromSource's sentences, by source index
}

func (e *Engine) revise(ctx context.Context, a *analysis, draft string, c *papersum.Critique, target int) string {
	return e.reviseStyle(ctx, a, draft, c, target, papersum.StyleAbstract)
}

// reviseStyle is revise for a summary of style: a highlights summary is
// revised with body sentences only (no abstract sentence and no repeat of
// one), and the abstract's fill rule does not apply to it.
func (e *Engine) reviseStyle(ctx context.Context, a *analysis, draft string, c *papersum.Critique, target int, style papersum.Style) string {
	if style == papersum.StyleHighlights {
		a = a.highlightsView()
	}
	base := e.critique(a, draft, target)
	rv := &reviser{e: e, a: a, m: newMatcher(a), target: target, bodyLimit: e.bodyLimit(a, target),
		highlights: style == papersum.StyleHighlights}
	if rv.highlights {
		rv.bodyLimit = target
	}
	if c != nil {
		for _, is := range c.Issues {
			for _, sm := range keyTermIssue.FindAllStringSubmatch(is, -1) {
				for _, t := range textproc.Tokens(sm[1]) {
					if id, ok := a.vocab.ID(e.stemmer.Stem(t)); ok && !textproc.IsStopword(t) {
						rv.want = append(rv.want, id)
					}
				}
			}
		}
	}

	// Climb from the planned edit and from the draft itself, and keep the
	// better: the plan fixes what the critique names, but on a good draft
	// small edits can beat it.
	cur := rv.climb(ctx, rv.plan(base))
	if alt := rv.climb(ctx, rv.trim(slices.Clone(base.sents))); rv.objective(alt) > rv.objective(cur)+1e-9 {
		cur = alt
	}
	cur = rv.fixIssues(ctx, cur)
	revised := joinDraft(cur)
	if revised == "" || revised == draft {
		return draft
	}
	// The guarantee is checked on the text, through the same path as any
	// critique, so that re-splitting cannot make the revision look better
	// than it is.
	if e.critique(a, revised, target).critique.Scores.Overall() >= base.critique.Scores.Overall() {
		return revised
	}
	return draft
}

// joinDraft renders sentences as one paragraph.
func joinDraft(ds []draftSent) string {
	parts := make([]string, len(ds))
	for i := range ds {
		parts[i] = cleanSpace(ds[i].text)
	}
	return strings.Join(parts, " ")
}

// fromSource is source sentence k as a summary sentence. The search asks
// for the same few candidates again and again, and checking a sentence's
// prose is costly, so each is built once per revision.
func (rv *reviser) fromSource(k int) draftSent {
	if d, ok := rv.sources[k]; ok {
		return d
	}
	s := rv.a.sents[k]
	d := draftSent{sent: s, words: textproc.Words(s.text), src: k, sim: 1, support: 1, alts: []int{k},
		problems: prose.Check(s.text, prose.Options{Known: rv.a.known})}
	if rv.sources == nil {
		rv.sources = map[int]draftSent{}
	}
	rv.sources[k] = d
	return d
}

// value is what a sentence brings: its source's extraction score and the
// key terms it covers.
func (rv *reviser) value(d *draftSent) float64 {
	v := 0.0
	if d.src >= 0 && d.sim >= confidentSim {
		v += rv.a.score[d.src]
	}
	for _, k := range rv.a.keys {
		if _, ok := slices.BinarySearch(d.vec.IDs, k.id); ok {
			v += k.weight / rv.a.keyMass()
		}
	}
	return v * d.support
}

// plan applies the edits the critique calls for.
func (rv *reviser) plan(base *critiqueResult) []draftSent {
	a := rv.a
	cur := slices.Clone(base.sents)

	// 1. Unsupported numbers, names or sentences: fall back to the source.
	out := cur[:0]
	for _, d := range cur {
		if len(d.badNumbers) > 0 || len(d.badNames) > 0 || d.support < supportLow {
			if d.src >= 0 && d.sim >= confidentSim && a.sents[d.src].suit > 0 && rv.allowed(d.src) {
				out = append(out, rv.fromSource(d.src))
			}
			continue
		}
		out = append(out, d)
	}
	cur = out

	// 2. Redundancy: drop the weaker sentence of each overlapping pair.
	for changed := true; changed; {
		changed = false
	pairs:
		for i := range cur {
			for j := i + 1; j < len(cur); j++ {
				if termOverlap(cur[i].vec.IDs, cur[j].vec.IDs) >= rv.e.cfg.RedundancyThreshold && !a.abstractPair(&cur[i], &cur[j]) {
					drop := j
					if rv.value(&cur[j]) > rv.value(&cur[i]) {
						drop = i
					}
					cur = slices.Delete(cur, drop, drop+1)
					changed = true
					break pairs
				}
			}
		}
	}

	// 3. Document order.
	cur = rv.order(cur)

	// 4. Fill with sentences that add missing content.
	for rv.words(cur) < rv.target {
		best, bestGain := -1, 0.0
		w := rv.words(cur)
		for _, k := range a.pool(rv.e.cfg.ReviseCandidates) {
			if !rv.canAdd(cur, k) || (!rv.fromAbstract(k) && w+a.sents[k].words > rv.bodyLimit) {
				continue
			}
			if g := rv.gain(cur, k); best < 0 || g > bestGain {
				best, bestGain = k, g
			}
		}
		if best < 0 {
			break
		}
		if w+a.sents[best].words > rv.target && float64(w) >= minFill*float64(rv.target) {
			break
		}
		cur = rv.order(append(cur, rv.fromSource(best)))
	}

	// 5. Trim to the length rule.
	return rv.trim(cur)
}

// fromAbstract reports whether source sentence k is in the abstract.
func (rv *reviser) fromAbstract(k int) bool {
	return rv.a.fromAbstract(k, 1)
}

// bodyWords is the length in words of the sentences of ds that do not
// come from the abstract (sentences of unknown source count as body).
func (rv *reviser) bodyWords(ds []draftSent) int {
	n := 0
	for i := range ds {
		if !rv.a.fromAbstract(ds[i].src, ds[i].sim) {
			n += ds[i].sent.words
		}
	}
	return n
}

// dropsAbstract reports whether next lacks an abstract sentence that cur
// has.
func (rv *reviser) dropsAbstract(cur, next []draftSent) bool {
	for i := range cur {
		if !rv.a.fromAbstract(cur[i].src, cur[i].sim) {
			continue
		}
		found := false
		for j := range next {
			if next[j].src == cur[i].src && next[j].sim >= confidentSim {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// words is the length of a summary in words.
func (rv *reviser) words(ds []draftSent) int {
	n := 0
	for i := range ds {
		n += ds[i].sent.words
	}
	return n
}

// fits reports whether ds meets the length rule of Summarize: within the
// target, or over it by part of one sentence.
func (rv *reviser) fits(ds []draftSent) bool {
	w, longest := 0, 0
	for i := range ds {
		w += ds[i].sent.words
		longest = max(longest, ds[i].sent.words)
	}
	// Summarize overflows only by a sentence added below minFill of the
	// target, so without its longest sentence such a summary is below it.
	return w <= rv.target || float64(w-longest) < minFill*float64(rv.target)
}

// trim drops the least valuable sentences until ds fits.
func (rv *reviser) trim(ds []draftSent) []draftSent {
	for len(ds) > 1 && !rv.fits(ds) {
		worst := 0
		for i := range ds {
			if rv.value(&ds[i]) < rv.value(&ds[worst]) {
				worst = i
			}
		}
		ds = slices.Delete(ds, worst, worst+1)
	}
	return ds
}

// canAdd reports whether source sentence k is new to ds and not redundant
// with any of its sentences.
func (rv *reviser) canAdd(ds []draftSent, k int) bool {
	if !rv.allowed(k) {
		return false
	}
	v := rv.a.sents[k].vec.IDs
	src := rv.fromSource(k)
	for i := range ds {
		if ds[i].src == k && ds[i].sim >= confidentSim {
			return false
		}
		if termOverlap(v, ds[i].vec.IDs) >= rv.e.cfg.RedundancyThreshold && !rv.a.abstractPair(&src, &ds[i]) {
			return false
		}
	}
	return true
}

// allowed reports whether source sentence k may be added by this
// revision: any extractable sentence, but for a highlights summary only
// one from the body that does not repeat the abstract.
func (rv *reviser) allowed(k int) bool {
	if rv.a.score[k] <= 0 {
		return false
	}
	return !rv.highlights || rv.a.highlightable(k)
}

// gain is what adding source sentence k brings to ds: missing key terms
// and requested terms, a missing result or method, and its own score.
func (rv *reviser) gain(ds []draftSent, k int) float64 {
	a := rv.a
	s := &a.sents[k]
	g := 0.0
	for _, kt := range a.keys {
		if _, ok := slices.BinarySearch(s.vec.IDs, kt.id); ok && !coversTerm(ds, kt.id) {
			g += kt.weight / a.keyMass()
		}
	}
	for _, id := range rv.want {
		if _, ok := slices.BinarySearch(s.vec.IDs, id); ok && !coversTerm(ds, id) {
			g += 0.1
		}
	}
	hasResult, hasMethod := false, false
	for i := range ds {
		if ds[i].src >= 0 && ds[i].sim >= 0.3 {
			hasResult = hasResult || a.sents[ds[i].src].result
			hasMethod = hasMethod || a.sents[ds[i].src].method
		}
	}
	if s.result && !hasResult {
		g += 0.3
	}
	if s.method && !hasMethod {
		g += 0.2
	}
	return g + 0.5*a.score[k]
}

// order sorts ds into the document order of the sentences' sources.
// Sentences without a confident source keep their place after the
// sentence they followed.
func (rv *reviser) order(ds []draftSent) []draftSent {
	keys := make([]float64, len(ds))
	last := -1.0
	for i := range ds {
		if ds[i].src >= 0 && ds[i].sim >= confidentSim {
			last = float64(ds[i].src)
			keys[i] = last
		} else {
			keys[i] = last + 0.5
		}
	}
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(keys[x], keys[y]) })
	out := make([]draftSent, len(ds))
	for i, k := range idx {
		out[i] = ds[k]
	}
	return out
}

// objective is what the local search climbs: the critique's overall
// score plus ReviseScoreWeight times the summed extraction scores of the
// sentences' sources (relative to the best score in the paper), which
// also breaks the ties that one-decimal scores leave.
func (rv *reviser) objective(ds []draftSent) float64 {
	v, _ := rv.evaluate(ds)
	return v
}

// evaluate returns the objective of ds and the critique's overall score.
func (rv *reviser) evaluate(ds []draftSent) (objective, overall float64) {
	if len(ds) == 0 {
		return -1, 0
	}
	r := rv.e.score(rv.a, ds, rv.target, false)
	// Each source counts once: repeating a good sentence adds nothing.
	var v float64
	for i := range ds {
		if ds[i].src < 0 || ds[i].sim < confidentSim {
			continue
		}
		repeat := false
		for j := range i {
			repeat = repeat || ds[j].src == ds[i].src
		}
		if !repeat {
			v += rv.a.score[ds[i].src] * ds[i].support
		}
	}
	overall = r.critique.Scores.Overall()
	return overall + rv.e.cfg.ReviseScoreWeight*v/rv.maxScore(), overall
}

// maxScore is the best extraction score in the paper (1 if none).
func (rv *reviser) maxScore() float64 {
	m := 0.0
	for _, s := range rv.a.score {
		m = max(m, s)
	}
	if m == 0 {
		return 1
	}
	return m
}

// fixIssues acts on the issues the critique still raises about ds: it
// makes the single-sentence edit (drop, add, replace or move to the front
// one sentence) that
// leaves the fewest issues, as long as it leaves fewer than before and
// does not lower the critique's overall score, for at most ReviseRounds
// rounds. The climb optimises the score, which can leave an issue that
// costs only rounding ("the summary reports no results" on a summary
// that is otherwise complete); this pass removes such issues whenever a
// sentence of the paper can. Edits keep the length rule and the fill rule
// of the climb; an edit that drops an abstract sentence must still raise
// the overall score by ReviseMinGain.
func (rv *reviser) fixIssues(ctx context.Context, ds []draftSent) []draftSent {
	if len(ds) == 0 {
		return ds
	}
	cands := rv.a.pool(rv.e.cfg.ReviseCandidates)
	cur := ds
	r := rv.e.score(rv.a, cur, rv.target, true)
	curN, curO := len(r.critique.Issues), r.critique.Scores.Overall()
	curV, _ := rv.evaluate(cur)
	for round := 0; round < rv.e.cfg.ReviseRounds && curN > 0 && ctx.Err() == nil; round++ {
		var best []draftSent
		bestN, bestO := curN, curO
		try := func(next []draftSent) {
			if len(next) == 0 || !rv.fits(next) {
				return
			}
			if w := rv.words(next); w > max(rv.words(cur), rv.bodyLimit) && rv.bodyWords(next) > rv.bodyWords(cur) {
				return
			}
			minGain := 0.0
			if rv.dropsAbstract(cur, next) {
				minGain = rv.e.cfg.ReviseMinGain
			}
			r := rv.e.score(rv.a, next, rv.target, true)
			n, o := len(r.critique.Issues), r.critique.Scores.Overall()
			if o < curO+minGain-1e-9 {
				return
			}
			// An issue is not worth the paper's best sentences: the
			// objective (score and extraction scores) may fall by at
			// most ReviseFixSlack.
			if v, _ := rv.evaluate(next); v < curV-rv.e.cfg.ReviseFixSlack-1e-9 {
				return
			}
			if n < bestN || (n == bestN && best != nil && o > bestO+1e-9) {
				best, bestN, bestO = next, n, o
			}
		}
		for i := range cur {
			try(slices.Delete(slices.Clone(cur), i, i+1))
			if i > 0 {
				// The sentence that states the contribution first.
				try(slices.Insert(slices.Delete(slices.Clone(cur), i, i+1), 0, cur[i]))
			}
		}
		for _, k := range cands {
			if !rv.canAdd(cur, k) {
				continue
			}
			src := rv.fromSource(k)
			try(rv.order(append(slices.Clone(cur), src)))
			for i := range cur {
				next := slices.Clone(cur)
				next[i] = src
				if rv.canAdd(slices.Delete(slices.Clone(cur), i, i+1), k) {
					try(rv.order(next))
				}
			}
		}
		if best == nil {
			break
		}
		cur, curN, curO = best, bestN, bestO
		curV, _ = rv.evaluate(cur)
	}
	return cur
}

// climb improves ds by single-sentence edits, best first, for at most
// ReviseRounds rounds or until no edit helps or ctx is done.
func (rv *reviser) climb(ctx context.Context, ds []draftSent) []draftSent {
	cands := rv.a.pool(rv.e.cfg.ReviseCandidates)
	cur := ds
	curV, curO := rv.evaluate(cur)
	for round := 0; round < rv.e.cfg.ReviseRounds; round++ {
		if ctx.Err() != nil {
			break
		}
		var best []draftSent
		bestV, bestO := curV, curO
		try := func(next []draftSent) {
			if !rv.fits(next) {
				return
			}
			// Summarize's rule for papers with an abstract holds here
			// too: body sentences do not grow a summary past the fill
			// share of the target.
			if w := rv.words(next); w > max(rv.words(cur), rv.bodyLimit) && rv.bodyWords(next) > rv.bodyWords(cur) {
				return
			}
			// An edit that gives up one of the authors' abstract
			// sentences must improve the critique materially: for
			// rounding-level gains it trades the best summary sentences
			// the paper has for ones that read no better.
			minGain := 0.0
			if rv.dropsAbstract(cur, next) {
				minGain = rv.e.cfg.ReviseMinGain
			}
			if v, o := rv.evaluate(next); v > bestV+1e-9 && o >= curO+minGain-1e-9 {
				best, bestV, bestO = next, v, o
			}
		}
		for i := range cur {
			next := slices.Delete(slices.Clone(cur), i, i+1)
			try(next)
		}
		for _, k := range cands {
			if !rv.canAdd(cur, k) {
				continue
			}
			src := rv.fromSource(k)
			try(rv.order(append(slices.Clone(cur), src)))
			for i := range cur {
				next := slices.Clone(cur)
				next[i] = src
				if rv.canAdd(slices.Delete(slices.Clone(cur), i, i+1), k) {
					try(rv.order(next))
				}
			}
		}
		if best == nil {
			break
		}
		cur, curV, curO = best, bestV, bestO
	}
	return cur
}
