package rouge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// CountRaw is -t 2: scores are computed as under CountToken, but ROUGE
	// prints only the raw counts (Score.ModelCount, PeerCount and Hits;
	// Average's summed counts), no R, P or F and no bootstrap.
	CountRaw
)

// pooled reports whether m counts tokens over the whole corpus (-t 1 or 2).
func (m CountMode) pooled() bool { return m == CountToken || m == CountRaw }

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
	// SkipBoth computes plain skip-bigrams and skip-bigrams with unigrams
	// side by side (-U): ROUGE-S<d> and then ROUGE-SU<d>. Default false.
	// Used only when SkipBigram is set and SkipUnigrams is not: with -u,
	// ROUGE-1.5.5 prints ROUGE-SU<d> only, and so does this package.
	SkipBoth bool
	// Stem stems tokens longer than 3 bytes with ROUGE's WordNet exception list
	// and its own Porter stemmer (-m). Default false. Needs Resources.
	Stem bool
	// RemoveStopwords drops the SMART stopwords before scoring (-s). Default
	// false. Needs Resources.
	RemoveStopwords bool
	// Resources are ROUGE's data files (LoadResources), which Stem and
	// RemoveStopwords need. Default nil: without -m and -s nothing is read;
	// with either of them Validate fails with ErrNoResources. ParseFlags and
	// Preset never set it (they record -e in DataDir), so that parsing does
	// no I/O.
	Resources *Resources
	// DataDir is ROUGE's data directory as given with -e. Scoring never
	// reads it: a command that honours -e loads it with LoadResources into
	// Resources. Default "": no -e given.
	DataDir string
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
	if c.MaxN < 0 || c.MaxN > MaxNLimit {
		errs = append(errs, fmt.Errorf("MaxN %d not in [0, %d]", c.MaxN, MaxNLimit))
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
	if c.CountMode != CountSentence && !c.CountMode.pooled() {
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
		// ROUGE-1.5.5: -u prints SU only; otherwise S, then SU if -U.
		if c.SkipUnigrams {
			m = append(m, c.skipName(true))
		} else {
			m = append(m, c.skipName(false))
			if c.SkipBoth {
				m = append(m, c.skipName(true))
			}
		}
	}
	return m
}

// skipUnigrams reports whether skip unigrams are scored: for ROUGE-SU
// alone (-u) or beside ROUGE-S (-U).
func (c Config) skipUnigrams() bool { return c.SkipUnigrams || c.SkipBoth }

// skipName is the name ROUGE prints for skip-bigrams, with unigrams (SU)
// or without (S): "ROUGE-SU4", "ROUGE-S*", ...
func (c Config) skipName(unigrams bool) string {
	name := "ROUGE-S"
	if unigrams {
		name = "ROUGE-SU"
	}
	if c.SkipDistance < 0 {
		return name + "*"
	}
	return name + strconv.Itoa(c.SkipDistance)
}

// MaxNLimit is the largest -n accepted. ROUGE-1.5.5 has no limit, but it
// computes and prints one line per n; papersum refuses sizes that would only
// exhaust memory (a published protocol uses at most 4).
const MaxNLimit = 100

// preset is a named ROUGE-1.5.5 flag string.
type preset struct{ name, flags, about string }

// presets are the named configurations, in the order PresetNames lists them.
// Each is exactly a ROUGE-1.5.5 flag string, so a preset computes (and the
// CLI prints) exactly the metrics ROUGE prints for those flags.
var presets = []preset{
	// SciTLDR (Cachola et al. 2020) via files2rouge: -c 95 -r 1000 -n 2 -a.
	{"scitldr", "-c 95 -r 1000 -n 2 -a", "SciTLDR, no stemming: ROUGE-1, -2, -L"},
	// The same with -m: pyrouge passed -m before 2020-06-30.
	{"scitldr_stem", "-c 95 -r 1000 -n 2 -a -m", "SciTLDR with stemming: ROUGE-1, -2, -L"},
	// SciTLDR's flags plus ROUGE-SU4, as the reference vectors score it and
	// as papersum's eval run scores generic and ScisummNet data.
	{"scitldr_su4", "-c 95 -r 1000 -n 2 -a -2 4 -u", "SciTLDR's flags plus ROUGE-SU4: ROUGE-1, -2, -L, -SU4"},
	{"scitldr_stem_su4", "-c 95 -r 1000 -n 2 -a -m -2 4 -u", "the same with stemming"},
	// CL-SciSumm 2018 Task 2 official flags (task2.sh), -e/-z omitted.
	{"clscisumm", "-f A -a -x -s -d -t 1 -m -2 -4 -u -n 2", `CL-SciSumm 2018 Task 2: ROUGE-1, -2, -SU*; "-2 -4" means no gap limit`},
}

// PresetNames lists the names Preset accepts.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.name
	}
	return names
}

// PresetFlags returns the ROUGE-1.5.5 flags of a named preset and a short
// description of it, and whether the preset exists.
func PresetFlags(name string) (flags, about string, ok bool) {
	for _, p := range presets {
		if p.name == name {
			return p.flags, p.about, true
		}
	}
	return "", "", false
}

// Preset returns a named configuration: ParseFlags of its flags.
//
//   - "scitldr": -c 95 -r 1000 -n 2 -a (ROUGE-1, -2, -L; no stemming)
//   - "scitldr_stem": the same plus -m
//   - "scitldr_su4", "scitldr_stem_su4": the two above plus -2 4 -u (ROUGE-SU4)
//   - "clscisumm": -f A -a -x -s -d -t 1 -m -2 -4 -u -n 2 (ROUGE-1, -2, -SU*)
func Preset(name string) (Config, error) {
	flags, _, ok := PresetFlags(name)
	if !ok {
		return Config{}, fmt.Errorf("rouge: unknown preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return ParseFlags(flags)
}
