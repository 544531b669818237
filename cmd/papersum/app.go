package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/report"
)

// Exit codes. They are part of the interface: scripts switch on them.
const (
	exitOK       = 0
	exitFailure  = 1 // bad input, a failed run, a missing run
	exitUsage    = 2 // wrong flags or arguments
	exitInternal = 3 // a bug or an unreachable backend
	// exitUnavailable is serve giving up on a dependency (Postgres) still
	// unreachable after --startup-timeout: sysexits.h's EX_UNAVAILABLE,
	// so that a supervisor can tell "wait and restart" from "fix the
	// configuration" (1).
	exitUnavailable = 69
	exitSignal      = 130
)

// writeJSON is how every command prints JSON: indented by two spaces,
// one document per call, with <, > and & left as they are. (Files of JSON
// Lines, like eval human's ratings, stay one object per line.)
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeRun prints a run in format: JSON is the API's body for the run
// (httpapi.RunJSON), so that the CLI and the API give one shape; text and
// Markdown are report's renderers.
func writeRun(w io.Writer, r *papersum.Run, format string) error {
	if format == report.FormatJSON {
		return writeJSON(w, httpapi.NewRunJSON(r))
	}
	return report.WriteRun(w, r, format)
}

// usageError marks errors in how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var de *diagnosticExit
	if errors.As(err, &de) {
		return de.code
	}
	if errors.Is(err, context.Canceled) {
		return exitSignal
	}
	if dependencyUnavailable(err) {
		return exitUnavailable
	}
	switch papersum.ErrorCode(err) {
	case papersum.EINVALID, papersum.ENOTFOUND, papersum.ECONFLICT, papersum.EUNAUTHORIZED, papersum.EFORBIDDEN:
		return exitFailure
	case papersum.EUNAVAILABLE:
		return exitFailure
	}
	var pe *papersum.ProviderError
	if errors.As(err, &pe) {
		return exitFailure
	}
	return exitInternal
}

// errorLine is the one line a user sees for err.
func errorLine(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return strings.Join(strings.Fields(papersum.ErrorMessage(err)), " ")
}

// env is what the commands read from outside: the environment and the
// standard streams. Nothing else in papersum reads them.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// globalFlags are flags every command takes.
type globalFlags struct {
	db          string
	databaseURL string
	pgSchema    string
	config      string
	verbose     bool
	// skipMigrations opens the store without migrating it: serve
	// --migrate=false and papersum migrate set it (see roles.go).
	skipMigrations bool
}

// run is the whole program.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(e)
	if len(args) > 0 {
		args = args[1:]
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	_, err := root.ExecuteContextC(ctx)
	return err
}

func newRootCmd(e *env) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "papersum",
		Short: "Turn research papers into critiqued, revised summaries",
		Long: `papersum reads a research paper (PDF, text, Markdown, LaTeX or CL-SciSumm XML) and
runs it through three stages:

  1. summarize  write a first draft of the summary
  2. critique   score the draft for accuracy (40%), completeness (30%),
                clarity (20%) and coherence (10%) and list concrete issues
  3. revise     rewrite the draft to fix those issues

With no configuration every stage runs on the built-in local engine, an
extractive summarizer that needs no API key and no network, and every run is
recorded in an embedded SQLite database.`,
		Example: `  papersum summarize paper.pdf
  papersum summarize --words 100 --format json --out summary.json paper.tex
  cat paper.txt | papersum summarize -
  papersum runs list
  papersum runs show run_0123abcd`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.db, "db", "", "SQLite database file (default $PAPERSUM_DB, else $XDG_DATA_HOME/papersum/papersum.db)")
	root.PersistentFlags().StringVar(&g.databaseURL, "database-url", "", "use PostgreSQL at this URL instead of SQLite, e.g. postgres://user@host:5432/db (default $PAPERSUM_DATABASE_URL)")
	root.PersistentFlags().StringVar(&g.pgSchema, "database-schema", "", "PostgreSQL schema of papersum's tables (default $PAPERSUM_DATABASE_SCHEMA, else public)")
	root.PersistentFlags().StringVar(&g.config, "config", "", "configuration file (YAML); see examples/config.yaml (default $PAPERSUM_CONFIG, else none: all stages local)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what papersum does to stderr")
	root.SetFlagErrorFunc(flagError)
	// --version prints what `papersum version` prints.
	root.Version = buildVersion().String()
	root.SetVersionTemplate("papersum {{.Version}}\n")
	root.AddCommand(newSummarizeCmd(e, g), newBatchCmd(e, g), newRunsCmd(e, g), newCostCmd(e, g), newReportCmd(e, g), newDriftCmd(e, g), newDoctorCmd(e, g), newEvalCmd(e, g), newKeysCmd(e, g), newBudgetsCmd(e, g), newServeCmd(e, g), newMigrateCmd(e, g), newSLOCmd(e), newDevCmd(e, g), newVersionCmd(e))
	return root
}

// dbPath resolves where the SQLite store lives: the flag, $PAPERSUM_DB,
// then the XDG data directory. It is hand-written rather than taken from
// adrg/xdg because that package reads the environment in init(), which
// would make the path impossible to control from tests.
func dbPath(g *globalFlags, getenv func(string) string) (string, error) {
	if g.db != "" {
		return g.db, nil
	}
	if p := getenv("PAPERSUM_DB"); p != "" {
		return p, nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "papersum", "papersum.db"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", papersum.Errorf(papersum.EINVALID, "cannot find a data directory: set --db, PAPERSUM_DB or HOME")
	}
	return filepath.Join(home, ".local", "share", "papersum", "papersum.db"), nil
}

func argsError(c *cobra.Command, msg string) error {
	return &usageError{msg: fmt.Sprintf("%s (see '%s --help')", msg, c.CommandPath())}
}
