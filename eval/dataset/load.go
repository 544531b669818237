package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/papersum/papersum"
)

// The dataset kinds, the KIND of a "KIND:PATH" spec.
const (
	KindScisummNet = "scisummnet" // KIND:DIR, one folder per paper
	KindCLSciSumm  = "clscisumm"  // KIND:DIR with Reference_XML/ and Task2_gold/
	KindSciTLDR    = "scitldr"    // KIND:FILE, SciTLDR-A JSON Lines
	KindJSONL      = "jsonl"      // KIND:FILE, the generic JSON Lines format
)

// Kinds lists the dataset kinds.
var Kinds = []string{KindScisummNet, KindCLSciSumm, KindSciTLDR, KindJSONL}

// The reference types.
const (
	RefAbstract  = "abstract"  // the paper's own abstract
	RefHuman     = "human"     // an annotator's summary
	RefCommunity = "community" // CL-SciSumm cited text spans
	RefTLDR      = "tldr"      // every SciTLDR target
	RefAuthor    = "author"    // SciTLDR target[0], the author's TLDR
	RefReference = "reference" // the generic jsonl kind's references
)

// The input names.
const (
	InputFull         = "full"          // the whole paper
	InputNoAbstract   = "no_abstract"   // the paper without its abstract
	InputAbstractOnly = "abstract_only" // only the abstract (SciTLDR-A)
)

// Options select part of a dataset. The zero value loads all of it.
type Options struct {
	// Limit keeps the first Limit papers, in dataset order, of those IDs
	// selects. Default 0 means all; negative is invalid. Papers that end
	// up in Dataset.Skipped count towards it, so that the same Limit
	// always reads the same files.
	Limit int
	// IDs keeps only these papers, in dataset order (not in the order
	// given). Default nil means every paper. An ID the dataset does not
	// hold, or one given twice, is an error.
	IDs []string
}

