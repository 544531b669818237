package rouge

import (
	"fmt"
	"strconv"
)

// Score is one ROUGE measure of one evaluation (a candidate against its
// references), exactly as ROUGE-1.5.5 prints it.
type Score struct {
	// Recall, Precision and F are ROUGE's printed values (5 decimals).
	// Under CountSentence (-t 0) R and P are rounded first and F is computed
	// from the rounded values, then rounded. Under CountToken (-t 1) and
	// CountRaw (-t 2, where ROUGE prints only the counts below) F comes
	// from unrounded R and P, and each printed value is the mean of Resamples
	// identical bootstrap samples, rounded; the summation can move the last
	// decimal (47/320 prints as 0.14687, not 0.14688). A zero denominator gives
	// 0, never NaN.
	Recall, Precision, F float64
	// ModelCount is the recall denominator: the reference n-gram (LCS: token,
	// skip-bigram) count, summed over the references that count (all under
	// ScoringAverage, the best one under ScoringBest).
	ModelCount int
	// PeerCount is the precision denominator: the candidate's count, once per
	// reference that counts.
	PeerCount int
	// Hits is the number of clipped matches, summed likewise.
	Hits int
}

// Result maps metric names as ROUGE prints them ("ROUGE-1", "ROUGE-2",
// "ROUGE-L", "ROUGE-SU4", "ROUGE-SU*", ...; see Config.Metrics) to scores.
type Result map[string]Score

// Evaluate scores one candidate summary against its references with ROUGE-1.5.5
// semantics. candidate is a list of sentences; references is a list of
// references, each a list of sentences. A sentence is one line of ROUGE's SPL
// input: an empty sentence is skipped and a '\n' inside one starts a new
// sentence. Sentence boundaries matter only for ROUGE-L. It returns an error
// only for an invalid cfg (including -m or -s without cfg.Resources, which
// wraps ErrNoResources).
func Evaluate(candidate []string, references [][]string, cfg Config) (Result, error) {
	s, err := NewScorer(references, cfg)
	if err != nil {
		return nil, err
	}
	return s.Score(candidate), nil
}

// Scorer holds references prepared once (tokens, n-gram tables) so that many
// candidates can be scored against them cheaply. It is immutable after
// NewScorer and safe for concurrent use.
type Scorer struct {
	cfg Config
	z   tokenizer
	// vocab numbers every reference token. A candidate token that is not in
	// it can never match, so all such tokens share the id -1.
	vocab map[string]int32
	// levels[k] numbers the distinct (k+2)-grams of the references as pairs
	// (id of the (k+1)-gram prefix, id of the last token).
	levels []map[uint64]int32
	// skip numbers the distinct skip-bigrams of the references.
	skip map[uint64]int32
	refs []preparedRef
}

type gramCount struct{ id, n int32 }

type preparedRef struct {
	ngrams      [][]gramCount // [n-1]: counts of distinct n-grams
	ngramTotals []int         // [n-1]: number of n-gram positions
	skipPairs   []gramCount
	skipUni     []gramCount // empty unless unigrams are scored (-u or -U)
	pairTotal   int         // number of skip-bigram positions
	uniTotal    int         // number of skip unigram positions
	uni         []gramCount // unigram counts of the joined text (clip ROUGE-L)
	sentences   [][]int32   // ROUGE-L sentences
	lcsBase     int         // number of ROUGE-L tokens
}

// NewScorer prepares references (each a list of sentences) for cfg.
func NewScorer(references [][]string, cfg Config) (*Scorer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Scorer{
		cfg:   cfg,
		z:     newTokenizer(cfg),
		vocab: make(map[string]int32),
	}
	texts := make([]text, len(references))
	tokens, pairs := 0, 0
	for i, sentences := range references {
		texts[i] = s.z.read(sentences, cfg.WordLimit, cfg.ByteLimit)
		n := len(texts[i].joined)
		tokens += n
		if cfg.SkipDistance < 0 || cfg.SkipDistance >= n {
			pairs += n * (n - 1) / 2
		} else {
			pairs += n * (cfg.SkipDistance + 1)
		}
	}
	// Sized up front: growing these maps was the largest cost of scoring.
	for n := 2; n <= cfg.MaxN; n++ {
		s.levels = append(s.levels, make(map[uint64]int32, tokens))
	}
	if cfg.SkipBigram {
		s.skip = make(map[uint64]int32, min(pairs, 1<<20)) // no huge up-front allocation for long texts
	}
	for _, tx := range texts {
		s.refs = append(s.refs, s.prepare(tx))
	}
	return s, nil
}

