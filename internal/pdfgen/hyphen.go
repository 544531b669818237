package pdfgen

import "strings"

// hyphenPoints returns the positions (byte offsets into w) where w may be
// broken with a hyphen at a line end, in increasing order.
//
// It is a small rule set, not a dictionary hyphenator (no Go library
// hyphenates English without shipping TeX's pattern files): only lower-case
// words of letters are broken, never within the first two or last three
// letters. Between two vowel groups the break goes before a single
// consonant (de-fine), before consonants that can start a syllable
// (re-write, de-scribe), and otherwise between the last two consonants
// (sum-mary, sen-tence). A final silent e is not split off (no "wri-tes").
// The points read naturally often enough; what matters for the fixtures is
// that the extractors must join the two halves again.
func hyphenPoints(w string) []int {
	if len(w) < 6 {
		return nil
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return nil
		}
	}
	vowel := func(i int) bool {
		return strings.IndexByte("aeiou", w[i]) >= 0 || (w[i] == 'y' && i > 0 && !strings.ContainsRune("aeiou", rune(w[i-1])))
	}
	var pts []int
	i := 0
	for i < len(w) && !vowel(i) {
		i++
	}
	for i < len(w) {
		for i < len(w) && vowel(i) {
			i++
		}
		start := i // first consonant after the vowel group
		for i < len(w) && !vowel(i) {
			i++
		}
		if i >= len(w) {
			break // no vowel follows: the word's last syllable
		}
		var p int
		switch k := i - start; {
		case k == 1:
			p = start
		case k >= 3 && onset(w[i-3:i]):
			p = i - 3
		case onset(w[i-2 : i]):
			p = i - 2
		default:
			p = i - 1
		}
		if w[p-1:p+1] == "qu" || p < 2 || p > len(w)-3 || silentTail(w[p:]) {
			continue
		}
		pts = append(pts, p)
	}
	return pts
}

// onset reports whether the consonants can begin an English syllable.
func onset(cc string) bool {
	return strings.Contains(" bl br ch cl cr dr fl fr gl gr ph pl pr sc sh sk sl sm sn sp st sw th tr tw wh wr chr scr shr spl spr str thr ", " "+cc+" ")
}

// silentTail reports whether tail is a consonant followed by a silent e
// (with an s or d after it): "tes", "ce", "ned". Such a tail is not a
// syllable of its own.
func silentTail(tail string) bool {
	switch {
	case len(tail) == 2 && tail[1] == 'e':
		return true
	case len(tail) == 3 && tail[1] == 'e' && (tail[2] == 's' || tail[2] == 'd'):
		return true
	}
	return false
}
