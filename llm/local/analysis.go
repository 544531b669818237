package local

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
	"github.com/papersum/papersum/textproc/prose"
)

// sent is a sentence with everything the three stages measure on it. Source
// sentences are analysed once per paper; summary sentences once per
// critique.
type sent struct {
	text  string
	words int      // whitespace words, the unit of lengths and targets
	toks  []string // lowercase word tokens
	// vec is the L2-normalised TF-IDF vector over the paper's index. Terms
	// the paper never uses get ids at or above the vocabulary size.
	vec textproc.Vector
	// novel is how many distinct content terms the paper never uses.
	novel int
	grade float64 // Flesch–Kincaid grade

	// Source sentences only.
	idx     int // position among all sentences of the paper
	section int
	kind    papersum.SectionKind
	pos     int     // position within its section
	suit    float64 // suitability multiplier in [0,1]; 0 = never extract
	prior   float64 // section and position prior in [0,1]
	lead    float64 // closeness to the start of the paper in [0,1]
	// abs says the sentence is part of the paper's abstract or of the
	// opening that stands in for a missing one (see openingAbstract).
	abs    bool
	cue    bool // states the contribution ("in this paper", "we propose")
	result bool // reports a result (cue words or a results section)
	method bool // describes a method (cue words or a method section)
	// debris counts the problems that make the sentence unfit to quote
	// (prose.Unquotable): such a sentence is never extracted while enough
	// clean ones are left (see relaxSuitability).
	debris int
}

// posting is one (sentence, weight) entry of the inverted index.
type posting struct {
	sent int32
	w    float64
}

// keyTerm is a salient term of the paper.
type keyTerm struct {
	id      int32
	weight  float64
	display string // the paper's most frequent surface form of the stem
}

// analysis is the engine's view of one paper. It is read-only once built,
// so the three stages and concurrent critiques may share it.
type analysis struct {
	sents    []sent
	vocab    *textproc.Vocab
	index    *textproc.Index
	postings [][]posting
	// cent is the LexRank centrality of each sentence, scaled to max 1
	// (0 for sentences outside the graph).
	cent  []float64
	score []float64 // extraction score: suitability × mix of the features
	keys  []keyTerm // top key terms, by weight
	// tokens is every lowercase token of the paper, numbers normalised;
	// the accuracy check looks summary numbers and names up here.
	tokens map[string]struct{}
	words  int
	// abstract says the paper has an abstract to build the summary on:
	// at least minAbstractSentences extractable abstract sentences.
	abstract bool
	// absIDs are the distinct terms of the abstract (or, without one, of
	// the key terms), sorted, and absW their IDF weights: the content the
	// critique's completeness looks for.
	absIDs  []int32
	absW    []float64
	absMass float64
	title   []int32 // the title's terms, sorted
	// prefixes holds the first prefixLen bytes of every token of the
	// paper: a summary's "robbery" is half backed by the paper's "robbed".
	prefixes map[string]struct{}
	// bestResult is the extractable sentence that best reports a result
	// (-1 if none), which the critique quotes when a summary has none.
	bestRes int
	// tokenSents lists, for each number (normal form) and each word with
	// a digit, the sentences that hold it (see indexTokens).
	tokenSents map[string][]int32
	// hl holds the highlights view (highlightsView); hlOnly marks the
	// view itself, whose score is the highlights score.
	hl     *hlView
	hlOnly bool
	// acronyms holds the words of the paper written in capitals only
	// ("BLEU", "AS"): a summary's acronym must be one of them, not the
	// paper's lowercase word ("as").
	acronyms map[string]struct{}
}

// prefixLen is how many leading bytes of a word are compared when the
// word itself is not in the paper.
const prefixLen = 4

// known reports whether w (lowercase) is a token of the paper.
func (a *analysis) known(w string) bool {
	_, ok := a.tokens[w]
	return ok
}

// titleTerm reports whether id is a term of the title.
func (a *analysis) titleTerm(id int32) bool {
	_, ok := slices.BinarySearch(a.title, id)
	return ok
}

// bestResult returns the index of the sentence that best reports a
// result, or -1.
func (a *analysis) bestResult() int { return a.bestRes }

