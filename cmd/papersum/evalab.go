package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval"
	"github.com/papersum/papersum/eval/dataset"
	"github.com/papersum/papersum/eval/human"
	"github.com/papersum/papersum/report"
)

func newEvalABCmd(e *env, g *globalFlags) *cobra.Command {
	f := &evalFlags{}
	var cfgA, cfgB string
	var alpha float64
	c := &cobra.Command{
		Use:   "ab --a CONFIG_A --b CONFIG_B --dataset KIND:PATH",
		Short: "Compare two configurations on the same papers, with real statistics",
		Long: `Ab runs both configurations on the same papers (paired) and reports, per
metric, the mean of each, the mean difference B-A with a 95% paired
bootstrap interval, the p-values of the paired t-test and the Wilcoxon
signed-rank test, Cohen's d, and a verdict after Holm correction across
the metrics. --repeat K runs each paper K times per configuration, for
nondeterministic models. "default" names the built-in configuration.`,
		Example: `  papersum eval ab --a default --b examples/claude.yaml --dataset scisummnet:../shared/data/scisummnet --limit 30`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if cfgA == "" || cfgB == "" {
				return &usageError{msg: "--a and --b are required (a config file, or \"default\")"}
			}
			if err := f.loadRouge(e.getenv); err != nil {
				return err
			}
			ds, err := dataset.Load(c.Context(), f.dataset, dataset.Options{Limit: f.limit})
			if err != nil {
				return err
			}
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			var results [2]*eval.Result
			for i, name := range []string{cfgA, cfgB} {
				gg := *g
				gg.config = name
				if name == "default" {
					gg.config = ""
				}
				cfg, err := loadConfig(&gg, func(k string) string {
					if k == "PAPERSUM_CONFIG" {
						return ""
					}
					return e.getenv(k)
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "%s: %s\n", map[int]string{0: "A", 1: "B"}[i], name)
				if results[i], err = evaluate(c.Context(), e, &gg, f, cfg, name, ds, store); err != nil {
					return err
				}
			}
			rep := eval.CompareAB(*results[0], *results[1], nil, rand.New(rand.NewPCG(f.seed, 0xab)), alpha)
			if f.format == "json" {
				return writeJSON(e.stdout, rep)
			}
			return report.WriteABMarkdown(e.stdout, rep)
		},
	}
	f.register(c)
	c.Flags().StringVar(&cfgA, "a", "", "configuration A (file, or \"default\")")
	c.Flags().StringVar(&cfgB, "b", "", "configuration B (file, or \"default\")")
	c.Flags().Float64Var(&alpha, "alpha", 0.05, "family-wise significance level (Holm)")
	limitFlags(c.Flags(), floatIn("alpha", 0, 1))
	return c
}

func newEvalGateCmd(e *env) *cobra.Command {
	var baseline, tolerances, metrics string
	var alpha float64
	var allowDataset bool
	c := &cobra.Command{
		Use:   "gate --baseline BASELINE.json CURRENT.json",
		Short: "Fail when quality regresses against a stored baseline",
		Long: `Gate compares an evaluation result (result.json of eval run, or its --format
json output) with a baseline result. It exits 1 with a per-metric diff when
a metric's mean gets worse by more than its tolerance, or gets
significantly worse (paired tests, Holm-corrected), when the share of
summaries meeting the thresholds drops, or when the dataset differs.
Default tolerances: 0.1 for rubric scores, 0.01 for ROUGE, 0.05 for the
pass rate. examples/ci/quality-gate.yml runs it in GitHub Actions.`,
		Example: `  papersum eval gate --baseline eval/baseline.json current.json
  papersum eval gate --baseline base.json --tolerance overall=0.2,rouge2_f/human=0.005 current.json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 || baseline == "" {
				return argsError(c, "eval gate takes --baseline FILE and one CURRENT file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			base, err := readResult(baseline)
			if err != nil {
				return err
			}
			cur, err := readResult(args[0])
			if err != nil {
				return err
			}
			opts := eval.GateOptions{Alpha: alpha, AllowDatasetChange: allowDataset}
			if tolerances != "" {
				opts.Tolerance = map[string]float64{}
				for _, kv := range strings.Split(tolerances, ",") {
					k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
					x, err := strconv.ParseFloat(v, 64)
					if !ok || err != nil || x < 0 {
						return &usageError{msg: fmt.Sprintf("--tolerance %q: want metric=value, value >= 0", kv)}
					}
					opts.Tolerance[k] = x
				}
			}
			if metrics != "" {
				opts.Metrics = strings.Split(metrics, ",")
			}
			res := eval.Gate(*base, *cur, opts)
			if _, err := fmt.Fprintln(e.stdout, res.String()); err != nil {
				return err
			}
			if !res.Passed {
				return papersum.Errorf(papersum.EINVALID, "quality gate failed: %s", strings.Join(res.Reasons, "; "))
			}
			return nil
		},
	}
	c.Flags().StringVar(&baseline, "baseline", "", "baseline result (JSON)")
	c.Flags().StringVar(&tolerances, "tolerance", "", "allowed worsening per metric, e.g. overall=0.2,rouge2_f/human=0.005")
	c.Flags().StringVar(&metrics, "metrics", "", "comma-separated metrics to gate (default: all of the baseline's but cost and latency, plus pass_rate)")
	c.Flags().Float64Var(&alpha, "alpha", 0.05, "family-wise significance level (Holm)")
	c.Flags().BoolVar(&allowDataset, "allow-dataset-change", false, "compare results computed on different data")
	limitFlags(c.Flags(), floatIn("alpha", 0, 1))
	return c
}

// readResult reads an evaluation result written by eval run.
func readResult(path string) (*eval.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, unwrapPathError(err))
	}
	var r eval.Result
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: not an evaluation result: %v", path, err)
	}
	if r.Schema != eval.SchemaResult {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: schema %q, want %q", path, r.Schema, eval.SchemaResult)
	}
	return &r, nil
}

// newEvalHumanCmd is "eval human": blind human rating, one file per
// subcommand (evalhuman_export.go, evalhuman_import.go,
// evalhuman_agreement.go).
func newEvalHumanCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "human",
		Short: "Blind human rating: export sheets, import them, measure agreement",
	}
	c.AddCommand(newEvalHumanExportCmd(e, g), newEvalHumanImportCmd(e), newEvalHumanAgreementCmd(e))
	return c
}

// readRatings reads a ratings file written by eval human import.
func readRatings(path string) ([]human.Rating, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	var out []human.Rating
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r human.Rating
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "%s line %d: %v", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "%s: no ratings", path)
	}
	return out, nil
}
