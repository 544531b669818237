package ingest

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// parseLaTeX converts LaTeX source into a doc. It is not a TeX engine: it
// keeps the prose and the structure a summariser needs and drops the rest.
//
//   - \title{..} is the title; \begin{abstract} (or \abstract{..}) is the
//     abstract; \section, \subsection, \subsubsection (starred or not) and
//     \paragraph are headings.
//   - Comments, the preamble, floats (figure, table), display math
//     (equation, align, \[..\], $$..$$), tikzpicture, algorithms, code and
//     the bibliography are dropped.
//   - Formatting commands (\emph, \textbf ...) keep their text; commands
//     that take non-text arguments (\label, \vspace, \footnote ...) are
//     dropped with them. Inline math keeps a readable form ($\alpha$ → α).
//   - Parenthetical citations (\cite, \citep) are dropped; textual ones
//     (\citet), which stand for a noun phrase, become "[CITE]", and
//     cross-references (\ref) become "[REF]", so sentences stay readable.
//   - \input and \include are dropped: ingestion reads one file only.
//   - "~", "--", "“..”" and escapes such as \% and \'e are resolved.
func parseLaTeX(src string) doc {
	src = stripComments(src)
	c := &texConv{}
	if j := commandIndex(src, `\title`); j >= 0 {
		j = skipOpt(src, skipSpace(src, j))
		if j < len(src) && src[j] == '{' {
			g, _ := readGroup(src, j)
			c.d.title = cleanTitle(c.text(g, 1))
		}
	}
	body := src
	if i := strings.Index(src, `\begin{document}`); i >= 0 {
		body = src[i+len(`\begin{document}`):]
	}
	if i := strings.Index(body, `\end{document}`); i >= 0 {
		body = body[:i]
	}
	c.render(body, 0)
	c.flush()
	return c.d
}

// commandIndex returns the index just after the first occurrence of the
// control word cmd (not a longer one: \title is not \titlerunning), or -1.
func commandIndex(s, cmd string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], cmd)
		if i < 0 {
			return -1
		}
		end := off + i + len(cmd)
		if end >= len(s) || !isLetterByte(s[end]) {
			return end
		}
		off = end
	}
}

// maxTeXDepth bounds the recursion into command arguments (titles inside
// headings inside ...). Text deeper than that is dropped; no real paper
// comes close.
const maxTeXDepth = 8

// texConv accumulates the doc of a LaTeX conversion.
type texConv struct {
	d        doc
	para     []byte
	appendix bool // after \appendix
}

// flush ends the current paragraph.
func (c *texConv) flush() {
	if t := strings.TrimSpace(string(c.para)); t != "" {
		c.d.blocks = append(c.d.blocks, block{text: t})
	}
	c.para = c.para[:0]
}

// heading ends the paragraph and adds a heading.
func (c *texConv) heading(level int, title string) {
	c.flush()
	title = cleanTitle(title)
	if c.appendix && title != "" && !isAppendix(title) {
		title = "Appendix: " + title
	}
	c.d.blocks = append(c.d.blocks, block{heading: true, level: level, text: title})
}

// text renders a command argument (a title) to plain text.
func (c *texConv) text(s string, depth int) string {
	sub := &texConv{}
	sub.renderInline(s, depth)
	return strings.TrimSpace(string(sub.para))
}

// renderInline renders s into c.para; structure commands inside it
// (headings, paragraph breaks) become plain text.
func (c *texConv) renderInline(s string, depth int) {
	c.walk(s, depth, true)
}

// render renders body text, emitting headings and paragraphs.
func (c *texConv) render(s string, depth int) {
	c.walk(s, depth, false)
}

// space appends one space unless the paragraph ends with one.
func (c *texConv) space() {
	if n := len(c.para); n > 0 && c.para[n-1] != ' ' {
		c.para = append(c.para, ' ')
	}
}

// trimSpace removes trailing spaces, so that a dropped citation does not
// leave "shown ." behind.
func (c *texConv) trimSpace() {
	for n := len(c.para); n > 0 && c.para[n-1] == ' '; n-- {
		c.para = c.para[:n-1]
	}
}

