package dataset

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/papersum/papersum/ingest"
)

// goldFile is one Task 2 gold summary of a CL-SciSumm paper.
type goldFile struct {
	refType string // RefAbstract, RefHuman or RefCommunity
	name    string // file name in Task2_gold
}

// loadCLSciSumm loads the CL-SciSumm 2018 Task 2 layout:
//
//	Reference_XML/<ID>.xml                     the paper
//	Task2_gold/<ID>.abstract                   its abstract
//	Task2_gold/<ID>_<annotator>.human.txt      a human summary (one or more)
//	Task2_gold/<ID>_<annotator>.community      a community summary (one or more)
//
// Every paper must have an XML, an abstract and at least one human and
// one community summary; a gold file for a paper with no XML, an XML
// with no gold, any other file name, and an empty summary are errors,
// because the published scores are over all of them. Other entries of
// DIR (pdf/, the LICENCE, the results table) are not read.
//
// Each human and each community file is its own reference of its type.
// Each reference is one "sentence": its lines, with the <S> tags of a
// community file stripped (see communityLine), joined by spaces. That is
// the file the official scorer (task_2_preprocess.py, then ROUGE-1.5.5
// with -f A and the clscisumm flags) reads. Under those flags (-x: no
// ROUGE-L; bigrams and skip-bigrams run across sentence boundaries) the
// split into sentences does not change any score, so one line loses
// nothing and makes the protocol explicit.
//
// Each item has Input "full" scored against "human" and "community", and
// Input "no_abstract" (ingest.Options.DropAbstract) scored against
// "abstract", as the README of the test set requires.
func loadCLSciSumm(l *loader, dir string) ([]Item, []Skip, error) {
	xmlDir := filepath.Join(dir, "Reference_XML")
	goldDir := filepath.Join(dir, "Task2_gold")
	xmls, err := listFiles(xmlDir)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	hasXML := map[string]bool{}
	for _, name := range xmls {
		id, ok := strings.CutSuffix(name, ".xml")
		if !ok || id == "" {
			return nil, nil, dataError(filepath.Join(xmlDir, name), "unexpected file; Reference_XML holds <ID>.xml files only")
		}
		ids = append(ids, id)
		hasXML[id] = true
	}
	if len(ids) == 0 {
		return nil, nil, dataError(xmlDir, "no papers")
	}
	golds, err := listFiles(goldDir)
	if err != nil {
		return nil, nil, err
	}
	gold := map[string][]goldFile{}
	for _, name := range golds {
		id, g, ok := parseGoldName(name)
		if !ok {
			return nil, nil, dataError(filepath.Join(goldDir, name), "unexpected file name; want <ID>.abstract, <ID>_<annotator>.human.txt or <ID>_<annotator>.community")
		}
		if !hasXML[id] {
			return nil, nil, dataError(filepath.Join(goldDir, name), "gold summary of paper %s, which has no %s", id, filepath.Join(xmlDir, id+".xml"))
		}
		gold[id] = append(gold[id], g)
	}
	for _, id := range ids {
		n := map[string]int{}
		for _, g := range gold[id] {
			n[g.refType]++
		}
		for _, want := range []string{RefAbstract, RefHuman, RefCommunity} {
			if n[want] == 0 {
				return nil, nil, dataError(filepath.Join(xmlDir, id+".xml"), "paper has no %s gold summary in %s", want, goldDir)
			}
		}
	}
	keep, err := l.selectIDs(ids, dir)
	if err != nil {
		return nil, nil, err
	}
	results, err := l.each(len(keep), func(ctx context.Context, i int) (result, error) {
		id := ids[keep[i]]
		return clscisummPaper(ctx, l, filepath.Join(xmlDir, id+".xml"), goldDir, id, gold[id])
	})
	if err != nil {
		return nil, nil, err
	}
	items, skips := collect(results)
	return items, skips, nil
}

// parseGoldName parses a Task2_gold file name into its paper id and
// reference type. The annotator is what follows the first '_', because
// corpus ids ("A00-2018") have none.
func parseGoldName(name string) (id string, g goldFile, ok bool) {
	if id, ok := strings.CutSuffix(name, ".abstract"); ok && id != "" && !strings.Contains(id, "_") {
		return id, goldFile{RefAbstract, name}, true
	}
	for _, suffix := range []struct{ ext, refType string }{{".human.txt", RefHuman}, {".community", RefCommunity}} {
		stem, ok := strings.CutSuffix(name, suffix.ext)
		if !ok {
			continue
		}
		id, annotator, ok := strings.Cut(stem, "_")
		if ok && id != "" && annotator != "" {
			return id, goldFile{suffix.refType, name}, true
		}
	}
	return "", goldFile{}, false
}

// clscisummPaper loads one CL-SciSumm paper and its gold summaries.
func clscisummPaper(ctx context.Context, l *loader, xmlPath, goldDir, id string, golds []goldFile) (result, error) {
	xmlData, err := l.read(xmlPath)
	if err != nil {
		return result{}, err
	}
	full, err := ingest.Parse(ctx, xmlPath, xmlData, ingest.Options{})
	if err != nil {
		return result{}, err
	}
	noAbs, err := ingest.Parse(ctx, xmlPath, xmlData, ingest.Options{DropAbstract: true})
	if err != nil {
		return result{}, err
	}
	item := &Item{
		ID: id,
		Inputs: []Input{
			{Name: InputFull, Paper: full, RefTypes: []string{RefHuman, RefCommunity}},
			{Name: InputNoAbstract, Paper: noAbs, RefTypes: []string{RefAbstract}},
		},
		References: map[string][][]string{},
	}
	// Annotator order (file name order) makes the reference order fixed.
	sort.Slice(golds, func(i, j int) bool { return golds[i].name < golds[j].name })
	for _, g := range golds {
		path := filepath.Join(goldDir, g.name)
		data, err := l.read(path)
		if err != nil {
			return result{}, err
		}
		text, err := textOf(path, data)
		if err != nil {
			return result{}, err
		}
		var parts []string
		for _, line := range nonEmptyLines(text) {
			if g.refType == RefCommunity {
				line = communityLine(line)
			} else {
				line = collapse(unescapeCorpus(line))
			}
			if line != "" {
				parts = append(parts, line)
			}
		}
		if len(parts) == 0 {
			what := "empty file"
			if g.refType == RefCommunity {
				what = "no cited text (only empty or NA lines)"
			}
			return result{}, dataError(path, "%s", what)
		}
		item.References[g.refType] = append(item.References[g.refType], []string{strings.Join(parts, " ")})
	}
	return result{item: item}, nil
}

// listFiles returns the names of the entries of dir in name order,
// leaving out hidden ones (.DS_Store and the like). A missing dir is
// ENOTFOUND; a subdirectory is an error, because the layout has none.
func listFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, notFound(dir)
		}
		return nil, readError(dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.IsDir() {
			return nil, dataError(filepath.Join(dir, e.Name()), "unexpected directory")
		}
		names = append(names, e.Name())
	}
	return names, nil
}
