package signals

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/textproc"
)

// Group is what part of the pipeline a signal describes.
type Group string

// The groups of signals.
const (
	GroupInput   Group = "input"
	GroupOutput  Group = "output"
	GroupQuality Group = "quality"
	GroupOps     Group = "ops"
)

// Kind is the type of a signal's values.
type Kind string

// The kinds of signals.
const (
	// Numeric values are real numbers.
	Numeric Kind = "numeric"
	// Binary values are 0 or 1 (1: a failure, for DDM-style detectors).
	Binary Kind = "binary"
	// Categorical values are labels; one run may give several (the kinds
	// of its sections, its terms), each counted once.
	Categorical Kind = "categorical"
)

// Def describes one signal.
type Def struct {
	Name  string `json:"name"`
	Group Group  `json:"group"`
	Kind  Kind   `json:"kind"`
	Help  string `json:"help"`
}

// Streaming reports whether the signal feeds a streaming detector.
func (d Def) Streaming() bool { return d.Kind != Categorical }

// DefaultDetector is the streaming detector watching a signal of this
// kind by default, with its river defaults: ADWIN for numeric signals (it
// adapts to the signal's scale, and had the fewest false alarms on
// stationary streams, drift/BENCHMARKS.md), HDDM_A for binary ones (none
// at a 5% failure rate there, where DDM had some). "" for categorical.
func (k Kind) DefaultDetector() drift.Kind {
	switch k {
	case Numeric:
		return drift.KindADWIN
	case Binary:
		return drift.KindHDDMA
	}
	return ""
}

// The names of the signals.
const (
	InputWords       = "input.paper_words"
	InputSections    = "input.sections"
	InputReadability = "input.readability_grade"
	InputStopwords   = "input.stopword_share"
	InputBodyShare   = "input.body_share"
	InputLanguage    = "input.language"
	InputFormat      = "input.format"
	InputSectionKind = "input.section_kind"
	InputTerms       = "input.terms"

	OutputWords       = "output.summary_words"
	OutputCompression = "output.compression_ratio"
	OutputNovel       = "output.novel_bigram_share"
	OutputNumbers     = "output.number_faithfulness"
	OutputNames       = "output.name_faithfulness"

	QualityAccuracy     = "quality.accuracy"
	QualityCompleteness = "quality.completeness"
	QualityClarity      = "quality.clarity"
	QualityCoherence    = "quality.coherence"
	QualityOverall      = "quality.overall"
	QualityFail         = "quality.fail"

	OpsCost       = "ops.cost_usd"
	OpsError      = "ops.error"
	OpsErrorClass = "ops.error_class"
)

// stages are the pipeline's stages, whose costs, tokens and latencies are
// signals of their own.
var stages = []papersum.Stage{papersum.StageSummarize, papersum.StageCritique, papersum.StageRevise}

// StageSignal names a per-stage operations signal: "ops.<what>.<stage>",
// what one of cost_usd, tokens, latency_s.
func StageSignal(what string, stage papersum.Stage) string {
	return "ops." + what + "." + string(stage)
}

// Defs lists every signal, in a fixed order.
func Defs() []Def {
	d := []Def{
		{InputWords, GroupInput, Numeric, "words in the paper"},
		{InputSections, GroupInput, Numeric, "sections in the paper"},
		{InputReadability, GroupInput, Numeric, "Flesch–Kincaid grade of the paper"},
		{InputStopwords, GroupInput, Numeric, "share of the paper's words that are English stopwords (a language proxy)"},
		{InputBodyShare, GroupInput, Numeric, "share of the paper's words outside its title and abstract"},
		{InputLanguage, GroupInput, Categorical, `language: "en" when at least 20% of the words are English stopwords, else "other"`},
		{InputFormat, GroupInput, Categorical, "input format (pdf, latex, markdown, text, xml...)"},
		{InputSectionKind, GroupInput, Categorical, "kinds of the paper's sections (section mix)"},
		{InputTerms, GroupInput, Categorical, "the paper's 10 most frequent content terms (vocabulary and topic)"},
		{OutputWords, GroupOutput, Numeric, "words in the summary"},
		{OutputCompression, GroupOutput, Numeric, "summary words per paper word"},
		{OutputNovel, GroupOutput, Numeric, "share of the summary's distinct word bigrams not in the paper"},
		{OutputNumbers, GroupOutput, Numeric, "share of the summary's numbers found in the paper"},
		{OutputNames, GroupOutput, Numeric, "share of the summary's capitalised names found in the paper"},
		{QualityAccuracy, GroupQuality, Numeric, "critique: accuracy"},
		{QualityCompleteness, GroupQuality, Numeric, "critique: completeness"},
		{QualityClarity, GroupQuality, Numeric, "critique: clarity"},
		{QualityCoherence, GroupQuality, Numeric, "critique: coherence"},
		{QualityOverall, GroupQuality, Numeric, "critique: overall (weighted)"},
		{QualityFail, GroupQuality, Binary, "1 when the overall score is below the threshold"},
		{OpsCost, GroupOps, Numeric, "run cost in USD"},
	}
	for _, st := range stages {
		d = append(d,
			Def{StageSignal("cost_usd", st), GroupOps, Numeric, "cost in USD of the " + string(st) + " stage"},
			Def{StageSignal("tokens", st), GroupOps, Numeric, "input and output tokens of the " + string(st) + " stage"},
			Def{StageSignal("latency_s", st), GroupOps, Numeric, "latency in seconds of the " + string(st) + " stage"})
	}
	return append(d,
		Def{OpsError, GroupOps, Binary, "1 when the run failed"},
		Def{OpsErrorClass, GroupOps, Categorical, `failure class of the run ("none" when it succeeded)`})
}