// abstractCoverage is the IDF-weighted share of the abstract's terms that
// sentences of ds with a credit of at least one half contain.
func (a *analysis) abstractCoverage(ds []draftSent, credits []float64) float64 {
	if a.absMass == 0 {
		return 1
	}
	var got float64
	for k, id := range a.absIDs {
		for i := range ds {
			if credits[i] < 0.5 {
				continue
			}
			if _, ok := slices.BinarySearch(ds[i].vec.IDs, id); ok {
				got += a.absW[k]
				break
			}
		}
	}
	return got / a.absMass
}

// contentTerms sets absIDs, absW, absMass, title, prefixes and bestRes.
func (a *analysis) contentTerms(titleIDs []int32) {
	a.title = slices.Compact(slices.Sorted(slices.Values(titleIDs)))
	var ids []int32
	for i := range a.sents {
		if a.sents[i].abs {
			ids = append(ids, a.sents[i].vec.IDs...)
		}
	}
	if len(ids) == 0 {
		for _, k := range a.keys {
			ids = append(ids, k.id)
		}
	}
	a.absIDs = slices.Compact(slices.Sorted(slices.Values(ids)))
	a.absW = make([]float64, len(a.absIDs))
	for k, id := range a.absIDs {
		a.absW[k] = a.index.IDF(id)
		a.absMass += a.absW[k]
	}
	a.prefixes = make(map[string]struct{}, len(a.tokens))
	for t := range a.tokens {
		if len(t) >= prefixLen {
			a.prefixes[t[:prefixLen]] = struct{}{}
		}
	}
	a.bestRes = -1
	for i := range a.sents {
		s := &a.sents[i]
		if s.result && s.suit > 0 && hasResultCue(s.toks) && (a.bestRes < 0 || a.score[i] > a.score[a.bestRes]) {
			a.bestRes = i
		}
	}
}

// minAbstractSentences is how many extractable sentences an abstract needs
// before the summarizer treats it as the authors' summary. A lone
// sentence is more likely front matter that ingest took for an abstract.
const minAbstractSentences = 2

// analyze builds the analysis of p under the engine's configuration.
func (e *Engine) analyze(p *papersum.Paper) *analysis {
	a := &analysis{vocab: textproc.NewVocab(), tokens: make(map[string]struct{}, 4096), hl: &hlView{}}

	// surface counts the lowercase forms of each stem so that issues can
	// name a term the way the paper writes it ("parsing", not "pars").
	surface := make(map[string]surfaceCount, 2048)

	var titleIDs []int32
	addTokens := func(toks []string) []int32 {
		var ids []int32
		for _, t := range toks {
			if textproc.IsNumber(t) {
				a.tokens[textproc.NormalizeNumber(t)] = struct{}{}
				continue
			}
			a.tokens[t] = struct{}{}
			if len(t) < 2 || textproc.IsStopword(t) {
				continue
			}
			id := a.vocab.Add(e.stemmer.Stem(t))
			ids = append(ids, id)
			sc := surface[t]
			sc.id = id
			sc.count++
			surface[t] = sc
		}
		return ids
	}
	if p.Title != "" {
		titleIDs = addTokens(textproc.Tokens(p.Title))
	}

	var termLists [][]int32
	opening := openingAbstract(p, e.cfg.OpeningAbstractWords)
	for si, sec := range p.Sections {
		for pi, raw := range sec.Sentences {
			// Citation brackets and split small capitals are repaired
			// before anything is measured, so a summary quotes the
			// repaired sentence.
			text := prose.Tidy(raw)
			toks := textproc.Tokens(text)
			ids := addTokens(toks)
			a.sents = append(a.sents, sent{
				text: text, words: textproc.CountWords(text), toks: toks,
				idx: len(a.sents), section: si, kind: sec.Kind, pos: pi,
				abs: sec.Kind == papersum.KindAbstract || len(a.sents) < opening,
			})
			termLists = append(termLists, ids)
			a.words += a.sents[len(a.sents)-1].words
			if sec.Kind == papersum.KindTitle {
				titleIDs = append(titleIDs, ids...)
			}
		}
	}
	for w, n := range numberWords {
		if _, ok := a.tokens[w]; ok {
			a.tokens[n] = struct{}{}
		}
	}
	a.index = textproc.NewIndex(termLists, a.vocab.Len())
	a.postings = make([][]posting, a.vocab.Len())
	for i := range a.sents {
		s := &a.sents[i]
		s.vec = a.index.Vector(termLists[i])
		for k, id := range s.vec.IDs {
			a.postings[id] = append(a.postings[id], posting{sent: int32(i), w: s.vec.Weights[k]})
		}
		s.grade = textproc.SentenceGrade(s.toks)
		e.features(p, s)
		// Only a sentence the filters let through (or an abstract
		// sentence, which a TLDR may quote) is checked: the checks are
		// the costliest part of the analysis, and relaxSuitability
		// checks the rest when it needs them.
		if s.kind != papersum.KindTitle && (s.suit > 0 || s.abs) {
			// No lexicon: a paper's own words are all "known", and
			// taking only its frequent ones for words calls
			// "sometimes" two words run together and "free" an OCR
			// misreading of "tree".
			s.debris = len(prose.Unquotable(s.text, prose.Options{}))
			if s.debris > 0 {
				s.suit = 0
			}
		}
	}
	relaxSuitability(a.sents)
	n := 0
	for i := range a.sents {
		if a.sents[i].abs && a.sents[i].suit > 0 {
			n++
		}
	}
	a.abstract = n >= minAbstractSentences
	a.cent = e.centrality(a)
	a.keys = e.keyTerms(a, termLists, titleIDs, surface)
	a.scoreSentences(e)
	a.contentTerms(titleIDs)
	a.indexTokens()
	return a
}

