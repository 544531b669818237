package local

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/textproc"
)

// ProviderName is the provider name the engine reports in responses.
const ProviderName = "local"

// Config tunes the engine. The zero Config is valid: every zero field takes
// the default documented on it. The defaults were tuned on ScisummNet (see
// BENCHMARKS.md and tune_test.go), never on CL-SciSumm.
type Config struct {
	// TargetWords is the summary length used when a task asks for 0.
	// Default 150.
	TargetWords int
	// Lambda is the MMR trade-off between a sentence's score and its
	// novelty against the sentences already chosen, in (0,1]. 1 ignores
	// redundancy. Default 0.8.
	Lambda float64
	// Damping is LexRank's damping factor, in (0,1). Default 0.85.
	Damping float64
	// SimilarityThreshold drops graph edges whose cosine is below it, in
	// [0,1). Default 0.1.
	SimilarityThreshold float64
	// MaxSentences caps the nodes of the similarity graph; beyond it the
	// most suitable sentences with the highest priors are kept. It bounds
	// the time spent on very long papers. Default 600.
	MaxSentences int
	// MinSentenceWords and MaxSentenceWords bound the length of a sentence
	// that may be extracted. Defaults 8 and 60.
	MinSentenceWords, MaxSentenceWords int
	// LongSentenceWords is the length above which an extractable sentence
	// is discounted (and the critique calls it long). Default 40.
	LongSentenceWords int
	// PositionDecay is the number of sentences over which the position
	// prior within a section decays by 1/e. Default 3.
	PositionDecay float64
	// LeadDecay is the number of sentences from the start of the paper
	// over which the lead prior decays by 1/e. Default 20.
	LeadDecay float64
	// CentralityWeight, PositionWeight, LeadWeight, KeyTermWeight and
	// CueWeight mix the features of a sentence's score: LexRank
	// centrality, the section and position prior, closeness to the start
	// of the paper, key-term content, and contribution cues ("in this
	// paper", "we propose"). Defaults 0.4, 0.4, 0.8, 0.2 and 0.2. They
	// need not sum to 1.
	CentralityWeight, PositionWeight, LeadWeight, KeyTermWeight, CueWeight float64
	// AbstractWeight is added to the feature mix of every abstract
	// sentence. The abstract is the authors' own summary of the paper, and
	// human summaries copy it heavily, so a paper's abstract sentences
	// should be chosen before anything else while they fit. Default 2.
	AbstractWeight float64
	// AbstractFill is the share of the target up to which sentences from
	// outside the abstract are added to a summary of a paper that has an
	// abstract, in (0,1]. The abstract already says what the paper is;
	// sentences from the body mostly add detail that readers (and the
	// human summaries on ScisummNet) leave out, so they only top a short
	// abstract up to the length the length rule counts as complete.
	// Default 0.8 (the length rule's minimum fill).
	AbstractFill float64
	// OpeningAbstractWords is how many words at the start of a paper
	// without an abstract section or a first heading are taken to be its
	// abstract (see openingAbstract). Default 150.
	OpeningAbstractWords int
	// AspectWeight is added to the MMR value of a sentence of a
	// highlights summary (papersum.StyleHighlights) for each aspect
	// (contribution, method, result with a number, limitation) that it
	// is the first chosen sentence to state. Default 0.1 (tuned on the
	// first 400 ScisummNet papers, abstract removed: 0 to 0.1 give the same
	// ROUGE-2, 0.3 loses 0.001 and 0.6 loses 0.002).
	AspectWeight float64
	// KeyTerms is the number of salient terms the critique checks the
	// summary for. Default 10.
	KeyTerms int
	// TitleTermBoost and AbstractTermBoost multiply the salience of terms
	// found in the title and in the abstract. Defaults 3 and 1.5.
	TitleTermBoost, AbstractTermBoost float64
	// LeadTermBoost raises the salience of a term occurrence near the
	// start of the paper, by up to 1+LeadTermBoost times (decaying with
	// LeadDecay). Default 10.
	LeadTermBoost float64
	// RedundancyThreshold is the term overlap (share of the smaller
	// sentence's terms) above which two summary sentences are redundant.
	// Default 0.5.
	RedundancyThreshold float64
	// ReviseRounds bounds the rounds of local search in revise. Default 3.
	ReviseRounds int
	// ReviseScoreWeight is how much the local search of revise values the
	// extraction scores of the summary's source sentences next to the
	// critique's overall score. It keeps revise from trading the
	// sentences that best summarise the paper for small rubric gains.
	// Default 2.
	ReviseScoreWeight float64
	// ReviseMinGain is the least rise of the critique's overall score
	// for which the local search of revise makes an edit that drops one
	// of the abstract's sentences. Other edits need only raise its
	// objective. The authors' sentences are the closest thing the paper
	// has to a reference summary; trading them for rounding-level rubric
	// gains lost ROUGE on ScisummNet. Default 1.
	ReviseMinGain float64
	// ReviseFixSlack is how far the local search's objective (see
	// ReviseScoreWeight) may fall for an edit of revise that removes one
	// of the critique's issues without lowering its overall score. 0 lets
	// only free fixes through; a large value lets issues trade away the
	// sentences that best summarise the paper. Default 0.3 (tuned on
	// ScisummNet, see BENCHMARKS.md).
	ReviseFixSlack float64
	// ReviseCandidates is how many of the best unused source sentences
	// revise considers adding. Default 15.
	ReviseCandidates int
	// StemCacheSize bounds the stem cache (textproc.NewStemmer). Default
	// textproc.DefaultStemCacheSize.
	StemCacheSize int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	defi := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defi(&c.TargetWords, 150)
	def(&c.Lambda, 0.8)
	def(&c.Damping, 0.85)
	def(&c.SimilarityThreshold, 0.1)
	defi(&c.MaxSentences, 600)
	defi(&c.MinSentenceWords, 8)
	defi(&c.MaxSentenceWords, 60)
	defi(&c.LongSentenceWords, 40)
	def(&c.PositionDecay, 3)
	def(&c.CentralityWeight, 0.4)
	def(&c.PositionWeight, 0.4)
	def(&c.KeyTermWeight, 0.2)
	def(&c.LeadDecay, 20)
	def(&c.LeadWeight, 0.8)
	def(&c.CueWeight, 0.2)
	def(&c.AbstractWeight, 2)
	def(&c.AbstractFill, minFill)
	def(&c.AspectWeight, 0.1)
	defi(&c.OpeningAbstractWords, 150)
	defi(&c.KeyTerms, 10)
	def(&c.TitleTermBoost, 3)
	def(&c.AbstractTermBoost, 1.5)
	def(&c.LeadTermBoost, 10)
	def(&c.RedundancyThreshold, 0.5)
	defi(&c.ReviseRounds, 3)
	defi(&c.ReviseCandidates, 15)
	def(&c.ReviseScoreWeight, 2)
	def(&c.ReviseMinGain, 1)
	def(&c.ReviseFixSlack, 0.3)
	return c
}

