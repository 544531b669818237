package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
)

func newEvalCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "eval",
		Short: "Score summaries: ROUGE, rubric and judge scores, A/B tests, quality gates",
		Long: `Evaluation commands. Datasets are named KIND:PATH everywhere:

  scisummnet:DIR   ScisummNet (Reference_XML + human summaries)
  clscisumm:DIR    CL-SciSumm 2018 (Reference_XML + Task2_gold)
  scitldr:FILE     SciTLDR JSONL
  jsonl:FILE       {"id", "path" | "text", "references": [...]} per line

--format json prints machine-readable results.`,
	}
	c.AddCommand(newEvalRougeCmd(e), newEvalRunCmd(e, g), newEvalABCmd(e, g), newEvalGateCmd(e), newEvalHumanCmd(e, g))
	return c
}

func newEvalRougeCmd(e *env) *cobra.Command {
	var preset, flags, format, rougeData string
	c := &cobra.Command{
		Use:   "rouge CANDIDATE REFERENCE...",
		Short: "Score a summary file against reference files with ROUGE-1.5.5",
		Long: `Rouge scores one candidate summary against one or more reference summaries,
exactly as the original ROUGE-1.5.5.pl does (papersum's re-implementation is
checked value for value against it). Each file holds one summary, one
sentence per line (ROUGE's SPL format).

Presets reproduce published protocols:
  scitldr        -c 95 -r 1000 -n 2 -a          (SciTLDR, no stemming)
  scitldr_stem   -c 95 -r 1000 -n 2 -a -m       (SciTLDR, stemming)
  clscisumm      -f A -a -x -s -d -t 1 -m -2 -4 -u -n 2   (CL-SciSumm 2018 Task 2;
                 "-2 -4" means an unlimited skip distance: ROUGE-SU*)

--flags takes ROUGE-1.5.5 options instead of a preset, e.g. "-n 2 -m -s".

-m and -s need ROUGE-1.5.5's own data files (the SMART stopword list and
the WordNet 2.0 exception lists), which papersum does not ship: pass
--rouge-data DIR (ROUGE-1.5.5's data/ directory) or set PAPERSUM_ROUGE_DATA.`,
		Example: `  papersum eval rouge --preset scitldr summary.txt reference.txt
  papersum eval rouge --preset clscisumm --rouge-data ROUGE-1.5.5/data --format json system.txt human1.txt human2.txt human3.txt
  papersum eval rouge --flags "-n 2 -m -2 4 -u" summary.txt ref.txt`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 2 {
				return argsError(c, "eval rouge takes a CANDIDATE and at least one REFERENCE")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			var cfg rouge.Config
			var err error
			switch {
			case flags != "":
				cfg, err = rouge.ParseFlags(flags)
			default:
				cfg, err = rouge.Preset(preset)
			}
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			if cfg.Resources, err = loadRougeData(rougeData, e.getenv, "", cfg.Stem || cfg.RemoveStopwords, "ROUGE with -m or -s"); err != nil {
				return err
			}
			cand, err := readSPL(args[0])
			if err != nil {
				return err
			}
			var refs [][]string
			for _, p := range args[1:] {
				r, err := readSPL(p)
				if err != nil {
					return err
				}
				if len(r) == 0 {
					return papersum.Errorf(papersum.EINVALID, "reference %s is empty", p)
				}
				refs = append(refs, r)
			}
			res, err := rouge.Evaluate(cand, refs, cfg)
			if err != nil {
				return papersum.Errorf(papersum.EINVALID, "rouge: %v", err)
			}
			return writeRouge(e, res, cfg.Metrics(), format)
		},
	}
	c.Flags().StringVar(&preset, "preset", "scitldr", "published protocol to apply")
	c.Flags().StringVar(&flags, "flags", "", "ROUGE-1.5.5 options instead of a preset")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	c.Flags().StringVar(&rougeData, "rouge-data", "", rougeDataHelp)
	limitFlags(c.Flags(), oneOf("preset", "scitldr", "scitldr_stem", "clscisumm"), formatFlag("text", "json"))
	return c
}

// readSPL reads a summary in SPL format: one sentence per line, blank
// lines ignored. The file must be UTF-8 text.
func readSPL(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, unwrapPathError(err))
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: not UTF-8 text", path)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, err)
	}
	return out, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func writeRouge(e *env, res rouge.Result, metrics []string, format string) error {
	switch format {
	case "json":
		type score struct {
			Recall    float64 `json:"recall"`
			Precision float64 `json:"precision"`
			F         float64 `json:"f"`
		}
		out := map[string]score{}
		for _, m := range metrics {
			s := res[m]
			out[m] = score{s.Recall, s.Precision, s.F}
		}
		return writeJSON(e.stdout, out)
	case "text":
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "METRIC\tRECALL\tPRECISION\tF")
		for _, m := range metrics {
			s := res[m]
			fmt.Fprintf(tw, "%s\t%.5f\t%.5f\t%.5f\n", m, s.Recall, s.Precision, s.F)
		}
		return tw.Flush()
	}
	return &usageError{msg: fmt.Sprintf("--format %q is not one of text, json", format)}
}