// openingAbstract returns how many sentences at the start of p stand in
// for an abstract that ingest could not find: none when p has an abstract
// section or its first section has a title; otherwise the leading
// sentences of the untitled first section up to words words. Papers
// without headings (plain text, scanned papers whose structure was lost)
// nearly always open with their abstract, so the opening deserves the
// abstract's prior; a titled first section ("1 Introduction") says the
// abstract was dropped, and then nothing stands in for it.
func openingAbstract(p *papersum.Paper, words int) int {
	if len(p.Sections) == 0 || p.Sections[0].Title != "" || p.Sections[0].Kind != papersum.KindOther {
		return 0
	}
	for _, s := range p.Sections {
		if s.Kind == papersum.KindAbstract {
			return 0
		}
	}
	n, w := 0, 0
	for _, t := range p.Sections[0].Sentences {
		w += textproc.CountWords(t)
		if w > words {
			break
		}
		n++
	}
	return n
}

// numberWords lets "three languages" in a paper support "3 languages" in
// an abstractive summary.
var numberWords = map[string]string{
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
	"seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
	"twelve": "12", "twenty": "20", "hundred": "100", "thousand": "1000",
}

// sectionPrior is how likely a section of each kind is to hold summary
// material. Abstract, introduction and conclusion state the contribution;
// related work and background describe other people's work.
func sectionPrior(k papersum.SectionKind) float64 {
	switch k {
	case papersum.KindAbstract:
		return 1.0
	case papersum.KindIntroduction, papersum.KindConclusion:
		return 0.8
	case papersum.KindResults, papersum.KindDiscussion:
		return 0.6
	case papersum.KindMethod, papersum.KindExperiments:
		return 0.5
	case papersum.KindBackground:
		return 0.3
	case papersum.KindRelated:
		return 0.2
	case papersum.KindTitle:
		return 0
	}
	return 0.4
}

// features sets the suitability, prior and aspect flags of a source
// sentence.
func (e *Engine) features(p *papersum.Paper, s *sent) {
	sp := sectionPrior(s.kind)
	// Early sentences of a section introduce it; the decay is gentle
	// because conclusions often state results a few sentences in.
	s.prior = sp * (0.5 + 0.5*math.Exp(-float64(s.pos)/e.cfg.PositionDecay))
	s.lead = math.Exp(-float64(s.idx) / e.cfg.LeadDecay)
	s.cue = hasPhrase(s.toks, contributionCues)
	s.suit = suitability(s, e.cfg)
	if s.kind == papersum.KindTitle {
		s.suit = 0
	}
	s.result = hasResultCue(s.toks) || s.kind == papersum.KindResults || s.kind == papersum.KindConclusion
	s.method = hasMethodCue(s.toks) || s.kind == papersum.KindMethod
}

var resultCues = map[string]bool{
	"achieve": true, "achieves": true, "achieved": true, "outperform": true, "outperforms": true,
	"outperformed": true, "improve": true, "improves": true, "improved": true, "improvement": true,
	"improvements": true, "accuracy": true, "results": true, "result": true, "show": true,
	"shows": true, "showed": true, "demonstrate": true, "demonstrates": true, "significantly": true,
	"performance": true, "error": true, "reduction": true, "gains": true, "f1": true, "precision": true,
	"recall": true, "bleu": true, "conclude": true, "found": true, "find": true,
}

