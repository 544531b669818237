package faultsuite_test

import (
	"fmt"
	"strings"
	"time"
)

// renderTable is the results as a Markdown table, the shape of issue 11's
// and of BENCHMARKS.md's "Dependency faults".
func renderTable(results []result) string {
	var b strings.Builder
	b.WriteString("| store | fault | what happened | final | repeated / abandoned calls | time to recover |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.store, r.fault, cell(strings.Join(r.happened, "; ")),
			r.final(), r.calls(), r.recoveryCell())
	}
	return b.String()
}

// final is the outcome: papers done, lost and stored twice.
func (r result) final() string {
	lost := r.papers - r.done
	s := fmt.Sprintf("%d/%d done", r.done, r.papers)
	if lost > 0 {
		var why []string
		if r.failed > 0 {
			why = append(why, fmt.Sprintf("%d failed", r.failed))
		}
		if r.pending > 0 {
			why = append(why, fmt.Sprintf("%d unfinished", r.pending))
		}
		if r.missing > 0 {
			why = append(why, fmt.Sprintf("%d never created", r.missing))
		}
		s += fmt.Sprintf(", **%d lost** (%s)", lost, strings.Join(why, ", "))
	} else {
		s += ", nothing lost"
	}
	if r.dupRuns+r.dupStages > 0 {
		s += fmt.Sprintf(", **stored twice**: %d papers with two runs, %d runs with a stage twice", r.dupRuns, r.dupStages)
	} else {
		s += ", no duplicates"
	}
	return s
}

// calls is the model calls paid for and not stored, and what the runs
// record of them (repeated_calls, abandoned_calls).
func (r result) calls() string {
	return fmt.Sprintf("%d answered, %d stored: %d not stored; runs record %d repeated, %d abandoned",
		r.answered, r.stored, r.answered-r.stored, r.repeated, r.abandoned)
}

func (r result) recoveryCell() string {
	switch {
	case !r.recovered:
		return "did not recover"
	case r.recovery == 0:
		return "finished during the fault"
	default:
		return r.recovery.Round(100 * time.Millisecond).String()
	}
}

// cell keeps a table cell on one line.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
