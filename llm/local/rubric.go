package local

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
	"github.com/papersum/papersum/textproc/prose"
)

// CritiqueVersion names the local critique's rubric. Every score the
// engine gives records it (papersum.Scores.JudgeVersion): a change to what
// a dimension measures or how much a problem costs is a new version, and
// scores of different versions are not comparable.
const CritiqueVersion = "local-critique/2"

// Costs of the problems each dimension counts, in points of 0-10. They
// are part of the rubric's definition: changing one is a new
// CritiqueVersion.
const (
	costBadNumber   = 2.0 // a number the paper does not contain
	costBadName     = 1.0 // a name or acronym the paper does not contain
	costOffNumber   = 0.7 // a number of the paper, not of the passage matched
	costOffName     = 0.3 // a name of the paper, not of the passage matched
	costNonProse    = 2.0 // author lines, figure debris, OCR garbage
	costBrokenWord  = 1.0 // per word, at most maxWordCosts words
	costCitation    = 0.5
	costFragment    = 1.5
	costUnfinished  = 3.0 // coherence: the summary stops mid-sentence
	costRepeat      = 3.0 // coherence: a sentence said twice
	costLateOpening = 1.5 // coherence: the contribution stated after other things
	maxWordCosts    = 4
)

// notes collects the issues of one dimension; without issues it only
// counts, so that revise's many candidate scorings build no strings.
type notes struct {
	on   bool
	list []string
}

func (n *notes) add(format string, args ...any) {
	if n.on {
		n.list = append(n.list, fmt.Sprintf(format, args...))
	}
}

// score turns measured sentences into the rubric scores and issues, one
// function per dimension.
//
// Without issues, no issue text is built: revise scores many candidate
// summaries and needs only the numbers.
func (e *Engine) score(a *analysis, ds []draftSent, target int, issues bool) *critiqueResult {
	r := &critiqueResult{sents: ds}
	for i := range ds {
		r.words += ds[i].sent.words
	}
	if len(ds) == 0 || r.words == 0 {
		r.critique = papersum.Critique{Scores: papersum.Scores{Judge: Judge, JudgeVersion: CritiqueVersion},
			Issues: []string{"summary is empty"}}
		r.missing = a.keys
		return r
	}
	acc, comp, clar, coh := notes{on: issues}, notes{on: issues}, notes{on: issues}, notes{on: issues}
	repeats := repeatedSentences(ds)
	scores := papersum.Scores{
		Accuracy:     round1(accuracy(ds, &acc)),
		Completeness: round1(e.completeness(a, ds, repeats, target, r, &comp)),
		Clarity:      round1(e.clarity(a, ds, repeats, r, &clar)),
		Coherence:    round1(coherence(ds, repeats, &coh)),
		Judge:        Judge,
		JudgeVersion: CritiqueVersion,
	}
	r.critique = papersum.Critique{Scores: scores, Issues: slices.Concat(acc.list, comp.list, clar.list, coh.list)}
	if r.critique.Issues == nil {
		r.critique.Issues = []string{}
	}
	return r
}

// credit is how far the paper backs sentence d, in [0,1]: its support
// (share of its terms found in its best-matching source sentences and in
// the paper) against supportFull, halved when part of it is not prose.
func credit(d *draftSent) float64 {
	c := math.Min(1, d.support/supportFull)
	for _, p := range d.problems {
		// Debris states nothing, and a sentence cut mid-way may state
		// the opposite of what the paper does.
		if p.Kind.NonProse() || p.Kind == prose.Unfinished {
			return c * 0.5
		}
	}
	return c
}

// accuracy is 10 × the mean credit of the sentences, less costBadNumber
// per number and costBadName per name or acronym the paper does not
// contain, and costNonProse per span of author, affiliation, figure or
// OCR debris: such text is not a statement the paper makes.
func accuracy(ds []draftSent, n *notes) float64 {
	var sum, cost float64
	for i := range ds {
		d := &ds[i]
		sum += credit(d)
		if d.support < supportLow {
			n.add("sentence %d is not supported by the paper (%.0f%% of its terms match): %q", i+1, 100*d.support, clip(d.text))
		}
		for _, x := range d.badNumbers {
			n.add("number %s in sentence %d does not appear in the paper", x, i+1)
			cost += costBadNumber
		}
		for _, x := range d.badNames {
			n.add("%q in sentence %d does not appear in the paper", x, i+1)
			cost += costBadName
		}
		// Moved facts cost at most costOffNumber a sentence: an
		// abstractive sentence fuses passages, and names many things.
		off := 0.0
		for _, x := range d.offNumbers {
			n.add("number %s in sentence %d is not in the passage of the paper it summarises", x, i+1)
			off += costOffNumber
		}
		for _, x := range d.offNames {
			n.add("%q in sentence %d is not in the passage of the paper it summarises", x, i+1)
			off += costOffName
		}
		cost += math.Min(off, costOffNumber)
		for _, p := range d.problems {
			if p.Kind.NonProse() {
				n.add("sentence %d has %s, not a statement of the paper: %q", i+1, describe(p.Kind), p.Span)
				cost += costNonProse
			}
		}
	}
	return 10*sum/float64(len(ds)) - cost
}

