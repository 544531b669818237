package local

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/sentences"
	"github.com/papersum/papersum/textproc"
	"github.com/papersum/papersum/textproc/prose"
)

// Critique weights and thresholds. They are part of the rubric's
// definition, not tuning knobs: changing them changes what a score means.
const (
	// supportFull is the support at which a sentence counts as fully
	// backed by the paper; an extracted sentence has support 1.
	supportFull = 0.95
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
	// orderSim is the cosine above which a summary sentence's best
	// matches place it in the paper's order (draftSent.alts).
	orderSim = 0.35
	// altSim is how close to the best match another source sentence must
	// be to count as an alternative source (see draftSent.alts).
	altSim = 0.05
	// maxTermIssues caps the "key term not covered" issues.
	//lint:ignore U1000 kept for the critique's term issues, being reworked on another branch
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
	badYears   []string // citation years no paper can have
	badNames   []string
	// offNumbers and offNames are in the paper but not in the source
	// sentences this one matches best: moved from another context.
	offNumbers, offNames []string
	// offCost is what the numbers and names of the paper that this
	// sentence puts in another context cost (see contextFull).
	offCost float64
	// swapped are numbers and names that stand where the passage the
	// words around them come from gives something else (see slotCheck),
	// and swapCost what they cost.
	swapped  []swap
	swapCost float64
	// approx are numbers the paper does not hold that are near one of
	// the passage (gives), and approxCost what they cost.
	approx     []swap
	approxCost float64
	// misdefined are acronyms the paper does not use that the sentence
	// defines with words whose letters do not spell them: "mutual
	// information (SMT)".
	misdefined []string
	// negMismatch says the sentence negates while the source sentences
	// it matches best do not: a claim the paper does not make.
	negMismatch bool
	problems    []prose.Problem // text that is not clean prose
	// related is how many of its novel terms share their first letters
	// with a word of the paper.
	related int
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
// The dimensions (CritiqueVersion; rubric.go has the details):
//   - Accuracy: the mean over sentences of their support (IDF-weighted
//     share of a sentence's terms in its best-matching source sentences
//     and in the paper), each discounted for numbers, names, acronyms and
//     identifiers the paper does not contain or gives about something
//     else, citation years no paper can have, a negation its passage
//     lacks, and debris that is not prose. Not marked down for length.
//   - Completeness: coverage of the abstract's content (30%) and of the
//     key terms (10%), contribution, method and results each stated by a
//     sentence of its own (20%), length against the target (40%).
//   - Clarity: Flesch–Kincaid readability, less the costs of broken or
//     garbled words, citation brackets, fragments, hard or long sentences,
//     captions and redundancy, counted per four sentences.
//   - Coherence: ordering (summary sentences follow the document order of
//     their sources, weakly matched ones at half weight) and cohesion
//     (neighbours share a term), less the costs of a repeated sentence, an
//     ending cut mid-sentence, the contribution stated after sentences
//     that do not lead up to it in the paper, an acronym used before it
//     is spelled out, dangling openings and references to tables or
//     figures the reader cannot see.
func (e *Engine) Critique(p *papersum.Paper, summary string, targetWords int) papersum.Critique {
	if targetWords <= 0 {
		targetWords = e.cfg.TargetWords
	}
	return e.critique(e.analysisOf(p), summary, targetWords).critique
}

// Judge is the judge name the engine's critique records on its scores.
const Judge = ProviderName

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

// critiqueMany critiques several summaries of one paper, measuring each
// distinct sentence once: damaged versions of a summary (the perturbation
// test) or a draft and its revisions share most of their sentences. The
// results are those of critique on each summary alone.
func (e *Engine) critiqueMany(a *analysis, summaries []string, target int) []*critiqueResult {
	m := newMatcher(a)
	memo := map[string]draftSent{}
	out := make([]*critiqueResult, len(summaries))
	for k, summary := range summaries {
		texts := sentences.Split(summary)
		ds := make([]draftSent, 0, len(texts))
		for _, t := range texts {
			d, ok := memo[t]
			if !ok {
				d = e.measure(a, m, t)
				memo[t] = d
			}
			ds = append(ds, d)
		}
		out[k] = e.score(a, ds, target, true)
	}
	return out
}

// matcher finds the source sentences most similar to a summary sentence.
// It holds scratch space, so one matcher serves one goroutine.
type matcher struct {
	a       *analysis
	second  int // the second-best match of the last call to match, -1 if none
	acc     []float64
	touched []int32
	novel   map[string]int32
	top     []int32 // scratch of local
}

func newMatcher(a *analysis) *matcher {
	return &matcher{a: a, second: -1, acc: make([]float64, len(a.sents)), novel: map[string]int32{}}
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
	// posIDs is the term id at each token position, -1 for a number or
	// stopword: the words around a number or name (slotCheck).
	posIDs := make([]int32, len(d.toks))
	for i, t := range d.toks {
		posIDs[i] = -1
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
		posIDs[i] = id
		ids = append(ids, id)
	}
	d.vec = a.index.Vector(ids)
	nv := int32(a.vocab.Len())
	for _, id := range d.vec.IDs {
		if id >= nv {
			d.novel++
		}
	}
	// A term the paper does not use but whose word shares its first
	// letters with one the paper uses ("robbery", "robbed") is not
	// novel: abstractive summaries inflect and derive.
	var relatedIDs map[int32]bool
	for st, id := range m.novel {
		if _, ok := slices.BinarySearch(d.vec.IDs, id); ok && len(st) >= prefixLen {
			if _, ok := a.prefixes[st[:prefixLen]]; ok {
				d.related++
				if relatedIDs == nil {
					relatedIDs = map[int32]bool{}
				}
				relatedIDs[id] = true
			}
		}
	}
	d.src, d.sim, d.support, d.alts = m.match(d.vec)
	if d.vec.Len() > 0 {
		// The paper's vocabulary weighs most: on QAGS-XSUM, whether a
		// summary's words occur in the source at all agrees with people
		// better than how well they align to one or two sentences
		// (BENCHMARKS.md), since abstractive summaries fuse sentences.
		// Terms weigh by their IDF in the paper, and a term the paper
		// never uses by the IDF of an unseen term: a sentence from another
		// paper shares the common words of the field, not its rare ones.
		w := a.alignWeight()
		d.support = w*d.support + (1-w)*a.paperSupport(d.vec.IDs, relatedIDs)
	} else {
		d.support = 1 // nothing to check
	}
	d.problems = prose.Check(text, prose.Options{Known: a.known})
	d.negMismatch = negated(d.toks) && d.src >= 0 && !negated(a.sents[d.src].toks) &&
		(m.second < 0 || !negated(a.sents[m.second].toks))
	// Numbers, identifiers ("L2", "DOP1") and names must come from the
	// paper, and from a passage about what the sentence is about: a value
	// the paper gives elsewhere is as wrong as one it never gives.
	for _, x := range misdefinedAcronyms(text) {
		// "the “all subtrees” (DOP)": an acronym of the paper given to
		// name what the words before it refer to, not spelled out.
		if _, ok := a.acronyms[strings.TrimSuffix(x, "s")]; !ok {
			d.misdefined = append(d.misdefined, x)
		}
	}
	years := citationYears(text)
	// The markers of a list this sentence numbers from 1 ("(1) ...
	// (2) ...") are checked for their sequence (misnumbered), not as
	// numbers the paper states.
	markers := map[string]int{}
	if ms := listItemRe.FindAllStringSubmatch(text, -1); slices.ContainsFunc(ms, func(m []string) bool { return m[2] == "1" }) {
		for _, m := range ms {
			markers[m[2]]++
		}
	}
	for i, w := range d.words {
		t := d.toks[i]
		if markers[t] > 0 {
			markers[t]--
			continue
		}
		if y, ok := yearOf(t, years); ok && (y < minYear || y > maxYear) {
			// "(Webber, 3446)": a citation dated when nothing was
			// published, whether or not the paper holds the number.
			d.badYears = appendUnique(d.badYears, w)
			continue
		}
		switch {
		case textproc.IsNumber(t):
			n := textproc.NormalizeNumber(t)
			ss, ok := a.tokenSents[n]
			if !ok {
				// "76%" for the paper's "76.6%": a rounding.
				ss, ok = a.roundingOf(n)
			}
			sl := m.slot(posIDs, i, d.sim)
			if !ok {
				// A number near one of the passage it restates is an
				// approximation or a slip, a smaller error than one far
				// from any: its cost grows with the distance.
				if near, rel := a.nearestNumber(n, sl.top, d.src, m.second); near != "" && rel < approxTol {
					d.approx = append(d.approx, swap{word: w, gives: near})
					d.approxCost += costBadNumber * rel / approxTol
					continue
				}
				d.badNumbers = appendUnique(d.badNumbers, w)
				if sl.strength > 0 && sl.numbers(a) != "" {
					// The passage the words around it come from gives
					// another number: a value changed, not one the
					// paper merely does not state.
					d.addSwap(w, sl, a, costSwapExtra*sl.strength)
				}
				continue
			}
			if sl.holds(ss, false) {
				continue // the passage its words come from gives it
			}
			off, low := a.offContext(&d, ss, -1, costOffNumber)
			if sl.strength > 0 && sl.numbers(a) != "" && costBadNumber*sl.strength > off {
				d.addSwap(w, sl, a, costBadNumber*sl.strength)
				continue
			}
			d.offCost += off
			if low {
				d.offNumbers = appendUnique(d.offNumbers, w)
			}
		case textproc.HasDigit(t) && len(t) >= 2:
			ss, ok := a.tokenSents[t]
			if !ok {
				// "NAACL2010" for the paper's "NAACL 2010".
				ss, ok = a.splitToken(t)
			}
			sl := m.slot(posIDs, i, d.sim)
			if !ok {
				d.badNames = appendUnique(d.badNames, w)
				if sl.strength > 0 {
					d.addSwap(w, sl, a, costSwapExtra*sl.strength)
				}
				continue
			}
			d.nameCost(w, ss, -1, sl, a, costOffNumber)
		case isName(w, i):
			sl := m.slot(posIDs, i, d.sim)
			_, ok := a.tokens[t]
			if ok && isAcronym(w) {
				_, ok = a.acronyms[strings.TrimSuffix(w, "s")]
			}
			if !ok {
				// An acronym the paper spells out ("MERT" for its
				// "minimum error rate training") is the paper's term.
				if ss := a.expansionOf(w); ss != nil {
					d.nameCost(w, ss, -1, sl, a, costOffName)
					continue
				}
				d.badNames = appendUnique(d.badNames, w)
				if sl.strength > 0 {
					// The passage the words around it come from names
					// something else: a name swapped, not one the paper
					// merely does not use.
					d.addSwap(w, sl, a, costSwapExtra*sl.strength)
				}
				continue
			}
			id, ok := a.vocab.ID(e.stemmer.Stem(t))
			if !ok || textproc.IsStopword(t) {
				continue
			}
			ss := make([]int32, 0, len(a.postings[id]))
			for _, p := range a.postings[id] {
				ss = append(ss, p.sent)
			}
			d.nameCost(w, ss, id, sl, a, costOffName)
		}
	}
	return d
}

// approxTol is the relative distance from a number of the passage at
// which a number the paper does not hold costs as much as any other
// (costBadNumber); nearer, it costs in proportion.
const approxTol = 0.1

// nearestNumber returns the number of the source sentences top, src and
// second (-1 for none) nearest to x (normal form), and its relative
// distance |x-y|/max(|x|,|y|); "" when they give no number.
func (a *analysis) nearestNumber(x string, top []int32, src, second int) (string, float64) {
	v, err := strconv.ParseFloat(x, 64)
	if err != nil {
		return "", 0
	}
	best, bestRel := "", math.Inf(1)
	look := func(k int) {
		if k < 0 {
			return
		}
		for _, t := range a.sents[k].toks {
			if !textproc.IsNumber(t) {
				continue
			}
			u, err := strconv.ParseFloat(textproc.NormalizeNumber(t), 64)
			if err != nil || math.Max(math.Abs(u), math.Abs(v)) == 0 {
				continue
			}
			if rel := math.Abs(u-v) / math.Max(math.Abs(u), math.Abs(v)); rel < bestRel || (rel == bestRel && t < best) {
				best, bestRel = t, rel
			}
		}
	}
	for _, k := range top {
		look(int(k))
	}
	look(src)
	look(second)
	return best, bestRel
}

// splitToken returns the sentences of the paper that hold the letter and
// digit parts of t as words of their own ("NAACL2010", "DOP1"), a digit
// part in normal form and a letter part as a word or a word's start
// ("1.8TB" for "1.8 TB"); nil, false when t is not one run of letters
// and one of digits or no sentence holds both.
func (a *analysis) splitToken(t string) ([]int32, bool) {
	cut := -1
	for i := 1; i < len(t); i++ {
		if isDigit(t[i]) != isDigit(t[i-1]) && t[i] != '.' && t[i-1] != '.' {
			if cut >= 0 {
				return nil, false
			}
			cut = i
		}
	}
	if cut < 0 {
		return nil, false
	}
	num, word := t[:cut], t[cut:]
	if !isDigit(num[0]) {
		num, word = word, num
	}
	if !textproc.IsNumber(num) || len(word) == 0 {
		return nil, false
	}
	for i := 0; i < len(word); i++ {
		if c := word[i]; c < 'a' || c > 'z' {
			return nil, false
		}
	}
	var out []int32
	for _, k := range a.tokenSents[textproc.NormalizeNumber(num)] {
		for _, w := range a.sents[k].toks {
			if strings.HasPrefix(w, word) {
				out = append(out, k)
				break
			}
		}
	}
	return out, len(out) > 0
}

// swap is a number or name of a summary sentence where the passage of the
// paper that the words around it come from gives something else.
type swap struct {
	word    string
	passage string // the source sentence
	gives   string // the numbers the passage gives, for a number
	absent  bool   // the paper has it nowhere (also in badNumbers or badNames)
}

// addSwap records w as swapped in passage sl and charges cost.
func (d *draftSent) addSwap(w string, sl slot, a *analysis, cost float64) {
	d.swapCost += cost
	sw := swap{word: w, passage: a.sents[sl.top[0]].text,
		absent: slices.Contains(d.badNumbers, w) || slices.Contains(d.badNames, w)}
	if textproc.IsNumber(textproc.Lower(w)) {
		sw.gives = sl.numbers(a)
	}
	for _, x := range d.swapped {
		if x.word == w {
			return
		}
	}
	d.swapped = append(d.swapped, sw)
}

// nameCost charges a name (or word with digits) of the paper that the
// source sentences ss hold (id its term, or -1): nothing when the passage
// its neighbouring words come from holds it; else the larger of the cost
// of the paper giving it about something else (up to off) and, when that
// passage is a clear match, of a swap (costBadName × the slot's strength).
func (d *draftSent) nameCost(w string, ss []int32, id int32, sl slot, a *analysis, off float64) {
	if sl.holds(ss, true) {
		return
	}
	c, low := a.offContext(d, ss, id, off)
	if sc := costBadName * sl.strength; sc > c {
		d.addSwap(w, sl, a, sc)
		return
	}
	d.offCost += c
	if low {
		d.offNames = appendUnique(d.offNames, w)
	}
}

// offContext is the cost, up to full, of a number or name that the
// source sentences ss hold when none of them shares contextFull of d's
// terms (other than skip); low says the share is below contextLow.
func (a *analysis) offContext(d *draftSent, ss []int32, skip int32, full float64) (cost float64, low bool) {
	c := a.context(d, ss, skip)
	if c >= contextFull {
		return 0, false
	}
	return full * (1 - c/contextFull), c < contextLow
}

// slot is the passage of the paper that the words around a number or
// name of a summary sentence come from: the source sentences (top, best
// first and equally good) holding the largest IDF-weighted share of the
// content words within slotWindow tokens of it.
type slot struct {
	top   []int32
	share float64
	// strength grows from 0 at a share of slotLow to 1 at slotFull: how
	// sure it is that the summary restates that passage there.
	strength float64
}

// Bounds of a slot: the window of words either side of the number or
// name, and the shares of its words a passage must hold for a clear
// match.
const (
	slotWindow = 5
	slotLow    = 0.5
	slotFull   = 0.9
	// costSwapExtra is what a number or name the paper does not hold
	// costs beyond costBadNumber or costBadName when the passage its
	// words come from gives another one (at full strength).
	costSwapExtra = 1.0
)

// slot finds the passage of the words around position i of a sentence
// whose term ids by position are posIDs (-1 for none).
//
// A swap is only evidence in a sentence that restates one passage closely
// (cosine sim of at least confidentSim to its best match): an abstractive
// sentence fuses several, and its slot has no strength.
func (m *matcher) slot(posIDs []int32, i int, sim float64) slot {
	a := m.a
	var ids []int32
	for j := max(0, i-slotWindow); j <= min(len(posIDs)-1, i+slotWindow); j++ {
		if j != i && posIDs[j] >= 0 && !slices.Contains(ids, posIDs[j]) {
			ids = append(ids, posIDs[j])
		}
	}
	if len(ids) < 2 {
		return slot{} // too few words to place it
	}
	unseen := a.index.IDF(-1)
	var all float64
	for _, id := range ids {
		if int(id) >= len(a.postings) {
			all += unseen
			continue
		}
		w := a.index.IDF(id)
		all += w
		for _, ps := range a.postings[id] {
			if m.acc[ps.sent] == 0 {
				m.touched = append(m.touched, ps.sent)
			}
			m.acc[ps.sent] += w
		}
	}
	best := 0.0
	for _, s := range m.touched {
		best = math.Max(best, m.acc[s])
	}
	m.top = m.top[:0]
	for _, s := range m.touched {
		if m.acc[s] >= best*(1-1e-9) {
			m.top = append(m.top, s)
		}
		m.acc[s] = 0
	}
	m.touched = m.touched[:0]
	if best == 0 {
		return slot{}
	}
	slices.Sort(m.top)
	share := best / all
	strength := math.Max(0, math.Min(1, (share-slotLow)/(slotFull-slotLow)))
	if sim < confidentSim {
		strength = 0
	}
	return slot{top: slices.Clone(m.top), share: share, strength: strength}
}

// holds reports whether a passage of the slot, or with neighbours a
// sentence next to one, is among ss (sorted). A name may come from a
// neighbour: a summary sentence often fuses two ("Our tuner selects ...
// It then runs MERT ..."); a number must be the passage's own, since
// neighbouring sentences give the numbers of neighbouring things.
func (sl slot) holds(ss []int32, neighbours bool) bool {
	d := int32(0)
	if neighbours {
		d = 1
	}
	for _, k := range sl.top {
		for x := k - d; x <= k+d; x++ {
			if _, ok := slices.BinarySearch(ss, x); ok {
				return true
			}
		}
	}
	return false
}

// numbers returns the numbers the slot's first passage gives, as written,
// comma-separated ("" for none).
func (sl slot) numbers(a *analysis) string {
	if len(sl.top) == 0 {
		return ""
	}
	var out []string
	for _, t := range a.sents[sl.top[0]].toks {
		if textproc.IsNumber(t) {
			out = appendUnique(out, t)
		} else if n, ok := numberWords[t]; ok {
			out = appendUnique(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// alignWeight is the share of a sentence's support that comes from its
// alignment to its best one or two source sentences; the rest is the
// IDF-weighted share of its terms the paper uses anywhere. It grows with
// the source's length, from 0.2 for a news article (40 sentences or
// fewer) to 0.5 for a paper of 200 sentences or more: nearly every word
// of a field occurs somewhere in a long paper, so the paper's vocabulary
// vouches less for a sentence there (a sentence from another paper's
// summary is made of it), while a short source's vocabulary is specific.
func (a *analysis) alignWeight() float64 {
	x := (float64(len(a.sents)) - 40) / 160
	return 0.2 + 0.3*math.Max(0, math.Min(1, x))
}

// contextFull is the share of a sentence's terms (IDF-weighted) that a
// source sentence holding one of its numbers or names must share for the
// number or name to count as the paper's statement about the same thing;
// below it, the cost grows as the shared share falls. contextLow is the
// share below which the issue is reported.
const (
	contextFull = 0.5
	contextLow  = 0.25
)

// paperSupport is the IDF-weighted share of ids (a summary sentence's
// terms) that the paper uses; a term it never uses weighs as an unseen
// term, half backed when related (sharing its first letters with a word
// of the paper).
func (a *analysis) paperSupport(ids []int32, related map[int32]bool) float64 {
	nv := int32(a.vocab.Len())
	unseen := a.index.IDF(-1)
	var known, all float64
	for _, id := range ids {
		if id < nv {
			w := a.index.IDF(id)
			known += w
			all += w
			continue
		}
		all += unseen
		if related[id] {
			known += 0.5 * unseen
		}
	}
	if all == 0 {
		return 1
	}
	return known / all
}

// context is the largest IDF-weighted share of d's paper terms (other than
// skip) found in one of the source sentences ss.
func (a *analysis) context(d *draftSent, ss []int32, skip int32) float64 {
	nv := int32(a.vocab.Len())
	var all float64
	for _, id := range d.vec.IDs {
		if id < nv && id != skip {
			all += a.index.IDF(id)
		}
	}
	if all == 0 {
		return 1
	}
	best := 0.0
	for _, k := range ss {
		var got float64
		src := a.sents[k].vec.IDs
		for _, id := range d.vec.IDs {
			if id < nv && id != skip {
				if _, ok := slices.BinarySearch(src, id); ok {
					got += a.index.IDF(id)
				}
			}
		}
		best = math.Max(best, got/all)
	}
	return best
}

// roundingOf returns the sentences holding a number of the paper that x
// (normal form, not itself in the paper) rounds or truncates: "76" for
// "76.6", "0.87" for "0.873".
func (a *analysis) roundingOf(x string) ([]int32, bool) {
	v, err := strconv.ParseFloat(x, 64)
	if err != nil {
		return nil, false
	}
	decimals := 0
	if i := strings.IndexByte(x, '.'); i >= 0 {
		decimals = len(x) - i - 1
	}
	scale := math.Pow(10, float64(decimals))
	// The smallest such number, so that the answer does not depend on
	// the map's order.
	var best []int32
	bestU := math.Inf(1)
	for y, ss := range a.tokenSents {
		if !textproc.IsNumber(y) {
			continue
		}
		u, err := strconv.ParseFloat(y, 64)
		if err != nil || u == v || u >= bestU {
			continue
		}
		if math.Round(u*scale)/scale == v || math.Trunc(u*scale)/scale == v {
			best, bestU = ss, u
		}
	}
	if best != nil {
		return best, true
	}
	return nil, false
}

// expansionOf returns the sentences of the paper where acronym w (two to
// six capitals, an optional plural "s") is spelled out: consecutive words
// whose initials are its letters, stopwords allowed in between ("part of
// speech" for "POS"). Nil when w is no such acronym or the paper never
// spells it out.
func (a *analysis) expansionOf(w string) []int32 {
	w = strings.TrimSuffix(w, "s")
	if len(w) < 2 || len(w) > 6 {
		return nil
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return nil
		}
	}
	letters := strings.ToLower(w)
	var out []int32
	for k := range a.sents {
		toks := a.sents[k].toks
		for i := range toks {
			if toks[i] != "" && toks[i][0] == letters[0] && spells(toks[i:], letters) {
				out = append(out, int32(k))
				break
			}
		}
	}
	return out
}

// spells reports whether toks open with words whose initials are letters,
// stopwords between them skipped.
func spells(toks []string, letters string) bool {
	j := 0
	for _, t := range toks {
		if j == len(letters) {
			return true
		}
		switch {
		case t != "" && t[0] == letters[j]:
			j++
		case j > 0 && textproc.IsStopword(t):
		default:
			return false
		}
	}
	return j == len(letters)
}

// citationRe matches an author-year citation: "(Webber, 2004)",
// "Collins (1999)", "Koehn et al., 2003b".
var citationRe = regexp.MustCompile(`[A-Z][A-Za-z'-]+(?: et al\.?,? ?| and [A-Z][A-Za-z'-]+,? |,? )\(?((\d{4})[a-z]?)[);,]`)

// The years a citation may carry.
const minYear, maxYear = 1900, 2099

// citationYears returns the year tokens (lowercase, "2004b" as written)
// of the author-year citations in text, with the year they state.
func citationYears(text string) map[string]int {
	var out map[string]int
	for _, m := range citationRe.FindAllStringSubmatch(text, -1) {
		y, err := strconv.Atoi(m[2])
		if err != nil {
			continue
		}
		if out == nil {
			out = map[string]int{}
		}
		out[strings.ToLower(m[1])] = y
	}
	return out
}

// yearOf returns the citation year (see citationYears) that token t is or
// ends with: "al2008" when the extractor ran "et al" and the year together.
func yearOf(t string, years map[string]int) (int, bool) {
	if y, ok := years[t]; ok {
		return y, true
	}
	for k, y := range years {
		if len(t) > len(k) && strings.HasSuffix(t, k) && !isDigit(t[len(t)-len(k)-1]) {
			return y, true
		}
	}
	return 0, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// negated reports whether a sentence has a negation.
func negated(toks []string) bool {
	for _, t := range toks {
		switch t {
		case "not", "no", "never", "n't", "cannot", "neither", "nor", "without":
			return true
		}
	}
	return false
}

// spacedThousands matches a number whose thousands separators are
// followed by a space, as PDF extraction leaves "7,813": "7, 813".
var spacedThousands = regexp.MustCompile(`\b\d{1,3}(?:, \d{3})+\b`)

// indexTokens sets tokenSents: the sentences holding each number (in
// normal form, number words as digits too) and each word with a digit.
func (a *analysis) indexTokens() {
	a.tokenSents = map[string][]int32{}
	a.acronyms = map[string]struct{}{}
	add := func(t string, k int) {
		ss := a.tokenSents[t]
		if n := len(ss); n == 0 || ss[n-1] != int32(k) {
			a.tokenSents[t] = append(ss, int32(k))
		}
	}
	for k := range a.sents {
		for _, w := range textproc.Words(a.sents[k].text) {
			if isAcronym(w) {
				a.acronyms[strings.TrimSuffix(w, "s")] = struct{}{}
			}
		}
		// "7, 813": a thousands separator the extractor spaced.
		for _, m := range spacedThousands.FindAllString(a.sents[k].text, -1) {
			add(textproc.NormalizeNumber(strings.ReplaceAll(m, " ", "")), k)
		}
		for _, t := range a.sents[k].toks {
			switch {
			case textproc.IsNumber(t):
				add(textproc.NormalizeNumber(t), k)
			case textproc.HasDigit(t):
				add(t, k)
			default:
				if n, ok := numberWords[t]; ok {
					add(n, k)
				}
			}
		}
	}
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

// misdefinedAcronyms returns the acronyms that text defines in
// parentheses ("conditional random fields (CRFs)") whose letters are not,
// in order, letters of the words before them, the first a word's initial.
func misdefinedAcronyms(text string) []string {
	var out []string
	for _, m := range acronymDefRe.FindAllStringSubmatchIndex(text, -1) {
		acr := strings.ToLower(text[m[2]:m[3]])
		words := textproc.Tokens(text[:m[0]])
		words = words[max(0, len(words)-len(acr)-3):]
		if !spelledBy(words, acr) {
			out = appendUnique(out, text[m[2]:m[3]])
		}
	}
	return out
}

// acronymDefRe matches an acronym in parentheses: "(CRF)", "(CRFs)".
var acronymDefRe = regexp.MustCompile(`\(([A-Z][A-Za-z]*[A-Z])s?\)`)

// spelledBy reports whether the letters of acr occur in order in words,
// the first at the start of a word.
func spelledBy(words []string, acr string) bool {
	for i, w := range words {
		if w == "" || w[0] != acr[0] {
			continue
		}
		rest := strings.Join(words[i:], " ")
		j := 0
		for k := 0; k < len(rest) && j < len(acr); k++ {
			if rest[k] == acr[j] {
				j++
			}
		}
		if j == len(acr) {
			return true
		}
	}
	return false
}

// isAcronym reports whether w is two or more capitals, with an optional
// plural "s": "BLEU", "HMMs".
func isAcronym(w string) bool {
	w = strings.TrimSuffix(w, "s")
	if len(w) < 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
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
	if sim >= orderSim {
		for _, s := range m.touched {
			if v := m.acc[s]; v >= orderSim && v >= sim-altSim {
				alts = append(alts, int(s))
			}
		}
		slices.Sort(alts)
	}
	for _, s := range m.touched {
		m.acc[s] = 0
	}
	m.touched = m.touched[:0]
	m.second = second
	if best < 0 || q.Len() == 0 {
		m.second = -1
		return -1, 0, 0, nil
	}
	// IDF-weighted, as paperSupport: the rare terms say what a
	// sentence is about.
	unseen := a.index.IDF(-1)
	var n, in1, inBoth float64
	for _, id := range q.IDs {
		w := unseen
		if int(id) < len(a.postings) {
			w = a.index.IDF(id)
		}
		n += w
		_, ok1 := slices.BinarySearch(a.sents[best].vec.IDs, id)
		ok2 := false
		if second >= 0 {
			_, ok2 = slices.BinarySearch(a.sents[second].vec.IDs, id)
		}
		if ok1 {
			in1 += w
		}
		if ok1 || ok2 {
			inBoth += w
		}
	}
	recall = in1 / n
	if second >= 0 {
		// A fusion of two sentences is slightly less certain than a copy.
		recall = math.Max(recall, 0.9*inBoth/n)
	}
	return best, sim, recall, alts
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

// roundScore clamps v to [0,10] and rounds it to two decimals, the
// precision the critique XML carries, so that Engine.Critique and the XML
// agree. One decimal was too coarse: a wrong name in one sentence of ten
// moves a mean over sentences by less than 0.05, and rounding made such a
// summary tie with the right one.
func roundScore(v float64) float64 {
	v = math.Max(0, math.Min(10, v))
	return math.Round(v*100) / 100
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
