package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
	c.AddCommand(newEvalRougeCmd(e), newEvalRunCmd(e, g), newEvalABCmd(e, g), newEvalGateCmd(e), newEvalHumanCmd(e, g), newEvalJudgeCmd(e, g))
	return c
}

func newEvalRougeCmd(e *env) *cobra.Command {
	var preset, flags, format, rougeData string
	c := &cobra.Command{
		Use:   "rouge CANDIDATE REFERENCE...",
		Short: "Score a summary file against reference files with ROUGE-1.5.5",
		Long: `Rouge scores one candidate summary against one or more reference summaries,
exactly as the original ROUGE-1.5.5.pl does (papersum's re-implementation is
checked value for value against it), and prints the metrics ROUGE-1.5.5
prints for the flags: ROUGE-1 ... ROUGE-N for -n N, ROUGE-L unless -x,
skip-bigrams only with -2 (ROUGE-S<gap>, ROUGE-SU<gap> with -u, both with -U;
a negative gap prints as *). Each file holds one summary, one sentence per
line (ROUGE's SPL format); empty lines are skipped.

Presets (each is exactly these ROUGE-1.5.5 flags):
` + rougePresetHelp() + `
--flags takes ROUGE-1.5.5 options instead of a preset, e.g. "-n 2 -m -s".
Options papersum cannot honour, and values ROUGE-1.5.5 would reject or
silently replace (-z other than SPL, -f other than A or B, -t other than
0, 1 or 2, ...), are refused with exit 2. With -t 2 the raw counts are
printed (model, peer and hit counts), as ROUGE does.

An empty file (or one with no words ROUGE scores) is scored as ROUGE-1.5.5
scores it, with a warning on stderr: an empty candidate scores 0; an empty
reference matches nothing but still counts (with -f A the candidate's
length enters the precision denominator once for it).

-m and -s need ROUGE-1.5.5's own data files (the SMART stopword list and
the WordNet 2.0 exception lists), which papersum does not ship: pass
--rouge-data DIR (ROUGE-1.5.5's data/ directory), -e DIR in --flags, or set
PAPERSUM_ROUGE_DATA.`,
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
			case flags != "" && c.Flags().Changed("preset"):
				return &usageError{msg: "--preset and --flags both set the ROUGE options: give one of them"}
			case flags != "":
				cfg, err = rouge.ParseFlags(flags)
			default:
				cfg, err = rouge.Preset(preset)
			}
			if err != nil {
				return &usageError{msg: err.Error()}
			}
			if format != "text" && format != "json" {
				return &usageError{msg: fmt.Sprintf("--format %q is not one of text, json", format)}
			}
			// ROUGE's -e names its data directory, as --rouge-data does.
			dataDir := rougeData
			if cfg.DataDir != "" {
				if rougeData != "" && filepath.Clean(rougeData) != filepath.Clean(cfg.DataDir) {
					return &usageError{msg: fmt.Sprintf("--rouge-data %s and -e %s in --flags both name ROUGE's data directory: give one", rougeData, cfg.DataDir)}
				}
				dataDir = cfg.DataDir
			}
			if cfg.Resources, err = loadRougeData(dataDir, e.getenv, "", cfg.Stem || cfg.RemoveStopwords, "ROUGE with -m or -s"); err != nil {
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
				refs = append(refs, r)
			}
			if err := cfg.Validate(); err != nil {
				return papersum.Errorf(papersum.EINVALID, "rouge: %v", err)
			}
			// ROUGE-1.5.5 scores empty summaries (it neither stops nor
			// skips them); say so, since the scores are rarely what was meant.
			if empty, err := rougeEmpty(cand, cfg); err != nil {
				return err
			} else if empty != "" {
				fmt.Fprintf(e.stderr, "papersum: warning: candidate %s %s: every score is 0\n", args[0], empty)
			}
			for i, r := range refs {
				empty, err := rougeEmpty(r, cfg)
				if err != nil {
					return err
				}
				if empty == "" {
					continue
				}
				how := "it matches nothing and adds nothing to the recall denominator, but the candidate's length still enters the precision denominator once for it (-f A)"
				if cfg.Scoring == rouge.ScoringBest {
					how = "it matches nothing and is the best reference (-f B) only if it comes first and no other reference has a hit"
				}
				fmt.Fprintf(e.stderr, "papersum: warning: reference %s %s; scored as ROUGE-1.5.5 does: %s\n", args[1+i], empty, how)
			}
			res, err := rouge.Evaluate(cand, refs, cfg)
			if err != nil {
				return papersum.Errorf(papersum.EINVALID, "rouge: %v", err)
			}
			return writeRouge(e, res, cfg, format)
		},
	}
	c.Flags().StringVar(&preset, "preset", "scitldr", strings.Join(rouge.PresetNames(), ", "))
	c.Flags().StringVar(&flags, "flags", "", "ROUGE-1.5.5 options instead of a preset")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	c.Flags().StringVar(&rougeData, "rouge-data", "", rougeDataHelp)
	limitFlags(c.Flags(), oneOf("preset", rouge.PresetNames()...), formatFlag("text", "json"))
	return c
}