// validate checks the options before anything is read.
func (o Options) validate() error {
	if o.Limit < 0 {
		return papersum.Errorf(papersum.EINVALID, "dataset: limit is %d; it must be 0 (all papers) or positive", o.Limit)
	}
	seen := make(map[string]bool, len(o.IDs))
	for _, id := range o.IDs {
		if id == "" {
			return papersum.Errorf(papersum.EINVALID, "dataset: empty paper id in the id list")
		}
		if seen[id] {
			return papersum.Errorf(papersum.EINVALID, "dataset: paper id %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// Load reads the dataset named by spec ("KIND:PATH") and returns it whole,
// or an error and no dataset: nothing is returned half-loaded.
//
// Kinds:
//   - scisummnet:DIR reads DIR/<ID>/Reference_XML/<ID>.xml and
//     DIR/<ID>/summary/<ID>.{scisummnet_human,abstract}.txt (see
//     loadScisummNet).
//   - clscisumm:DIR reads DIR/Reference_XML/<ID>.xml and the Task 2 gold
//     summaries in DIR/Task2_gold (see loadCLSciSumm).
//   - scitldr:FILE reads SciTLDR-A JSON Lines (see loadSciTLDR).
//   - jsonl:FILE reads one {"id", "path" | "text", "references"} object a
//     line (see loadJSONL).
//
// Items come in a fixed order (corpus id order for the directory kinds,
// file order for the JSON Lines kinds), so two loads of the same data are
// equal, and Dataset.Hash is the same.
//
// Errors (*papersum.Error): EINVALID for a malformed spec or options, an
// unknown kind, and bad data — missing or empty references, mismatched or
// duplicate ids, malformed JSON, a paper that ingest refuses (except for
// ScisummNet, which records it in Dataset.Skipped); each message names the
// file, and the line for JSON Lines. ENOTFOUND when PATH or a file the
// layout requires does not exist, or an Options.IDs entry names no paper.
// ctx's error when ctx ends.
func Load(ctx context.Context, spec string, opts Options) (*Dataset, error) {
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || kind == "" {
		return nil, papersum.Errorf(papersum.EINVALID, "dataset %q: want KIND:PATH with KIND one of %s", spec, strings.Join(Kinds, ", "))
	}
	if path == "" {
		return nil, papersum.Errorf(papersum.EINVALID, "dataset %q: empty path", spec)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var (
		load  func(*loader, string) ([]Item, []Skip, error)
		isDir bool
	)
	switch kind {
	case KindScisummNet:
		load, isDir = loadScisummNet, true
	case KindCLSciSumm:
		load, isDir = loadCLSciSumm, true
	case KindSciTLDR:
		load = loadSciTLDR
	case KindJSONL:
		load = loadJSONL
	default:
		return nil, papersum.Errorf(papersum.EINVALID, "dataset %q: unknown kind %q; want one of %s", spec, kind, strings.Join(Kinds, ", "))
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &papersum.Error{Code: papersum.ENOTFOUND, Message: fmt.Sprintf("dataset %s: no such file or directory", path), Op: "dataset.Load"}
	case err != nil:
		return nil, readError(path, err)
	case isDir && !fi.IsDir():
		return nil, papersum.Errorf(papersum.EINVALID, "dataset %s: is not a directory; %s wants the corpus directory", path, kind)
	case !isDir && fi.IsDir():
		return nil, papersum.Errorf(papersum.EINVALID, "dataset %s: is a directory; %s wants a JSON Lines file", path, kind)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root := path
	if !isDir {
		root = filepath.Dir(path)
	}
	l := &loader{ctx: ctx, root: root, opts: opts, files: map[string]string{}}
	items, skipped, err := load(l, path)
	if err != nil {
		return nil, err
	}
	return &Dataset{Spec: spec, Kind: kind, Hash: l.hash(), Items: items, Skipped: skipped}, nil
}

// loader is the state of one Load: the options and the files read so far.
type loader struct {
	ctx  context.Context
	root string // hashed paths are relative to it
	opts Options

	mu       sync.Mutex
	files    map[string]string // path relative to root -> hex sha256
	selected []string          // the ids Options selected, in order
}

// read returns the content of the file at path and records its hash. A
// missing file is ENOTFOUND naming it. A UTF-8 byte-order mark is dropped
// because it is not text.
func (l *loader) read(path string) ([]byte, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(path)
	}
	if err != nil {
		return nil, readError(path, err)
	}
	rel, err := filepath.Rel(l.root, path)
	if err != nil {
		rel = path
	}
	sum := sha256.Sum256(data)
	l.mu.Lock()
	l.files[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
	l.mu.Unlock()
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), nil
}

// hash is the content hash of every file read and of the selected ids:
// one "relative-path\nsha256\n" record per file in path order, then
// the ids. The ids are part of it because the JSON Lines kinds read the
// whole file for any selection, and a subset must not share the hash of
// the whole set.
func (l *loader) hash() string {
	paths := make([]string, 0, len(l.files))
	for p := range l.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(p)
		b.WriteByte('\n')
		b.WriteString(l.files[p])
		b.WriteByte('\n')
	}
	b.WriteString("ids\n")
	for _, id := range l.selected {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	return papersum.ContentHash([]byte(b.String()))
}

// selectIDs applies Options to all, the dataset's ids in order, and
// returns the positions in all of the ids kept. where names the dataset
// in the error for an unknown id.
func (l *loader) selectIDs(all []string, where string) ([]int, error) {
	keep := make([]int, 0, len(all))
	if len(l.opts.IDs) == 0 {
		for i := range all {
			keep = append(keep, i)
		}
	} else {
		want := make(map[string]bool, len(l.opts.IDs))
		for _, id := range l.opts.IDs {
			want[id] = true
		}
		for i, id := range all {
			if want[id] {
				keep = append(keep, i)
				delete(want, id)
			}
		}
		// Report the first missing id in the order given, so the
		// message does not depend on map order.
		for _, id := range l.opts.IDs {
			if want[id] {
				return nil, &papersum.Error{Code: papersum.ENOTFOUND, Message: fmt.Sprintf("dataset %s: no paper with id %q", where, id), Op: "dataset.Load"}
			}
		}
	}
	if l.opts.Limit > 0 && len(keep) > l.opts.Limit {
		keep = keep[:l.opts.Limit]
	}
	l.selected = make([]string, len(keep))
	for i, k := range keep {
		l.selected[i] = all[k]
	}
	return keep, nil
}

// result is what one paper's job produces.
type result struct {
	item  *Item // nil when the whole paper is skipped
	skips []Skip
}

// each runs job for 0..n-1 on a bounded pool of workers and returns the
// results in index order, so the output does not depend on scheduling.
// On failure it stops handing out new work and returns the error of the
// lowest failing index among the jobs that ran, so that one bad paper
// gives the same error on every run.
func (l *loader) each(n int, job func(ctx context.Context, i int) (result, error)) ([]result, error) {
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	workers := min(runtime.GOMAXPROCS(0), n)
	results := make([]result, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = job(ctx, i)
				if errs[i] != nil {
					cancel()
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		// Jobs stopped by the cancel above report context.Canceled;
		// the error that caused the cancel comes before or after them.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// collect flattens results into items and skips.
func collect(results []result) ([]Item, []Skip) {
	items := make([]Item, 0, len(results))
	var skips []Skip
	for _, r := range results {
		if r.item != nil {
			items = append(items, *r.item)
		}
		skips = append(skips, r.skips...)
	}
	return items, skips
}

// readError reports a file that exists but cannot be read; the OS reason
// ("permission denied") is what the user needs, so it is in the message.
func readError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("dataset %s: cannot read: %v", path, err), Op: "dataset.Load"}
}

// notFound is the ENOTFOUND error for a file or directory the layout
// requires.
func notFound(path string) error {
	return &papersum.Error{Code: papersum.ENOTFOUND, Message: fmt.Sprintf("dataset %s: missing", path), Op: "dataset.Load"}
}

// dataError is the EINVALID error for bad data in file.
func dataError(file, format string, args ...any) error {
	return &papersum.Error{Code: papersum.EINVALID, Message: "dataset " + file + ": " + fmt.Sprintf(format, args...), Op: "dataset.Load"}
}

// lineError is the EINVALID error for bad data on line n of file.
func lineError(file string, n int, format string, args ...any) error {
	return dataError(fmt.Sprintf("%s line %d", file, n), format, args...)
}