// completeness is 10 × (30% coverage of the content the paper's abstract
// states, 15% coverage of the paper's key terms, 20% the roles a summary
// plays, problem or contribution, method and results, 35% length against
// the target). Only what the paper backs counts: a sentence from
// elsewhere covers nothing, and a repeated one adds no length.
func (e *Engine) completeness(a *analysis, ds []draftSent, repeats []int, target int, r *critiqueResult, n *notes) float64 {
	credits := make([]float64, len(ds))
	words := 0.0
	for i := range ds {
		credits[i] = credit(&ds[i])
		if repeats[i] < 0 {
			words += credits[i] * float64(ds[i].sent.words)
		}
	}
	absCov := a.abstractCoverage(ds, credits)
	var keyCov float64
	for _, k := range a.keys {
		if coversTerm(ds, k.id) {
			keyCov += k.weight
		} else {
			r.missing = append(r.missing, k)
		}
	}
	if len(a.keys) == 0 {
		keyCov = 1
	} else {
		keyCov /= a.keyMass()
	}
	for _, k := range r.missing {
		if a.titleTerm(k.id) {
			n.add("the summary never mentions %q, a term of the paper's title", k.display)
		}
	}
	roles := summaryRoles(a, ds)
	if !roles.contribution {
		n.add("the summary does not say what the paper contributes (no \"we present\", \"this paper\" or its abstract's opening)")
	}
	if !roles.method {
		n.add("the summary does not say how the work was done (no method)")
	}
	if !roles.result {
		if k := a.bestResult(); k >= 0 {
			n.add("the summary reports no results; the paper reports, e.g.: %q", clip(a.sents[k].text))
		} else {
			n.add("the summary reports no results or conclusions")
		}
	}
	ratio := words / float64(target)
	lengthScore := 1.0
	switch {
	case ratio < minFill:
		lengthScore = ratio / minFill
	case ratio > 1.25:
		lengthScore = math.Max(0, 1-(ratio-1.25))
	}
	if ratio < minFill || ratio > 1.25 {
		n.add("summary has %d words, target %d", r.words, target)
	}
	return 10 * (0.3*math.Min(1, absCov/abstractCoverFull) + 0.15*keyCov + 0.2*roles.share() + 0.35*lengthScore)
}

// abstractCoverFull is the share of the abstract's content that counts as
// full coverage: a good summary says what the abstract says, not every
// word of it.
const abstractCoverFull = 0.6

// roles are the parts a summary of a paper states.
type roles struct{ contribution, method, result bool }

func (r roles) share() float64 {
	n := 0
	for _, b := range []bool{r.contribution, r.method, r.result} {
		if b {
			n++
		}
	}
	return float64(n) / 3
}

// summaryRoles finds the roles ds plays, from its own cue words and from
// the source sentences it matches.
func summaryRoles(a *analysis, ds []draftSent) roles {
	var r roles
	for i := range ds {
		d := &ds[i]
		if credit(d) < 0.5 {
			continue // a sentence the paper does not back plays no role
		}
		r.contribution = r.contribution || hasPhrase(d.toks, contributionCues)
		r.method = r.method || hasMethodCue(d.toks)
		r.result = r.result || hasResultCue(d.toks)
		if d.src >= 0 && d.sim >= 0.3 {
			s := &a.sents[d.src]
			r.method = r.method || s.method
			r.result = r.result || s.result
			r.contribution = r.contribution || s.cue || (s.abs && s.pos == 0)
		}
	}
	return r
}