// Validate reports the first out-of-range field of c (after defaults).
// New does not fail: it replaces an invalid field by its default, so call
// Validate at start-up to reject a bad configuration instead.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.TargetWords < 0:
		return errors.New("local: TargetWords must be positive")
	case c.Lambda < 0 || c.Lambda > 1:
		return errors.New("local: Lambda must be in (0,1]")
	case c.Damping < 0 || c.Damping >= 1:
		return errors.New("local: Damping must be in (0,1)")
	case c.SimilarityThreshold < 0 || c.SimilarityThreshold >= 1:
		return errors.New("local: SimilarityThreshold must be in [0,1)")
	case c.MaxSentences < 0, c.MinSentenceWords < 0, c.MaxSentenceWords < 0, c.LongSentenceWords < 0,
		c.KeyTerms < 0, c.OpeningAbstractWords < 0, c.ReviseRounds < 0, c.ReviseCandidates < 0, c.StemCacheSize < 0:
		return errors.New("local: counts must not be negative")
	case c.MinSentenceWords > c.MaxSentenceWords:
		return errors.New("local: MinSentenceWords exceeds MaxSentenceWords")
	case c.PositionDecay < 0, c.LeadDecay < 0, c.LeadWeight < 0, c.CueWeight < 0, c.AbstractWeight < 0, c.CentralityWeight < 0, c.PositionWeight < 0, c.KeyTermWeight < 0,
		c.TitleTermBoost < 0, c.AbstractTermBoost < 0, c.LeadTermBoost < 0, c.ReviseScoreWeight < 0, c.ReviseMinGain < 0, c.AspectWeight < 0, c.ReviseFixSlack < 0:
		return errors.New("local: weights must not be negative")
	case c.AbstractFill < 0 || c.AbstractFill > 1:
		return errors.New("local: AbstractFill must be in (0,1]")
	case c.RedundancyThreshold < 0 || c.RedundancyThreshold > 1:
		return errors.New("local: RedundancyThreshold must be in [0,1]")
	}
	return nil
}

