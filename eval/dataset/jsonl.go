package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/ingest/sentences"
)

// jsonLine is one non-blank line of a JSON Lines file.
type jsonLine struct {
	n    int // 1-based line number, for messages
	text string
}

// readJSONLines reads file and returns its non-blank lines. Blank lines
// (a trailing newline, or none: SciTLDR's last line has none) are not
// records.
func readJSONLines(l *loader, file string) ([]jsonLine, error) {
	data, err := l.read(file)
	if err != nil {
		return nil, err
	}
	text, err := textOf(file, data)
	if err != nil {
		return nil, err
	}
	var out []jsonLine
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, jsonLine{n: i + 1, text: line})
		}
	}
	if len(out) == 0 {
		return nil, dataError(file, "no records")
	}
	return out, nil
}

// decodeLine decodes one JSON object from line into v. strict refuses
// fields v does not have, so that a misspelt field ("reference") is an
// error instead of a missing value.
func decodeLine(file string, line jsonLine, v any, strict bool) error {
	dec := json.NewDecoder(strings.NewReader(line.text))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return lineError(file, line.n, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return lineError(file, line.n, "malformed JSON: more than one value on the line")
	}
	return nil
}

// jsonlRecord is one line of the generic jsonl kind.
type jsonlRecord struct {
	ID         string            `json:"id"`
	Path       *string           `json:"path"`
	Text       *string           `json:"text"`
	References []json.RawMessage `json:"references"`
}

// jsonlPaper is a validated jsonlRecord.
type jsonlPaper struct {
	line       int
	id         string
	path, text string // path is resolved against the file's directory
	refs       [][]string
}

// loadJSONL loads the generic JSON Lines format, one paper a line:
//
//	{"id": "p1", "path": "papers/p1.pdf", "references": ["A summary. In sentences.", ["Or", "a list of sentences."]]}
//	{"id": "p2", "text": "The paper's text ...", "references": ["..."]}
//
// "path" is relative to the JSON Lines file's directory (an absolute path
// is used as it is) and read with ingest, whatever its format; "text" is
// the paper itself (plain text, Markdown or LaTeX, told apart by ingest).
// Exactly one of the two is required. Each reference is a string, split
// into sentences with ingest/sentences, or a list of sentences kept as
// they are. References have type "reference"; the item has one Input,
// "full". Unknown fields, an empty id, reference or sentence, a duplicate
// id and a paper ingest refuses are errors naming the line.
func loadJSONL(l *loader, file string) ([]Item, []Skip, error) {
	lines, err := readJSONLines(l, file)
	if err != nil {
		return nil, nil, err
	}
	papers := make([]jsonlPaper, 0, len(lines))
	firstLine := map[string]int{}
	ids := make([]string, 0, len(lines))
	for _, line := range lines {
		var rec jsonlRecord
		if err := decodeLine(file, line, &rec, true); err != nil {
			return nil, nil, err
		}
		p, err := checkJSONL(l, file, line.n, rec)
		if err != nil {
			return nil, nil, err
		}
		if first, dup := firstLine[p.id]; dup {
			return nil, nil, lineError(file, line.n, "duplicate id %q (first on line %d)", p.id, first)
		}
		firstLine[p.id] = line.n
		papers = append(papers, p)
		ids = append(ids, p.id)
	}
	keep, err := l.selectIDs(ids, file)
	if err != nil {
		return nil, nil, err
	}
	results, err := l.each(len(keep), func(ctx context.Context, i int) (result, error) {
		return jsonlItem(ctx, l, file, papers[keep[i]])
	})
	if err != nil {
		return nil, nil, err
	}
	items, skips := collect(results)
	return items, skips, nil
}

// checkJSONL validates one record without reading its paper.
func checkJSONL(l *loader, file string, n int, rec jsonlRecord) (jsonlPaper, error) {
	p := jsonlPaper{line: n, id: strings.TrimSpace(rec.ID)}
	if p.id == "" {
		return p, lineError(file, n, `missing or empty "id"`)
	}
	switch {
	case rec.Path != nil && rec.Text != nil:
		return p, lineError(file, n, `paper %s has both "path" and "text"; give one`, p.id)
	case rec.Path != nil:
		if strings.TrimSpace(*rec.Path) == "" {
			return p, lineError(file, n, `paper %s has an empty "path"`, p.id)
		}
		p.path = *rec.Path
		if !filepath.IsAbs(p.path) {
			p.path = filepath.Join(l.root, p.path)
		}
	case rec.Text != nil:
		if strings.TrimSpace(*rec.Text) == "" {
			return p, lineError(file, n, `paper %s has an empty "text"`, p.id)
		}
		p.text = *rec.Text
	default:
		return p, lineError(file, n, `paper %s has neither "path" nor "text"`, p.id)
	}
	if len(rec.References) == 0 {
		return p, lineError(file, n, `paper %s has no "references"`, p.id)
	}
	for i, raw := range rec.References {
		ref, err := parseReference(raw)
		if err != nil {
			return p, lineError(file, n, "paper %s, reference %d: %v", p.id, i+1, err)
		}
		p.refs = append(p.refs, ref)
	}
	return p, nil
}

// parseReference turns one JSON reference into sentences: a string is
// split with ingest/sentences, a list of strings is taken as the
// sentences.
func parseReference(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		sents := sentences.Split(s)
		if len(sents) == 0 {
			return nil, fmt.Errorf("empty")
		}
		return sents, nil
	case len(raw) > 0 && raw[0] == '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("a list must hold only strings (sentences)")
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("empty list")
		}
		for j, s := range list {
			if list[j] = collapse(s); list[j] == "" {
				return nil, fmt.Errorf("sentence %d is empty", j+1)
			}
		}
		return list, nil
	}
	return nil, fmt.Errorf("want a string or a list of sentences, not %s", raw)
}

// jsonlItem reads and ingests one validated record's paper.
func jsonlItem(ctx context.Context, l *loader, file string, p jsonlPaper) (result, error) {
	var (
		paper *papersum.Paper
		err   error
	)
	if p.path != "" {
		var data []byte
		if data, err = l.read(p.path); err != nil {
			var pe *papersum.Error
			if errors.As(err, &pe) {
				// Keep the code (ENOTFOUND for a missing file) and add
				// the line that names the file.
				return result{}, &papersum.Error{Code: pe.Code, Message: fmt.Sprintf("dataset %s line %d: paper %s: %s", file, p.line, p.id, pe.Message), Op: "dataset.Load"}
			}
			return result{}, err
		}
		paper, err = ingest.Parse(ctx, p.path, data, ingest.Options{})
	} else {
		// The name has no known extension, so ingest tells text,
		// Markdown and LaTeX apart by content.
		paper, err = ingest.Parse(ctx, fmt.Sprintf("%s:%d", file, p.line), []byte(p.text), ingest.Options{})
	}
	if err != nil {
		if papersum.ErrorCode(err) == papersum.EINVALID {
			return result{}, lineError(file, p.line, "paper %s: %s", p.id, papersum.ErrorMessage(err))
		}
		return result{}, err
	}
	return result{item: &Item{
		ID:         p.id,
		Inputs:     []Input{{Name: InputFull, Paper: paper, RefTypes: []string{RefReference}}},
		References: map[string][][]string{RefReference: p.refs},
	}}, nil
}