// rougePresetHelp lists the presets with their exact ROUGE-1.5.5 flags.
func rougePresetHelp() string {
	var b strings.Builder
	for _, name := range rouge.PresetNames() {
		flags, about, _ := rouge.PresetFlags(name)
		fmt.Fprintf(&b, "  %-17s %s\n  %-17s (%s)\n", name, flags, "", about)
	}
	return b.String()
}

// rougeEmpty describes a summary ROUGE scores as empty ("is empty", "has no
// words ROUGE scores"), or returns "" when it has words.
func rougeEmpty(sentences []string, cfg rouge.Config) (string, error) {
	if len(sentences) == 0 {
		return "is empty", nil
	}
	for _, s := range sentences {
		toks, err := rouge.Tokenize(s, cfg)
		if err != nil {
			return "", papersum.Errorf(papersum.EINVALID, "rouge: %v", err)
		}
		if len(toks) > 0 {
			return "", nil
		}
	}
	if cfg.RemoveStopwords {
		return "has no words ROUGE scores (after -s removes stopwords)", nil
	}
	return "has no words ROUGE scores", nil
}

// readSPL reads a summary in SPL format as ROUGE-1.5.5 does: one sentence
// per line, the line ending ("\n") removed and nothing else, empty lines
// skipped. Lines are not trimmed, because ROUGE does not trim them either and
// a leading space counts as a word boundary for -l. The file must be UTF-8
// text.
func readSPL(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, unwrapPathError(err))
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: not UTF-8 text", path)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// writeRouge prints the metrics ROUGE-1.5.5 prints for cfg, in its order:
// recall, precision and F, or with -t 2 the raw counts, as ROUGE does.
func writeRouge(e *env, res rouge.Result, cfg rouge.Config, format string) error {
	metrics := cfg.Metrics()
	raw := cfg.CountMode == rouge.CountRaw
	switch format {
	case "json":
		type score struct {
			Recall    *float64 `json:"recall,omitempty"`
			Precision *float64 `json:"precision,omitempty"`
			F         *float64 `json:"f,omitempty"`
			Model     *int     `json:"model_count,omitempty"`
			Peer      *int     `json:"peer_count,omitempty"`
			Hits      *int     `json:"hit_count,omitempty"`
		}
		out := map[string]score{}
		for _, m := range metrics {
			s := res[m]
			if raw {
				out[m] = score{Model: &s.ModelCount, Peer: &s.PeerCount, Hits: &s.Hits}
			} else {
				out[m] = score{Recall: &s.Recall, Precision: &s.Precision, F: &s.F}
			}
		}
		return writeJSON(e.stdout, out)
	default:
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		if raw {
			fmt.Fprintln(tw, "METRIC\tMODEL_COUNT\tPEER_COUNT\tHIT_COUNT")
		} else {
			fmt.Fprintln(tw, "METRIC\tRECALL\tPRECISION\tF")
		}
		for _, m := range metrics {
			s := res[m]
			if raw {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", m, s.ModelCount, s.PeerCount, s.Hits)
			} else {
				fmt.Fprintf(tw, "%s\t%.5f\t%.5f\t%.5f\n", m, s.Recall, s.Precision, s.F)
			}
		}
		return tw.Flush()
	}
}
