package textproc

import (
	"math"
	"slices"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"The parser achieves 93.2% F1.", []string{"the", "parser", "achieves", "93.2", "f1"}},
		{"1,000 sentences; part-of-speech tags.", []string{"1,000", "sentences", "part", "of", "speech", "tags"}},
		{"It's (Collins, 1999).", []string{"it", "s", "collins", "1999"}},
		{"Ends with 3.", []string{"ends", "with", "3"}},
		{"Café Über naïve", []string{"café", "über", "naïve"}},
		{"a<b&c>d", []string{"a", "b", "c", "d"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Words("BLEU and WER"); !slices.Equal(got, []string{"BLEU", "and", "WER"}) {
		t.Errorf("Words kept case wrongly: %q", got)
	}
}

func TestNumbers(t *testing.T) {
	for _, tt := range []struct {
		in, norm string
		num      bool
	}{
		{"93.2", "93.2", true}, {"93.20", "93.2", true}, {"1,000", "1000", true},
		{"2.0", "2", true}, {"100", "100", true}, {"f1", "f1", false}, {"", "", false},
	} {
		if IsNumber(tt.in) != tt.num {
			t.Errorf("IsNumber(%q) = %v", tt.in, !tt.num)
		}
		if got := NormalizeNumber(tt.in); got != tt.norm {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", tt.in, got, tt.norm)
		}
	}
}

func TestCountWords(t *testing.T) {
	for in, want := range map[string]int{"": 0, " a  b\tc\n": 3, "one": 1, "93.2 % x": 3} {
		if got := CountWords(in); got != want {
			t.Errorf("CountWords(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAnalyzer(t *testing.T) {
	a := NewAnalyzer(NewStemmer(0))
	got := a.Terms("The parsers were parsing 3 sentences of the corpus.")
	want := []string{"parser", "pars", "sentenc", "corpus"}
	if !slices.Equal(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	a.KeepNumbers = true
	if got := a.Terms("scored 93.20 on 1,000"); !slices.Equal(got, []string{"score", "93.2", "1000"}) {
		t.Errorf("Terms with numbers = %q", got)
	}
	if !IsStopword("the") || IsStopword("parser") {
		t.Error("stopword list wrong")
	}
	if sw := Stopwords(); !slices.IsSorted(sw) || len(sw) < 150 {
		t.Errorf("Stopwords: %d words, sorted %v", len(sw), slices.IsSorted(sw))
	}
}

func TestStemmerCacheFull(t *testing.T) {
	s := NewStemmer(1)
	// The second word is stemmed without caching; the answer must not change.
	for i := 0; i < 2; i++ {
		if s.Stem("running") != "run" || s.Stem("parsers") != "parser" {
			t.Fatal("stem differs with a full cache")
		}
	}
}

func TestTFIDFCosine(t *testing.T) {
	v := NewVocab()
	ids := func(terms ...string) []int32 {
		var out []int32
		for _, term := range terms {
			out = append(out, v.Add(term))
		}
		return out
	}
	docs := [][]int32{ids("parser", "tree", "tree"), ids("parser", "score"), ids("cat", "dog")}
	ix := NewIndex(docs, v.Len())
	if ix.N != 3 || ix.DF[0] != 2 || ix.DF[1] != 1 {
		t.Fatalf("DF = %v", ix.DF)
	}
	a, b, c := ix.Vector(docs[0]), ix.Vector(docs[1]), ix.Vector(docs[2])
	if math.Abs(a.Norm()-1) > 1e-12 {
		t.Errorf("norm = %v", a.Norm())
	}
	if got := Cosine(a, a); math.Abs(got-1) > 1e-12 {
		t.Errorf("self cosine = %v", got)
	}
	if got := Cosine(a, c); got != 0 {
		t.Errorf("disjoint cosine = %v", got)
	}
	ab := Cosine(a, b)
	if ab <= 0 || ab >= 1 {
		t.Errorf("partial cosine = %v", ab)
	}
	// Hand-computed: a = (idf_p, 2·idf_t), b = (idf_p, idf_s).
	ip, it, is := ix.IDF(0), ix.IDF(1), ix.IDF(3)
	want := ip * ip / (math.Hypot(ip, 2*it) * math.Hypot(ip, is))
	if math.Abs(ab-want) > 1e-12 {
		t.Errorf("cosine = %v, want %v", ab, want)
	}
	if Cosine(Vector{}, a) != 0 || ix.Vector(nil).Len() != 0 {
		t.Error("empty vector")
	}
	if Overlap(a.IDs, b.IDs) != 1 {
		t.Error("Overlap")
	}
	if ix.IDF(-1) != ix.IDF(999) || ix.IDF(999) <= ix.IDF(0) {
		t.Error("unseen IDF")
	}
}

func TestReadability(t *testing.T) {
	for w, want := range map[string]int{"the": 1, "table": 2, "make": 1, "parser": 2, "readability": 5, "93.2": 1, "": 0, "rhythm": 1} {
		if got := Syllables(w); got != want {
			t.Errorf("Syllables(%q) = %d, want %d", w, got, want)
		}
	}
	if g := FleschKincaidGrade(0, 0, 0); g != 0 {
		t.Errorf("empty grade %v", g)
	}
	easy := SentenceGrade(Words("The cat sat on the mat."))
	hard := SentenceGrade(Words("Discriminatively trained probabilistic dependency parsers substantially outperform generatively estimated alternatives on morphologically complicated languages."))
	if easy >= hard || hard < 15 {
		t.Errorf("grades easy %v hard %v", easy, hard)
	}
}

func BenchmarkAnalyzer(b *testing.B) {
	a := NewAnalyzer(NewStemmer(0))
	s := "We present a discriminative dependency parser that achieves 93.2% accuracy on the Penn Treebank, outperforming previous generative models."
	var dst []string
	b.ReportAllocs()
	for b.Loop() {
		dst = a.AppendTerms(dst[:0], s)
	}
}
