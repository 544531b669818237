package local

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/textproc"
)

// Critique weights and thresholds. They are part of the rubric's
// definition, not tuning knobs: changing them changes what a score means.
const (
	// supportFull is the support at which a sentence counts as fully
	// backed by the paper; an extracted sentence has support 1.
	supportFull = 0.85
	// supportLow is the support below which a sentence is reported.
	supportLow = 0.5
	// confidentSim is the cosine above which a summary sentence is taken
	// to come from its best-matching source sentence (for ordering).
	confidentSim = 0.5
	// readableGrade is the Flesch–Kincaid grade that costs nothing;
	// scientific abstracts sit around 15-18.
	readableGrade = 14.0
	// hardGrade is the grade above which a sentence is reported as hard.
	hardGrade = 20.0
	// altSim is how close to the best match another source sentence must
	// be to count as an alternative source (see draftSent.alts).
	altSim = 0.05
	// maxTermIssues caps the "key term not covered" issues.
	maxTermIssues = 5
)

// draftSent is one sentence of a summary under critique.
type draftSent struct {
	sent
	words []string // original-case word tokens
	src   int      // best-matching source sentence, -1 if none
	sim   float64  // cosine to src
	// alts are the source sentences (src among them) about as similar
	// as src, in document order: a sentence the paper repeats (abstract
	// and introduction) may come from either place.
	alts       []int
	support    float64 // in [0,1]: how much of it the paper backs
	badNumbers []string
	badNames   []string
}

// critiqueResult is a critique with the measurements behind it, which
// revise acts on.
type critiqueResult struct {
	critique  papersum.Critique
	sents     []draftSent
	missing   []keyTerm // key terms the summary does not cover
	redundant [][2]int  // pairs of sentence indices (0-based)
	words     int
}

// Critique scores summary against p on the four rubric dimensions (0-10,
// one decimal) and lists concrete issues. targetWords 0 means the
// configured default. It works on any summary text: the summary is split
// with ingest/sentences.Split and each sentence is matched to the source
// sentence most similar to it.
//
// The dimensions:
//   - Accuracy: the mean support of the sentences (share of a sentence's
//     terms found in its best-matching source sentences and in the paper),
//     less 1.5 per number and 1 per name (capitalised word or acronym)
//     that the paper does not contain.
//   - Completeness: 60% coverage of the paper's key terms (weighted), 20%
//     whether it says both how (method) and what came of it (results or
//     conclusions), 20% length against the target (full marks from 80% of
//     the target to 125%).
//   - Clarity: Flesch–Kincaid readability of the summary, less penalties
//     for redundancy (pairs of sentences sharing at least
//     RedundancyThreshold of their terms, unless they come from two
//     different sentences of the paper's abstract: redundancy is scored
//     here),
//     hard or long sentences, and captions or table debris.
//   - Coherence: 60% ordering (summary sentences follow the document order
//     of their sources), 40% cohesion (neighbours share a term), less
//     penalties for dangling openings ("This", "These results") and for
//     references to tables, figures or sections the reader cannot see.
func (e *Engine) Critique(p *papersum.Paper, summary string, targetWords int) papersum.Critique {
	if targetWords <= 0 {
		targetWords = e.cfg.TargetWords
	}
	return e.critique(e.analysisOf(p), summary, targetWords).critique
}

// critique splits and measures summary.
func (e *Engine) critique(a *analysis, summary string, target int) *critiqueResult {
	texts := sentences.Split(summary)
	m := newMatcher(a)
	ds := make([]draftSent, 0, len(texts))
	for _, t := range texts {
		ds = append(ds, e.measure(a, m, t))
	}
	return e.score(a, ds, target, true)
}

// matcher finds the source sentences most similar to a summary sentence.
// It holds scratch space, so one matcher serves one goroutine.
type matcher struct {
	a       *analysis
	acc     []float64
	touched []int32
	novel   map[string]int32
}

func newMatcher(a *analysis) *matcher {
	return &matcher{a: a, acc: make([]float64, len(a.sents)), novel: map[string]int32{}}
}

