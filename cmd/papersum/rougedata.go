package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
)

// rougeDataHelp is the help text of --rouge-data.
const rougeDataHelp = "ROUGE-1.5.5's data files, needed by -m and -s: its data/ directory, or a directory holding smart_common_words.txt, adj.exc, adv.exc, noun.exc and verb.exc (default $PAPERSUM_ROUGE_DATA, else a rouge-resources/ directory beside the dataset)"

// rougeDataSearchDepth is how many directories above a dataset path are
// searched for a rouge-resources/ sibling: enough for
// data/scitldr/SciTLDR-A/dev.jsonl to find data/rouge-resources.
const rougeDataSearchDepth = 4

// loadRougeData returns ROUGE's data files for a command. They come from
// flag (--rouge-data), else $PAPERSUM_ROUGE_DATA, else, when the command
// scores a dataset and need is set, from a directory named rouge-resources
// beside the dataset or one of its parent directories (as in
// ../shared/data). papersum does not ship these files (they belong to
// ROUGE-1.5.5 and WordNet), so a command that needs them and finds none
// fails with a message saying what to pass. A directory given explicitly is
// always read, so that a wrong path is reported even when it is not used.
func loadRougeData(flag string, getenv func(string) string, datasetSpec string, need bool, why string) (*rouge.Resources, error) {
	dir := firstNonEmpty(flag, getenv("PAPERSUM_ROUGE_DATA"))
	if dir == "" && need && datasetSpec != "" {
		if _, path, ok := strings.Cut(datasetSpec, ":"); ok && path != "" {
			dir = rougeDataBeside(path)
		}
	}
	if dir == "" {
		if need {
			return nil, papersum.Errorf(papersum.EINVALID, "%s needs ROUGE-1.5.5's data files (the SMART stopword list and the WordNet 2.0 exception lists), which papersum does not ship: pass --rouge-data DIR or set PAPERSUM_ROUGE_DATA to ROUGE-1.5.5's data/ directory, or to a directory holding smart_common_words.txt, adj.exc, adv.exc, noun.exc and verb.exc", why)
		}
		return nil, nil
	}
	res, err := rouge.LoadResources(dir)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%v", err)
	}
	return res, nil
}

// rougeDataBeside finds a rouge-resources directory next to path or next to
// one of its parents, or returns "".
func rougeDataBeside(path string) string {
	p := filepath.Clean(path)
	for range rougeDataSearchDepth {
		parent := filepath.Dir(p)
		cand := filepath.Join(parent, "rouge-resources")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		if parent == p {
			break
		}
		p = parent
	}
	return ""
}