// clarity is Flesch–Kincaid readability (10 up to grade readableGrade,
// less half a point per grade above), less the costs of broken and
// garbled words, citation brackets, fragments, unfinished sentences,
// captions and table rows, hard or long sentences, and redundancy (pairs
// of sentences sharing at least RedundancyThreshold of their terms, unless
// they come from two different sentences of the paper's abstract).
func (e *Engine) clarity(a *analysis, ds []draftSent, repeats []int, r *critiqueResult, n *notes) float64 {
	syl, words := 0, 0
	for i := range ds {
		for _, t := range ds[i].toks {
			if !textproc.HasDigit(t) {
				syl += textproc.Syllables(t)
			} else {
				syl++ // a number reads as one unit whatever its digits
			}
		}
		words += len(ds[i].toks)
	}
	grade := textproc.FleschKincaidGrade(words, len(ds), syl)
	clarity := 10 - 0.5*math.Max(0, grade-readableGrade)
	wordCosts := 0
	for i := range ds {
		d := &ds[i]
		switch {
		case d.grade > hardGrade && len(d.toks) > 0:
			n.add("sentence %d is hard to read (Flesch–Kincaid grade %.1f)", i+1, d.grade)
			clarity -= 0.5
		case d.sent.words > e.cfg.LongSentenceWords:
			n.add("sentence %d is long (%d words)", i+1, d.sent.words)
			clarity -= 0.5
		}
		if isCaption(strings.TrimSpace(d.text)) || mostlyNumbers(d.toks) {
			n.add("sentence %d reads like a caption or table row: %q", i+1, clip(d.text))
			clarity--
		}
		for _, p := range d.problems {
			switch p.Kind {
			case prose.BrokenWord, prose.OCRNoise:
				n.add("sentence %d: %s %q", i+1, describe(p.Kind), p.Span)
				if wordCosts < maxWordCosts {
					clarity -= costBrokenWord
					wordCosts++
				}
			case prose.Citation:
				n.add("sentence %d: citation bracket %q means nothing to a reader of the summary", i+1, strings.TrimSpace(p.Span))
				clarity -= costCitation
			case prose.Fragment:
				n.add("sentence %d is a fragment: it starts %q", i+1, p.Span)
				clarity -= costFragment
			case prose.Unfinished:
				clarity -= costFragment // coherence names it
			case prose.FrontMatter, prose.FigureDebris, prose.WordSalad:
				clarity -= costFragment // accuracy names it
			}
		}
	}
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			ov := termOverlap(ds[i].vec.IDs, ds[j].vec.IDs)
			if ov >= e.cfg.RedundancyThreshold && !a.abstractPair(&ds[i], &ds[j]) {
				r.redundant = append(r.redundant, [2]int{i, j})
				if repeats[j] < 0 { // coherence names a repeat
					n.add("sentences %d and %d overlap %.0f%%", i+1, j+1, 100*ov)
				}
				clarity -= 3 * ov
			}
		}
	}
	return clarity
}

// coherence is 10 × (60% ordering, summary sentences following the
// document order of their sources; 40% cohesion, neighbours sharing a
// term), less the costs of a repeated sentence, a summary that stops
// mid-sentence, a statement of the contribution after other things,
// dangling openings ("This", "These results") and references to tables,
// figures or sections the reader cannot see.
func coherence(ds []draftSent, repeats []int, n *notes) float64 {
	coherence := 10 * (0.6*documentOrder(ds, n) + 0.4*(0.5+0.5*cohesion(ds)))
	for i, j := range repeats {
		if j >= 0 {
			n.add("sentence %d repeats sentence %d", i+1, j+1)
			coherence -= costRepeat
		}
	}
	last := &ds[len(ds)-1]
	for _, p := range last.problems {
		if p.Kind == prose.Unfinished {
			n.add("the summary stops mid-sentence: %q", p.Span)
			coherence -= costUnfinished
		}
	}
	if len(ds) > 1 && !hasPhrase(ds[0].toks, contributionCues) {
		for i := 1; i < len(ds); i++ {
			if opensWithContribution(ds[i].toks) {
				n.add("sentence %d states what the paper does (%q); it should open the summary", i+1, clip(ds[i].text))
				coherence -= costLateOpening
				break
			}
		}
	}
	for i := range ds {
		d := &ds[i]
		if len(d.toks) > 0 && danglingStart(d.toks) {
			// Mid-summary, an opening like "However" is fine when the
			// previous summary sentence is the one it followed in the paper.
			if i == 0 {
				n.add("sentence 1 starts with %q, which refers to nothing before it", d.words[0])
				coherence -= 2
			} else if d.src < 0 || ds[i-1].src != d.src-1 {
				n.add("sentence %d starts with %q without its antecedent", i+1, d.words[0])
				coherence -= 0.5
			}
		}
		if refersOut(d.toks) {
			n.add("sentence %d refers to a table, figure or section the reader cannot see", i+1)
			coherence--
		}
	}
	return coherence
}

