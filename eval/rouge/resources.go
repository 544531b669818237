package rouge

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"sync"
)

// The data files ROUGE-1.5.5 reads from its data/ directory, embedded so that
// scoring does no I/O and cannot pick up a different copy by accident.
// Provenance and the WordNet licence are in resources/README.md.
//
//go:embed resources/smart_common_words.txt resources/adj.exc resources/adv.exc resources/noun.exc resources/verb.exc resources/README.md
var resourceFS embed.FS

// exceptionFiles is the order in which the WordNet lists are loaded; a later
// entry for the same word replaces an earlier one, as in buildExeptionDB.pl.
// This order gives better -> well and best -> well (adv over adj), which is what
// the WordNet-2.0.exc.db shipped with ROUGE-1.5.5 returns.
var exceptionFiles = [...]string{"adj.exc", "adv.exc", "noun.exc", "verb.exc"}

// tables holds the immutable look-up tables built from the embedded files.
type tables struct {
	stopwords  map[string]struct{}
	exceptions map[string]string
}

// loadTables parses the embedded files once, on first use; the result is never
// modified afterwards, so it is safe to share between goroutines.
var loadTables = sync.OnceValue(func() *tables {
	t, err := parseTables()
	if err != nil {
		// The files are compiled into the binary, so this is a build defect.
		panic(fmt.Sprintf("rouge: embedded resources: %v", err))
	}
	return t
})

func parseTables() (*tables, error) {
	t := &tables{stopwords: make(map[string]struct{}, 600), exceptions: make(map[string]string, 6000)}

	data, err := resourceFS.ReadFile("resources/smart_common_words.txt")
	if err != nil {
		return nil, err
	}
	// ROUGE does chomp($line) and uses the whole line as the key, so lines are
	// taken verbatim (entries such as "e.g." can never match a token).
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		t.stopwords[sc.Text()] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}

	for _, name := range exceptionFiles {
		data, err := resourceFS.ReadFile("resources/" + name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			// buildExeptionDB.pl: @tmp=split(/\s+/,$line); $db{$tmp[0]}=$tmp[1]
			f := bytes.Fields(sc.Bytes())
			if len(f) < 2 {
				return nil, fmt.Errorf("%s: malformed line %q", name, sc.Text())
			}
			t.exceptions[string(f[0])] = string(f[1])
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Notices returns the provenance and licence notes of the embedded data files,
// including the WordNet 2.0 copyright notice and licence that must accompany
// every copy of the exception lists (for a CLI's "licenses" output).
func Notices() string {
	data, err := resourceFS.ReadFile("resources/README.md")
	if err != nil {
		panic(fmt.Sprintf("rouge: embedded resources: %v", err))
	}
	return string(data)
}
