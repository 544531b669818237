package ingest

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decodeText returns data as a UTF-8 string. It strips a UTF-8 byte-order
// mark, transcodes UTF-16 that has a byte-order mark, transcodes invalid
// UTF-8 that is plausible Windows-1252 (a superset of the printable
// Latin-1 range), and refuses binary data and anything else.
func decodeText(name string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// UTF-16 with a BOM: the BOM says the byte order, and
		// ExpectBOM strips it.
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", inputError(name, "invalid UTF-16 text")
		}
		data = out
	}
	if utf8.Valid(data) {
		if looksBinary(data) {
			return "", inputError(name, "binary data, not text (supported: .pdf, .txt, .md, .tex, .xml)")
		}
		return string(data), nil
	}
	if plausibleLatin1(data) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err == nil {
			return string(out), nil
		}
	}
	if looksBinary(data) {
		return "", inputError(name, "binary data, not text (supported: .pdf, .txt, .md, .tex, .xml)")
	}
	return "", inputError(name, "text is not UTF-8, UTF-16 or Latin-1; convert it to UTF-8")
}

// looksBinary reports whether data holds NUL bytes or more than 1% other
// control characters (besides tab, newline, carriage return and form feed)
// in its first 64 KiB: text files have none, binary files have many.
func looksBinary(data []byte) bool {
	if len(data) > 64<<10 {
		data = data[:64<<10]
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	return controls(data)*100 > len(data)
}

// controls counts the C0 control bytes of data other than white space.
func controls(data []byte) int {
	n := 0
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			n++
		}
	}
	return n
}

// plausibleLatin1 reports whether invalid UTF-8 data reads as Windows-1252
// text: no NUL or stray control bytes, none of the five bytes Windows-1252
// leaves undefined, and mostly ASCII (real Western European text is; random
// bytes are not).
func plausibleLatin1(data []byte) bool {
	high := 0
	for _, c := range data {
		switch {
		case c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D:
			return false
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f':
			return false
		case c >= 0x80:
			high++
		}
	}
	return high*10 <= len(data)
}
