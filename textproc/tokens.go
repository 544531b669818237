package textproc

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AppendWords appends the word tokens of s to dst in their original case
// and returns the extended slice. A token is a maximal run of letters and
// digits; a '.' or ',' between two digits stays inside the token, so numbers
// such as "93.2" and "1,000" survive whole. Everything else (hyphens,
// apostrophes, brackets, '%') separates tokens. The tokens are substrings of
// s, so no token is copied.
func AppendWords(dst []string, s string) []string {
	i := 0
	for i < len(s) {
		// Skip separators.
		c := s[i]
		if c < utf8.RuneSelf {
			if !isASCIIAlnum(c) {
				i++
				continue
			}
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				i += n
				continue
			}
		}
		start := i
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if isASCIIAlnum(c) {
					i++
					continue
				}
				// Keep decimal points and thousands separators inside numbers.
				if (c == '.' || c == ',') && i > start && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1]) {
					i++
					continue
				}
				break
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			i += n
		}
		dst = append(dst, s[start:i])
	}
	return dst
}

// Words returns the word tokens of s in their original case (see AppendWords).
func Words(s string) []string { return AppendWords(nil, s) }

// AppendTokens appends the lowercase word tokens of s to dst (see
// AppendWords for what a token is). Tokens that are already lowercase ASCII
// are substrings of s and cost no allocation.
func AppendTokens(dst []string, s string) []string {
	n := len(dst)
	dst = AppendWords(dst, s)
	for i := n; i < len(dst); i++ {
		dst[i] = Lower(dst[i])
	}
	return dst
}

// Tokens returns the lowercase word tokens of s (see AppendTokens).
func Tokens(s string) []string { return AppendTokens(nil, s) }

// Lower returns w in lowercase, without allocating when w is already
// lowercase ASCII.
func Lower(w string) string {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(w)
		}
	}
	return w
}

// CountWords returns the number of whitespace-separated words in s, the
// measure summary lengths and targets are given in (it matches
// papersum.Paper.WordCount). It does not allocate.
func CountWords(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			in = false
		default:
			if !in {
				n++
				in = true
			}
		}
	}
	return n
}

// IsNumber reports whether tok is a number token: digits, optionally with
// '.' or ',' between digits.
func IsNumber(tok string) bool {
	if tok == "" || !isDigit(tok[0]) {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !isDigit(c) && c != '.' && c != ',' {
			return false
		}
	}
	return true
}

// HasDigit reports whether tok contains an ASCII digit.
func HasDigit(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if isDigit(tok[i]) {
			return true
		}
	}
	return false
}

// NormalizeNumber returns the canonical form of a number token, so that
// "1,000" matches "1000" and "93.20" matches "93.2": thousands separators
// are dropped and trailing zeros after a decimal point removed. Other
// tokens are returned unchanged.
func NormalizeNumber(tok string) string {
	if !IsNumber(tok) {
		return tok
	}
	if strings.IndexByte(tok, ',') >= 0 {
		tok = strings.ReplaceAll(tok, ",", "")
	}
	if strings.IndexByte(tok, '.') >= 0 {
		tok = strings.TrimRight(tok, "0")
		tok = strings.TrimSuffix(tok, ".")
	}
	return tok
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIIAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}