// measure analyses one summary sentence and matches it to the paper.
func (e *Engine) measure(a *analysis, m *matcher, text string) draftSent {
	d := draftSent{src: -1}
	d.text = text
	d.words = textproc.Words(text)
	d.toks = make([]string, len(d.words))
	for i, w := range d.words {
		d.toks[i] = textproc.Lower(w)
	}
	d.sent.words = textproc.CountWords(text)
	d.grade = textproc.SentenceGrade(d.toks)
	var ids []int32
	for _, t := range d.toks {
		if textproc.IsNumber(t) || len(t) < 2 || textproc.IsStopword(t) {
			continue
		}
		st := e.stemmer.Stem(t)
		id, ok := a.vocab.ID(st)
		if !ok {
			// Terms the paper never uses get ids past the vocabulary, the
			// same id for the same term across the summary's sentences.
			id, ok = m.novel[st]
			if !ok {
				id = int32(a.vocab.Len() + len(m.novel))
				m.novel[st] = id
			}
		}
		ids = append(ids, id)
	}
	d.vec = a.index.Vector(ids)
	nv := int32(a.vocab.Len())
	for _, id := range d.vec.IDs {
		if id >= nv {
			d.novel++
		}
	}
	d.src, d.sim, d.support, d.alts = m.match(d.vec)
	if d.vec.Len() > 0 {
		paperRecall := 1 - float64(d.novel)/float64(d.vec.Len())
		d.support = 0.6*d.support + 0.4*paperRecall
	} else {
		d.support = 1 // nothing to check
	}
	// Numbers and names must come from the paper.
	for i, w := range d.words {
		t := d.toks[i]
		if textproc.IsNumber(t) {
			if _, ok := a.tokens[textproc.NormalizeNumber(t)]; !ok {
				d.badNumbers = appendUnique(d.badNumbers, w)
			}
			continue
		}
		if isName(w, i) {
			if _, ok := a.tokens[t]; !ok {
				d.badNames = appendUnique(d.badNames, w)
			}
		}
	}
	return d
}