// documentOrder is the share of consecutive mapped sentences in document
// order. Each mapped sentence takes the earliest of its alternative
// sources that does not go back before the previous one.
func documentOrder(ds []draftSent, n *notes) float64 {
	inversions, pairs := 0, 0
	last, lastSrc := -1, -1
	for i := range ds {
		if len(ds[i].alts) == 0 {
			continue
		}
		src := -1
		for _, s := range ds[i].alts {
			if s >= lastSrc {
				src = s
				break
			}
		}
		if last >= 0 {
			pairs++
			if src < 0 {
				inversions++
				n.add("sentences %d and %d are out of document order", last+1, i+1)
			}
		}
		if src < 0 {
			src = ds[i].alts[0]
		}
		last, lastSrc = i, src
	}
	if pairs == 0 {
		return 1
	}
	// Every pair, not only neighbours: a sentence far out of place costs
	// for each sentence it jumps.
	var all, inv int
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			if len(ds[i].alts) == 0 || len(ds[j].alts) == 0 {
				continue
			}
			all++
			if ds[j].alts[len(ds[j].alts)-1] < ds[i].alts[0] {
				inv++
			}
		}
	}
	return 0.5*(1-float64(inversions)/float64(pairs)) + 0.5*(1-float64(inv)/float64(max(all, 1)))
}

// cohesion is the share of neighbouring sentences that share a term.
func cohesion(ds []draftSent) float64 {
	if len(ds) < 2 {
		return 1
	}
	linked := 0
	for i := 1; i < len(ds); i++ {
		if textproc.Overlap(ds[i-1].vec.IDs, ds[i].vec.IDs) > 0 {
			linked++
		}
	}
	return float64(linked) / float64(len(ds)-1)
}

// repeatedSentences returns, for each sentence, the index of an earlier
// sentence it repeats (the same words, or nearly: 90% of its terms), or -1.
func repeatedSentences(ds []draftSent) []int {
	out := make([]int, len(ds))
	for i := range ds {
		out[i] = -1
		for j := range i {
			if strings.EqualFold(strings.TrimSpace(ds[i].text), strings.TrimSpace(ds[j].text)) ||
				(len(ds[i].vec.IDs) >= 4 && termOverlap(ds[i].vec.IDs, ds[j].vec.IDs) >= 0.9 && len(ds[i].vec.IDs) == len(ds[j].vec.IDs)) {
				out[i] = j
				break
			}
		}
	}
	return out
}

// opensWithContribution reports a sentence that opens by stating what the
// paper does: "We present ...", "This paper ...", "In this paper, ...".
func opensWithContribution(toks []string) bool {
	if len(toks) < 2 {
		return false
	}
	switch {
	case toks[0] == "this" && (toks[1] == "paper" || toks[1] == "article" || toks[1] == "work"):
		return true
	case toks[0] == "in" && len(toks) > 2 && toks[1] == "this" && (toks[2] == "paper" || toks[2] == "article" || toks[2] == "work"):
		return true
	case toks[0] == "we":
		switch toks[1] {
		case "present", "propose", "introduce", "describe":
			return true
		}
	}
	return false
}

// describe names a kind of problem for an issue.
func describe(k prose.Kind) string {
	switch k {
	case prose.BrokenWord:
		return "broken or run-together word"
	case prose.OCRNoise:
		return "garbled text"
	case prose.FrontMatter:
		return "author or affiliation text"
	case prose.FigureDebris:
		return "figure or table debris"
	case prose.Citation:
		return "a citation bracket"
	case prose.Fragment:
		return "a fragment"
	case prose.Unfinished:
		return "an unfinished sentence"
	case prose.WordSalad:
		return "word salad (words without the grammar of a sentence)"
	}
	return string(k)
}

// clip shortens s for an issue: at most 90 bytes, cut at a space.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= 90 {
		return s
	}
	cut := strings.LastIndexByte(s[:90], ' ')
	if cut < 40 {
		cut = 90
	}
	return s[:cut] + " …"
}

// nonProse reports whether part of d is debris rather than prose.
//
//lint:ignore U1000 kept for the critique, being reworked on another branch
func (d *draftSent) nonProse() bool {
	for _, p := range d.problems {
		if p.Kind.NonProse() {
			return true
		}
	}
	return false
}
