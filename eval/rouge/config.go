package rouge

import (
	"errors"
	"fmt"
	"strconv"
)

// Scoring selects how ROUGE combines several references (-f).
type Scoring int

const (
	// ScoringAverage is ROUGE's "model average" formula (-f A, the default):
	// the matches and the reference counts of all references are pooled, and
	// the candidate's count enters the precision denominator once for each
	// reference. That is neither the mean nor the maximum of the
	// per-reference scores.
	ScoringAverage Scoring = iota
	// ScoringBest is ROUGE's "best model" formula (-f B): only the reference
	// with the highest recall counts (the first one on a tie). For ROUGE-N and
	// skip-bigrams the recall is compared after rounding to 5 decimals, for
	// ROUGE-L unrounded, as in the script.
	ScoringBest
)

// String returns the -f letter.
func (s Scoring) String() string {
	if s == ScoringBest {
		return "B"
	}
	return "A"
}

// CountMode is ROUGE's counting unit (-t).
type CountMode int

const (
	// CountSentence is -t 0 (the default): each evaluation is scored on its
	// own, R and P are rounded to 5 decimals and F is computed from the rounded
	// values. A corpus score is the mean of the evaluations' scores.
	CountSentence CountMode = iota
	// CountToken is -t 1: a corpus score pools the raw counts of all
	// evaluations. For one evaluation F comes from unrounded R and P, and the
	// printed values are means of Resamples identical bootstrap samples (which
	// can move the fifth decimal; see Score). Use Aggregate for the pooled
	// corpus-level values.
	CountToken
)

// Config is one ROUGE-1.5.5 configuration. Every field is named after the
// ROUGE flag it mirrors; the zero value is ROUGE run without flags, which
// computes ROUGE-L only. Build one with Preset or ParseFlags, or set fields
// directly and call Validate (Evaluate and NewScorer validate too).
type Config struct {
	// MaxN is the largest n of ROUGE-N (-n): ROUGE-1 ... ROUGE-MaxN are
	// computed. Default 0: no ROUGE-N, as ROUGE without -n.
	MaxN int
	// NoLCS turns ROUGE-L off (-x). Default false: ROUGE-L is computed.
	NoLCS bool
	// SkipBigram turns skip-bigram scoring on (-2). Default false.
	SkipBigram bool
	// SkipDistance is the value of -2: the largest number of words allowed
	// between the two words of a skip-bigram (4 for ROUGE-SU4). Any negative
	// value means no limit (ROUGE-S* / ROUGE-SU*); note that "-2 -4" is
	// negative, so the CL-SciSumm "SU4" is really SU*. Default 0 (plain
	// bigrams); used only when SkipBigram is set.
	SkipDistance int
	// SkipUnigrams adds unigrams to the skip-bigrams (-u): ROUGE-SU instead of
	// ROUGE-S. Default false.
	SkipUnigrams bool
	// Stem stems tokens longer than 3 bytes with ROUGE's WordNet exception list
	// and its own Porter stemmer (-m). Default false. Needs Resources.
	Stem bool
	// RemoveStopwords drops the SMART stopwords before scoring (-s). Default
	// false. Needs Resources.
	RemoveStopwords bool
	// Resources are ROUGE's data files (LoadResources), which Stem and
	// RemoveStopwords need. Default nil: without -m and -s nothing is read;
	// with either of them Validate fails with ErrNoResources. ParseFlags and
	// Preset never set it (ROUGE's -e is accepted and ignored), so that
	// parsing does no I/O.
	Resources *Resources
	// Scoring is the multi-reference formula (-f). Default ScoringAverage (A).
	Scoring Scoring
	// Alpha is the weight of precision in F = 1/(Alpha/P + (1-Alpha)/R) (-p).
	// Default (0): 0.5, ROUGE's default. Alpha = 0 (F = R) cannot be expressed;
	// it is rejected by ParseFlags. Must be in (0, 1].
	Alpha float64
	// CountMode is the counting unit (-t). Default CountSentence (-t 0).
	CountMode CountMode
	// Resamples is the number of bootstrap samples (-r). It matters for the
	// CountToken rounding quirk and for Aggregate. Default (0): 1000.
	Resamples int
	// Confidence is the confidence level in percent of Aggregate's bootstrap
	// interval (-c). Default (0): 95. Must be in (0, 100].
	Confidence float64
	// WordLimit keeps only the first WordLimit words of every summary,
	// candidate and references alike, as ROUGE does (-l). Words are counted
	// before punctuation is removed. Default 0: no limit.
	WordLimit int
	// ByteLimit keeps only the first ByteLimit bytes of every summary (-b),
	// with ROUGE's behaviour for ROUGE-L (see limitSentences). Default 0: no
	// limit. At most one of WordLimit and ByteLimit may be set.
	ByteLimit int
}

