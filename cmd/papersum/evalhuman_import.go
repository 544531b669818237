package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/human"
)

// newEvalHumanImportCmd is "eval human import".
func newEvalHumanImportCmd(e *env) *cobra.Command {
	var sheet, key string
	var rater, out string
	imp := &cobra.Command{
		Use:   "import --sheet SHEET.csv --key KEY.csv --rater NAME --out RATINGS.jsonl",
		Short: "Read a filled rating sheet back, un-blinded with its key",
		Long: `Import checks every row of a filled sheet (scores must be whole numbers from 0
to 10, a preference 1, 2 or tie, known items, no duplicates, summaries that
match the key) and appends the ratings to --out as JSON lines. If any row
has a problem, every problem is listed and nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if sheet == "" || key == "" || rater == "" || out == "" {
				return &usageError{msg: "--sheet, --key, --rater and --out are required"}
			}
			sf, err := os.Open(sheet)
			if err != nil {
				return papersum.Errorf(papersum.EINVALID, "%s: %v", sheet, unwrapPathError(err))
			}
			defer sf.Close()
			kf, err := os.Open(key)
			if err != nil {
				return papersum.Errorf(papersum.EINVALID, "%s: %v", key, unwrapPathError(err))
			}
			defer kf.Close()
			ratings, problems, err := human.Import(sf, kf, rater)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintln(e.stderr, p.String())
				}
				return papersum.Errorf(papersum.EINVALID, "%s: %d problems; nothing imported", sheet, len(problems))
			}
			var buf bytes.Buffer
			if old, err := os.ReadFile(out); err == nil {
				buf.Write(old)
			}
			enc := json.NewEncoder(&buf)
			for _, r := range ratings {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			if err := writeOutput(e, out, buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "%d ratings by %s added to %s\n", len(ratings), rater, out)
			return nil
		},
	}
	imp.Flags().StringVar(&sheet, "sheet", "", "filled rating sheet (CSV)")
	imp.Flags().StringVar(&key, "key", "", "its key file (CSV)")
	imp.Flags().StringVar(&rater, "rater", "", "who rated")
	imp.Flags().StringVar(&out, "out", "", "ratings file to append to (JSON lines)")
	return imp
}
