package papersum

// ExcerptRunes is how many characters of user input Excerpt keeps.
const ExcerptRunes = 64

// Excerpt returns s as it may appear in a message to a user: unchanged
// when it has at most ExcerptRunes characters, else its first
// ExcerptRunes characters and "…". Error messages echo what the user sent
// (an ID, a field name, a URL) so that they can see what was wrong;
// echoing all of it would let a 100 KB ID make a 100 KB answer. An
// invalid UTF-8 byte counts as one character.
func Excerpt(s string) string {
	if len(s) <= ExcerptRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == ExcerptRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