// Metric names, as ROUGE-1.5.5 prints them, used as Result keys.
const (
	ROUGE1      = "ROUGE-1"
	ROUGE2      = "ROUGE-2"
	ROUGEL      = "ROUGE-L"
	ROUGESU4    = "ROUGE-SU4"
	ROUGESUStar = "ROUGE-SU*"
)

// withDefaults fills the fields whose zero value stands for a ROUGE default.
func (c Config) withDefaults() Config {
	if c.Alpha == 0 {
		c.Alpha = 0.5
	}
	if c.Resamples == 0 {
		c.Resamples = 1000
	}
	if c.Confidence == 0 {
		c.Confidence = 95
	}
	return c
}

// Validate reports whether c is a configuration ROUGE-1.5.5 accepts (after
// defaults are applied) and, when it stems or removes stopwords, whether it
// has the Resources for that (the error then wraps ErrNoResources).
func (c Config) Validate() error {
	err := c.validateFlags()
	if (c.Stem || c.RemoveStopwords) && c.Resources == nil {
		if err != nil {
			return fmt.Errorf("%w\n%w", err, ErrNoResources)
		}
		return fmt.Errorf("rouge config: %w", ErrNoResources)
	}
	return err
}

// validateFlags is Validate without the data files: what ParseFlags checks.
func (c Config) validateFlags() error {
	c = c.withDefaults()
	var errs []error
	if c.MaxN < 0 {
		errs = append(errs, fmt.Errorf("MaxN %d < 0", c.MaxN))
	}
	if c.Alpha < 0 || c.Alpha > 1 {
		errs = append(errs, fmt.Errorf("alpha %g not in (0, 1]", c.Alpha))
	}
	if c.Resamples < 1 {
		errs = append(errs, fmt.Errorf("resamples %d < 1", c.Resamples))
	}
	if c.Confidence < 0 || c.Confidence > 100 {
		errs = append(errs, fmt.Errorf("confidence %g not in (0, 100]", c.Confidence))
	}
	if c.WordLimit < 0 || c.ByteLimit < 0 {
		errs = append(errs, errors.New("negative length limit"))
	}
	if c.WordLimit != 0 && c.ByteLimit != 0 {
		errs = append(errs, errors.New("specify a length limit in words or bytes but not both"))
	}
	if c.Scoring != ScoringAverage && c.Scoring != ScoringBest {
		errs = append(errs, fmt.Errorf("unknown scoring formula %d", c.Scoring))
	}
	if c.CountMode != CountSentence && c.CountMode != CountToken {
		errs = append(errs, fmt.Errorf("unknown count mode %d", c.CountMode))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rouge config: %w", err)
	}
	return nil
}

// Metrics lists the metric names c computes, in the order ROUGE prints them.
func (c Config) Metrics() []string {
	var m []string
	for n := 1; n <= c.MaxN; n++ {
		m = append(m, "ROUGE-"+strconv.Itoa(n))
	}
	if !c.NoLCS {
		m = append(m, ROUGEL)
	}
	if c.SkipBigram {
		m = append(m, c.skipName())
	}
	return m
}

func (c Config) skipName() string {
	name := "ROUGE-S"
	if c.SkipUnigrams {
		name = "ROUGE-SU"
	}
	if c.SkipDistance < 0 {
		return name + "*"
	}
	return name + strconv.Itoa(c.SkipDistance)
}

// Preset flag strings, exactly as the configurations of the reference vectors
// (../shared/data/reference-vectors/README.md) were run.
var presets = map[string]string{
	// SciTLDR (Cachola et al. 2020) via files2rouge: -c 95 -r 1000 -n 2 -a,
	// plus ROUGE-SU4 (-2 4 -u) as scored in the vectors.
	"scitldr": "-c 95 -r 1000 -n 2 -a -2 4 -u",
	// The same with -m: pyrouge passed -m before 2020-06-30.
	"scitldr_stem": "-c 95 -r 1000 -n 2 -a -m -2 4 -u",
	// CL-SciSumm 2018 Task 2 official flags (task2.sh), -e/-d/-z omitted.
	"clscisumm": "-f A -a -x -s -d -t 1 -m -2 -4 -u -n 2",
}

// PresetNames lists the names Preset accepts.
func PresetNames() []string { return []string{"scitldr", "scitldr_stem", "clscisumm"} }

// Preset returns a named configuration:
//
//   - "scitldr": -c 95 -r 1000 -n 2 -a -2 4 -u (ROUGE-1, -2, -L, -SU4; no stemming)
//   - "scitldr_stem": the same plus -m
//   - "clscisumm": -f A -a -x -s -d -t 1 -m -2 -4 -u -n 2 (ROUGE-1, -2, -SU*)
func Preset(name string) (Config, error) {
	flags, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("rouge: unknown preset %q (known: %v)", name, PresetNames())
	}
	return ParseFlags(flags)
}
