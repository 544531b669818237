package rouge

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// perlStemRegexps caches perlStem's compiled patterns (tests call it serially).
var perlStemRegexps = map[string]*regexp.Regexp{}

// perlStem is a literal transcription of ROUGE-1.5.5.pl's sub stem, regular
// expression by regular expression ($` is the text before the match), with the
// one back-reference ([^aeiouylsz])\1 checked by hand. porterStem is written
// for speed; this one for obviousness. They must agree on every word.
func perlStem(w string) string {
	const (
		c  = `[^aeiou]`
		v  = `[aeiouy]`
		C  = c + `[^aeiouy]*`
		V  = v + `[aeiou]*`
		m0 = `^(` + C + `)?` + V + C
		e1 = `^(` + C + `)?` + V + C + `(` + V + `)?$`
		m1 = `^(` + C + `)?` + V + C + V + C
		vv = `^(` + C + `)?` + v
	)
	re := func(p string) *regexp.Regexp {
		r, ok := perlStemRegexps[p]
		if !ok {
			r = regexp.MustCompile(p)
			perlStemRegexps[p] = r
		}
		return r
	}
	// match returns prematch and submatches of the leftmost match, like Perl.
	match := func(p, s string) (pre string, groups []string, ok bool) {
		loc := re(p).FindStringSubmatchIndex(s)
		if loc == nil {
			return "", nil, false
		}
		for i := 2; i < len(loc); i += 2 {
			if loc[i] < 0 {
				groups = append(groups, "")
			} else {
				groups = append(groups, s[loc[i]:loc[i+1]])
			}
		}
		return s[:loc[0]], groups, true
	}
	is := func(p, s string) bool { return re(p).MatchString(s) }
	step2 := map[string]string{
		"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
		"alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
		"ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al",
		"iviti": "ive", "biliti": "ble", "logi": "log",
	}
	step3 := map[string]string{"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}

	if len(w) < 3 {
		return w
	}
	first := w[:1]
	if first == "y" {
		w = "Y" + w[1:]
	}
	if pre, g, ok := match(`(ss|i)es$`, w); ok {
		w = pre + g[0]
	} else if pre, g, ok := match(`([^s])s$`, w); ok {
		w = pre + g[0]
	}
	if pre, _, ok := match(`eed$`, w); ok {
		if is(m0, pre) {
			w = w[:len(w)-1]
		}
	} else if pre, _, ok := match(`(ed|ing)$`, w); ok {
		if is(vv, pre) {
			w = pre
			if is(`(at|bl|iz)$`, w) {
				w += "e"
			} else if n := len(w); n >= 2 && w[n-1] == w[n-2] && !strings.ContainsAny(w[n-1:], "aeiouylsz") {
				w = w[:n-1]
			} else if is(`^`+C+v+`[^aeiouwxy]$`, w) {
				w += "e"
			}
		}
	}
	if pre, _, ok := match(`y$`, w); ok && is(vv, pre) {
		w = pre + "i"
	}
	if pre, g, ok := match(`(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$`, w); ok && is(m0, pre) {
		w = pre + step2[g[0]]
	}
	if pre, g, ok := match(`(icate|ative|alize|iciti|ical|ful|ness)$`, w); ok && is(m0, pre) {
		w = pre + step3[g[0]]
	}
	if pre, _, ok := match(`(al|ance|ence|er|ic|able|ible|ant|ement|ou|ism|ate|iti|ous|ive|ize)$`, w); ok && is(m1, pre) {
		w = pre
	}
	if pre, _, ok := match(`ment$`, w); ok && is(m1, pre) {
		w = pre
	}
	if pre, _, ok := match(`ent$`, w); ok {
		if is(m1, pre) {
			w = pre
		}
	} else if pre, g, ok := match(`(s|t)(ion)$`, w); ok {
		if stem := pre + g[0]; is(m1, stem) {
			w = stem
		}
	}
	if pre, _, ok := match(`e$`, w); ok {
		if is(m1, pre) || (is(e1, pre) && !is(`^`+C+v+`[^aeiouwxy]$`, pre)) {
			w = pre
		}
	}
	if is(`ll$`, w) && is(m1, w) {
		w = w[:len(w)-1]
	}
	if first == "y" {
		w = strings.ToLower(w[:1]) + w[1:]
	}
	return w
}

// stemWords collects test words: hand-picked cases for each rule, and, when
// the development data is beside the clone, every token of the reference
// vectors and every word of the WordNet lists.
func stemWords(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var words []string
	add := func(w string) {
		if len(w) > 3 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	z := tokenizer{}
	var vectors []vectorCase
	if _, ok := devdata.FindRefVec("rouge.jsonl"); ok {
		vectors = loadVectors(t)
	} else {
		t.Log("reference vectors not found: their tokens are left out of the word list")
	}
	for _, c := range vectors {
		for _, s := range c.Candidate {
			for _, w := range z.appendTokens(nil, lowerASCII(s)) {
				add(w)
			}
		}
		for _, r := range c.References {
			for _, s := range r {
				for _, w := range z.appendTokens(nil, lowerASCII(s)) {
					add(w)
				}
			}
		}
	}
	if dir, ok := devdata.FindRougeDir(); ok {
		r, err := LoadResources(dir)
		if err != nil {
			t.Fatal(err)
		}
		var exc []string
		for k, v := range r.exceptions {
			exc = append(exc, k, v)
		}
		sort.Strings(exc)
		for _, f := range exc {
			if strings.Trim(f, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
				add(f)
			}
		}
	} else {
		t.Log("ROUGE's data files not found: the WordNet words are left out of the word list")
	}
	for _, w := range strings.Fields(`caresses ponies ties caress cats feed agreed plastered bled motoring sing
		conflated troubled sized hopping tanned falling hissing fizzed failing filing happy sky relational
		conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli
		vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti
		sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival
		allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
		adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease
		controll roll yelling yield yyyy yes youth young yearly layer player mayor 2010s 1990s abc1ed ytterbium
		agreement arguments generalization studying studies running runs analysis mouse tested`) {
		add(w)
	}
	return words
}

func TestPorterStemMatchesPerlTranscription(t *testing.T) {
	words := stemWords(t)
	for _, w := range words {
		if got, want := porterStem(w), perlStem(w); got != want {
			t.Errorf("porterStem(%q) = %q, Perl transcription gives %q", w, got, want)
		}
	}
	t.Logf("%d words compared", len(words))
}

// TestStemDocumentedExamples checks the -m examples listed in the reference
// vectors' README.md, with ROUGE's own exception lists.
func TestStemDocumentedExamples(t *testing.T) {
	cfg := Config{Stem: true, Resources: realResources(t)}
	for in, want := range map[string]string{
		"ran": "ran", "was": "was", "are": "are", "is": "is", "dog": "dog",
		"runs": "run", "running": "run",
		"study": "studi", "studies": "studi", "studying": "studi", "studied": "study",
		"analysis": "analysi", "analyses": "analysis", "mice": "mouse", "mouse": "mous",
		"data": "datum", "went": "go", "better": "well", "best": "well", "rose": "rise",
		"indices": "index", "axes": "ax", "lies": "li", "does": "doe",
		"agreement": "agreem", "arguments": "argum", "generalization": "gener",
		"slept": "sleep",
	} {
		got := mustTokenize(t, in, cfg)
		if len(got) != 1 || got[0] != want {
			t.Errorf("Tokenize(%q, -m) = %q, want [%q]", in, got, want)
		}
	}
}

func TestHasVowelMatchesRegexp(t *testing.T) {
	vv := regexp.MustCompile(`^([^aeiou][^aeiouy]*)?[aeiouy]`)
	for _, w := range append(stemWords(t), "", "Y", "Ya", "Yb", "bcd", "by", "1y", "123", "ybc") {
		for i := 0; i <= len(w); i++ {
			s := w[:i]
			if hasVowel(s) != vv.MatchString(s) {
				t.Fatalf("hasVowel(%q) = %v, regexp says %v", s, hasVowel(s), !hasVowel(s))
			}
		}
	}
}

// TestMeasurePatternsMatchRegexps checks matches against the script's own
// expressions (no back-references, so RE2 answers as Perl does) on every
// string of up to 7 characters over one representative of each character
// class the patterns distinguish: a vowel, y, an upper-case Y (an initial y
// is upper-cased), a plain consonant, w (excluded by [^aeiouwxy]) and a digit.
func TestMeasurePatternsMatchRegexps(t *testing.T) {
	const (
		C = `[^aeiou][^aeiouy]*`
		V = `[aeiouy][aeiou]*`
		v = `[aeiouy]`
	)
	pats := []struct {
		name string
		re   *regexp.Regexp
		ps   []piece
	}{
		{"mgr0", regexp.MustCompile(`^(` + C + `)?` + V + C), patMgr0},
		{"meq1", regexp.MustCompile(`^(` + C + `)?` + V + C + `(` + V + `)?$`), patMeq1},
		{"mgr1", regexp.MustCompile(`^(` + C + `)?` + V + C + V + C), patMgr1},
		{"cvc", regexp.MustCompile(`^` + C + v + `[^aeiouwxy]$`), patCVC},
	}
	const alphabet = "ayYbw1"
	var walk func(s string)
	n := 0
	walk = func(s string) {
		n++
		for _, p := range pats {
			if got, want := matches(s, p.ps), p.re.MatchString(s); got != want {
				t.Fatalf("%s(%q) = %v, regexp says %v", p.name, s, got, want)
			}
		}
		if len(s) < 7 {
			for i := range len(alphabet) {
				walk(s + alphabet[i:i+1])
			}
		}
	}
	walk("")
	t.Logf("%d strings checked", n)
}
