package rouge

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseFlags reads a ROUGE-1.5.5.pl option string, such as
// "-c 95 -r 1000 -n 2 -a -m", into a Config, so that a command line can take
// the flags a paper reports verbatim. Options are parsed like Perl's
// Getopt::Std does for ROUGE ('ahHb:c:de:f:l:mMn:p:st:r:2:3:w:uUvxz:'):
// switches may be bundled ("-amx"), a value may be attached ("-n2") or be the
// next word even if it starts with '-' (so "-2 -4" means skip distance -4).
//
// Honoured: -n, -x, -2, -u, -m, -s, -f (A or B), -p, -t (0; 1 and 2 are both
// CountToken, since 2 only changes what ROUGE prints), -r, -c, -l, -b.
//
// Accepted and ignored, because they do not change any score: -a (evaluate all
// systems; ROUGE itself clears it under -z), -d (print per-evaluation lines),
// -v (debug output), -e <dir> (data directory: load it with LoadResources into
// Config.Resources instead), -z <fmt>
// (input list format). -c and -r only change Aggregate's bootstrap (and -r the
// CountToken rounding); they never change a per-evaluation score.
//
// Rejected with an error: -h/-H, -w (ROUGE-W), -3 (Basic Elements), -M
// (stem models only), -U (S and SU together), positional arguments (the
// configuration file and system ID), an -f other than A or B (ROUGE silently
// falls back to A), -p 0, -c 0 and -r 0 (see Config), and values ROUGE rejects.
func ParseFlags(flags string) (Config, error) {
	return parseArgs(strings.Fields(flags))
}

// valueOpts are the Getopt::Std options that take a value.
const valueOpts = "bceflnptr23wz"

// knownOpts are all the options ROUGE-1.5.5 defines.
const knownOpts = "ahHbcdeflmMnpstr23wuUvxz"

func parseArgs(args []string) (Config, error) {
	var c Config
	fail := func(format string, a ...any) (Config, error) {
		return Config{}, fmt.Errorf("rouge flags: "+format, a...)
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			if i+1 < len(args) {
				return fail("unexpected argument %q", args[i+1])
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
				return fail("unknown option -%c", opt)
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
			if err := c.setOpt(opt, val); err != nil {
				return fail("%v", err)
			}
		}
	}
	if c.WordLimit != 0 && c.ByteLimit != 0 {
		return fail("specify a length limit in words (-l) or bytes (-b) but not both")
	}
	if err := c.validateFlags(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) setOpt(opt byte, val string) error {
	num := func() (float64, error) {
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return 0, fmt.Errorf("-%c %q: not a number", opt, val)
		}
		return f, nil
	}
	integer := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil {
			return 0, fmt.Errorf("-%c %q: not an integer", opt, val)
		}
		return n, nil
	}
	var err error
	switch opt {
	case 'a', 'd', 'v', 'e', 'z':
		// no effect on scores
	case 'h', 'H':
		return fmt.Errorf("-%c (usage) is not a scoring option", opt)
	case 'w', '3', 'M', 'U':
		return fmt.Errorf("-%c is not supported by this implementation", opt)
	case 'm':
		c.Stem = true
	case 's':
		c.RemoveStopwords = true
	case 'x':
		c.NoLCS = true
	case 'u':
		c.SkipUnigrams = true
	case 'n':
		c.MaxN, err = integer()
	case '2':
		c.SkipBigram = true
		c.SkipDistance, err = integer()
	case 'l':
		c.WordLimit, err = integer()
	case 'b':
		c.ByteLimit, err = integer()
	case 'r':
		c.Resamples, err = integer()
		if err == nil && c.Resamples < 1 {
			err = fmt.Errorf("-r %s: need at least one sample", val)
		}
	case 'c':
		c.Confidence, err = num()
		if err == nil && (c.Confidence <= 0 || c.Confidence > 100) {
			err = fmt.Errorf("-c %s: confidence must be in (0, 100]", val)
		}
	case 'p':
		c.Alpha, err = num()
		if err == nil && (c.Alpha <= 0 || c.Alpha > 1) {
			err = fmt.Errorf("-p %s: alpha must be in (0, 1] (0 is not supported)", val)
		}
	case 'f':
		switch val {
		case "A":
			c.Scoring = ScoringAverage
		case "B":
			c.Scoring = ScoringBest
		default:
			err = fmt.Errorf("-f %q: scoring formula must be A or B", val)
		}
	case 't':
		var t float64
		t, err = num()
		// ROUGE: 1 and 2 count tokens (2 only prints raw counts); anything
		// else is the default sentence (evaluation) unit.
		if t == 1 || t == 2 {
			c.CountMode = CountToken
		} else {
			c.CountMode = CountSentence
		}
	}
	return err
}
