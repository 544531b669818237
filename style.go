package papersum

// Style is the kind of summary a run asks for.
type Style string

// The summary styles.
const (
	// StyleAbstract is the paper's own best summary: an abstract-like
	// paragraph that may quote the paper's abstract.
	StyleAbstract Style = "abstract"
	// StyleHighlights states the paper's contributions, method, main
	// results with their numbers and limitations, from the body of the
	// paper, never copying its abstract: what a reader who has the
	// abstract does not know yet.
	StyleHighlights Style = "highlights"
	// StyleTLDR is one sentence.
	StyleTLDR Style = "tldr"
)

// DefaultStyle is the style of a run that asks for none (see README.md,
// "Summary styles", for why).
const DefaultStyle = StyleAbstract

// Styles are the summary styles, in the order the documentation lists
// them.
var Styles = []Style{StyleAbstract, StyleHighlights, StyleTLDR}

// Valid reports whether s is one of Styles.
func (s Style) Valid() bool {
	for _, v := range Styles {
		if s == v {
			return true
		}
	}
	return false
}

// OrDefault returns s, or DefaultStyle when s is "".
func (s Style) OrDefault() Style {
	if s == "" {
		return DefaultStyle
	}
	return s
}