// walk is the converter's main loop. inline is true inside arguments.
func (c *texConv) walk(s string, depth int, inline bool) {
	if depth > maxTeXDepth {
		return
	}
	for i := 0; i < len(s); {
		ch := s[i]
		switch ch {
		case '\\':
			i = c.command(s, i, depth, inline)
			continue
		case '{', '}':
			i++
			continue
		case '$':
			i = c.math(s, i, depth)
			continue
		case '~':
			c.space()
			i++
			continue
		case '\n':
			// A blank line ends the paragraph.
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < len(s) && s[j] == '\n' && !inline {
				c.flush()
				for j < len(s) && (s[j] == '\n' || s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
					j++
				}
				i = j
				continue
			}
			c.space()
			i++
			continue
		case ' ', '\t', '\r':
			c.space()
			i++
			continue
		case '`':
			if strings.HasPrefix(s[i:], "``") {
				c.para = append(c.para, "“"...)
				i += 2
			} else {
				c.para = append(c.para, "‘"...)
				i++
			}
			continue
		case '\'':
			if strings.HasPrefix(s[i:], "''") {
				c.para = append(c.para, "”"...)
				i += 2
				continue
			}
		case '-':
			switch {
			case strings.HasPrefix(s[i:], "---"):
				c.para = append(c.para, "—"...)
				i += 3
				continue
			case strings.HasPrefix(s[i:], "--"):
				c.para = append(c.para, "–"...)
				i += 2
				continue
			}
		case '&':
			c.space()
			i++
			continue
		}
		c.para = append(c.para, ch)
		i++
	}
}

// command handles the control sequence at s[i] == '\\' and returns the
// index after everything it consumed.
func (c *texConv) command(s string, i, depth int, inline bool) int {
	j := i + 1
	if j >= len(s) {
		return j
	}
	if !isLetterByte(s[j]) {
		return c.symbol(s, j)
	}
	for j < len(s) && isLetterByte(s[j]) {
		j++
	}
	name := s[i+1 : j]
	if j < len(s) && s[j] == '*' {
		j++
	}
	// A command word swallows the spaces after it ("\LaTeX\ is", "\noindent We").
	after := skipCmdSpace(s, j)
	switch name {
	case "section", "subsection", "subsubsection", "chapter", "part", "paragraph", "subparagraph":
		k := skipOpt(s, after)
		if k >= len(s) || s[k] != '{' {
			return after
		}
		g, end := readGroup(s, k)
		title := c.text(g, depth+1)
		if inline {
			c.para = append(c.para, title...)
			c.space()
			return end
		}
		c.heading(sectionLevel(name), title)
		return end
	case "abstract":
		if !inline && after < len(s) && s[after] == '{' {
			g, end := readGroup(s, after)
			c.heading(1, "Abstract")
			c.render(g, depth+1)
			c.flush()
			return end
		}
		return j
	case "begin":
		return c.begin(s, after, inline)
	case "end":
		if after < len(s) && s[after] == '{' {
			env, end := readGroup(s, after)
			switch strings.TrimSuffix(env, "*") {
			case "abstract", "itemize", "enumerate", "description", "quote", "quotation", "center":
				if !inline {
					c.flush()
				}
			}
			return end
		}
		return j
	case "item":
		if !inline {
			c.flush()
		}
		if after < len(s) && s[after] == '[' {
			// A description label is part of the item's text.
			g, end := readOpt(s, after)
			c.para = append(c.para, c.text(g, depth+1)...)
			c.para = append(c.para, ':', ' ')
			return end
		}
		return after
	case "par":
		if !inline {
			c.flush()
		}
		return after
	case "appendix":
		c.appendix = true
		return after
	case "cite", "citep", "citealp", "parencite", "autocite", "citeyear", "citeyearpar",
		"footcite", "nocite", "Cite", "Citep", "supercite", "citenum":
		c.trimSpace()
		return skipArgs(s, after, 1)
	case "citet", "textcite", "citeauthor", "citealt", "Citet", "Citeauthor", "Textcite", "newcite":
		c.space()
		c.para = append(c.para, "[CITE]"...)
		return skipArgs(s, after, 1)
	case "ref", "eqref", "autoref", "cref", "Cref", "pageref", "nameref", "vref", "Vref", "subref":
		c.para = append(c.para, "[REF]"...)
		return skipArgs(s, after, 1)
	case "url", "nolinkurl", "path":
		if after < len(s) && s[after] == '{' {
			g, end := readGroup(s, after)
			c.para = append(c.para, g...)
			return end
		}
		return after
	case "verb":
		// \verb|text| with any delimiter.
		if j < len(s) {
			delim := s[j]
			if k := strings.IndexByte(s[j+1:], delim); k >= 0 {
				c.para = append(c.para, s[j+1:j+1+k]...)
				return j + 1 + k + 1
			}
		}
		return j
	case "href", "textcolor", "colorbox", "foreignlanguage", "texorpdfstring":
		// The first argument is not text; the second is kept (braces
		// are transparent, so it is simply not skipped).
		k := skipOpt(s, after)
		if k < len(s) && s[k] == '{' {
			_, end := readGroup(s, k)
			if name == "texorpdfstring" {
				// \texorpdfstring{tex}{pdf}: keep the first, drop the second.
				g, _ := readGroup(s, k)
				c.para = append(c.para, c.text(g, depth+1)...)
				return skipArgs(s, end, 1)
			}
			return end
		}
		return after
	case "def", "gdef", "edef", "xdef":
		// \def\name#1#2{body}: skip up to and including the body.
		k := strings.IndexByte(s[j:], '{')
		if k < 0 {
			return len(s)
		}
		_, end := readGroup(s, j+k)
		return end
	case "newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", "newenvironment",
		"renewenvironment", "DeclareMathOperator", "newtheorem", "newcolumntype":
		return skipDefinition(s, after)
	case "ss":
		c.para = append(c.para, "ß"...)
		return j
	case "o", "O", "ae", "AE", "oe", "OE", "aa", "AA", "l", "L", "i", "j":
		c.para = append(c.para, letterCommand(name)...)
		return j
	case "ldots", "dots", "textellipsis":
		c.para = append(c.para, "..."...)
		return j
	case "LaTeX", "TeX":
		c.para = append(c.para, name...)
		if after > j {
			c.space()
		}
		return after
	case "textasciitilde":
		c.para = append(c.para, '~')
		return j
	case "textbackslash":
		c.para = append(c.para, '\\')
		return j
	case "newline", "linebreak", "hfill", "quad", "qquad", "medskip", "bigskip", "smallskip":
		c.space()
		return after
	}
	if n, ok := droppedArgs(name); ok {
		return skipArgs(s, after, n)
	}
	// Any other command (\emph, \textbf, \noindent, \small, \maketitle,
	// unknown macros): drop the name; its braces are transparent, so a
	// text argument is kept. A command word ends at the first space,
	// which TeX does not print.
	if after > j && (after >= len(s) || s[after] != '{') {
		return after
	}
	return j
}