// Engine is the local engine. It is safe for concurrent use.
type Engine struct {
	cfg     Config
	stemmer *textproc.Stemmer

	// The three stages of a run send the same paper; the analyses of the
	// last few papers are kept so that it is analysed once, not three
	// times. Entries are keyed by a hash of the paper's content, so a
	// changed paper is analysed afresh. Most recent first.
	mu    sync.Mutex
	cache []cached
}

// analysisCacheSize is how many paper analyses an Engine keeps.
const analysisCacheSize = 4

type cached struct {
	key [sha256.Size]byte
	a   *analysis
}

// analysisOf returns the analysis of p, from the cache when p's content
// was analysed recently.
func (e *Engine) analysisOf(p *papersum.Paper) *analysis {
	key := paperKey(p)
	e.mu.Lock()
	for i, c := range e.cache {
		if c.key == key {
			// Move to front.
			copy(e.cache[1:i+1], e.cache[:i])
			e.cache[0] = c
			e.mu.Unlock()
			return c.a
		}
	}
	e.mu.Unlock()
	a := e.analyze(p)
	e.mu.Lock()
	e.cache = append([]cached{{key: key, a: a}}, e.cache...)
	if len(e.cache) > analysisCacheSize {
		e.cache = e.cache[:analysisCacheSize]
	}
	e.mu.Unlock()
	return a
}