// Lookup returns the definition of a signal.
func Lookup(name string) (Def, bool) {
	for _, d := range Defs() {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// Value is one signal's value for one run: X for a numeric or binary
// signal, Labels for a categorical one.
type Value struct {
	Name   string
	X      float64
	Labels []string
}

// Options tune the extraction.
type Options struct {
	// FailBelow is the overall score under which a run counts as failed
	// in quality.fail. Default 7.5, the configuration's default overall
	// threshold.
	FailBelow float64
	// Terms is how many content terms input.terms keeps. Default 10.
	Terms int
}

func (o Options) withDefaults() Options {
	if o.FailBelow == 0 {
		o.FailBelow = 7.5
	}
	if o.Terms == 0 {
		o.Terms = 10
	}
	return o
}

// Extract computes the signals of a finished run. paper may be nil (no
// input signals then). Signals that a run does not have are left out:
// output signals of a run without a summary, quality signals of a run
// without scores, faithfulness when the summary has no number or name,
// stage signals of stages that did not run. A cached run made no model
// call: it has input signals only.
func Extract(paper *papersum.Paper, run *papersum.Run, opts Options) []Value {
	opts = opts.withDefaults()
	var out []Value
	num := func(name string, x float64) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, Value{Name: name, X: x})
		}
	}
	var pt *paperText
	var sw []string
	summary := ""
	withOutput := run != nil && !run.Cached && run.Status == papersum.RunSucceeded && run.Summary != ""
	if withOutput {
		summary = run.Summary
		sw = textproc.Words(summary)
	}
	if paper != nil {
		pt = newPaperText(paper, sw, summary)
		num(InputWords, float64(pt.words))
		num(InputSections, float64(len(paper.Sections)))
		num(InputReadability, textproc.FleschKincaidGrade(pt.words, pt.sentences, pt.syllables))
		sw := ratio(pt.stopwords, pt.words)
		num(InputStopwords, sw)
		num(InputBodyShare, ratio(pt.words-pt.frontWords, pt.words))
		lang := "other"
		if sw >= 0.2 {
			lang = "en"
		}
		out = append(out, Value{Name: InputLanguage, Labels: []string{lang}})
		out = append(out, Value{Name: InputFormat, Labels: []string{orNone(paper.Format)}})
		out = append(out, Value{Name: InputSectionKind, Labels: pt.kinds})
		out = append(out, Value{Name: InputTerms, Labels: pt.topTerms(opts.Terms)})
	}
	if run == nil || run.Cached {
		return out
	}
	if withOutput {
		num(OutputWords, float64(len(sw)))
		if pt != nil {
			if pt.words > 0 {
				num(OutputCompression, float64(len(sw))/float64(pt.words))
			}
			num(OutputNovel, 1-ratio(countTrue(pt.bigrams), len(pt.bigrams)))
			num(OutputNumbers, ratio(countTrue(pt.numbers), len(pt.numbers)))
			num(OutputNames, ratio(countTrue(pt.names), len(pt.names)))
		}
	}
	if s := run.Scores; s != nil {
		num(QualityAccuracy, s.Accuracy)
		num(QualityCompleteness, s.Completeness)
		num(QualityClarity, s.Clarity)
		num(QualityCoherence, s.Coherence)
		num(QualityOverall, s.Overall())
		fail := 0.0
		if s.Overall() < opts.FailBelow {
			fail = 1
		}
		out = append(out, Value{Name: QualityFail, X: fail})
	}
	if len(run.Stages) > 0 {
		num(OpsCost, run.TotalCost())
	}
	for _, st := range stages {
		var cost, tokens, lat float64
		seen := false
		for _, r := range run.Stages {
			if r.Stage == st {
				seen = true
				cost += r.CostUSD
				tokens += float64(r.Usage.TotalInput() + r.Usage.OutputTokens)
				lat += r.Latency.Seconds()
			}
		}
		if seen {
			num(StageSignal("cost_usd", st), cost)
			num(StageSignal("tokens", st), tokens)
			num(StageSignal("latency_s", st), lat)
		}
	}
	if run.Status == papersum.RunFailed || run.Status == papersum.RunSucceeded {
		fail, class := 0.0, "none"
		if run.Status == papersum.RunFailed {
			fail, class = 1, orNone(string(run.ErrorClass))
			if class == "none" {
				class = "other"
			}
		}
		out = append(out, Value{Name: OpsError, X: fail}, Value{Name: OpsErrorClass, Labels: []string{class}})
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// paperText is what the signals need of a paper, computed once.
type paperText struct {
	words, sentences, syllables, stopwords int
	// frontWords are the words of the title and abstract sections.
	frontWords int
	kinds      []string
	// terms counts lower-cased content words.
	terms map[string]int
	// bigrams, numbers and names are the summary's lower-cased word
	// bigrams, normalised numbers and capitalised names (summaryNames),
	// each true once the paper is found to have it. Only the summary's
	// are kept, not the paper's (a few hundred entries, not thousands).
	bigrams map[[2]string]bool
	numbers map[string]bool
	names   map[string]bool
}

func countTrue[K comparable](m map[K]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// newPaperText reads the paper in one pass, checking the summary's
// bigrams, numbers and names (summary words sw, text summary) against it.
func newPaperText(p *papersum.Paper, sw []string, summary string) *paperText {
	pt := &paperText{terms: map[string]int{}, bigrams: map[[2]string]bool{},
		numbers: map[string]bool{}, names: map[string]bool{}}
	for i, w := range sw {
		if i > 0 {
			pt.bigrams[[2]string{textproc.Lower(sw[i-1]), textproc.Lower(w)}] = false
		}
		if textproc.IsNumber(w) {
			pt.numbers[textproc.NormalizeNumber(w)] = false
		}
	}
	for _, n := range summaryNames(summary) {
		pt.names[n] = false
	}
	seenKind := map[string]bool{}
	var buf []string
	for _, s := range p.Sections {
		k := orNone(string(s.Kind))
		if !seenKind[k] {
			seenKind[k] = true
			pt.kinds = append(pt.kinds, k)
		}
		front := s.Kind == papersum.KindTitle || s.Kind == papersum.KindAbstract
		for _, sent := range s.Sentences {
			buf = textproc.AppendWords(buf[:0], sent)
			if len(buf) == 0 {
				continue
			}
			pt.sentences++
			pt.words += len(buf)
			if front {
				pt.frontWords += len(buf)
			}
			prev := ""
			for _, w := range buf {
				lw := textproc.Lower(w)
				pt.syllables += textproc.Syllables(lw)
				switch {
				case textproc.IsStopword(lw):
					pt.stopwords++
				case textproc.IsNumber(w):
					if len(pt.numbers) > 0 {
						if _, ok := pt.numbers[textproc.NormalizeNumber(w)]; ok {
							pt.numbers[textproc.NormalizeNumber(w)] = true
						}
					}
				case utf8.RuneCountInString(lw) >= 4 && !textproc.HasDigit(lw):
					pt.terms[lw]++
				}
				if len(pt.names) > 0 {
					if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
						if _, ok := pt.names[w]; ok {
							pt.names[w] = true
						}
					}
				}
				if prev != "" && len(pt.bigrams) > 0 {
					k := [2]string{prev, lw}
					if _, ok := pt.bigrams[k]; ok {
						pt.bigrams[k] = true
					}
				}
				prev = lw
			}
		}
	}
	sort.Strings(pt.kinds)
	return pt
}

// topTerms returns the n most frequent content terms, ties by the term.
func (pt *paperText) topTerms(n int) []string {
	type tc struct {
		t string
		c int
	}
	all := make([]tc, 0, len(pt.terms))
	for t, c := range pt.terms {
		all = append(all, tc{t, c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].c != all[j].c {
			return all[i].c > all[j].c
		}
		return all[i].t < all[j].t
	})
	if len(all) > n {
		all = all[:n]
	}
	out := make([]string, len(all))
	for i, x := range all {
		out[i] = x.t
	}
	return out
}

// summaryNames returns the summary's capitalised words that are not the
// first word of a sentence nor a stopword (names, acronyms), each once.
func summaryNames(summary string) []string {
	var out []string
	seen := map[string]bool{}
	for _, sent := range strings.FieldsFunc(summary, func(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '\n' }) {
		ws := textproc.Words(sent)
		for i, w := range ws {
			if i == 0 || seen[w] || textproc.IsStopword(textproc.Lower(w)) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