// isName reports whether a word looks like a name or an acronym: a
// capitalised word that does not open the sentence, or any word with two
// or more capitals ("BLEU", "WordNet").
func isName(w string, pos int) bool {
	if len(w) < 2 || textproc.HasDigit(w) {
		return false
	}
	caps := 0
	for i := 0; i < len(w); i++ {
		if 'A' <= w[i] && w[i] <= 'Z' {
			caps++
		}
	}
	if caps >= 2 {
		return true
	}
	return pos > 0 && caps == 1 && 'A' <= w[0] && w[0] <= 'Z'
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// match returns the most similar source sentence to q, its cosine, and
// the share of q's terms found in it or, for sentences that fuse two
// source sentences, in the best two together.
//
// alts lists, in document order, the confident matches within altSim of
// the best one.
func (m *matcher) match(q textproc.Vector) (best int, sim, recall float64, alts []int) {
	a := m.a
	best = -1
	for k, id := range q.IDs {
		if int(id) >= len(a.postings) {
			continue
		}
		w := q.Weights[k]
		for _, ps := range a.postings[id] {
			if m.acc[ps.sent] == 0 {
				m.touched = append(m.touched, ps.sent)
			}
			m.acc[ps.sent] += w * ps.w
		}
	}
	second := -1
	var secondSim float64
	for _, s := range m.touched {
		v := m.acc[s]
		i := int(s)
		// Ties go to the earlier sentence, so the result does not depend
		// on the order postings were visited in.
		if best < 0 || v > sim || (v == sim && i < best) {
			second, secondSim = best, sim
			best, sim = i, v
		} else if second < 0 || v > secondSim || (v == secondSim && i < second) {
			second, secondSim = i, v
		}
	}
	if sim >= confidentSim {
		for _, s := range m.touched {
			if v := m.acc[s]; v >= confidentSim && v >= sim-altSim {
				alts = append(alts, int(s))
			}
		}
		slices.Sort(alts)
	}
	for _, s := range m.touched {
		m.acc[s] = 0
	}
	m.touched = m.touched[:0]
	if best < 0 || q.Len() == 0 {
		return -1, 0, 0, nil
	}
	n := float64(q.Len())
	r1 := float64(textproc.Overlap(q.IDs, a.sents[best].vec.IDs)) / n
	recall = r1
	if second >= 0 {
		// Terms found in either of the two best sentences.
		both := 0
		for _, id := range q.IDs {
			_, in1 := slices.BinarySearch(a.sents[best].vec.IDs, id)
			_, in2 := slices.BinarySearch(a.sents[second].vec.IDs, id)
			if in1 || in2 {
				both++
			}
		}
		// A fusion of two sentences is slightly less certain than a copy.
		recall = math.Max(r1, 0.9*float64(both)/n)
	}
	return best, sim, recall, alts
}

// score turns measured sentences into the rubric scores and issues.
//
// Without issues, no issue text is built: revise scores many candidate
// summaries and needs only the numbers.
func (e *Engine) score(a *analysis, ds []draftSent, target int, issues bool) *critiqueResult {
	r := &critiqueResult{sents: ds}
	for i := range ds {
		r.words += ds[i].sent.words
	}
	if len(ds) == 0 || r.words == 0 {
		r.critique = papersum.Critique{Issues: []string{"summary is empty"}}
		r.missing = a.keys
		return r
	}
	var acc, comp, clar, coh []string // issues per dimension, in order
	note := func(list *[]string, format string, args ...any) {
		if issues {
			*list = append(*list, fmt.Sprintf(format, args...))
		}
	}

	// Accuracy.
	var support float64
	var badNum, badName int
	for i := range ds {
		d := &ds[i]
		support += math.Min(1, d.support/supportFull)
		if d.support < supportLow {
			note(&acc, "sentence %d is not supported by the paper (%.0f%% of its terms match)", i+1, 100*d.support)
		}
		for _, n := range d.badNumbers {
			note(&acc, "number %s does not appear in the paper", n)
			badNum++
		}
		for _, n := range d.badNames {
			note(&acc, "term %q does not appear in the paper", n)
			badName++
		}
	}
	accuracy := 10*support/float64(len(ds)) - 1.5*float64(badNum) - 1.0*float64(badName)

	// Completeness.
	var keyCov float64
	for _, k := range a.keys {
		if coversTerm(ds, k.id) {
			keyCov += k.weight
		} else {
			r.missing = append(r.missing, k)
		}
	}
	keyCov /= a.keyMass()
	if len(a.keys) == 0 {
		keyCov = 1
	}
	for i, k := range r.missing {
		if i == maxTermIssues {
			break
		}
		note(&comp, "key term %q not covered", k.display)
	}
	method, result := false, false
	for i := range ds {
		d := &ds[i]
		if hasMethodCue(d.toks) {
			method = true
		}
		if hasResultCue(d.toks) {
			result = true
		}
		if d.src >= 0 && d.sim >= 0.3 {
			method = method || a.sents[d.src].method
			result = result || a.sents[d.src].result
		}
	}
	aspect := 0.0
	if method {
		aspect += 0.5
	} else {
		note(&comp, "summary does not say how the work was done (no method)")
	}
	if result {
		aspect += 0.5
	} else {
		note(&comp, "summary reports no results or conclusions")
	}
	// Summaries from minFill of the target up to 25% over it are the
	// right length: minFill is where Summarize's length rule counts a
	// summary as complete, and it is where the issue below starts, so the
	// score and the issues agree. Shorter ones lose in proportion.
	ratio := float64(r.words) / float64(target)
	lengthScore := 1.0
	switch {
	case ratio < minFill:
		lengthScore = ratio / minFill
	case ratio > 1.25:
		lengthScore = math.Max(0, 1-(ratio-1.25))
	}
	if ratio < 0.8 || ratio > 1.25 {
		note(&comp, "summary has %d words, target %d", r.words, target)
	}
	completeness := 10 * (0.6*keyCov + 0.2*aspect + 0.2*lengthScore)

	// Clarity.
	syl, words := 0, 0
	for i := range ds {
		for _, t := range ds[i].toks {
			syl += textproc.Syllables(t)
		}
		words += len(ds[i].toks)
	}
	grade := textproc.FleschKincaidGrade(words, len(ds), syl)
	clarity := 10 - 0.5*math.Max(0, grade-readableGrade)
	for i := range ds {
		d := &ds[i]
		switch {
		case d.grade > hardGrade && len(d.toks) > 0:
			note(&clar, "sentence %d is hard to read (Flesch–Kincaid grade %.1f)", i+1, d.grade)
			clarity -= 0.5
		case d.sent.words > e.cfg.LongSentenceWords:
			note(&clar, "sentence %d is long (%d words)", i+1, d.sent.words)
			clarity -= 0.5
		}
		if isCaption(strings.TrimSpace(d.text)) || mostlyNumbers(d.toks) {
			note(&clar, "sentence %d reads like a caption or table row", i+1)
			clarity--
		}
	}
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			ov := termOverlap(ds[i].vec.IDs, ds[j].vec.IDs)
			if ov >= e.cfg.RedundancyThreshold && !a.abstractPair(&ds[i], &ds[j]) {
				r.redundant = append(r.redundant, [2]int{i, j})
				note(&clar, "sentences %d and %d overlap %.0f%%", i+1, j+1, 100*ov)
				clarity -= 3 * ov
			}
		}
	}

	// Coherence.
	// Each confidently mapped sentence takes the earliest of its
	// alternative sources that does not go back before the previous one.
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
				note(&coh, "sentences %d and %d are out of document order", last+1, i+1)
			}
		}
		if src < 0 {
			src = ds[i].alts[0]
		}
		last, lastSrc = i, src
	}
	order := 1.0
	if pairs > 0 {
		order = 1 - float64(inversions)/float64(pairs)
	}
	cohesion := 1.0
	if len(ds) > 1 {
		linked := 0
		for i := 1; i < len(ds); i++ {
			if textproc.Overlap(ds[i-1].vec.IDs, ds[i].vec.IDs) > 0 {
				linked++
			}
		}
		cohesion = float64(linked) / float64(len(ds)-1)
	}
	coherence := 10 * (0.6*order + 0.4*(0.5+0.5*cohesion))
	for i := range ds {
		d := &ds[i]
		if len(d.toks) > 0 && danglingStart(d.toks) {
			// Mid-summary, an opening like "However" is fine when the
			// previous summary sentence is the one it followed in the paper.
			if i == 0 {
				note(&coh, "sentence 1 starts with %q, which refers to nothing before it", d.words[0])
				coherence -= 2
			} else if d.src < 0 || ds[i-1].src != d.src-1 {
				note(&coh, "sentence %d starts with %q without its antecedent", i+1, d.words[0])
				coherence -= 0.5
			}
		}
		if refersOut(d.toks) {
			note(&coh, "sentence %d refers to a table, figure or section the reader cannot see", i+1)
			coherence--
		}
	}

	r.critique = papersum.Critique{
		Scores: papersum.Scores{
			Accuracy:     round1(accuracy),
			Completeness: round1(completeness),
			Clarity:      round1(clarity),
			Coherence:    round1(coherence),
		},
		Issues: slices.Concat(acc, comp, clar, coh),
	}
	if r.critique.Issues == nil {
		r.critique.Issues = []string{}
	}
	return r
}