// paperKey hashes everything the analysis reads from p: title, section
// kinds and sentences, with separators that cannot occur in text.
func paperKey(p *papersum.Paper) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(p.Title))
	for _, s := range p.Sections {
		h.Write([]byte{0})
		h.Write([]byte(s.Kind))
		for _, t := range s.Sentences {
			h.Write([]byte{1})
			io.WriteString(h, t)
		}
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

var _ papersum.Model = (*Engine)(nil)

// New returns an Engine with cfg; zero fields take their defaults and
// invalid ones are replaced by their defaults (see Config.Validate).
func New(cfg Config) *Engine {
	c := cfg.withDefaults()
	if c.Validate() != nil {
		d := Config{}.withDefaults()
		// Keep what is valid field by field would be clever; a wholesale
		// fallback is predictable.
		c = d
	}
	return &Engine{cfg: c, stemmer: textproc.NewStemmer(c.StemCacheSize)}
}

// Config returns the engine's effective configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Generate answers one stage of the pipeline from req.Task and writes the
// XML a language model is asked for: <summary>, <critique> or
// <revised_summary>. Usage is estimated with EstimateTokens.
//
// Errors: a *papersum.ProviderError of ClassInvalidRequest when
// req.Task.Paper is nil or the stage is unknown, and of ClassTimeout
// (wrapping ctx.Err()) when ctx is done before the answer is ready.
func (e *Engine) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	model := ProviderName
	if req != nil && req.Model != "" {
		model = req.Model
	}
	fail := func(class papersum.Class, stage papersum.Stage, msg string, err error) error {
		return &papersum.ProviderError{Class: class, Provider: ProviderName, Model: model, Stage: stage, Message: msg, Err: err}
	}
	if req == nil {
		return nil, fail(papersum.ClassInvalidRequest, "", "nil request", nil)
	}
	t := req.Task
	if t.Paper == nil {
		return nil, fail(papersum.ClassInvalidRequest, t.Stage, "task has no paper", nil)
	}
	switch t.Stage {
	case papersum.StageSummarize, papersum.StageCritique, papersum.StageRevise:
	default:
		return nil, fail(papersum.ClassInvalidRequest, t.Stage, fmt.Sprintf("unknown stage %q", t.Stage), nil)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(papersum.ClassTimeout, t.Stage, "cancelled", err)
	}
	target := t.TargetWords
	if target <= 0 {
		target = e.cfg.TargetWords
	}

	a := e.analysisOf(t.Paper)
	// Analysis is the bulk of the work; check again before the stage.
	if err := ctx.Err(); err != nil {
		return nil, fail(papersum.ClassTimeout, t.Stage, "cancelled", err)
	}
	var out string
	switch t.Stage {
	case papersum.StageSummarize:
		out = "<summary>" + EscapeXML(e.summarizeStyle(a, t.Paper.Title, t.Style, target)) + "</summary>"
	case papersum.StageCritique:
		out = RenderCritique(e.critique(a, t.Draft, target).critique)
	case papersum.StageRevise:
		if target <= TLDRMaxWords || t.Style == papersum.StyleTLDR {
			// A one-sentence TLDR has nothing to drop, add or reorder
			// within its length: the draft stands.
			out = "<revised_summary>" + EscapeXML(t.Draft) + "</revised_summary>"
		} else {
			out = "<revised_summary>" + EscapeXML(e.reviseStyle(ctx, a, t.Draft, t.Critique, target, t.Style)) + "</revised_summary>"
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(papersum.ClassTimeout, t.Stage, "cancelled", err)
	}
	in := EstimateTokens(req.System) + EstimateTokens(req.Prompt)
	if req.Paper != nil {
		in += EstimateTokens(req.Paper.Text)
	}
	return &papersum.Response{
		Text:       out,
		StopReason: papersum.StopEnd,
		Usage:      papersum.Usage{InputTokens: in, OutputTokens: EstimateTokens(out), Estimated: true},
		Provider:   ProviderName,
		Model:      model,
	}, nil
}

// summarizeStyle writes the summary of the style asked for: a one-sentence
// TLDR for StyleTLDR or a target of at most TLDRMaxWords words, a
// highlights summary for StyleHighlights, else the abstract-style summary
// of Summarize. A style that finds nothing to say (no TLDR sentence, no
// body sentence to highlight) falls back to Summarize's rule, so every
// paper with a word in it gets a summary.
func (e *Engine) summarizeStyle(a *analysis, title string, style papersum.Style, target int) string {
	text := ""
	switch {
	case style == papersum.StyleTLDR || (target <= TLDRMaxWords && style != papersum.StyleHighlights):
		text = e.tldr(a, title, defaultTLDR)
		// A TLDR far too long (an odd paper) is no TLDR.
		if n := len(strings.Fields(text)); n > 2*TLDRMaxWords {
			text = ""
		}
		if text == "" {
			target = min(target, TLDRMaxWords)
		}
	case style == papersum.StyleHighlights:
		text = e.highlights(a, target)
	}
	if text == "" {
		text = e.summarize(a, target)
	}
	return text
}

// TLDRMaxWords is the largest target length that asks for a one-sentence
// TLDR (see Engine.TLDR) instead of a multi-sentence summary.
const TLDRMaxWords = 30

// EstimateTokens estimates the number of tokens a language model's
// tokenizer would make of s, as one token per four characters (Unicode
// code points), rounded up. That is the usual rule of thumb for English
// with BPE tokenizers; the local engine reports it so that runs on it can
// be compared with, and priced like, runs on a real model.
func EstimateTokens(s string) int64 {
	n := utf8.RuneCountInString(s)
	return int64((n + 3) / 4)
}

// EscapeXML escapes &, < and > so that text can sit inside the XML
// elements of the engine's output. Quotes need no escaping in element
// content.
func EscapeXML(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// RenderCritique writes c in the critique XML contract:
// <critique><scores>…</scores><judge_version>…</judge_version><issues><issue>…</issue>…</issues></critique>,
// scores with two decimals; judge_version only when the scores carry one.
func RenderCritique(c papersum.Critique) string {
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	b.WriteString("<critique><scores>")
	b.WriteString("<accuracy>" + f(c.Scores.Accuracy) + "</accuracy>")
	b.WriteString("<completeness>" + f(c.Scores.Completeness) + "</completeness>")
	b.WriteString("<clarity>" + f(c.Scores.Clarity) + "</clarity>")
	b.WriteString("<coherence>" + f(c.Scores.Coherence) + "</coherence>")
	b.WriteString("</scores>")
	if c.Scores.JudgeVersion != "" {
		b.WriteString("<judge_version>" + EscapeXML(c.Scores.JudgeVersion) + "</judge_version>")
	}
	b.WriteString("<issues>")
	for _, is := range c.Issues {
		b.WriteString("<issue>" + EscapeXML(is) + "</issue>")
	}
	b.WriteString("</issues></critique>")
	return b.String()
}

//go:embed generic.txt
var genericFile string

// generic is the set of stems in generic.txt, parsed once and read-only.
var generic = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 200)
	for _, l := range strings.Split(genericFile, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
})

func isGeneric(stem string) bool { return generic()[stem] }
