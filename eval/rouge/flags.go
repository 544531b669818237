package rouge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ParseFlags reads a ROUGE-1.5.5.pl option string, such as
// "-c 95 -r 1000 -n 2 -a -m", into a Config, so that a command line can take
// the flags a paper reports verbatim. Options are parsed like Perl's
// Getopt::Std does for ROUGE ('ahHb:c:de:f:l:mMn:p:st:r:2:3:w:uUvxz:'):
// switches may be bundled ("-amx"), a value may be attached ("-n2") or be the
// next word even if it starts with '-' (so "-2 -4" means skip distance -4),
// and a repeated option keeps its last value.
//
// Honoured: -n, -x, -2, -u, -U, -m, -s, -f, -p, -t (0, 1, or 2 for raw
// counts: CountRaw), -r, -c, -l, -b, and -e (recorded in Config.DataDir for
// the caller to load; ParseFlags does no I/O).
//
// Accepted and ignored, because they change no score and nothing papersum
// prints: -a (evaluate all systems; ROUGE itself clears it under -z), -d
// (per-evaluation lines: papersum scores one evaluation), -v (debug output),
// and -z SPL (the input format papersum reads).
//
// Refused with an error that names the option and what it accepts: unknown
// options; -h/-H (usage); -w (ROUGE-W), -3 (Basic Elements) and -M (stem
// models only), which papersum does not implement; -z other than SPL
// (papersum reads SPL; ROUGE-1.5.5 itself dies on anything but SEE, ISI or
// SPL for these metrics); positional arguments (the configuration file and
// system ID); and values ROUGE would reject or silently replace: -f other
// than A or B (ROUGE falls back to A), -t other than 0, 1 or 2 (ROUGE falls
// back to 0), -l with -b (even if one is 0), numbers that are not numbers
// (Perl reads "abc" as 0), -c and -p outside ROUGE's ranges, and -r below 1
// (ROUGE divides by zero). Two values ROUGE accepts cannot be expressed in a
// Config and are refused too: -p 0 (F = R) and -c 0. A -2 gap of 0 or more
// must be written as a plain integer ("4", not "04" or "+4"), because ROUGE
// names the metric after the text given ("ROUGE-SU04"). -n is limited to
// MaxNLimit.
func ParseFlags(flags string) (Config, error) {
	return parseArgs(strings.Fields(flags))
}

// valueOpts are the Getopt::Std options that take a value.
const valueOpts = "bceflnptr23wz"

// knownOpts are all the options ROUGE-1.5.5 defines.
const knownOpts = "ahHbcdeflmMnpstr23wuUvxz"

// optionList is the list of ROUGE-1.5.5's options that error messages show.
const optionList = "-a, -b BYTES, -c CF, -d, -e DIR, -f A|B, -l WORDS, -m, -n N, -p ALPHA, -r SAMPLES, -s, -t 0|1|2, -u, -U, -v, -x, -z SPL, -2 GAP (not supported: -h, -H, -M, -w, -3)"

