package local

import (
	"fmt"
	"math"
	"regexp"
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
const CritiqueVersion = "local-critique/4"

// Costs of the problems each dimension counts, in points of 0-10. They
// are part of the rubric's definition: changing one is a new
// CritiqueVersion.
const (
	costBadNumber    = 2.0 // a number the paper does not contain
	costBadName      = 1.0 // a name or acronym the paper does not contain
	costOffNumber    = 1.0 // at most, a number of the paper given about something else (contextFull)
	costOffName      = 0.5 // at most, a name of the paper given about something else
	costBadYear      = 4.0 // a citation year no paper can have
	costNegation     = 1.0 // a negation the matched passage lacks
	costNonProse     = 2.0 // author lines, figure debris, OCR garbage
	costBrokenWord   = 1.0 // per word, at most maxWordCosts words
	costCitation     = 0.5
	costFragment     = 1.5
	costUnfinished   = 3.0 // coherence: the summary stops mid-sentence
	costRepeat       = 3.0 // coherence: a sentence said twice
	costLateOpening  = 1.5 // coherence: the contribution stated after other things
	costEarlyAcronym = 1.0 // coherence: an acronym used before it is spelled out
	// costEarlyReference is coherence's cost of a first sentence that
	// points back ("this formalism") at nothing.
	costEarlyReference = 1.0
	maxWordCosts       = 4
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
		Accuracy:     roundScore(accuracy(ds, &acc)),
		Completeness: roundScore(e.completeness(a, ds, repeats, target, r, &comp)),
		Clarity:      roundScore(e.clarity(a, ds, repeats, r, &clar)),
		Coherence:    roundScore(coherence(ds, repeats, &coh)),
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

// accuracy is the mean over sentences of 10 × the sentence's credit,
// discounted by the costs of what it states that the paper does not:
// costBadNumber per number and costBadName per name, acronym or
// identifier the paper does not contain, up to costOffNumber or
// costOffName for ones the paper gives about something else (see
// contextFull), costNegation for a negation its passage lacks, and
// costNonProse per span of author, affiliation, figure or OCR debris: such
// text is not a statement the paper makes.
//
// The costs of a sentence discount it by exp(-cost/accuracyCostScale):
// each costs something however many there are, a sentence never goes
// below zero, and a summary is not marked down for its length, only for
// the share of what it says that the paper does not back.
func accuracy(ds []draftSent, n *notes) float64 {
	var sum float64
	mis := misnumbered(ds)
	for i := range ds {
		d := &ds[i]
		cost := 0.0
		for _, x := range mis[i] {
			n.add("list item %s in sentence %d is out of sequence: %s", x.item, i+1, x.after)
			cost += costBadNumber
		}
		if d.support < supportLow {
			n.add("sentence %d is not supported by the paper (%.0f%% of its terms match): %q", i+1, 100*d.support, clip(d.text))
		}
		for _, x := range d.badNumbers {
			if !d.swappedWord(x) {
				n.add("number %s in sentence %d does not appear in the paper", x, i+1)
			}
			cost += costBadNumber
		}
		for _, x := range d.misdefined {
			n.add("%q in sentence %d does not stand for the words it is given for", x, i+1)
			cost += costBadName
		}
		for _, x := range d.badYears {
			n.add("%s in sentence %d cannot be the year of a citation", x, i+1)
			cost += costBadYear
		}
		for _, x := range d.badNames {
			if !d.swappedWord(x) {
				n.add("%q in sentence %d does not appear in the paper", x, i+1)
			}
			cost += costBadName
		}
		for _, x := range d.offNumbers {
			n.add("number %s in sentence %d is not in the passage of the paper it summarises", x, i+1)
		}
		for _, x := range d.offNames {
			n.add("%q in sentence %d is not in the passage of the paper it summarises", x, i+1)
		}
		cost += d.offCost
		for _, x := range d.swapped {
			where := "is not in"
			if x.absent {
				where = "does not appear in the paper nor in"
			}
			if x.gives != "" {
				n.add("number %s in sentence %d %s the passage its words come from, which gives %s: %q", x.word, i+1, where, x.gives, clip(x.passage))
			} else {
				n.add("%q in sentence %d %s the passage its words come from: %q", x.word, i+1, where, clip(x.passage))
			}
		}
		cost += d.swapCost
		for _, x := range d.approx {
			n.add("number %s in sentence %d does not appear in the paper; the passage it restates gives %s", x.word, i+1, x.gives)
		}
		cost += d.approxCost
		if d.negMismatch {
			n.add("sentence %d negates what the passage of the paper it summarises states: %q", i+1, clip(d.text))
			cost += costNegation
		}
		for _, p := range d.problems {
			if p.Kind.NonProse() {
				n.add("sentence %d has %s, not a statement of the paper: %q", i+1, describe(p.Kind), p.Span)
				cost += costNonProse
			}
		}
		sum += 10 * credit(d) * math.Exp(-cost/accuracyCostScale)
	}
	return sum / float64(len(ds))
}

// listItemRe matches an enumeration marker: "(2)", "[2]" or "2)" after
// a space, a colon or the start.
var listItemRe = regexp.MustCompile(`(?:^|[\s:;,])([(\[]?)(\d{1,2})([)\]])(?:\s|$)`)

// listSlip is a list marker out of sequence.
type listSlip struct{ item, after string }

// misnumbered returns, per sentence, the list markers of a numbered list
// (one that starts at 1, "(1) ... (2) ...", across sentences) that do not
// follow the marker before them: "(1) ... (4) ... (3)" states items the
// list does not have.
func misnumbered(ds []draftSent) [][]listSlip {
	out := make([][]listSlip, len(ds))
	last := map[string]int{} // per style of marker, the last value in a list
	for i := range ds {
		for _, m := range listItemRe.FindAllStringSubmatch(ds[i].text, -1) {
			style := m[1] + m[3]
			if m[1] == "" && m[3] == "]" {
				continue
			}
			v := 0
			for _, c := range m[2] {
				v = 10*v + int(c-'0')
			}
			prev, open := last[style]
			switch {
			case v == 1:
				last[style] = 1
			case !open:
				// Not in a list: "[5]" is a citation.
			default:
				if v != prev+1 {
					out[i] = append(out[i], listSlip{strings.TrimSpace(m[0]),
						fmt.Sprintf("it follows %s%d%s", m[1], prev, m[3])})
				}
				last[style] = v
			}
		}
	}
	return out
}

// swappedWord reports whether w is among d's swapped numbers and names.
func (d *draftSent) swappedWord(w string) bool {
	for _, x := range d.swapped {
		if x.word == w {
			return true
		}
	}
	return false
}

// accuracyCostScale is the cost that discounts a sentence's accuracy by
// 1/e (a number the paper lacks takes 10 to 7.2).
const accuracyCostScale = 6.0

// completeness is 10 × (30% coverage of the content the paper's abstract
// states, 10% coverage of the paper's key terms, 20% the roles a summary
// plays, problem or contribution, method and results, each in a sentence
// of its own, 40% length against the target). A one-sentence extract of
// the abstract covers little of it: it must lose overall against the
// whole summary even when that sentence is better supported than the
// rest. Only what the paper backs counts: a sentence from
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
	return 10 * (0.3*math.Min(1, absCov/abstractCoverFull) + 0.1*keyCov + 0.2*roles.share() + 0.4*lengthScore)
}

// abstractCoverFull is the share of the abstract's content that counts as
// full coverage: a good summary says what the abstract says, not every
// word of it.
const abstractCoverFull = 0.8

// roles are the parts a summary of a paper states.
type roles struct{ contribution, method, result bool }

// share is the share of the three roles the summary fills.
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
// the source sentences it matches, each role filled by a sentence of its
// own (a maximum matching of roles to sentences).
func summaryRoles(a *analysis, ds []draftSent) roles {
	plays := make([][3]bool, 0, len(ds))
	for i := range ds {
		d := &ds[i]
		if credit(d) < 0.5 {
			continue // a sentence the paper does not back plays no role
		}
		var p [3]bool
		p[0] = hasPhrase(d.toks, contributionCues)
		p[1] = hasMethodCue(d.toks)
		p[2] = hasResultCue(d.toks)
		if d.src >= 0 && d.sim >= 0.3 {
			s := &a.sents[d.src]
			p[1] = p[1] || s.method
			p[2] = p[2] || s.result
			p[0] = p[0] || s.cue || (s.abs && s.pos == 0)
		}
		plays = append(plays, p)
	}
	// Three roles: try every subset of roles, largest first, for one
	// that distinct sentences can fill.
	best := [3]bool{}
	bestN := -1
	// Sets with the contribution first among sets of a size: a summary
	// that states it is reported for what it lacks besides.
	for _, mask := range []int{7, 3, 5, 6, 1, 2, 4, 0} {
		var want []int
		for r := range 3 {
			if mask&(1<<r) != 0 {
				want = append(want, r)
			}
		}
		if len(want) > bestN && fillable(plays, want, make([]bool, len(plays))) {
			bestN = len(want)
			best = [3]bool{mask&1 != 0, mask&2 != 0, mask&4 != 0}
		}
	}
	return roles{contribution: best[0], method: best[1], result: best[2]}
}

// fillable reports whether the roles want can each go to a different
// sentence of plays not yet used.
func fillable(plays [][3]bool, want []int, used []bool) bool {
	if len(want) == 0 {
		return true
	}
	for i, p := range plays {
		if !used[i] && p[want[0]] {
			used[i] = true
			if fillable(plays, want[1:], used) {
				return true
			}
			used[i] = false
		}
	}
	return false
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
	readable := 10 - 0.5*math.Max(0, grade-readableGrade)
	cost := 0.0
	wordCosts := 0
	for i := range ds {
		d := &ds[i]
		switch {
		case d.grade > hardGrade && len(d.toks) > 0:
			n.add("sentence %d is hard to read (Flesch–Kincaid grade %.1f)", i+1, d.grade)
			cost += 0.5
		case d.sent.words > e.cfg.LongSentenceWords:
			n.add("sentence %d is long (%d words)", i+1, d.sent.words)
			cost += 0.5
		}
		if isCaption(strings.TrimSpace(d.text)) || mostlyNumbers(d.toks) {
			n.add("sentence %d reads like a caption or table row: %q", i+1, clip(d.text))
			cost++
		}
		for _, p := range d.problems {
			switch p.Kind {
			case prose.BrokenWord, prose.OCRNoise:
				n.add("sentence %d: %s %q", i+1, describe(p.Kind), p.Span)
				if wordCosts < maxWordCosts {
					cost += costBrokenWord
					wordCosts++
				}
			case prose.Citation:
				n.add("sentence %d: citation bracket %q means nothing to a reader of the summary", i+1, strings.TrimSpace(p.Span))
				cost += costCitation
			case prose.Fragment:
				n.add("sentence %d is a fragment: it starts %q", i+1, p.Span)
				cost += costFragment
			case prose.Unfinished:
				cost += costFragment // coherence names it
			case prose.FrontMatter, prose.FigureDebris, prose.WordSalad:
				cost += costFragment // accuracy names it
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
				cost += 3 * ov
			}
		}
	}
	// Problems count as a rate: per clarityPerSentences sentences, so
	// that a long summary is not less clear for having more sentences to
	// go wrong, nor a one-sentence extract clearer for having fewer.
	return readable - cost*clarityPerSentences/math.Max(float64(len(ds)), clarityPerSentences)
}

// clarityPerSentences is the number of sentences over which clarity's
// costs count in full; a longer summary's costs are scaled to that many.
const clarityPerSentences = 4.0

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
				// Background first is how abstracts open: the statement
				// comes late only when what precedes it does not lead up
				// to it in the paper.
				if !ledUpTo(ds, i) {
					n.add("sentence %d states what the paper does (%q); it should open the summary", i+1, clip(ds[i].text))
					coherence -= costLateOpening
				}
				break
			}
		}
	}
	for _, u := range usedBeforeDefined(ds) {
		n.add("%q is used in sentence %d before sentence %d spells it out", u.acronym, u.used+1, u.defined+1)
		coherence -= costEarlyAcronym
	}
	if len(ds[0].toks) > 0 && !danglingStart(ds[0].toks) {
		if ref := demonstrative(ds[0].toks); ref != "" {
			n.add("sentence 1 speaks of %q, which refers to nothing before it", ref)
			coherence -= costEarlyReference
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

// demonstrative returns the first phrase of toks past its first word that
// points back with "this", "these" or "such" ("this formalism", "these
// methods"), other than the paper's own work ("this paper"); "" for none.
// In a summary's first sentence it points at nothing.
func demonstrative(toks []string) string {
	for i := 1; i+1 < len(toks); i++ {
		switch toks[i] {
		case "this", "these", "such":
			next := toks[i+1]
			if selfReference[next] || textproc.IsStopword(next) || textproc.HasDigit(next) {
				continue
			}
			return toks[i] + " " + next
		}
	}
	return ""
}

// selfReference are the nouns with which "this" names the paper itself.
var selfReference = map[string]bool{
	"paper": true, "work": true, "article": true, "study": true, "thesis": true, "chapter": true,
	"report": true, "note": true, "abstract": true, "talk": true, "volume": true, "survey": true,
	"dissertation": true, "proposal": true, "book": true, "research": true, "project": true,
	"contribution": true, "submission": true, "document": true, "summary": true,
}

// weakSim is the cosine above which a summary sentence without a
// confident source (draftSent.alts) still has a place in the paper for
// ordering, counted at half weight.
const weakSim = 0.15

// place returns the first and last positions in the paper a sentence
// may come from, and the weight of that placement (1 confident, 0.5
// weak); ok is false for a sentence the paper does not place.
func (d *draftSent) place() (first, last int, w float64, ok bool) {
	if len(d.alts) > 0 {
		return d.alts[0], d.alts[len(d.alts)-1], 1, true
	}
	if d.src >= 0 && d.sim >= weakSim {
		return d.src, d.src, 0.5, true
	}
	return 0, 0, 0, false
}

// ledUpTo reports whether every sentence before ds[i] comes from the
// paper before ds[i]'s own source: the summary follows the paper into its
// statement of the contribution.
func ledUpTo(ds []draftSent, i int) bool {
	_, last, _, ok := ds[i].place()
	if !ok {
		return false
	}
	for j := range i {
		first, _, _, ok := ds[j].place()
		if !ok || first > last {
			return false
		}
	}
	return true
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
	// Every pair, not only neighbours: a sentence far out of place costs
	// for each sentence it jumps. Weakly placed sentences count too, at
	// half weight: a summary's own sentences match the paper less well
	// than extracts do, and their order still tells.
	var all, inv float64
	for i := range ds {
		fi, _, wi, oki := ds[i].place()
		if !oki {
			continue
		}
		for j := i + 1; j < len(ds); j++ {
			_, lj, wj, okj := ds[j].place()
			if !okj {
				continue
			}
			w := math.Min(wi, wj)
			all += w
			if lj < fi {
				inv += w
			}
		}
	}
	switch {
	case all == 0:
		return 1
	case pairs == 0:
		// Fewer than two confident sentences: the weak placements are
		// all there is to go by.
		return 1 - inv/all
	}
	return 0.5*(1-float64(inversions)/float64(pairs)) + 0.5*(1-inv/all)
}

// cohesion is half the share of neighbouring sentences that share a term
// and half how close neighbours are against any two sentences of the
// summary: the mean cosine of neighbours over the mean cosine of all
// pairs, at most 1. Sentences in an order that puts related ones apart
// are less cohesive than the same sentences with related ones together.
func cohesion(ds []draftSent) float64 {
	if len(ds) < 2 {
		return 1
	}
	linked := 0
	var near, all float64
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			c := textproc.Dot(ds[i].vec, ds[j].vec)
			all += c
			if j == i+1 {
				near += c
				if textproc.Overlap(ds[i].vec.IDs, ds[j].vec.IDs) > 0 {
					linked++
				}
			}
		}
	}
	n := float64(len(ds))
	near /= n - 1
	all /= n * (n - 1) / 2
	closeness := 1.0
	if near < all {
		closeness = near / all
	}
	return 0.5*float64(linked)/(n-1) + 0.5*closeness
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

// acronymDef matches an acronym defined in parentheses: "Data Oriented
// Parsing (DOP)", "conditional random fields (CRFs)".
var acronymDef = regexp.MustCompile(`\(([A-Z][A-Za-z]*[A-Z])s?\)`)

// earlyAcronym is an acronym used before the sentence that defines it.
type earlyAcronym struct {
	acronym       string
	used, defined int
}

// usedBeforeDefined returns the acronyms that a sentence of ds uses
// before a later sentence spells them out, at most maxEarlyAcronyms: the
// reader meets the short form before learning what it stands for.
func usedBeforeDefined(ds []draftSent) []earlyAcronym {
	var out []earlyAcronym
	seen := map[string]bool{}
	for j := range ds {
		for _, m := range acronymDef.FindAllStringSubmatch(ds[j].text, -1) {
			acr := m[1]
			if seen[acr] {
				continue
			}
			seen[acr] = true
			for i := range j {
				if slices.Contains(ds[i].words, acr) || slices.Contains(ds[i].words, acr+"s") {
					out = append(out, earlyAcronym{acr, i, j})
					break
				}
			}
			if len(out) == maxEarlyAcronyms {
				return out
			}
		}
	}
	return out
}

// maxEarlyAcronyms caps the acronyms coherence reports as used early.
const maxEarlyAcronyms = 2

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
