package eval

import (
	"fmt"
	"strings"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/eval/rouge"
)

// ScoreROUGE scores one candidate summary (a list of sentences) with
// ROUGE-1.5.5 against the references of each reference type in refTypes
// (all references of one type are the models of one ROUGE evaluation, as
// CL-SciSumm's task2.sh does), under each named preset (rouge.Preset). It
// returns recall, precision and F of every metric the preset computes,
// named by the rule at the top of metrics.go: "rouge2_f/human" with one
// preset, "clscisumm:rouge2_f/human" with several.
//
// res are ROUGE's data files (rouge.LoadResources), which presets with -m
// or -s need ("scitldr_stem", "clscisumm"); nil will do for the others.
//
// A reference type absent from refs, an unknown preset or an empty preset
// list is an error with code papersum.EINVALID: a silently missing metric
// would make an evaluation look complete when it is not. So is a preset that
// needs res when res is nil.
func ScoreROUGE(candidate []string, refs map[string][][]string, refTypes []string, presets []string, res *rouge.Resources) (map[string]float64, error) {
	if len(presets) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "no ROUGE preset given (known: %s)", strings.Join(rouge.PresetNames(), ", "))
	}
	cfgs := make([]rouge.Config, len(presets))
	for i, p := range presets {
		cfg, err := rouge.Preset(p)
		if err != nil {
			return nil, &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("unknown ROUGE preset %q", p), Err: err}
		}
		cfg.Resources = res
		if err := cfg.Validate(); err != nil {
			return nil, &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("ROUGE preset %s: %v", p, err), Err: err}
		}
		cfgs[i] = cfg
	}
	out := make(map[string]float64)
	for _, rt := range refTypes {
		models, ok := refs[rt]
		if !ok {
			return nil, papersum.Errorf(papersum.EINVALID, "no references of type %q", rt)
		}
		for i, cfg := range cfgs {
			scores, err := rouge.Evaluate(candidate, models, cfg)
			if err != nil {
				return nil, fmt.Errorf("rouge %s against %s: %w", presets[i], rt, err)
			}
			for _, m := range cfg.Metrics() {
				s := scores[m]
				key := ROUGEKey(m)
				for _, pv := range []struct {
					part string
					v    float64
				}{{PartRecall, s.Recall}, {PartPrecision, s.Precision}, {PartF, s.F}} {
					name := MetricName(key, pv.part, rt)
					if len(presets) > 1 {
						name = QualifyMetric(presets[i], name)
					}
					out[name] = pv.v
				}
			}
		}
	}
	return out, nil
}

// Reference types of the SciTLDR protocol (see ScoreSciTLDR).
const (
	// SciTLDRMax is the multi-target "max" score: the target with the
	// highest ROUGE-1 F.
	SciTLDRMax = "tldr_max"
	// SciTLDRAuthor is the score against target 0, the author's TLDR.
	SciTLDRAuthor = "tldr_author"
	// SciTLDRMean is the mean score over all targets.
	SciTLDRMean = "tldr_mean"
)

// ScoreSciTLDR scores a candidate TLDR the way SciTLDR (Cachola et al.
// 2020, scripts/cal-rouge.py) does: the candidate is scored against each
// target on its own with ROUGE-1.5.5 -c 95 -r 1000 -n 2 -a (preset
// "scitldr", or "scitldr_stem" with stem, since the published numbers may
// or may not have had -m), keeping the F of ROUGE-1, ROUGE-2 and ROUGE-L.
// It returns those three F scores under three reference types:
//
//   - SciTLDRMax ("rouge1_f/tldr_max", ...): the target with the highest
//     ROUGE-1 F, the first one winning a tie, and that same target's R2
//     and RL (not the maximum of each metric separately);
//   - SciTLDRAuthor: target 0, the author-written TLDR;
//   - SciTLDRMean: the mean over the targets, metric by metric.
//
// The protocol's sentence split is part of the scorer: the candidate and
// each target are joined with spaces and re-split with SciTLDRSentences,
// so however the caller split them (a pipeline's sentence splitter, the
// dataset's whole-target "tldr" references), ROUGE-L sees the sentences
// the original evaluation saw. No targets is an error, and so is stem
// without res (ROUGE's data files, rouge.LoadResources).
func ScoreSciTLDR(candidate []string, targets [][]string, stem bool, res *rouge.Resources) (map[string]float64, error) {
	if len(targets) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "SciTLDR scoring needs at least one target")
	}
	preset := "scitldr"
	if stem {
		preset = "scitldr_stem"
	}
	cfg, err := rouge.Preset(preset)
	if err != nil {
		return nil, err
	}
	cfg.Resources = res
	if err := cfg.Validate(); err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Message: fmt.Sprintf("ROUGE preset %s: %v", preset, err), Err: err}
	}
	metrics := []string{rouge.ROUGE1, rouge.ROUGE2, rouge.ROUGEL}
	cand := SciTLDRSentences(strings.Join(candidate, " "))
	scores := make([][3]float64, len(targets))
	for i, t := range targets {
		r, err := rouge.Evaluate(cand, [][]string{SciTLDRSentences(strings.Join(t, " "))}, cfg)
		if err != nil {
			return nil, fmt.Errorf("rouge against target %d: %w", i, err)
		}
		for j, m := range metrics {
			scores[i][j] = r[m].F
		}
	}
	best := 0
	for i := range scores {
		if scores[i][0] > scores[best][0] { // strict: the first target wins a tie
			best = i
		}
	}
	out := make(map[string]float64, 9)
	for j, m := range metrics {
		key := ROUGEKey(m)
		var sum float64
		for i := range scores {
			sum += scores[i][j]
		}
		out[MetricName(key, PartF, SciTLDRMax)] = scores[best][j]
		out[MetricName(key, PartF, SciTLDRAuthor)] = scores[0][j]
		out[MetricName(key, PartF, SciTLDRMean)] = sum / float64(len(scores))
	}
	return out, nil
}

// SciTLDRSentences splits a text into ROUGE sentences the way SciTLDR's
// evaluation wrapper (files2rouge) does: only at " . " (space, full stop,
// space), each split-off sentence keeping its " .". Most TLDRs are thus a
// single sentence. The split only matters for ROUGE-L.
func SciTLDRSentences(text string) []string {
	parts := strings.Split(text, " . ")
	for i := range len(parts) - 1 {
		parts[i] += " ."
	}
	return parts
}