func parseArgs(args []string) (Config, error) {
	var c Config
	fail := func(format string, a ...any) (Config, error) {
		return Config{}, fmt.Errorf("rouge flags: "+format, a...)
	}
	var wordLimit, byteLimit bool // -l and -b given, whatever their value
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			if i+1 < len(args) {
				return fail("unexpected argument %q: pass options only, not the configuration file or system ID", args[i+1])
			}
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			return fail("unexpected argument %q: pass options only, not the configuration file or system ID", arg)
		}
		rest := arg[1:]
		for rest != "" {
			opt := rest[0]
			rest = rest[1:]
			if strings.IndexByte(knownOpts, opt) < 0 {
				return fail("unknown option -%c; ROUGE-1.5.5's options are %s", opt, optionList)
			}
			var val string
			if strings.IndexByte(valueOpts, opt) >= 0 {
				val, rest = rest, ""
				if val == "" {
					if i+1 >= len(args) {
						return fail("option -%c needs a value", opt)
					}
					i++
					val = args[i]
				}
			}
			wordLimit = wordLimit || opt == 'l'
			byteLimit = byteLimit || opt == 'b'
			if err := c.setOpt(opt, val); err != nil {
				return fail("%v", err)
			}
		}
	}
	if wordLimit && byteLimit {
		// ROUGE: die "Please specify length limit in words or bytes but not both."
		return fail("-l and -b: specify a length limit in words (-l) or bytes (-b) but not both")
	}
	if err := c.validateFlags(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// perlNumber is a plain decimal number as a user writes one. Perl would
// read any string as a number ("abc" and "nan" included); ParseFloat
// accepts "inf", "nan" and hexadecimal; neither is a sensible ROUGE value.
var perlNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func (c *Config) setOpt(opt byte, val string) error {
	num := func(what string) (float64, error) {
		if !perlNumber.MatchString(val) {
			return 0, fmt.Errorf("-%c %q: %s must be a decimal number", opt, val, what)
		}
		return strconv.ParseFloat(val, 64)
	}
	integer := func(what string) (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, fmt.Errorf("-%c %q: %s must be an integer", opt, val, what)
		}
		return n, nil
	}
	var err error
	switch opt {
	case 'a', 'd', 'v':
		// no effect on scores or on what papersum prints
	case 'e':
		c.DataDir = val
	case 'z':
		// ROUGE matches /^SPL$/i; SEE and ISI are other file formats and
		// SIMPLE is for -3 only (readText dies "Unknown input format").
		if !strings.EqualFold(val, "SPL") {
			return fmt.Errorf("-z %q: input format must be SPL (one sentence per line, the format papersum reads; ROUGE-1.5.5's SEE and ISI formats are not read, SIMPLE is for -3 only)", val)
		}
	case 'h', 'H':
		return fmt.Errorf("-%c prints ROUGE's usage; it is not a scoring option (options: %s)", opt, optionList)
	case 'w':
		return fmt.Errorf("-w %s: ROUGE-W is not supported by papersum", val)
	case '3':
		return fmt.Errorf("-3 %s: Basic Elements (ROUGE-BE) are not supported by papersum", val)
	case 'M':
		return fmt.Errorf("-M (stem the references only) is not supported by papersum; -m stems both")
	case 'm':
		c.Stem = true
	case 's':
		c.RemoveStopwords = true
	case 'x':
		c.NoLCS = true
	case 'u':
		c.SkipUnigrams = true
	case 'U':
		c.SkipBoth = true
	case 'n':
		c.MaxN, err = integer("the largest n of ROUGE-N")
		if err == nil && (c.MaxN < 0 || c.MaxN > MaxNLimit) {
			err = fmt.Errorf("-n %s: the largest n of ROUGE-N must be in [0, %d]", val, MaxNLimit)
		}
	case '2':
		c.SkipBigram = true
		c.SkipDistance, err = integer("the skip-bigram gap (a negative gap means no limit)")
		if err == nil && c.SkipDistance >= 0 && strconv.Itoa(c.SkipDistance) != val {
			err = fmt.Errorf("-2 %q: write the gap as a plain integer (%d): ROUGE names the metric after the text given (ROUGE-S%s)", val, c.SkipDistance, val)
		}
	case 'l':
		c.WordLimit, err = integer("the word limit")
		if err == nil && c.WordLimit < 0 {
			err = fmt.Errorf("-l %s: the word limit must be 0 (none) or more", val)
		}
	case 'b':
		c.ByteLimit, err = integer("the byte limit")
		if err == nil && c.ByteLimit < 0 {
			err = fmt.Errorf("-b %s: the byte limit must be 0 (none) or more", val)
		}
	case 'r':
		c.Resamples, err = integer("the number of bootstrap samples")
		if err == nil && c.Resamples < 1 {
			err = fmt.Errorf("-r %s: the number of bootstrap samples must be 1 or more", val)
		}
	case 'c':
		c.Confidence, err = num("the confidence level")
		if err == nil && (c.Confidence <= 0 || c.Confidence > 100) {
			err = fmt.Errorf("-c %s: the confidence level must be in (0, 100] (ROUGE accepts 0; papersum does not)", val)
		}
	case 'p':
		c.Alpha, err = num("alpha")
		if err == nil && (c.Alpha <= 0 || c.Alpha > 1) {
			err = fmt.Errorf("-p %s: alpha must be in (0, 1] (ROUGE accepts 0, F = recall; papersum does not)", val)
		}
	case 'f':
		switch val {
		case "A":
			c.Scoring = ScoringAverage
		case "B":
			c.Scoring = ScoringBest
		default:
			err = fmt.Errorf("-f %q: the scoring formula must be A (model average) or B (best model)", val)
		}
	case 't':
		t, nerr := num("the counting unit")
		switch {
		case nerr == nil && t == 0:
			c.CountMode = CountSentence
		case nerr == nil && t == 1:
			c.CountMode = CountToken
		case nerr == nil && t == 2:
			c.CountMode = CountRaw
		default:
			err = fmt.Errorf("-t %q: the counting unit must be 0 (sentence), 1 (token) or 2 (token, raw counts)", val)
		}
	}
	return err
}
