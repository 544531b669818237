package dataset

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
)

// loadScisummNet loads a ScisummNet directory: one folder DIR/<ID> per
// paper (other entries, such as the LICENCE file, are not papers) with
//
//	Reference_XML/<ID>.xml              the paper
//	summary/<ID>.scisummnet_human.txt   a title line, then the summary
//	summary/<ID>.abstract.txt           the abstract
//
// The human summary's first line is the paper's title and is dropped;
// the rest and the abstract are split into sentences, a line break always
// ending one. Each item has Input "full" (the whole paper) scored against
// "human", and Input "no_abstract" (ingest.Options.DropAbstract) scored
// against "abstract", because a summary that copies the abstract would
// otherwise score perfectly.
//
// A missing file is an error. The corpus itself has papers it cannot
// evaluate: an XML with no sentences (N03-2021), one whose <ABSTRACT>
// wraps the whole body so that nothing is left without it (C92-2066),
// and empty reference files (16 abstracts, three human summaries that
// are only a title). One such paper must not block an evaluation of the
// others, so a paper ingest refuses, or a reference type that is empty
// or whose input ingest refuses, is recorded in Dataset.Skipped with the
// reason and left out.
func loadScisummNet(l *loader, dir string) ([]Item, []Skip, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, readError(dir, err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil, nil, dataError(dir, "no paper folders; want DIR/<ID>/Reference_XML/<ID>.xml")
	}
	keep, err := l.selectIDs(ids, dir)
	if err != nil {
		return nil, nil, err
	}
	results, err := l.each(len(keep), func(ctx context.Context, i int) (result, error) {
		return scisummnetPaper(ctx, l, dir, ids[keep[i]])
	})
	if err != nil {
		return nil, nil, err
	}
	items, skips := collect(results)
	return items, skips, nil
}

// scisummnetPaper loads the paper id of a ScisummNet directory.
func scisummnetPaper(ctx context.Context, l *loader, dir, id string) (result, error) {
	xmlPath := filepath.Join(dir, id, "Reference_XML", id+".xml")
	humanPath := filepath.Join(dir, id, "summary", id+".scisummnet_human.txt")
	abstractPath := filepath.Join(dir, id, "summary", id+".abstract.txt")
	// Every file is read, even for a paper that is then skipped, so the
	// hash covers the same files whatever the outcome.
	xmlData, err := l.read(xmlPath)
	if err != nil {
		return result{}, err
	}
	humanData, err := l.read(humanPath)
	if err != nil {
		return result{}, err
	}
	abstractData, err := l.read(abstractPath)
	if err != nil {
		return result{}, err
	}
	humanText, err := textOf(humanPath, humanData)
	if err != nil {
		return result{}, err
	}
	abstractText, err := textOf(abstractPath, abstractData)
	if err != nil {
		return result{}, err
	}
	var human []string
	if _, rest, ok := strings.Cut(strings.TrimLeft(humanText, " \t\n"), "\n"); ok {
		human = splitLines(nonEmptyLines(unescapeCorpus(rest)))
	}
	abstract := splitLines(nonEmptyLines(unescapeCorpus(abstractText)))

	var res result
	full, err := ingest.Parse(ctx, xmlPath, xmlData, ingest.Options{})
	if err != nil {
		if papersum.ErrorCode(err) != papersum.EINVALID {
			return result{}, err
		}
		res.skips = append(res.skips, Skip{ID: id, Reason: papersum.ErrorMessage(err)})
		return res, nil
	}
	item := &Item{ID: id, References: map[string][][]string{}}
	if len(human) == 0 {
		res.skips = append(res.skips, Skip{ID: id, RefType: RefHuman, Reason: humanPath + ": no summary after the title line"})
	} else {
		item.Inputs = append(item.Inputs, Input{Name: InputFull, Paper: full, RefTypes: []string{RefHuman}})
		item.References[RefHuman] = [][]string{human}
	}
	if len(abstract) == 0 {
		res.skips = append(res.skips, Skip{ID: id, RefType: RefAbstract, Reason: abstractPath + ": empty file"})
	} else {
		noAbs, err := ingest.Parse(ctx, xmlPath, xmlData, ingest.Options{DropAbstract: true})
		switch {
		case err != nil && papersum.ErrorCode(err) != papersum.EINVALID:
			return result{}, err
		case err != nil:
			res.skips = append(res.skips, Skip{ID: id, RefType: RefAbstract, Reason: "without its abstract: " + papersum.ErrorMessage(err)})
		default:
			item.Inputs = append(item.Inputs, Input{Name: InputNoAbstract, Paper: noAbs, RefTypes: []string{RefAbstract}})
			item.References[RefAbstract] = [][]string{abstract}
		}
	}
	if len(item.Inputs) == 0 {
		// Nothing left to score: one whole-paper skip, so that a Skip
		// with a RefType always means the Item is there.
		reasons := make([]string, len(res.skips))
		for i, s := range res.skips {
			reasons[i] = s.RefType + ": " + s.Reason
		}
		return result{skips: []Skip{{ID: id, Reason: strings.Join(reasons, "; ")}}}, nil
	}
	res.item = item
	return res, nil
}
