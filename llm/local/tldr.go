package local

import (
	"math"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
)

// tldrWeights mix the features of the TLDR sentence scorer (see TLDR). They
// were tuned on the first half of the SciTLDR-A dev split (tldr_test.go);
// the second half was only used to report.
type tldrWeights struct {
	// Centrality weighs the sentence's LexRank centrality within the paper.
	Centrality float64
	// Title weighs the share of the title's content terms the sentence has.
	Title float64
	// Cue weighs a contribution statement ("we propose", "in this paper").
	Cue float64
	// Background is subtracted from the opening sentence of the abstract
	// when it states no contribution: abstracts open with the problem.
	Background float64
	// Position is subtracted in proportion to the sentence's relative
	// position in the abstract (0 first, 1 last).
	Position float64
	// Length is subtracted in proportion to the distance of the sentence's
	// length from IdealWords, relative to IdealWords.
	Length, IdealWords float64
	// Compress turns on sentence compression (see compressTLDR).
	Compress bool
}

// defaultTLDR are the tuned weights.
var defaultTLDR = tldrWeights{
	Centrality: 0.5, Title: 2, Cue: 1, Background: 0.5, Position: 0.6,
	Length: 0.3, IdealWords: 22, Compress: true,
}

// strongCues are the contribution statements a TLDR is usually made of.
var strongCues = phrases(
	"we propose", "we present", "we introduce", "we develop", "we describe",
	"we show", "we demonstrate", "this paper", "this work", "we design",
	"we study", "we investigate", "we provide", "we establish", "we prove",
	"we derive", "we extend", "we formulate", "we explore", "we analyze",
	"we analyse", "we leverage", "we use", "we train", "we find",
	"our method", "our approach", "our model", "our framework", "our algorithm",
	"is proposed", "are proposed", "is presented", "is introduced",
)

// TLDR returns a one-sentence summary of p (a "too long; didn't read"
// line): the sentence of its abstract that best states the paper's
// contribution, lightly compressed (a leading "In this paper," and
// parenthetical asides are removed). Without an abstract the sentences of
// the opening that stands in for one (Config.OpeningAbstractWords), and
// failing that all sentences, are the candidates. The sentence is scored by
// its contribution cues, its overlap with the title, its centrality, its
// position (the abstract's opening sentence usually states the problem,
// not the contribution) and its length. It returns "" for a paper without
// sentences.
func (e *Engine) TLDR(p *papersum.Paper) string {
	return e.tldr(e.analysisOf(p), p.Title, defaultTLDR)
}

func (e *Engine) tldr(a *analysis, title string, w tldrWeights) string {
	best := e.tldrPick(a, title, w)
	if best < 0 {
		return ""
	}
	s := cleanSpace(a.sents[best].text)
	if w.Compress {
		s = compressTLDR(s)
	}
	return s
}

// tldrPick returns the index of the best TLDR sentence of a, or -1.
func (e *Engine) tldrPick(a *analysis, title string, w tldrWeights) int {
	// Sentences that are not prose (see sent.debris) are candidates only
	// when nothing else is.
	var cands []int
	for _, clean := range []bool{true, false} {
		for i := range a.sents {
			if a.sents[i].abs && a.sents[i].kind != papersum.KindTitle && (!clean || a.sents[i].debris == 0) {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			for i := range a.sents {
				if a.sents[i].kind != papersum.KindTitle && (!clean || a.sents[i].debris == 0) {
					cands = append(cands, i)
				}
			}
		}
		if len(cands) > 0 {
			break
		}
	}
	// Title content terms, stemmed as the sentences are.
	titleTerms := map[string]bool{}
	for _, t := range textproc.Tokens(title) {
		if len(t) >= 2 && !textproc.IsStopword(t) && !textproc.IsNumber(t) {
			titleTerms[e.stemmer.Stem(t)] = true
		}
	}
	best, bestV := -1, math.Inf(-1)
	for k, i := range cands {
		s := &a.sents[i]
		if s.words < 4 && len(cands) > 1 {
			continue
		}
		var v float64
		v += w.Centrality * a.cent[i]
		if len(titleTerms) > 0 {
			seen := map[string]bool{}
			for _, t := range s.toks {
				if st := e.stemmer.Stem(t); titleTerms[st] {
					seen[st] = true
				}
			}
			v += w.Title * float64(len(seen)) / float64(len(titleTerms))
		}
		cue := hasPhrase(s.toks, strongCues)
		if cue {
			v += w.Cue
		}
		if k == 0 && !cue && len(cands) > 1 {
			v -= w.Background
		}
		if len(cands) > 1 {
			v -= w.Position * float64(k) / float64(len(cands)-1)
		}
		if w.IdealWords > 0 {
			v -= w.Length * math.Abs(float64(s.words)-w.IdealWords) / w.IdealWords
		}
		if v > bestV {
			best, bestV = i, v
		}
	}
	return best
}

// framings are sentence openings that frame a contribution without adding
// to it; a TLDR drops them ("In this paper, we propose X" -> "We propose X").
var framings = []string{
	"in this paper,", "in this paper", "in this work,", "in this work", "in this article,",
	"in this article", "in this study,", "in this study", "here,", "here", "to this end,",
	"to this end", "in particular,", "specifically,", "therefore,", "thus,", "finally,",
	"moreover,", "furthermore,", "additionally,", "in addition,", "however,", "as a result,",
}

// compressTLDR removes a framing opening and parenthetical asides from s.
func compressTLDR(s string) string {
	lower := strings.ToLower(s)
	for _, f := range framings {
		if strings.HasPrefix(lower, f+" ") {
			rest := strings.TrimSpace(s[len(f):])
			if rest != "" {
				s = strings.ToUpper(rest[:1]) + rest[1:]
			}
			break
		}
	}
	// Drop "(...)" asides, which are mostly abbreviations and citations.
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	if depth != 0 { // unbalanced: leave the sentence as it was
		return s
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	out = strings.ReplaceAll(out, " ,", ",")
	out = strings.ReplaceAll(out, " .", ".")
	if out == "" {
		return s
	}
	return out
}
