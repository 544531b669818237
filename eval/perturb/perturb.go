package perturb

import (
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
)

// DefaultSeed is the seed of the perturbation test in the repository; the
// figures in BENCHMARKS.md were measured with it.
const DefaultSeed = 13

// Kind is one kind of damage.
type Kind string

// The kinds of damage.
const (
	Numbers         Kind = "numbers"          // a number changed
	SwapName        Kind = "swapped_name"     // a named method or dataset from another paper
	ForeignSentence Kind = "foreign_sentence" // a sentence from another paper's summary
	FirstOnly       Kind = "first_sentence"   // only the first sentence kept
	OCR             Kind = "ocr"              // words garbled as OCR garbles them
	AuthorLine      Kind = "author_line"      // an author and affiliation line inserted
	Shuffle         Kind = "shuffled"         // sentences in another order
	Repeat          Kind = "repeated"         // a sentence repeated
	Cut             Kind = "cut"              // the last sentence cut mid-way
)

// Kinds returns every kind, in a fixed order.
func Kinds() []Kind {
	return []Kind{Numbers, SwapName, ForeignSentence, FirstOnly, OCR, AuthorLine, Shuffle, Repeat, Cut}
}

// Dimension is the rubric dimension a kind of damage concerns, the one a
// critique must score lower for it: "accuracy" for content the source does
// not support (and for text that is not prose, which states nothing),
// "completeness" for lost content, "clarity" for unreadable words,
// "coherence" for order, repetition and a broken ending.
func (k Kind) Dimension() string {
	switch k {
	case Numbers, SwapName, ForeignSentence, AuthorLine:
		return "accuracy"
	case FirstOnly:
		return "completeness"
	case OCR:
		return "clarity"
	default:
		return "coherence"
	}
}

// Summary is a good summary, as sentences.
type Summary struct {
	ID        string
	Sentences []string
}

// Generator derives damaged summaries from a corpus of good ones; the
// corpus supplies the foreign sentences and names. It is not safe for
// concurrent use (it owns its random source).
type Generator struct {
	rng    *rand.Rand
	corpus []Summary
	names  [][]string // per summary: its named terms
}

// New returns a Generator over corpus drawing from rng.
func New(rng *rand.Rand, corpus []Summary) *Generator {
	g := &Generator{rng: rng, corpus: corpus, names: make([][]string, len(corpus))}
	for i, s := range corpus {
		for _, t := range s.Sentences {
			for _, n := range Names(t) {
				if !slices.Contains(g.names[i], n) {
					g.names[i] = append(g.names[i], n)
				}
			}
		}
	}
	return g
}

// Damage returns corpus[i] damaged by k, and false when k does not apply
// to it (no number to change, a single sentence to shuffle, ...). The
// result always differs from the original.
func (g *Generator) Damage(k Kind, i int) ([]string, bool) {
	s := slices.Clone(g.corpus[i].Sentences)
	if len(s) == 0 {
		return nil, false
	}
	var ok bool
	switch k {
	case Numbers:
		ok = g.changeNumber(s)
	case SwapName:
		ok = g.swapName(s, i)
	case ForeignSentence:
		s, ok = g.insertForeign(s, i)
	case FirstOnly:
		s, ok = s[:1], len(s) > 1
	case OCR:
		ok = g.garble(s)
	case AuthorLine:
		ok = g.insertAuthor(s)
	case Shuffle:
		ok = g.shuffle(s)
	case Repeat:
		s, ok = g.repeat(s)
	case Cut:
		ok = g.cut(s)
	}
	if !ok || slices.Equal(s, g.corpus[i].Sentences) {
		return nil, false
	}
	return s, true
}

// pick returns a random element index of n, or -1.
func (g *Generator) pick(n int) int {
	if n == 0 {
		return -1
	}
	return g.rng.IntN(n)
}

type wordAt struct{ sent, word int }

// changeNumber replaces one number by another of the same shape (as many
// digits, the same separators), every digit drawn anew so that the value
// changes.
func (g *Generator) changeNumber(s []string) bool {
	var at []wordAt
	words := make([][]string, len(s))
	for i, t := range s {
		words[i] = strings.Fields(t)
		for j, w := range words[i] {
			if hasDigit(w) {
				at = append(at, wordAt{i, j})
			}
		}
	}
	k := g.pick(len(at))
	if k < 0 {
		return false
	}
	w := []byte(words[at[k].sent][at[k].word])
	first := true
	for x, c := range w {
		if c < '0' || c > '9' {
			continue
		}
		d := byte('0' + g.rng.IntN(10))
		for d == c || (first && d == '0') {
			d = byte('0' + g.rng.IntN(10))
		}
		w[x], first = d, false
	}
	words[at[k].sent][at[k].word] = string(w)
	s[at[k].sent] = strings.Join(words[at[k].sent], " ")
	return true
}

// swapName replaces a named term of summary i by one that another
// summary uses and summary i does not.
func (g *Generator) swapName(s []string, i int) bool {
	own := g.names[i]
	if len(own) == 0 || len(g.corpus) < 2 {
		return false
	}
	name := own[g.rng.IntN(len(own))]
	for range 50 {
		j := g.rng.IntN(len(g.corpus))
		if j == i || len(g.names[j]) == 0 {
			continue
		}
		other := g.names[j][g.rng.IntN(len(g.names[j]))]
		if slices.Contains(own, other) || strings.EqualFold(other, name) {
			continue
		}
		for k, t := range s {
			s[k] = replaceWord(t, name, other)
		}
		return true
	}
	return false
}

