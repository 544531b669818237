package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/atomicfile"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/report"
)

type summarizeFlags struct {
	format    string
	out       string
	words     int
	prompts   string
	maxBytes  int64
	pdftotext string
	style     string
}

func newSummarizeCmd(e *env, g *globalFlags) *cobra.Command {
	f := &summarizeFlags{}
	c := &cobra.Command{
		Use:   "summarize PAPER",
		Short: "Summarize, critique and revise one paper",
		Long: `Summarize reads PAPER, runs summarize -> critique -> revise, prints the revised
summary with the critique and a table of the stages (provider, model, prompt
version, tokens, cost, time), and records the run in the store.

PAPER is a .pdf, .txt, .md, .tex or CL-SciSumm/ScisummNet Reference_XML (.xml)
file, or - to read from standard input (the format is then sniffed).

PDFs are read with poppler's pdftotext when it is installed and with a
pure-Go reader otherwise. Scanned PDFs without a text layer are refused.

Exit codes: 0 done, 1 bad input or failed run, 2 wrong usage, 3 internal error.`,
		Example: `  papersum summarize paper.pdf
  papersum summarize --words 100 paper.tex
  papersum summarize --style highlights paper.pdf
  papersum summarize --style tldr paper.pdf
  papersum summarize --format json --out run.json paper.pdf
  papersum summarize --config examples/config.yaml paper.pdf`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return argsError(c, fmt.Sprintf("summarize takes one PAPER, got %d", len(args)))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runSummarize(c.Context(), e, g, f, args[0])
		},
	}
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format")
	c.Flags().StringVarP(&f.out, "out", "o", "", "write the output to this file instead of stdout")
	c.Flags().IntVarP(&f.words, "words", "w", 0, "target summary length in words (default: target_words of the config, 150)")
	c.Flags().StringVar(&f.prompts, "prompts", "", "directory of prompt templates (summarize.tmpl, critique.tmpl, revise.tmpl) overriding the built-in ones")
	c.Flags().Int64Var(&f.maxBytes, "max-bytes", ingest.DefaultMaxBytes, "refuse input files larger than this many bytes")
	c.Flags().StringVar(&f.style, "style", "", "summary style: abstract (the paper's own words, its abstract first), highlights (contributions, method, results with numbers and limitations from the body, never the abstract) or tldr (one sentence) (default: style of the config, "+string(papersum.DefaultStyle)+")")
	c.Flags().StringVar(&f.pdftotext, "pdftotext", "", `path to poppler's pdftotext (default: look it up on PATH; "off" uses the pure-Go reader)`)
	limitFlags(c.Flags(), formatFlag(report.FormatText, report.FormatMarkdown, report.FormatJSON), wordsFlag(), maxBytesFlag(), styleFlag())
	return c
}

func runSummarize(ctx context.Context, e *env, g *globalFlags, f *summarizeFlags, path string) error {
	cfg, err := loadConfig(g, e.getenv)
	if err != nil {
		return err
	}
	if f.words > 0 {
		cfg.TargetWords = f.words
	}
	if f.prompts != "" {
		cfg.Prompts = f.prompts
	}
	if f.style != "" {
		cfg.Style = papersum.Style(f.style)
		if cfg.Style == papersum.StyleTLDR && f.words == 0 {
			cfg.TargetWords = config.TLDRTargetWords
		}
	}
	logger := newLogger(e, g)
	// Everything that can be checked without the store is checked first,
	// so that bad input or configuration never leaves a trace in it.
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		return err
	}
	defer deps.closeTracing(e)
	// The output file is checked before the run, so that a typo in --out
	// does not cost a run (and, on a paid model, its price).
	if err := checkOutPath(f.out); err != nil {
		return err
	}
	paper, err := ingest.Open(ctx, path, e.stdin, ingest.Options{MaxBytes: f.maxBytes, PDFToText: f.pdftotext})
	if err != nil {
		return ingestHint(err)
	}
	store, err := openStore(ctx, g, e.getenv)
	if err != nil {
		return err
	}
	defer store.Close()
	runner, err := deps.runner(store, logger, cfg)
	if err != nil {
		return err
	}
	// The runner logs each stage ("stage call recorded", with -v) and the
	// run's end with run_id, paper_id, attempt, stage and model.
	run, runErr := runner.Run(ctx, paper, pipeline.Options{TargetWords: cfg.TargetWords})
	if run == nil {
		return runErr
	}
	var buf bytes.Buffer
	if err := writeRun(&buf, run, f.format); err != nil {
		return err
	}
	if err := writeOutput(e, f.out, buf.Bytes()); err != nil {
		return papersum.Errorf(papersum.EINVALID, "run %s is stored (papersum runs show %s) but %s", run.ID, run.ID, papersum.ErrorMessage(err))
	}
	if runErr != nil {
		return fmt.Errorf("run %s failed: %w", run.ID, runErr)
	}
	return nil
}

// writeOutput writes data to path, or to stdout when path is "". A file is
// written to a temporary name and renamed, so an interrupted write never
// leaves half a file where a complete one was.
func writeOutput(e *env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(path, data); err != nil {
		return outError(path, err)
	}
	return nil
}

// checkOutPath checks, before any work, that the file --out names can be
// written: its directory exists and takes a new file, and the path is not
// a directory itself. "" and "-" are stdout.
func checkOutPath(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return papersum.Errorf(papersum.EINVALID, "--out %s is a directory; give a file name", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return papersum.Errorf(papersum.EINVALID, "--out %s: directory %s does not exist", path, dir)
	case err != nil:
		return outError(path, err)
	case !st.IsDir():
		return papersum.Errorf(papersum.EINVALID, "--out %s: %s is not a directory", path, dir)
	}
	// Writing is the only reliable test of permission (ACLs, read-only
	// mounts, quotas): create the temporary file the write will use.
	tmp, err := os.CreateTemp(dir, atomicfile.TempPattern)
	if err != nil {
		return outError(path, err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// outError reports a failed write of --out by the file the user named and
// the reason, never by the temporary file's name.
func outError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	return papersum.Errorf(papersum.EINVALID, "--out %s: cannot write in %s: %v", path, filepath.Dir(path), err)
}

// ingestHint adds to an ingestion error how to change the limit it hit.
func ingestHint(err error) error {
	if errors.Is(err, ingest.ErrTooLarge) {
		return &papersum.Error{Code: papersum.ErrorCode(err), Message: papersum.ErrorMessage(err) + "; raise it with --max-bytes", Err: err}
	}
	return err
}