func mostlyNumbers(toks []string) bool {
	n := 0
	for _, t := range toks {
		if textproc.HasDigit(t) {
			n++
		}
	}
	return len(toks) > 0 && float64(n)/float64(len(toks)) > 0.25
}

// round1 clamps v to [0,10] and rounds it to one decimal, the precision
// the critique XML carries, so that Engine.Critique and the XML agree.
func round1(v float64) float64 {
	v = math.Max(0, math.Min(10, v))
	return math.Round(v*10) / 10
}

// abstractPair reports whether x and y come, confidently, from two
// different sentences of the paper's abstract. Such sentences share terms
// because the authors summarise one piece of work in them, not because
// they say the same thing twice, so they are never redundant.
func (a *analysis) abstractPair(x, y *draftSent) bool {
	return x.src != y.src && a.fromAbstract(x.src, x.sim) && a.fromAbstract(y.src, y.sim)
}

// fromAbstract reports whether a summary sentence that best matches source
// sentence src with cosine sim comes from the abstract.
func (a *analysis) fromAbstract(src int, sim float64) bool {
	return src >= 0 && sim >= confidentSim && a.sents[src].abs
}

// coversTerm reports whether any sentence of ds has term id.
func coversTerm(ds []draftSent, id int32) bool {
	for i := range ds {
		if _, ok := slices.BinarySearch(ds[i].vec.IDs, id); ok {
			return true
		}
	}
	return false
}
