package pdftext

import (
	"strconv"
)

// The pure-Go path reads content streams and ToUnicode CMaps with its own
// small lexer instead of the library's Interpret: that one panics on
// legal input (an unknown escape such as "\[" inside a string, which the
// spec says to ignore) and has no way to skip inline images. This lexer
// never panics; malformed input ends the stream early.

type tokKind int

const (
	tokEOF tokKind = iota
	tokNum
	tokStr
	tokName
	tokOp
	tokArrOpen
	tokArrClose
	tokDictOpen
	tokDictClose
)

type token struct {
	kind tokKind
	num  float64
	s    string // string bytes, name without the slash, or operator
}

type lexer struct {
	b []byte
	i int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) next() token {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if isSpace(c) {
			l.i++
			continue
		}
		if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		break
	}
	if l.i >= len(l.b) {
		return token{kind: tokEOF}
	}
	c := l.b[l.i]
	switch {
	case c == '(':
		return token{kind: tokStr, s: l.literal()}
	case c == '<':
		if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
			l.i += 2
			return token{kind: tokDictOpen}
		}
		return token{kind: tokStr, s: l.hex()}
	case c == '>':
		l.i++
		if l.i < len(l.b) && l.b[l.i] == '>' {
			l.i++
		}
		return token{kind: tokDictClose}
	case c == '[':
		l.i++
		return token{kind: tokArrOpen}
	case c == ']':
		l.i++
		return token{kind: tokArrClose}
	case c == '{' || c == '}' || c == ')':
		l.i++
		return l.next()
	case c == '/':
		l.i++
		start := l.i
		for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
			l.i++
		}
		return token{kind: tokName, s: string(l.b[start:l.i])}
	}
	start := l.i
	for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
		l.i++
	}
	w := string(l.b[start:l.i])
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		if f, err := strconv.ParseFloat(w, 64); err == nil {
			return token{kind: tokNum, num: f}
		}
		// "--5" and similar junk from broken writers: read as 0.
		return token{kind: tokNum}
	}
	return token{kind: tokOp, s: w}
}

// literal reads a (string) with escapes and balanced parentheses.
func (l *lexer) literal() string {
	l.i++ // (
	depth := 1
	out := make([]byte, 0, 16)
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return string(out)
			}
			out = append(out, c)
		case '\\':
			if l.i >= len(l.b) {
				return string(out)
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
						v = v*8 + int(l.b[l.i]-'0')
						l.i++
					}
					out = append(out, byte(v))
				} else {
					// \( \) \\ and, per the spec, any other character:
					// the backslash is ignored.
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// hex reads a <hex string>.
func (l *lexer) hex() string {
	l.i++ // <
	out := make([]byte, 0, 8)
	hi, have := byte(0), false
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		if c == '>' {
			break
		}
		v, ok := hexVal(c)
		if !ok {
			continue
		}
		if have {
			out = append(out, hi<<4|v)
			have = false
		} else {
			hi, have = v, true
		}
	}
	if have {
		out = append(out, hi<<4)
	}
	return string(out)
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// skipInlineImage moves past the data of an inline image (after BI ... ID)
// to just after its EI, which must stand alone between white space.
func (l *lexer) skipInlineImage() {
	for l.i < len(l.b) && l.b[l.i] != 'I' {
		l.i++ // to "ID"
		if l.i+1 < len(l.b) && l.b[l.i] == 'I' && l.b[l.i+1] == 'D' {
			break
		}
	}
	l.i += 3
	for l.i+2 < len(l.b) {
		if l.b[l.i] == 'E' && l.b[l.i+1] == 'I' && isSpace(l.b[l.i-1]) && (l.i+2 == len(l.b) || isSpace(l.b[l.i+2])) {
			l.i += 2
			return
		}
		l.i++
	}
	l.i = len(l.b)
}

// operand is one value on the content-stream operand stack.
type operand struct {
	kind tokKind // tokNum, tokStr, tokName or tokArrOpen for an array
	num  float64
	s    string
	arr  []operand
}

// scan calls do for each operator with its operands.
func scan(b []byte, do func(op string, args []operand)) {
	l := &lexer{b: b}
	var stack []operand
	var arrays [][]operand // open arrays, innermost last
	dictDepth := 0
	push := func(o operand) {
		if n := len(arrays); n > 0 {
			arrays[n-1] = append(arrays[n-1], o)
			return
		}
		stack = append(stack, o)
	}
	for {
		t := l.next()
		switch t.kind {
		case tokEOF:
			return
		case tokNum, tokStr, tokName:
			if dictDepth == 0 {
				push(operand{kind: t.kind, num: t.num, s: t.s})
			}
		case tokArrOpen:
			arrays = append(arrays, nil)
		case tokArrClose:
			if n := len(arrays); n > 0 {
				a := arrays[n-1]
				arrays = arrays[:n-1]
				push(operand{kind: tokArrOpen, arr: a})
			}
		case tokDictOpen:
			dictDepth++ // marked-content property lists: not needed
		case tokDictClose:
			if dictDepth > 0 {
				dictDepth--
			}
		case tokOp:
			if dictDepth > 0 {
				continue
			}
			if t.s == "BI" {
				l.skipInlineImage()
				stack, arrays = stack[:0], nil
				continue
			}
			do(t.s, stack)
			stack, arrays = stack[:0], nil
		}
	}
}
