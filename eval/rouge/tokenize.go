package rouge

import "strings"

// This file reproduces how ROUGE-1.5.5.pl turns an SPL file into tokens
// (readText, readText_LCS, tokenizeText_LCS and createNGram). ROUGE runs
// without Unicode semantics (no `use utf8`, no PERL_UNICODE), so it works on
// bytes: every byte of a multi-byte UTF-8 character is a separator.

// text is one summary as ROUGE sees it: the whole text as one token stream
// (readText: ROUGE-N, skip-bigrams and the unigram counts that clip ROUGE-L)
// and the same text split into sentences (readText_LCS: ROUGE-L). Without a
// byte limit the joined stream is exactly the sentences concatenated.
type text struct {
	joined    []string
	sentences [][]string
}

// splitLines returns the lines ROUGE would read if the sentences were written
// one per line to an SPL file: a '\n' inside a sentence starts a new line,
// empty lines are skipped (SPL reader: length($line)>0 after chomp), and
// A-Z are lower-cased (tr/A-Z/a-z/); nothing else is changed yet.
func splitLines(sentences []string) []string {
	lines := make([]string, 0, len(sentences))
	for _, s := range sentences {
		for _, line := range strings.Split(s, "\n") {
			if line != "" {
				lines = append(lines, lowerASCII(line))
			}
		}
	}
	return lines
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isPerlSpace reports whether c matches Perl's \s on a byte string.
func isPerlSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// perlSplitWS is Perl's split(/\s+/, $s): a leading separator yields an empty
// first field, trailing empty fields are dropped. ROUGE counts words for -l
// this way, on the raw (lower-cased) line, before punctuation is removed.
func perlSplitWS(s string) []string {
	var out []string
	i := 0
	for i <= len(s) {
		j := i
		for j < len(s) && !isPerlSpace(s[j]) {
			j++
		}
		out = append(out, s[i:j])
		if j == len(s) {
			break
		}
		for j < len(s) && isPerlSpace(s[j]) {
			j++
		}
		i = j
		if i == len(s) {
			break
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// limitJoined is readText: the lines joined by spaces and cut to the word (-l)
// or byte (-b) limit. ok is false when ROUGE's text would be undefined (empty).
func limitJoined(lines []string, wordLimit, byteLimit int) []string {
	switch {
	case wordLimit == 0 && byteLimit == 0:
		return lines
	case wordLimit != 0:
		var out []string
		n := 0
		for _, s := range lines {
			words := perlSplitWS(s)
			if n+len(words) < wordLimit {
				out = append(out, s)
				n += len(words)
				continue
			}
			out = append(out, strings.Join(words[:wordLimit-n], " "))
			break
		}
		return out
	default:
		var out []string
		n := 0
		for _, s := range lines {
			if n+len(s) < byteLimit {
				out = append(out, s)
				n += len(s) // the joining space is not counted, as in ROUGE
				continue
			}
			out = append(out, s[:byteLimit-n])
			break
		}
		return out
	}
}

// limitSentences is readText_LCS. With -l it cuts like limitJoined. With -b it
// reproduces ROUGE's bug: the running byte count is never increased, so every
// sentence shorter than the limit is kept whole until the first one that is not,
// which is cut to the limit.
func limitSentences(lines []string, wordLimit, byteLimit int) []string {
	switch {
	case wordLimit == 0 && byteLimit == 0:
		return lines
	case wordLimit != 0:
		return limitJoined(lines, wordLimit, 0)
	default:
		var out []string
		for _, s := range lines {
			if len(s) < byteLimit {
				out = append(out, s)
				continue
			}
			out = append(out, s[:byteLimit])
			break
		}
		return out
	}
}

// tokenizer applies ROUGE's per-token rules for one configuration.
type tokenizer struct {
	r         *Resources // non-nil when stem or stopwords is set (Config.Validate)
	stem      bool
	stopwords bool
}

// newTokenizer is the tokenizer of a validated cfg.
func newTokenizer(cfg Config) tokenizer {
	return tokenizer{r: cfg.Resources, stem: cfg.Stem, stopwords: cfg.RemoveStopwords}
}

// appendTokens appends the tokens of one ROUGE line (or joined text) to dst.
// ROUGE does s/-/ - /g, then s/[^A-Za-z0-9-]/ /g, splits on whitespace and
// keeps tokens starting with [a-z0-9$]. The net effect is that a token is a
// maximal run of ASCII letters and digits (a '-' always ends up as a token of
// its own, which the first-character test drops; upper case is already gone).
// Then: stopwords are removed (-s, exact match on the unstemmed token), and
// tokens longer than 3 bytes are stemmed (-m).
func (z tokenizer) appendTokens(dst []string, s string) []string {
	i := 0
	for i < len(s) {
		for i < len(s) && !isAlnum(s[i]) {
			i++
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		if j > i {
			dst = z.appendToken(dst, lowerASCII(s[i:j]))
		}
		i = j
	}
	return dst
}

func (z tokenizer) appendToken(dst []string, tok string) []string {
	if z.stopwords {
		if z.r.isStopword(tok) {
			return dst
		}
	}
	if z.stem && len(tok) > 3 {
		tok = z.r.morphStem(tok)
	}
	return append(dst, tok)
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z')
}

// read turns sentences into ROUGE's two views of the text.
func (z tokenizer) read(sentences []string, wordLimit, byteLimit int) text {
	lines := splitLines(sentences)
	var tx text
	for _, s := range limitSentences(lines, wordLimit, byteLimit) {
		tx.sentences = append(tx.sentences, z.appendTokens(nil, s))
	}
	if byteLimit == 0 {
		// readText and readText_LCS cut identically; the joined text is the
		// concatenation of the sentences.
		for _, s := range tx.sentences {
			tx.joined = append(tx.joined, s...)
		}
		return tx
	}
	for _, s := range limitJoined(lines, wordLimit, byteLimit) {
		tx.joined = z.appendTokens(tx.joined, s)
	}
	return tx
}

// Tokenize returns the tokens ROUGE-1.5.5 scores for one sentence under cfg:
// lower-cased, split at every byte that is not an ASCII letter or digit, with
// stopwords removed (cfg.RemoveStopwords) and tokens longer than 3 bytes stemmed
// (cfg.Stem). It is what ROUGE prints for the sentence with -v. It returns an
// error only for an invalid cfg, such as -m or -s without Resources.
func Tokenize(sentence string, cfg Config) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newTokenizer(cfg).appendTokens(nil, lowerASCII(sentence)), nil
}
