package sentences

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only space", " \n\t \u00a0 ", nil},
		{"one without stop", "A heading", []string{"A heading"}},
		{"two plain", "We study X. It works.", []string{"We study X.", "It works."}},
		{"question and exclamation", "Does it work? Yes! It does.",
			[]string{"Does it work?", "Yes!", "It does."}},
		{"interrobang", "Really?! We checked.", []string{"Really?!", "We checked."}},
		{"whitespace collapsed", "We  study\n X.\tIt\r\nworks.", []string{"We study X.", "It works."}},
		{"paragraph break ends sentence", "1 Introduction\n\nWe study X.",
			[]string{"1 Introduction", "We study X."}},
		{"crlf paragraph break", "Title line\r\n\r\nBody here.", []string{"Title line", "Body here."}},
		{"single newline does not end", "We study\nX here.", []string{"We study X here."}},

		// Abbreviations.
		{"et al year", "Smith et al. (2019) showed this. We agree.",
			[]string{"Smith et al. (2019) showed this.", "We agree."}},
		{"et al verb", "Smith et al. proposed it. We agree.",
			[]string{"Smith et al. proposed it.", "We agree."}},
		{"et al name", "Smith et al. Jones et al. and others agree.",
			[]string{"Smith et al. Jones et al. and others agree."}},
		{"et al end before starter", "This was shown by Smith et al. We extend it.",
			[]string{"This was shown by Smith et al.", "We extend it."}},
		{"et al comma", "Smith et al., 2019 showed it. Next one.",
			[]string{"Smith et al., 2019 showed it.", "Next one."}},
		{"eg", "Some models, e.g. BERT, work. Others fail.",
			[]string{"Some models, e.g. BERT, work.", "Others fail."}},
		{"eg comma", "Some models (e.g., BERT) work. Others fail.",
			[]string{"Some models (e.g., BERT) work.", "Others fail."}},
		{"ie", "The loss, i.e. Cross entropy, falls. Good.",
			[]string{"The loss, i.e. Cross entropy, falls.", "Good."}},
		{"Fig number", "See Fig. 3 for details. It shows X.",
			[]string{"See Fig. 3 for details.", "It shows X."}},
		{"Figs", "See Figs. 3 and 4. They show X.",
			[]string{"See Figs. 3 and 4.", "They show X."}},
		{"Fig capital word", "As Fig. The Second shows.", []string{"As Fig. The Second shows."}},
		{"Eq paren", "Minimise Eq. (2) over w. Then stop.",
			[]string{"Minimise Eq. (2) over w.", "Then stop."}},
		{"Eqs", "Eqs. 2 and 3 hold. Fine.", []string{"Eqs. 2 and 3 hold.", "Fine."}},
		{"Sec", "Details are in Sec. 4. We start here.",
			[]string{"Details are in Sec. 4.", "We start here."}},
		{"Sec roman", "See Sec. IV for more. Done.", []string{"See Sec. IV for more.", "Done."}},
		{"App letter", "See App. B for proofs. Done.", []string{"See App. B for proofs.", "Done."}},
		{"Tab", "Tab. 2 lists them. Done.", []string{"Tab. 2 lists them.", "Done."}},
		{"lower fig", "as in fig. 2 and tab. 3 we see. Done.", []string{"as in fig. 2 and tab. 3 we see.", "Done."}},
		{"cf", "This differs (cf. Smith, 2019). We go on.",
			[]string{"This differs (cf. Smith, 2019).", "We go on."}},
		{"cf capital next", "See cf. Table 2 there. Done.", []string{"See cf. Table 2 there.", "Done."}},
		{"vs", "BERT vs. GPT is compared. Done.", []string{"BERT vs. GPT is compared.", "Done."}},
		{"etc mid", "Nouns, verbs, etc. are tagged. Done.", []string{"Nouns, verbs, etc. are tagged.", "Done."}},
		{"etc end", "Nouns, verbs, etc. The rest is noise.",
			[]string{"Nouns, verbs, etc.", "The rest is noise."}},
		{"Dr Mr", "Dr. Smith met Mr. Jones. They talked.",
			[]string{"Dr. Smith met Mr. Jones.", "They talked."}},
		{"Prof", "Prof. Lee agreed. Done.", []string{"Prof. Lee agreed.", "Done."}},
		{"ms is not Ms", "It took 5 ms. The rest was fast.", []string{"It took 5 ms.", "The rest was fast."}},
		{"No number", "Grant No. 1234 funded it. Thanks.", []string{"Grant No. 1234 funded it.", "Thanks."}},
		{"no word", "The answer was no. The test failed.", []string{"The answer was no.", "The test failed."}},
		{"pp", "See pp. 12-15 for this. Done.", []string{"See pp. 12-15 for this.", "Done."}},
		{"p page", "See p. 12 for this. Done.", []string{"See p. 12 for this.", "Done."}},
		{"initial", "As J. Smith noted, it holds. Done.", []string{"As J. Smith noted, it holds.", "Done."}},
		{"two initials", "As J. R. R. Tolkien wrote. Done.", []string{"As J. R. R. Tolkien wrote.", "Done."}},
		{"initial A", "By J. A. Smith here. Done.", []string{"By J. A. Smith here.", "Done."}},
		{"capital letter end", "We use vitamin C. The effect is large.",
			[]string{"We use vitamin C.", "The effect is large."}},
		{"variable end", "We call it x. Then we stop.", []string{"We call it x.", "Then we stop."}},
		{"US", "Firms in the U.S. Army agree. Done.", []string{"Firms in the U.S. Army agree.", "Done."}},
		{"US end", "It was built in the U.S. The rest came later.",
			[]string{"It was built in the U.S.", "The rest came later."}},
		{"PhD", "His Ph.D. Thesis covered it. Done.", []string{"His Ph.D. Thesis covered it.", "Done."}},
		{"months", "Released in Jan. 2020 by us. Done.", []string{"Released in Jan. 2020 by us.", "Done."}},
		{"nbsp tie", "See Fig.\u00a03 here. Done.", []string{"See Fig. 3 here.", "Done."}},

		// Numbers, versions, URLs.
		{"decimal", "Pi is 3.14 roughly. Done.", []string{"Pi is 3.14 roughly.", "Done."}},
		{"percent", "It rose by 0.5% overall. Done.", []string{"It rose by 0.5% overall.", "Done."}},
		{"leading dot decimal", "It rose by .5 points. Done.", []string{"It rose by .5 points.", "Done."}},
		{"number end", "We ran it in 2019. 12 runs failed.", []string{"We ran it in 2019.", "12 runs failed."}},
		{"version", "We used Python 3.10.2 here. Done.", []string{"We used Python 3.10.2 here.", "Done."}},
		{"version end", "We used version 2.0. It worked.", []string{"We used version 2.0.", "It worked."}},
		{"url", "Code is at https://github.com/a/b.git now. Done.",
			[]string{"Code is at https://github.com/a/b.git now.", "Done."}},
		{"url end", "Code is at www.example.org. Get it.", []string{"Code is at www.example.org.", "Get it."}},
		{"section number", "See Section 3.2. We begin.", []string{"See Section 3.2.", "We begin."}},
		{"enumerator", "1. We first train. 2. We then test.", []string{"1. We first train.", "2. We then test."}},

		// Ellipses.
		{"ellipsis end", "We tried and tried... The end came.", []string{"We tried and tried...", "The end came."}},
		{"ellipsis mid", "Values 1, 2, ... and n are used. Done.", []string{"Values 1, 2, ... and n are used.", "Done."}},
		{"ellipsis list name", "Words a, b, ... Z are kept. Done.", []string{"Words a, b, ... Z are kept.", "Done."}},
		{"unicode ellipsis", "It went on… Then it stopped.", []string{"It went on…", "Then it stopped."}},

		// Citations.
		{"author year citation", "This holds (Smith et al., 2019). We agree.",
			[]string{"This holds (Smith et al., 2019).", "We agree."}},
		{"numeric citation", "This holds [3, 4]. We agree.", []string{"This holds [3, 4].", "We agree."}},
		{"citation after stop", "This holds.[3] We agree.", []string{"This holds.[3]", "We agree."}},
		{"citation after stop spaced", "This holds. [3, 4] We agree.", []string{"This holds. [3, 4]", "We agree."}},
		{"citation opens sentence", "This holds. [3] showed it too.", []string{"This holds.", "[3] showed it too."}},
		{"paren starts sentence", "This holds. (See below.) We go on.",
			[]string{"This holds.", "(See below.)", "We go on."}},
		{"paren lowercase", "This holds. (e.g., for x) we go on.", []string{"This holds. (e.g., for x) we go on."}},

		// Quotes and brackets after the terminator.
		{"quote after stop", `He said "it works." Then he left.`, []string{`He said "it works."`, "Then he left."}},
		{"curly quote", "He said “it works.” Then he left.", []string{"He said “it works.”", "Then he left."}},
		{"paren after stop", "We did it (see Table 2.) The end.", []string{"We did it (see Table 2.)", "The end."}},
		{"question in quote", `He asked "why?" Nobody knew.`, []string{`He asked "why?"`, "Nobody knew."}},
		{"quote opens next", `It ended. "Why?" he asked.`, []string{"It ended.", `"Why?" he asked.`}},

		// Negative cases: no boundary.
		{"lowercase next", "It ends. and goes on.", []string{"It ends. and goes on."}},
		{"no space", "It ends.The next.", []string{"It ends.The next."}},
		{"factorial", "Take n! = 6 here. Done.", []string{"Take n! = 6 here.", "Done."}},
		{"comma after stop", "In 2019., things.", []string{"In 2019., things."}},
		{"greek", "The loss is α. β is the rate.", []string{"The loss is α. β is the rate."}},
		{"greek upper", "The set is Σ. Δ is small.", []string{"The set is Σ.", "Δ is small."}},
		{"accented upper", "It holds. Über alles.", []string{"It holds.", "Über alles."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSplitKeepsText checks that splitting loses no words.
func TestSplitKeepsText(t *testing.T) {
	in := benchText(500)
	got := strings.Fields(strings.Join(Split(in), " "))
	want := strings.Fields(in)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("words changed: got %d words, want %d", len(got), len(want))
	}
}

// benchText returns about n*20 words of scientific-looking prose.
func benchText(n int) string {
	const para = "Recent work (Smith et al., 2019) has shown that transformers, e.g. BERT, " +
		"improve accuracy by 3.5% on average. As Fig. 3 shows, the gain is largest for long inputs [4, 5]. " +
		"We follow J. Smith and minimise Eq. (2) with Adam, i.e. a first-order method. " +
		"Does this hold for small models? It does not! See Sec. 4.2 for details, etc. "
	var b strings.Builder
	for i := 0; b.Len() < n*20*6; i++ {
		b.WriteString(para)
		if i%3 == 2 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func BenchmarkSplit10kWords(b *testing.B) {
	text := benchText(500) // about 10,000 words
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Split(text)
	}
}
