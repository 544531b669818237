package rouge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoResources is returned (wrapped) by Validate, Evaluate and NewScorer
// for a configuration that stems (-m) or removes stopwords (-s) without
// Resources: those options need ROUGE-1.5.5's data files, which papersum
// does not ship.
var ErrNoResources = errors.New("-m and -s need ROUGE-1.5.5's data files (the SMART stopword list and the WordNet 2.0 exception lists); load them with LoadResources")

// Resources are the data files ROUGE-1.5.5 reads from its data directory:
// the SMART stopword list (smart_common_words.txt, used by -s) and the
// WordNet 2.0 morphological exception lists (adj.exc, adv.exc, noun.exc,
// verb.exc, consulted before the Porter stemmer by -m). They are not part
// of papersum: they come with ROUGE-1.5.5 (its data/ directory) and
// WordNet, under their own licences, and are read at run time.
//
// A Resources is immutable once loaded and safe to share between goroutines
// and configurations.
type Resources struct {
	dir        string
	stopwords  map[string]struct{}
	exceptions map[string]string
}

// StopwordFile is the name of the SMART stopword list in a data directory.
const StopwordFile = "smart_common_words.txt"

// exceptionDir is where ROUGE-1.5.5's own data/ directory keeps the WordNet
// lists; a flat directory holds them beside the stopword list instead.
const exceptionDir = "WordNet-2.0-Exceptions"

// ExceptionFiles are the WordNet exception lists, in the order in which
// they are loaded: a later entry for the same word replaces an earlier one,
// as in ROUGE's buildExeptionDB.pl. This order gives better -> well and
// best -> well (adv over adj), which is what the WordNet-2.0.exc.db shipped
// with ROUGE-1.5.5 returns.
var ExceptionFiles = [...]string{"adj.exc", "adv.exc", "noun.exc", "verb.exc"}

// LoadResources reads ROUGE's data files from dir, which may be laid out
// either way:
//
//   - ROUGE-1.5.5's data/ directory: smart_common_words.txt and
//     WordNet-2.0-Exceptions/{adj,adv,noun,verb}.exc (the release directory
//     that contains data/ is accepted too);
//   - a flat directory: smart_common_words.txt, adj.exc, adv.exc, noun.exc
//     and verb.exc side by side.
//
// All five files must be there. The lists are read as ROUGE reads them: a
// stopword is a whole line (chomped), and an exception line maps its first
// word to its second.
func LoadResources(dir string) (*Resources, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("rouge data: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("rouge data: %s is not a directory", dir)
	}
	if !exists(filepath.Join(dir, StopwordFile)) && exists(filepath.Join(dir, "data", StopwordFile)) {
		dir = filepath.Join(dir, "data") // the ROUGE-1.5.5 release directory
	}
	excDir := dir
	if exists(filepath.Join(dir, exceptionDir)) {
		excDir = filepath.Join(dir, exceptionDir)
	}
	r := &Resources{dir: dir, stopwords: make(map[string]struct{}, 600), exceptions: make(map[string]string, 6000)}
	data, err := readResource(filepath.Join(dir, StopwordFile))
	if err != nil {
		return nil, err
	}
	// ROUGE does chomp($line) and uses the whole line as the key, so lines are
	// taken verbatim (entries such as "e.g." can never match a token).
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		r.stopwords[sc.Text()] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rouge data: %s: %w", StopwordFile, err)
	}
	for _, name := range ExceptionFiles {
		path := filepath.Join(excDir, name)
		data, err := readResource(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			// buildExeptionDB.pl: @tmp=split(/\s+/,$line); $db{$tmp[0]}=$tmp[1]
			f := bytes.Fields(sc.Bytes())
			if len(f) < 2 {
				return nil, fmt.Errorf("rouge data: %s line %d: want an inflected form and its base form, got %q", path, n, sc.Text())
			}
			r.exceptions[string(f[0])] = string(f[1])
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("rouge data: %s: %w", path, err)
		}
	}
	return r, nil
}

// Dir returns the directory the files were read from.
func (r *Resources) Dir() string { return r.dir }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readResource(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rouge data: %s is missing; want ROUGE-1.5.5's data directory (%s and %s/*.exc) or a directory with %s, adj.exc, adv.exc, noun.exc and verb.exc",
			path, StopwordFile, exceptionDir, StopwordFile)
	}
	if err != nil {
		return nil, fmt.Errorf("rouge data: %w", err)
	}
	return data, nil
}

// isStopword reports whether tok is on the SMART list.
func (r *Resources) isStopword(tok string) bool {
	_, ok := r.stopwords[tok]
	return ok
}
