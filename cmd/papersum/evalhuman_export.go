package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval"
	"github.com/papersum/papersum/eval/human"
)

// newEvalHumanExportCmd is "eval human export".
func newEvalHumanExportCmd(e *env, g *globalFlags) *cobra.Command {
	var a, b, sheet, key string
	var seed uint64
	export := &cobra.Command{
		Use:   "export --a RESULT.json [--b RESULT.json] --sheet SHEET.csv --key KEY.csv",
		Short: "Write blind rating sheets for the summaries of one or two evaluations",
		Long: `Export writes a CSV rating sheet with the summaries of each paper of an
evaluation (or, with --b, of two evaluations side by side, in an order drawn
at random per paper) and a separate key file that says which system wrote
which summary. Raters fill in accuracy, completeness, clarity and coherence
(0-10 whole numbers), a preference and a comment; the sheet never names a
system.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if a == "" || sheet == "" || key == "" {
				return &usageError{msg: "--a, --sheet and --key are required"}
			}
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			ra, err := readResult(a)
			if err != nil {
				return err
			}
			summaries := func(r *eval.Result) (map[string]*papersum.Run, error) {
				out := map[string]*papersum.Run{}
				for _, it := range r.Items {
					if it.Error != "" || len(it.RunIDs) == 0 {
						continue
					}
					run, err := store.GetRun(c.Context(), it.RunIDs[0])
					if err != nil {
						return nil, fmt.Errorf("evaluation %s item %s: %w", r.ID, it.ID, err)
					}
					out[it.ID] = run
				}
				return out, nil
			}
			sa, err := summaries(ra)
			if err != nil {
				return err
			}
			var sb map[string]*papersum.Run
			nameB := ""
			if b != "" {
				rb, err := readResult(b)
				if err != nil {
					return err
				}
				if sb, err = summaries(rb); err != nil {
					return err
				}
				nameB = rb.Config + " (" + rb.ID + ")"
			}
			var items []human.ExportItem
			for _, it := range ra.Items {
				run, ok := sa[it.ID]
				if !ok {
					continue
				}
				x := human.ExportItem{ID: it.ID, Title: run.Title, Source: run.Source,
					SystemA: ra.Config + " (" + ra.ID + ")", SummaryA: run.Summary}
				if sb != nil {
					other, ok := sb[it.ID]
					if !ok {
						continue // rated only when both systems summarized it
					}
					x.SystemB, x.SummaryB = nameB, other.Summary
				}
				items = append(items, x)
			}
			if len(items) == 0 {
				return papersum.Errorf(papersum.EINVALID, "no summaries to export")
			}
			var sheetBuf, keyBuf bytes.Buffer
			if err := human.Export(items, rand.New(rand.NewPCG(seed, 0x4a)), &sheetBuf, &keyBuf); err != nil {
				return err
			}
			if err := writeOutput(e, sheet, sheetBuf.Bytes()); err != nil {
				return err
			}
			if err := writeOutput(e, key, keyBuf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "%d items: sheet %s, key %s (keep the key away from raters)\n", len(items), sheet, key)
			return nil
		},
	}
	export.Flags().StringVar(&a, "a", "", "evaluation result of system A (result.json)")
	export.Flags().StringVar(&b, "b", "", "evaluation result of system B, for side-by-side rating")
	export.Flags().StringVar(&sheet, "sheet", "", "rating sheet to write (CSV)")
	export.Flags().StringVar(&key, "key", "", "key file to write (CSV)")
	export.Flags().Uint64Var(&seed, "seed", 1, "seed of the random order")
	return export
}
