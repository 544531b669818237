package main

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/report"
)

func newRunsCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "runs",
		Short: "List and show recorded runs",
		Long:  "Every summarize run is recorded in the store, with each stage's raw output, usage, cost and time.",
	}
	var listFormat, status, before, team string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Example: `  papersum runs list
  papersum runs list --status failed --limit 10
  papersum runs list --team nlp --database-url postgres://...   # what the service ran for a team
  papersum runs list --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			runs, err := store.ListRuns(c.Context(), papersum.RunFilter{Status: papersum.RunStatus(status), Team: team, Limit: limit, Before: before})
			if err != nil {
				return err
			}
			return writeRunList(e, runs, listFormat)
		},
	}
	list.Flags().StringVarP(&listFormat, "format", "f", "text", "output format")
	list.Flags().StringVar(&status, "status", "", "only runs in this state (default: all)")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many runs")
	list.Flags().StringVar(&team, "team", "", "only runs charged to this team")
	list.Flags().StringVar(&before, "before", "", "only runs older than this run ID (to page through)")
	limitFlags(list.Flags(), formatFlag(report.FormatText, report.FormatJSON),
		oneOf("status", string(papersum.RunQueued), string(papersum.RunRunning), string(papersum.RunSucceeded), string(papersum.RunFailed), string(papersum.RunCanceled)),
		intIn("limit", 1, 1000, ""))

	var showFormat string
	show := &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show one run with its summary, critique and stages",
		Example: `  papersum runs show run_0123abcd
  papersum runs show --format json run_0123abcd`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, "runs show takes one RUN_ID")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			run, err := store.GetRun(c.Context(), args[0])
			if err != nil {
				return err
			}
			return writeRun(e.stdout, run, showFormat)
		},
	}
	show.Flags().StringVarP(&showFormat, "format", "f", "text", "output format")
	limitFlags(show.Flags(), formatFlag(report.FormatText, report.FormatMarkdown, report.FormatJSON))
	c.AddCommand(list, show)
	return c
}

// runListItem is the JSON form of one listed run.
type runListItem struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Title     string   `json:"title"`
	Source    string   `json:"source"`
	PaperID   string   `json:"paper_id"`
	CreatedAt string   `json:"created_at"`
	CostUSD   float64  `json:"cost_usd"`
	Overall   *float64 `json:"overall,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Waiting is set while a queued run waits for its model provider.
	Waiting *papersum.RunWait `json:"waiting,omitempty"`
}

func writeRunList(e *env, runs []*papersum.Run, format string) error {
	switch format {
	case report.FormatJSON:
		items := []runListItem{}
		for _, r := range runs {
			it := runListItem{ID: r.ID, Status: string(r.Status), Title: r.Title, Source: r.Source, PaperID: r.PaperID,
				CreatedAt: r.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"), CostUSD: r.TotalCost(), Error: r.Error, Waiting: r.Waiting}
			if r.Scores != nil {
				o := r.Scores.Overall()
				it.Overall = &o
			}
			items = append(items, it)
		}
		return writeJSON(e.stdout, items)
	case report.FormatText:
		if len(runs) == 0 {
			_, err := fmt.Fprintln(e.stdout, "no runs yet; try: papersum summarize PAPER")
			return err
		}
		var b bytes.Buffer
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tCOST\tSCORE\tTITLE")
		for _, r := range runs {
			score := "-"
			if r.Scores != nil {
				score = fmt.Sprintf("%.2f", r.Scores.Overall())
			}
			title := r.Title
			if title == "" {
				title = r.Source
			}
			if len([]rune(title)) > 60 {
				title = string([]rune(title)[:59]) + "…"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, report.WaitingStatus(r), r.CreatedAt.Local().Format("2006-01-02 15:04"),
				report.Money(r.TotalCost()), score, strings.ReplaceAll(title, "\t", " "))
		}
		tw.Flush()
		_, err := e.stdout.Write(b.Bytes())
		return err
	}
	return &usageError{msg: fmt.Sprintf("--format %q is not one of text, json", format)}
}