// symbol handles a control symbol: s[j] is the character after '\\'.
func (c *texConv) symbol(s string, j int) int {
	ch := s[j]
	switch ch {
	case '\\':
		c.space()
		// \\[2mm] carries an optional length.
		return skipOpt(s, j+1)
	case '%', '&', '$', '#', '_', '{', '}':
		c.para = append(c.para, ch)
		return j + 1
	case ',', ';', ':', ' ', '\n', '\t':
		c.space()
		return j + 1
	case '!', '-', '/', '@':
		return j + 1
	case '[':
		// Display math \[ ... \].
		if k := strings.Index(s[j:], `\]`); k >= 0 {
			return j + k + 2
		}
		return len(s)
	case '(':
		// Inline math \( ... \).
		if k := strings.Index(s[j:], `\)`); k >= 0 {
			c.para = append(c.para, mathText(s[j+1:j+k])...)
			return j + k + 2
		}
		return len(s)
	}
	if mark := accentMark(ch); mark != 0 {
		return c.accent(s, j+1, mark)
	}
	return j + 1
}

// accent writes the letter at s[k] (or in "{..}") with the combining mark
// composed onto it: \'e and \'{e} give é.
func (c *texConv) accent(s string, k int, mark rune) int {
	k = skipSpace(s, k)
	if k >= len(s) {
		return k
	}
	var base string
	var end int
	if s[k] == '{' {
		g, e := readGroup(s, k)
		base, end = strings.TrimSpace(g), e
	} else {
		_, n := utf8.DecodeRuneInString(s[k:])
		base, end = s[k:k+n], k+n
	}
	switch base {
	case `\i`:
		base = "i"
	case `\j`:
		base = "j"
	}
	if base == "" || strings.IndexByte(base, '\\') >= 0 {
		return end
	}
	c.para = append(c.para, norm.NFC.String(base+string(mark))...)
	return end
}

