package textproc

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

//go:embed stopwords.txt
var stopwordFile string

// stopwords is parsed once from the embedded list. It is read-only after
// that, so sharing it is safe.
var stopwords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 300)
	for _, line := range strings.Split(stopwordFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
})

// IsStopword reports whether the lowercase token tok is on papersum's
// English stopword list (stopwords.txt, embedded).
func IsStopword(tok string) bool {
	_, ok := stopwords()[tok]
	return ok
}

// Stopwords returns the stopword list in sorted order.
func Stopwords() []string {
	m := stopwords()
	out := make([]string, 0, len(m))
	for w := range m {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}

// DefaultStemCacheSize is the number of stems a Stemmer keeps when
// NewStemmer is given 0. A long paper has a few thousand distinct words;
// this holds the vocabulary of many papers.
const DefaultStemCacheSize = 1 << 16

// Stemmer stems lowercase English tokens with the Snowball (Porter 2)
// algorithm and caches the results, because Snowball allocates on every
// call and a paper repeats its words many times. It is safe for concurrent
// use.
type Stemmer struct {
	mu    sync.RWMutex
	cache map[string]string
	max   int
}

// NewStemmer returns a Stemmer that caches up to cacheSize stems (0 means
// DefaultStemCacheSize). When the cache is full, new words are stemmed
// without being cached; the results are the same either way.
func NewStemmer(cacheSize int) *Stemmer {
	if cacheSize <= 0 {
		cacheSize = DefaultStemCacheSize
	}
	return &Stemmer{cache: make(map[string]string, 1024), max: cacheSize}
}

// Stem returns the Snowball English stem of the lowercase token tok.
// Numbers and tokens of one or two characters are returned unchanged.
func (s *Stemmer) Stem(tok string) string {
	if len(tok) <= 2 || HasDigit(tok) {
		return tok
	}
	s.mu.RLock()
	st, ok := s.cache[tok]
	s.mu.RUnlock()
	if ok {
		return st
	}
	st = english.Stem(tok, true)
	s.mu.Lock()
	if len(s.cache) < s.max {
		// Clone the key: tok may be a substring of a large document that
		// the cache would otherwise keep alive.
		s.cache[strings.Clone(tok)] = st
	}
	s.mu.Unlock()
	return st
}

// Analyzer turns text into index terms: lowercase tokens that are not
// stopwords, stemmed. Numbers are kept when KeepNumbers is set and dropped
// otherwise; tokens shorter than MinLen runes (other than numbers) are
// dropped. The zero Analyzer is not usable: it needs a Stemmer.
type Analyzer struct {
	// Stemmer stems the tokens. Required.
	Stemmer *Stemmer
	// KeepNumbers keeps number tokens as terms. Default false: numbers
	// are poor evidence of topical similarity.
	KeepNumbers bool
	// MinLen is the minimum length in bytes of a non-number term. Default
	// 0 behaves as 2, which drops stray letters such as the "s" of "it's".
	MinLen int
}

// NewAnalyzer returns an Analyzer over stemmer with the defaults.
func NewAnalyzer(stemmer *Stemmer) *Analyzer {
	return &Analyzer{Stemmer: stemmer, MinLen: 2}
}

// AppendTerms appends the index terms of s to dst and returns it. The
// intermediate tokens live in a stack buffer for sentences of up to 64
// tokens, so a typical sentence costs only the growth of dst.
func (a *Analyzer) AppendTerms(dst []string, s string) []string {
	var buf [64]string
	toks := AppendTokens(buf[:0], s)
	return a.appendTermsOf(dst, toks)
}

// TermsOfTokens appends the index terms of already lowercased tokens.
func (a *Analyzer) TermsOfTokens(dst []string, toks []string) []string {
	return a.appendTermsOf(dst, toks)
}

func (a *Analyzer) appendTermsOf(dst []string, toks []string) []string {
	minLen := a.MinLen
	if minLen <= 0 {
		minLen = 2
	}
	for _, t := range toks {
		if IsNumber(t) {
			if a.KeepNumbers {
				dst = append(dst, NormalizeNumber(t))
			}
			continue
		}
		if len(t) < minLen || IsStopword(t) {
			continue
		}
		dst = append(dst, a.Stemmer.Stem(t))
	}
	return dst
}

// Terms returns the index terms of s.
func (a *Analyzer) Terms(s string) []string { return a.AppendTerms(nil, s) }