// insertForeign puts a sentence of another summary at a random place
// after the first sentence.
func (g *Generator) insertForeign(s []string, i int) ([]string, bool) {
	if len(g.corpus) < 2 {
		return s, false
	}
	for range 50 {
		j := g.rng.IntN(len(g.corpus))
		if j == i || len(g.corpus[j].Sentences) == 0 {
			continue
		}
		f := g.corpus[j].Sentences[g.rng.IntN(len(g.corpus[j].Sentences))]
		at := 1 + g.rng.IntN(len(s))
		return slices.Insert(s, at, f), true
	}
	return s, false
}

// ocrSubs are the confusions OCR makes on scanned papers: letter shapes
// read as others ("rn" as "m", "l" as "1"), ligatures and accents left as
// stray symbols.
var ocrSubs = [][2]string{
	{"m", "rn"}, {"rn", "m"}, {"l", "1"}, {"i", "l"}, {"e", "c"}, {"a", "~"},
	{"o", "0"}, {"h", "b"}, {"c", "e"}, {"t", "f"}, {"fi", "ﬁ"}, {"n", "ii"},
	{"s", "$"}, {"u", "ii"}, {"d", "cl"}, {"g", "q"},
}

// garble damages about a third of the words of one sentence (at least
// three), as OCR does: confused letters, stray symbols, and two words run
// together.
func (g *Generator) garble(s []string) bool {
	k := g.pick(len(s))
	words := strings.Fields(s[k])
	if len(words) < 4 {
		return false
	}
	n := max(3, len(words)/3)
	for _, j := range g.rng.Perm(len(words))[:min(n, len(words))] {
		w := words[j]
		for range 5 {
			sub := ocrSubs[g.rng.IntN(len(ocrSubs))]
			if x := strings.Index(w, sub[0]); x >= 0 {
				w = w[:x] + sub[1] + w[x+len(sub[0]):]
				break
			}
		}
		words[j] = w
	}
	j := g.rng.IntN(len(words) - 1)
	words[j] += words[j+1] // run together
	words = slices.Delete(words, j+1, j+2)
	s[k] = strings.Join(words, " ")
	return true
}

// Front matter that PDF extraction leaves inside sentences.
var (
	firstNames = []string{"Brian", "Ralph", "Maria", "Kenji", "Laura", "Ahmed", "Sofia", "Daniel", "Wei", "Ingrid"}
	lastNames  = []string{"Roark", "Weischedel", "Okafor", "Tanaka", "Lindqvist", "Haddad", "Moreau", "Kowalski", "Chen", "Berger"}
	places     = []string{
		"Brown University Providence RI 02912", "BBN Technologies Cambridge M A 02138",
		"Department of Computer Science University of Edinburgh EH8 9AB", "IBM T. J. Watson Research Center Yorktown Heights NY 10598",
		"Dept. of Linguistics Stanford University CA 94305", "NTT Communication Science Laboratories Kyoto 619-0237 Japan",
	}
)

// insertAuthor puts an author and affiliation line inside a sentence, at
// a word boundary, as a PDF extractor does when a column's header lands
// in the middle of the text.
func (g *Generator) insertAuthor(s []string) bool {
	line := firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
	if g.rng.IntN(2) == 0 {
		line += "*"
	}
	line += " " + places[g.rng.IntN(len(places))]
	k := g.pick(len(s))
	words := strings.Fields(s[k])
	at := g.rng.IntN(len(words) + 1)
	if len(words) > 2 {
		at = 1 + g.rng.IntN(len(words)-1)
	}
	words = slices.Insert(words, at, line)
	s[k] = strings.Join(words, " ")
	return true
}

// shuffle puts the sentences in a random order other than their own.
func (g *Generator) shuffle(s []string) bool {
	if len(s) < 2 {
		return false
	}
	orig := slices.Clone(s)
	for range 20 {
		g.rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		if !slices.Equal(s, orig) {
			return true
		}
	}
	return false
}

// repeat inserts a copy of one sentence somewhere after it.
func (g *Generator) repeat(s []string) ([]string, bool) {
	k := g.pick(len(s))
	at := k + 1 + g.rng.IntN(len(s)-k)
	return slices.Insert(s, at, s[k]), true
}

// cut ends the last sentence after 40% to 70% of its words, without its
// final punctuation.
func (g *Generator) cut(s []string) bool {
	words := strings.Fields(s[len(s)-1])
	if len(words) < 6 {
		return false
	}
	n := len(words) * (40 + g.rng.IntN(31)) / 100
	n = max(2, min(n, len(words)-2))
	s[len(s)-1] = strings.TrimRight(strings.Join(words[:n], " "), ",;:")
	return true
}

// Names returns the named terms of a sentence: words, other than its
// first, with two or more capitals ("BLEU", "WordNet", "CRFs"), as they
// appear. Methods, datasets, tools and metrics are named so in papers.
func Names(sentence string) []string {
	words := strings.Fields(sentence)
	var out []string
	for i, w := range words {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if i == 0 || len(w) < 2 || hasDigit(w) {
			continue
		}
		caps := 0
		for _, r := range w {
			if unicode.IsUpper(r) {
				caps++
			}
		}
		if caps >= 2 {
			out = append(out, w)
		}
	}
	return out
}

// replaceWord replaces whole-word occurrences of old in s by new.
func replaceWord(s, old, new string) string {
	var b strings.Builder
	for {
		x := strings.Index(s, old)
		if x < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := x + len(old)
		whole := (x == 0 || !isWordByte(s[x-1])) && (end == len(s) || !isWordByte(s[end]))
		b.WriteString(s[:x])
		if whole {
			b.WriteString(new)
		} else {
			b.WriteString(old)
		}
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func hasDigit(w string) bool { return strings.ContainsAny(w, "0123456789") }

// String returns the kind's name.
func (k Kind) String() string { return string(k) }