var methodCues = map[string]bool{
	"propose": true, "proposes": true, "proposed": true, "present": true, "presents": true,
	"introduce": true, "introduces": true, "describe": true, "describes": true, "method": true,
	"model": true, "algorithm": true, "approach": true, "framework": true, "system": true,
	"technique": true, "train": true, "trained": true, "use": true, "uses": true, "using": true,
	"learn": true, "learning": true, "architecture": true,
}

// contributionCues are phrases with which authors state what a paper does;
// human summaries are made of such statements. They are matched on
// tokens, which is cheaper than lowercasing and searching the text.
var contributionCues = phrases(
	"in this paper", "this paper", "in this work", "this work", "this article",
	"we present", "we propose", "we introduce", "we describe", "we show",
	"we demonstrate", "we report", "we find", "we found", "we develop",
	"we investigate", "we evaluate", "our approach", "our method", "our system",
	"our model", "our results", "our experiments", "results show", "we argue",
)

// phrases splits each phrase into tokens.
func phrases(list ...string) [][]string {
	out := make([][]string, len(list))
	for i, p := range list {
		out[i] = strings.Fields(p)
	}
	return out
}

// hasPhrase reports whether toks contains any of the phrases.
func hasPhrase(toks []string, list [][]string) bool {
	for i := range toks {
	next:
		for _, p := range list {
			if i+len(p) > len(toks) {
				continue
			}
			for k, w := range p {
				if toks[i+k] != w {
					continue next
				}
			}
			return true
		}
	}
	return false
}

func hasResultCue(toks []string) bool {
	for _, t := range toks {
		if resultCues[t] || (textproc.IsNumber(t) && strings.IndexByte(t, '.') > 0) {
			return true
		}
	}
	return false
}

func hasMethodCue(toks []string) bool {
	for _, t := range toks {
		if methodCues[t] {
			return true
		}
	}
	return false
}

// centrality runs LexRank over the thresholded cosine graph of the
// candidate sentences and returns scores scaled to a maximum of 1.
//
// The graph is built from the inverted index, so only pairs that share a
// term cost anything, and it is capped at MaxSentences nodes (the most
// suitable, highest-prior ones) so that long papers stay within budget.
func (e *Engine) centrality(a *analysis) []float64 {
	n := len(a.sents)
	out := make([]float64, n)
	nodes := make([]int, 0, n)
	for i := range a.sents {
		if a.sents[i].suit > 0 || len(a.sents[i].vec.IDs) >= 3 {
			nodes = append(nodes, i)
		}
	}
	if len(nodes) > e.cfg.MaxSentences {
		slices.SortStableFunc(nodes, func(x, y int) int {
			return cmp.Compare(a.sents[y].suit*(0.5+a.sents[y].prior), a.sents[x].suit*(0.5+a.sents[x].prior))
		})
		nodes = nodes[:e.cfg.MaxSentences]
		slices.Sort(nodes)
	}
	m := len(nodes)
	if m == 0 {
		return out
	}
	local := make([]int32, n) // sentence -> node+1
	for k, i := range nodes {
		local[i] = int32(k + 1)
	}
	// Sparse weighted adjacency, row-normalised.
	type edge struct {
		to int32
		w  float64
	}
	adj := make([][]edge, m)
	row := make([]float64, m)
	touched := make([]int32, 0, m)
	thr := e.cfg.SimilarityThreshold
	for k, i := range nodes {
		v := a.sents[i].vec
		for t, id := range v.IDs {
			w := v.Weights[t]
			for _, ps := range a.postings[id] {
				l := local[ps.sent]
				if l == 0 {
					continue
				}
				l--
				if row[l] == 0 {
					touched = append(touched, l)
				}
				row[l] += w * ps.w
			}
		}
		var sum float64
		for _, l := range touched {
			if int(l) != k && row[l] >= thr {
				adj[k] = append(adj[k], edge{to: l, w: row[l]})
				sum += row[l]
			}
			row[l] = 0
		}
		touched = touched[:0]
		for j := range adj[k] {
			adj[k][j].w /= sum
		}
	}
	// Power iteration: p' = (1-d)/m + d·(Wᵀp + dangling/m).
	d := e.cfg.Damping
	p := make([]float64, m)
	next := make([]float64, m)
	for k := range p {
		p[k] = 1 / float64(m)
	}
	for iter := 0; iter < 100; iter++ {
		var dangling float64
		for k := range next {
			next[k] = 0
		}
		for k := range adj {
			if len(adj[k]) == 0 {
				dangling += p[k]
				continue
			}
			for _, ed := range adj[k] {
				next[ed.to] += p[k] * ed.w
			}
		}
		base := (1-d)/float64(m) + d*dangling/float64(m)
		var delta float64
		for k := range next {
			next[k] = base + d*next[k]
			delta += math.Abs(next[k] - p[k])
		}
		p, next = next, p
		if delta < 1e-7 {
			break
		}
	}
	var max float64
	for _, v := range p {
		max = math.Max(max, v)
	}
	for k, i := range nodes {
		out[i] = p[k] / max
	}
	return out
}

