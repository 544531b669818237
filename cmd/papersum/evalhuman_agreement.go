package main

import (
	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/human"
)

// newEvalHumanAgreementCmd is "eval human agreement".
func newEvalHumanAgreementCmd(e *env) *cobra.Command {
	var judges []string
	agree := &cobra.Command{
		Use:   "agreement RATINGS.jsonl [--judge RESULT.json ...]",
		Short: "Inter-rater reliability, and agreement between the judge and the raters",
		Long: `Agreement reports, per rubric dimension, Krippendorff's alpha (interval and
ordinal) across raters, quadratic-weighted Cohen's kappa for each pair of
raters, and, with --judge, the agreement of the judge's scores (from the
evaluations that produced the rated summaries) with the mean human rating.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "eval human agreement takes one RATINGS.jsonl")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			ratings, err := readRatings(args[0])
			if err != nil {
				return err
			}
			var judge map[human.Unit]papersum.Scores
			for _, path := range judges {
				r, err := readResult(path)
				if err != nil {
					return err
				}
				if judge == nil {
					judge = map[human.Unit]papersum.Scores{}
				}
				system := r.Config + " (" + r.ID + ")"
				for _, it := range r.Items {
					m := it.Metrics
					if it.Error != "" {
						continue
					}
					judge[human.Unit{Item: it.ID, System: system}] = papersum.Scores{Accuracy: m["accuracy"],
						Completeness: m["completeness"], Clarity: m["clarity"], Coherence: m["coherence"]}
				}
			}
			return human.Agreement(ratings, judge).WriteMarkdown(e.stdout)
		},
	}
	agree.Flags().StringArrayVar(&judges, "judge", nil, "evaluation result whose judge scores to compare (repeatable)")
	return agree
}