// accentMark returns the combining mark of a LaTeX accent command, or 0.
func accentMark(ch byte) rune {
	switch ch {
	case '\'':
		return '\u0301'
	case '`':
		return '\u0300'
	case '^':
		return '\u0302'
	case '"':
		return '\u0308'
	case '~':
		return '\u0303'
	case '=':
		return '\u0304'
	case '.':
		return '\u0307'
	}
	return 0
}

// begin handles \begin{env} at s[i] == '{'.
func (c *texConv) begin(s string, i int, inline bool) int {
	if i >= len(s) || s[i] != '{' {
		return i
	}
	env, end := readGroup(s, i)
	base := strings.TrimSuffix(env, "*")
	switch {
	case droppedEnv(base):
		return skipEnv(s, end, env)
	case base == "abstract":
		if !inline {
			c.heading(1, "Abstract")
		}
	case base == "itemize" || base == "enumerate" || base == "description" || base == "quote" || base == "quotation" || base == "center":
		if !inline {
			c.flush()
		}
	case base == "thebibliography":
		return skipEnv(s, end, env)
	}
	// Environment arguments such as {minipage}{0.5\linewidth} or
	// {theorem}[Name] are not text.
	switch base {
	case "minipage", "multicols", "adjustbox":
		return skipArgs(s, skipSpace(s, end), 1)
	}
	return end
}

// math renders inline math starting at s[i] == '$' and skips display
// math ($$..$$). It returns the index after the closing dollar.
func (c *texConv) math(s string, i, depth int) int {
	if strings.HasPrefix(s[i:], "$$") {
		if k := strings.Index(s[i+2:], "$$"); k >= 0 {
			return i + 2 + k + 2
		}
		return len(s)
	}
	for k := i + 1; k < len(s); k++ {
		switch s[k] {
		case '\\':
			k++
		case '$':
			c.para = append(c.para, mathText(s[i+1:k])...)
			return k + 1
		}
	}
	return len(s)
}

