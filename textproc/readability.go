package textproc

// Syllables estimates the number of syllables of an English word with the
// vowel-group rule used by most Flesch–Kincaid implementations: count runs
// of vowels (y counts as a vowel), drop a silent final "e" (but not "le"),
// and count at least one. Numbers count one syllable per digit group, which
// keeps "93.2" from looking like an easy word.
func Syllables(word string) int {
	if word == "" {
		return 0
	}
	if HasDigit(word) {
		return 1
	}
	n := 0
	prevVowel := false
	for i := 0; i < len(word); i++ {
		v := isVowel(word[i])
		if v && !prevVowel {
			n++
		}
		prevVowel = v
	}
	l := len(word)
	if l > 2 && lowerByte(word[l-1]) == 'e' && !isVowel(word[l-2]) && lowerByte(word[l-2]) != 'l' && n > 1 {
		n--
	}
	if n == 0 {
		n = 1
	}
	return n
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isVowel(c byte) bool {
	switch lowerByte(c) {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// FleschKincaidGrade returns the Flesch–Kincaid grade level,
// 0.39·words/sentences + 11.8·syllables/words − 15.59. It returns 0 when
// words or sentences is zero.
func FleschKincaidGrade(words, sentences, syllables int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return 0.39*float64(words)/float64(sentences) + 11.8*float64(syllables)/float64(words) - 15.59
}

// SentenceGrade returns the Flesch–Kincaid grade of one sentence from its
// word tokens.
func SentenceGrade(words []string) float64 {
	syl := 0
	for _, w := range words {
		syl += Syllables(w)
	}
	return FleschKincaidGrade(len(words), 1, syl)
}
