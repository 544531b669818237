package dataset

import (
	"fmt"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
)

// scitldrRecord is the part of a SciTLDR-A line the loader uses; the
// other fields (source_labels, rouge_scores) are ignored.
type scitldrRecord struct {
	PaperID string   `json:"paper_id"`
	Title   string   `json:"title"`
	Source  []string `json:"source"`
	Target  []string `json:"target"`
}

// loadSciTLDR loads SciTLDR-A JSON Lines (the abstract-only setting), one
// paper a line. The paper is its abstract: "source", the abstract's
// sentences, becomes a papersum.Paper with one section of kind
// KindAbstract, summarized as Input "abstract_only". The item id is
// "paper_id".
//
// Each "target" is one reference of type "tldr" holding one sentence:
// the SciTLDR scorer splits text into ROUGE sentences only at " . ",
// which almost no TLDR contains, and that split belongs to the scorer
// (it applies to the candidate too), so the loader keeps each target
// whole; white space runs, newlines included, become one space, which no
// ROUGE score sees. "author" holds target[0] alone, the author-written
// TLDR, so the paper's author-only protocol is a reference type of its
// own; the multi-target max and mean are computed over "tldr".
//
// A missing or duplicate paper_id, an empty source or target list, an
// empty sentence or target, and malformed JSON are errors naming the line.
func loadSciTLDR(l *loader, file string) ([]Item, []Skip, error) {
	lines, err := readJSONLines(l, file)
	if err != nil {
		return nil, nil, err
	}
	all := make([]Item, 0, len(lines))
	ids := make([]string, 0, len(lines))
	firstLine := map[string]int{}
	for _, line := range lines {
		if err := l.ctx.Err(); err != nil {
			return nil, nil, err
		}
		var rec scitldrRecord
		if err := decodeLine(file, line, &rec, false); err != nil {
			return nil, nil, err
		}
		item, err := scitldrItem(file, line.n, rec)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := firstLine[item.ID]; dup {
			return nil, nil, lineError(file, line.n, "duplicate paper_id %q (first on line %d)", item.ID, first)
		}
		firstLine[item.ID] = line.n
		all = append(all, item)
		ids = append(ids, item.ID)
	}
	keep, err := l.selectIDs(ids, file)
	if err != nil {
		return nil, nil, err
	}
	items := make([]Item, len(keep))
	for i, k := range keep {
		items[i] = all[k]
	}
	return items, nil, nil
}

// scitldrItem builds the item of one SciTLDR-A record on line n.
func scitldrItem(file string, n int, rec scitldrRecord) (Item, error) {
	id := collapse(rec.PaperID)
	if id == "" {
		return Item{}, lineError(file, n, `missing or empty "paper_id"`)
	}
	if len(rec.Source) == 0 {
		return Item{}, lineError(file, n, `paper %s: empty "source"`, id)
	}
	source := make([]string, len(rec.Source))
	for i, s := range rec.Source {
		if source[i] = collapse(s); source[i] == "" {
			return Item{}, lineError(file, n, "paper %s: source sentence %d is empty", id, i+1)
		}
	}
	if len(rec.Target) == 0 {
		return Item{}, lineError(file, n, `paper %s: empty "target"`, id)
	}
	tldr := make([][]string, len(rec.Target))
	for i, t := range rec.Target {
		if t = collapse(t); t == "" {
			return Item{}, lineError(file, n, "paper %s: target %d is empty", id, i+1)
		}
		tldr[i] = []string{t}
	}
	p := &papersum.Paper{
		Title:    collapse(rec.Title),
		Source:   fmt.Sprintf("%s:%d", file, n),
		Format:   ingest.FormatText,
		Sections: []papersum.Section{{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: source}},
	}
	// The same ID rule as ingest: the hash of the text a model is sent.
	p.ID = papersum.ContentHash([]byte(p.Text()))
	return Item{
		ID:     id,
		Inputs: []Input{{Name: InputAbstractOnly, Paper: p, RefTypes: []string{RefTLDR, RefAuthor}}},
		References: map[string][][]string{
			RefTLDR:   tldr,
			RefAuthor: {{tldr[0][0]}},
		},
	}, nil
}
