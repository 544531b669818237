package devdata

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// ReadJSONL decodes every non-blank line of the JSONL file at path into a
// T, failing the test on an unreadable file or line. The reference-vector
// tests of several packages read their cases with it; lines may be large
// (up to 64 MiB: traces of long streams).
func ReadJSONL[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open reference vectors: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c T
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("%s: parse line: %v", path, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return out
}