// mathText renders the inside of inline math readably: Greek letters and
// common symbols become Unicode, \frac{a}{b} becomes a/b, font commands
// keep their argument, and braces and other commands are dropped.
func mathText(m string) string {
	var b strings.Builder
	for i := 0; i < len(m); {
		ch := m[i]
		switch {
		case ch == '\\':
			j := i + 1
			for j < len(m) && isLetterByte(m[j]) {
				j++
			}
			if j == i+1 {
				// \{ \} \, \% ...
				if j < len(m) && strings.IndexByte("{}%$&#_", m[j]) >= 0 {
					b.WriteByte(m[j])
				} else if j < len(m) && (m[j] == ',' || m[j] == ';' || m[j] == ' ') {
					b.WriteByte(' ')
				}
				i = j + 1
				continue
			}
			name := m[i+1 : j]
			if name == "frac" || name == "dfrac" || name == "tfrac" {
				k := skipSpace(m, j)
				if k < len(m) && m[k] == '{' {
					num, e := readGroup(m, k)
					k = skipSpace(m, e)
					if k < len(m) && m[k] == '{' {
						den, e2 := readGroup(m, k)
						b.WriteString(mathText(num) + "/" + mathText(den))
						i = e2
						continue
					}
				}
			}
			if r := mathSymbol(name); r != "" {
				b.WriteString(r)
			}
			i = j
		case ch == '{' || ch == '}':
			i++
		case ch == '~':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(ch)
			i++
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// mathSymbol returns the Unicode form of a math command, or "".
func mathSymbol(name string) string {
	switch name {
	case "alpha":
		return "α"
	case "beta":
		return "β"
	case "gamma":
		return "γ"
	case "Gamma":
		return "Γ"
	case "delta":
		return "δ"
	case "Delta":
		return "Δ"
	case "epsilon", "varepsilon":
		return "ε"
	case "zeta":
		return "ζ"
	case "eta":
		return "η"
	case "theta", "vartheta":
		return "θ"
	case "Theta":
		return "Θ"
	case "iota":
		return "ι"
	case "kappa":
		return "κ"
	case "lambda":
		return "λ"
	case "Lambda":
		return "Λ"
	case "mu":
		return "μ"
	case "nu":
		return "ν"
	case "xi":
		return "ξ"
	case "Xi":
		return "Ξ"
	case "pi":
		return "π"
	case "Pi":
		return "Π"
	case "rho", "varrho":
		return "ρ"
	case "sigma", "varsigma":
		return "σ"
	case "Sigma":
		return "Σ"
	case "tau":
		return "τ"
	case "upsilon":
		return "υ"
	case "phi", "varphi":
		return "φ"
	case "Phi":
		return "Φ"
	case "chi":
		return "χ"
	case "psi":
		return "ψ"
	case "Psi":
		return "Ψ"
	case "omega":
		return "ω"
	case "Omega":
		return "Ω"
	case "times":
		return "×"
	case "cdot":
		return "·"
	case "pm":
		return "±"
	case "leq", "le":
		return "≤"
	case "geq", "ge":
		return "≥"
	case "neq", "ne":
		return "≠"
	case "approx":
		return "≈"
	case "sim":
		return "~"
	case "infty":
		return "∞"
	case "in":
		return "∈"
	case "sum":
		return "Σ"
	case "prod":
		return "Π"
	case "rightarrow", "to":
		return "→"
	case "leftarrow":
		return "←"
	case "ldots", "cdots", "dots":
		return "…"
	case "log", "exp", "max", "min", "arg", "sin", "cos", "lim", "det":
		return name
	case "mathbb", "mathcal", "mathbf", "mathrm", "mathit", "text", "textrm", "textbf", "textit",
		"mathsf", "mathtt", "boldsymbol", "bm", "operatorname", "mbox", "left", "right", "big",
		"Big", "hat", "tilde", "bar", "vec", "overline", "underline", "widehat", "widetilde":
		return ""
	}
	return ""
}

// letterCommand returns the letter that \o, \ae, \l ... stand for.
func letterCommand(name string) string {
	switch name {
	case "o":
		return "ø"
	case "O":
		return "Ø"
	case "ae":
		return "æ"
	case "AE":
		return "Æ"
	case "oe":
		return "œ"
	case "OE":
		return "Œ"
	case "aa":
		return "å"
	case "AA":
		return "Å"
	case "l":
		return "ł"
	case "L":
		return "Ł"
	case "i":
		return "ı"
	case "j":
		return "ȷ"
	}
	return ""
}

// sectionLevel returns the heading level of a sectioning command.
func sectionLevel(name string) int {
	switch name {
	case "part", "chapter", "section":
		return 1
	case "subsection":
		return 2
	case "subsubsection":
		return 3
	}
	return 4
}

// droppedArgs reports whether a command's arguments are not text, and how
// many brace arguments it takes. Optional [..] arguments are skipped too.
func droppedArgs(name string) (int, bool) {
	switch name {
	case "label", "vspace", "hspace", "includegraphics", "input", "include", "includeonly",
		"subfile", "bibliography", "bibliographystyle", "addbibresource", "usepackage",
		"RequirePackage", "documentclass", "pagestyle", "thispagestyle", "author", "affil",
		"affiliation", "address", "institute", "institution", "email", "date", "thanks",
		"footnote", "footnotetext", "keywords", "ccsdesc", "hypersetup", "color",
		"pagenumbering", "captionsetup", "graphicspath", "caption", "subcaption",
		"bibitem", "title", "shorttitle", "runningtitle", "titlerunning", "authorrunning",
		"orcid", "acmConference", "acmBooktitle", "acmDOI", "acmISBN", "acmYear", "setcopyright",
		"copyrightyear", "acmPrice", "newlength", "linespread", "fontsize", "numberwithin",
		"urlstyle", "setitemize", "setlist", "tableofcontents", "printbibliography",
		"cline", "multicolumn", "multirow", "phantom", "hphantom", "vphantom", "index",
		"glossary", "marginpar", "todo", "iclrfinalcopy", "aclfinalcopy", "nocopyright",
		"fbox", "scalebox", "resizebox", "rule", "raisebox":
		switch name {
		case "multicolumn", "multirow", "resizebox":
			return 3, true
		case "scalebox", "raisebox", "rule":
			return 2, true
		case "tableofcontents", "printbibliography", "iclrfinalcopy", "aclfinalcopy", "nocopyright":
			return 0, true
		}
		return 1, true
	case "setcounter", "setlength", "addtolength", "addtocounter", "newcounter":
		return 2, true
	case "definecolor":
		return 3, true
	}
	return 0, false
}

// droppedEnv reports whether an environment holds no prose: floats,
// display math, pictures, algorithms, code and bibliographies.
func droppedEnv(base string) bool {
	switch base {
	case "figure", "table", "wrapfigure", "wraptable", "subfigure", "subtable", "sidewaysfigure",
		"sidewaystable", "equation", "align", "alignat", "eqnarray", "gather", "multline",
		"flalign", "displaymath", "math", "split", "array", "matrix", "pmatrix", "bmatrix",
		"cases", "tikzpicture", "pgfpicture", "axis", "picture", "tabular", "tabularx",
		"tabulary", "longtable", "supertabular", "algorithm", "algorithm2e", "algorithmic",
		"lstlisting", "verbatim", "Verbatim", "minted", "comment", "filecontents",
		"thebibliography", "acks", "acknowledgments", "acknowledgements", "CCSXML",
		"titlepage", "IEEEkeywords", "keywords", "tcolorbox":
		return true
	}
	return false
}

// skipEnv returns the index after the \end{env} matching a \begin{env}
// whose name ends at i, counting nested environments of the same name.
func skipEnv(s string, i int, env string) int {
	open, close := `\begin{`+env+`}`, `\end{`+env+`}`
	depth := 1
	for i < len(s) {
		e := strings.Index(s[i:], close)
		if e < 0 {
			return len(s)
		}
		b := strings.Index(s[i:], open)
		if b >= 0 && b < e {
			depth++
			i += b + len(open)
			continue
		}
		depth--
		i += e + len(close)
		if depth == 0 {
			return i
		}
	}
	return len(s)
}

// skipDefinition skips the rest of \newcommand{\x}[n][d]{body},
// \newenvironment{x}[n]{begin}{end} and similar definitions.
func skipDefinition(s string, i int) int {
	i = skipSpace(s, i)
	switch {
	case i < len(s) && s[i] == '{':
		_, i = readGroup(s, i)
	case i < len(s) && s[i] == '\\':
		i++
		for i < len(s) && isLetterByte(s[i]) {
			i++
		}
	}
	for {
		i = skipSpace(s, i)
		switch {
		case i < len(s) && s[i] == '[':
			_, i = readOpt(s, i)
		case i < len(s) && s[i] == '{':
			_, i = readGroup(s, i)
		default:
			return i
		}
	}
}

// skipArgs skips optional [..] arguments and n brace arguments from i.
func skipArgs(s string, i, n int) int {
	i = skipOpt(s, skipSpace(s, i))
	for ; n > 0; n-- {
		i = skipOpt(s, skipSpace(s, i))
		if i >= len(s) || s[i] != '{' {
			return i
		}
		_, i = readGroup(s, i)
	}
	return i
}

// skipOpt skips any optional arguments [..] at i.
func skipOpt(s string, i int) int {
	for i < len(s) && s[i] == '[' {
		_, i = readOpt(s, i)
		i = skipSpace(s, i)
	}
	return i
}

// skipCmdSpace skips the white space TeX ignores after a control word:
// spaces, tabs and at most one newline, but not a blank line, which is a
// paragraph break.
func skipCmdSpace(s string, i int) int {
	first := -1 // index of the newline seen, if any
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\r':
		case '\n':
			if first >= 0 {
				return first
			}
			first = i
		default:
			return i
		}
		i++
	}
	return i
}

// skipSpace skips spaces, tabs and newlines.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// readGroup reads the balanced group at s[i] == '{' and returns its
// contents and the index after the closing brace. Escaped braces do not
// count. An unclosed group runs to the end of s.
func readGroup(s string, i int) (string, int) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[i+1 : j], j + 1
			}
		}
	}
	return s[min(i+1, len(s)):], len(s)
}

// readOpt reads the optional argument at s[i] == '[' up to the matching
// ']' outside braces.
func readOpt(s string, i int) (string, int) {
	depth := 0
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '{':
			depth++
		case '}':
			depth--
		case ']':
			if depth <= 0 {
				return s[i+1 : j], j + 1
			}
		case '\n':
			// An optional argument does not span a blank line; a stray
			// "[" is text.
			if j+1 < len(s) && s[j+1] == '\n' {
				return "", i + 1
			}
		}
	}
	return "", i + 1
}

// stripComments removes LaTeX comments: from an unescaped % to the end of
// the line, together with the newline and the next line's indentation,
// as TeX does.
func stripComments(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\\' && i+1 < len(s) {
			b.WriteByte(ch)
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		i--
	}
	return b.String()
}