func pair(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func (s *Scorer) intern(tok string) int32 {
	id, ok := s.vocab[tok]
	if !ok {
		id = int32(len(s.vocab))
		s.vocab[tok] = id
	}
	return id
}

func internPair(m map[uint64]int32, k uint64) int32 {
	id, ok := m[k]
	if !ok {
		id = int32(len(m))
		m[k] = id
	}
	return id
}

// sparse counts ids, which are dense numbers below size, and lists each
// distinct id once with its count.
func sparse(ids []int32, size int) []gramCount {
	counts := make([]int32, size)
	var out []gramCount
	for _, id := range ids {
		if counts[id] == 0 {
			out = append(out, gramCount{id: id})
		}
		counts[id]++
	}
	for i := range out {
		out[i].n = counts[out[i].id]
	}
	return out
}

func (s *Scorer) prepare(tx text) preparedRef {
	joined := make([]int32, len(tx.joined))
	for i, tok := range tx.joined {
		joined[i] = s.intern(tok)
	}
	var r preparedRef
	for _, sent := range tx.sentences {
		ids := make([]int32, len(sent))
		for i, tok := range sent {
			ids[i] = s.intern(tok)
		}
		r.sentences = append(r.sentences, ids)
		r.lcsBase += len(ids)
	}
	r.uni = sparse(joined, len(s.vocab))
	if s.cfg.MaxN >= 1 {
		r.ngrams = append(r.ngrams, r.uni)
		r.ngramTotals = append(r.ngramTotals, len(joined))
		prev := joined
		for n := 2; n <= s.cfg.MaxN; n++ {
			var cur []int32
			for i := 0; i+n <= len(joined); i++ {
				cur = append(cur, internPair(s.levels[n-2], pair(prev[i], joined[i+n-1])))
			}
			r.ngrams = append(r.ngrams, sparse(cur, len(s.levels[n-2])))
			r.ngramTotals = append(r.ngramTotals, len(cur))
			prev = cur
		}
	}
	if s.cfg.SkipBigram {
		var pairs, unis []int32
		withUni := s.cfg.skipUnigrams()
		forEachSkip(joined, s.cfg.SkipDistance, func(i, j int) {
			pairs = append(pairs, internPair(s.skip, pair(joined[i], joined[j])))
		}, func(i int) {
			if withUni {
				unis = append(unis, joined[i])
			}
		})
		r.skipPairs, r.skipUni = sparse(pairs, len(s.skip)), sparse(unis, len(s.vocab))
		r.pairTotal, r.uniTotal = len(pairs), len(unis)
	}
	return r
}

// forEachSkip enumerates createSkipBigram's grams: for every token but the last
// (ROUGE's loop stops at $#m_tokens-1, so the last token's unigram is never
// counted) it calls uni(i), then pair(i, j) for every later j at most
// dist+1 positions away (no limit if dist < 0).
func forEachSkip(toks []int32, dist int, pairFn func(i, j int), uni func(i int)) {
	for i := 0; i < len(toks)-1; i++ {
		uni(i)
		end := len(toks) - 1
		if dist >= 0 && i+dist+1 < end {
			end = i + dist + 1
		}
		for j := i + 1; j <= end; j++ {
			pairFn(i, j)
		}
	}
}

// Score scores one candidate (a list of sentences) against the references.
func (s *Scorer) Score(candidate []string) Result {
	tx := s.z.read(candidate, s.cfg.WordLimit, s.cfg.ByteLimit)
	joined := s.lookup(tx.joined)
	res := make(Result, len(s.cfg.Metrics()))

	// Candidate unigram counts over the reference vocabulary: ROUGE-1 and the
	// peer counts that clip ROUGE-L.
	uni := make([]int32, len(s.vocab))
	for _, id := range joined {
		if id >= 0 {
			uni[id]++
		}
	}

	if s.cfg.MaxN >= 1 {
		res["ROUGE-1"] = s.combine(len(joined), func(r *preparedRef) (int, int, float64) {
			h := clip(r.ngrams[0], uni)
			return h, r.ngramTotals[0], ratio5(h, r.ngramTotals[0])
		})
		prev := joined
		for n := 2; n <= s.cfg.MaxN; n++ {
			level := s.levels[n-2]
			var cur []int32
			counts := make([]int32, len(level))
			for i := 0; i+n <= len(joined); i++ {
				id := int32(-1)
				if prev[i] >= 0 && joined[i+n-1] >= 0 {
					if v, ok := level[pair(prev[i], joined[i+n-1])]; ok {
						id = v
						counts[v]++
					}
				}
				cur = append(cur, id)
			}
			k := n - 1
			res["ROUGE-"+strconv.Itoa(n)] = s.combine(len(cur), func(r *preparedRef) (int, int, float64) {
				h := clip(r.ngrams[k], counts)
				return h, r.ngramTotals[k], ratio5(h, r.ngramTotals[k])
			})
			prev = cur
		}
	}

	if !s.cfg.NoLCS {
		sents := make([][]int32, len(tx.sentences))
		for i, sent := range tx.sentences {
			sents[i] = s.lookup(sent)
		}
		var lcs lcsWork
		res[ROUGEL] = s.combine(len(joined), func(r *preparedRef) (int, int, float64) {
			h := lcs.unionHits(r, sents, uni, len(s.vocab))
			score := 0.0
			if r.lcsBase > 0 {
				score = float64(h) / float64(r.lcsBase) // unrounded, as lcs() returns it
			}
			return h, r.lcsBase, score
		})
	}

	if s.cfg.SkipBigram {
		pairs := make([]int32, len(s.skip))
		unis := make([]int32, len(s.vocab))
		pairTotal, uniTotal := 0, 0
		withUni := s.cfg.skipUnigrams()
		forEachSkip(joined, s.cfg.SkipDistance, func(i, j int) {
			pairTotal++
			if a, b := joined[i], joined[j]; a >= 0 && b >= 0 {
				if v, ok := s.skip[pair(a, b)]; ok {
					pairs[v]++
				}
			}
		}, func(i int) {
			if withUni {
				uniTotal++
				if joined[i] >= 0 {
					unis[joined[i]]++
				}
			}
		})
		// ROUGE-S (without -u; -U adds ROUGE-SU after it) scores the pairs
		// only; ROUGE-SU the pairs and the unigrams together.
		if !s.cfg.SkipUnigrams {
			res[s.cfg.skipName(false)] = s.combine(pairTotal, func(r *preparedRef) (int, int, float64) {
				h := clip(r.skipPairs, pairs)
				return h, r.pairTotal, ratio5(h, r.pairTotal)
			})
		}
		if withUni {
			res[s.cfg.skipName(true)] = s.combine(pairTotal+uniTotal, func(r *preparedRef) (int, int, float64) {
				h := clip(r.skipPairs, pairs) + clip(r.skipUni, unis)
				total := r.pairTotal + r.uniTotal
				return h, total, ratio5(h, total)
			})
		}
	}
	return res
}

func (s *Scorer) lookup(toks []string) []int32 {
	ids := make([]int32, len(toks))
	for i, tok := range toks {
		id, ok := s.vocab[tok]
		if !ok {
			id = -1
		}
		ids[i] = id
	}
	return ids
}

// clip is ngramScore's hit count: Σ over the reference's grams of
// min(candidate count, reference count).
func clip(ref []gramCount, cand []int32) int {
	h := 0
	for _, g := range ref {
		h += int(min(g.n, cand[g.id]))
	}
	return h
}

// ratio5 is the per-reference recall that -f B compares for ROUGE-N and
// skip-bigrams: sprintf("%07.5f", hit/count), or 0 without reference grams.
func ratio5(hit, count int) float64 {
	if count == 0 {
		return 0
	}
	return round5(float64(hit) / float64(count))
}

// combine applies the multi-reference formula (-f) to the per-reference
// (hits, reference count, selection score) and computes R, P and F.
func (s *Scorer) combine(peer int, perRef func(r *preparedRef) (hits, model int, score float64)) Score {
	var sc Score
	best := -1.0
	for i := range s.refs {
		h, m, score := perRef(&s.refs[i])
		switch s.cfg.Scoring {
		case ScoringBest:
			if score > best {
				best = score
				sc.Hits, sc.ModelCount, sc.PeerCount = h, m, peer
			}
		default:
			sc.Hits += h
			sc.ModelCount += m
			sc.PeerCount += peer
		}
	}
	sc.Recall, sc.Precision, sc.F = s.cfg.rpf(sc.Hits, sc.ModelCount, sc.PeerCount)
	return sc
}

// rpf turns counts into ROUGE's printed R, P and F for one evaluation.
func (c Config) rpf(hits, model, peer int) (r, p, f float64) {
	a := c.Alpha
	if c.CountMode.pooled() {
		// bootstrapResampling with a single instance: every sample holds the
		// evaluation's own counts; the printed value is their mean.
		if model > 0 {
			r = float64(hits) / float64(model)
		}
		if peer > 0 {
			p = float64(hits) / float64(peer)
		}
		f = fMeasure(r, p, a)
		return round5(repeatMean(r, c.Resamples)), round5(repeatMean(p, c.Resamples)), round5(repeatMean(f, c.Resamples))
	}
	r, p = ratio5(hits, model), ratio5(hits, peer)
	return r, p, round5(fMeasure(r, p, a))
}

// fMeasure is ROUGE's F = R·P / ((1-α)·P + α·R), 0 when the denominator is not
// positive. The explicit conversions keep the compiler from fusing the
// multiply-adds, so the result is bit-identical to Perl's.
func fMeasure(r, p, alpha float64) float64 {
	d := float64((1-alpha)*p) + float64(alpha*r)
	if d > 0 {
		return float64(r*p) / d
	}
	return 0
}

// repeatMean is Σ x (k times) / k, summed one by one as Perl does.
func repeatMean(x float64, k int) float64 {
	sum := 0.0
	for range k {
		sum += x
	}
	return sum / float64(k)
}

// round5 is sprintf("%7.5f") read back as a number: correct rounding of the
// binary value, as C printf and strconv both do.
func round5(x float64) float64 {
	var buf [32]byte
	v, err := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], x, 'f', 5, 64)), 64)
	if err != nil {
		panic(fmt.Sprintf("rouge: round5(%v): %v", x, err))
	}
	return v
}