// surfaceCount counts one lowercase surface form of a stem.
type surfaceCount struct {
	id    int32
	count int
}

// keyTerms returns the paper's most salient terms: term frequency (with
// early occurrences weighted up) times
// the sentence-level IDF, counting title and abstract terms extra, and
// leaving out numbers, very short stems, terms of a single sentence and
// the terms that most papers use ("result", "table"; see generic.txt).
func (e *Engine) keyTerms(a *analysis, lists [][]int32, title []int32, surface map[string]surfaceCount) []keyTerm {
	nv := a.vocab.Len()
	tf := make([]float64, nv)
	boost := make([]float64, nv)
	for i := range boost {
		boost[i] = 1
	}
	for i, ids := range lists {
		abs := a.sents[i].abs
		// Occurrences near the start, where authors state what the paper
		// is about, count up to 1+LeadTermBoost times as much.
		w := 1 + e.cfg.LeadTermBoost*a.sents[i].lead
		for _, id := range ids {
			tf[id] += w
			if abs {
				boost[id] = math.Max(boost[id], e.cfg.AbstractTermBoost)
			}
		}
	}
	for _, id := range title {
		boost[id] = math.Max(boost[id], e.cfg.TitleTermBoost)
	}
	var keys []keyTerm
	for id := int32(0); int(id) < nv; id++ {
		term := a.vocab.Term(id)
		if a.index.DF[id] < 2 || len(term) < 3 || textproc.HasDigit(term) || isGeneric(term) {
			continue
		}
		keys = append(keys, keyTerm{id: id, weight: tf[id] * a.index.IDF(id) * boost[id]})
	}
	// Ties go to the term the paper uses first (lower id): deterministic.
	slices.SortStableFunc(keys, func(x, y keyTerm) int { return cmp.Compare(y.weight, x.weight) })
	if len(keys) > e.cfg.KeyTerms {
		keys = keys[:e.cfg.KeyTerms]
	}
	best := make(map[int32]surfaceCount, len(keys))
	bestForm := make(map[int32]string, len(keys))
	for _, k := range keys {
		best[k.id] = surfaceCount{id: -1}
	}
	for form, sc := range surface {
		b, ok := best[sc.id]
		if !ok {
			continue
		}
		if sc.count > b.count || (sc.count == b.count && form < bestForm[sc.id]) {
			best[sc.id] = surfaceCount{id: sc.id, count: sc.count}
			bestForm[sc.id] = form
		}
	}
	for i := range keys {
		keys[i].display = bestForm[keys[i].id]
	}
	return keys
}

// scoreSentences sets the extraction score of every sentence.
func (a *analysis) scoreSentences(e *Engine) {
	a.score = make([]float64, len(a.sents))
	c := e.cfg
	for i := range a.sents {
		s := &a.sents[i]
		if s.suit == 0 {
			continue
		}
		var key float64
		for _, k := range a.keys {
			if _, ok := slices.BinarySearch(s.vec.IDs, k.id); ok {
				key += k.weight
			}
		}
		cue := 0.0
		if s.cue {
			cue = 1
		}
		abs := 0.0
		if s.abs {
			abs = 1
		}
		a.score[i] = s.suit * (c.CentralityWeight*a.cent[i] + c.PositionWeight*s.prior + c.LeadWeight*s.lead +
			c.KeyTermWeight*math.Min(1, key/a.keyMass()*2) + c.CueWeight*cue + c.AbstractWeight*abs)
	}
}

func (a *analysis) keyMass() float64 {
	var m float64
	for _, k := range a.keys {
		m += k.weight
	}
	if m == 0 {
		return 1
	}
	return m
}
