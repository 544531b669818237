package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
)

// The one rule of flag values: a value a flag cannot take is wrong usage
// (exit 2), refused while the flags are parsed, before anything is read or
// stored, with a message that names the flag, the value and what the flag
// accepts. Enumerated values are matched in any case and stored in their
// canonical (lower) case.
//
// Flags are registered with pflag as usual and then given a rule with
// limitFlags; a rule replaces the flag's Value by one that checks before it
// sets. pflag has enumerations and ranges in no form, and cobra only
// validates positional arguments, hence these few lines.

// flagRule constrains one registered flag.
type flagRule struct {
	name string
	// check returns the canonical form of a value, or why it is refused.
	check func(s string) (string, error)
	// accepts says what the flag takes, e.g. "from 10 to 5000"; it is
	// added to the flag's help.
	accepts string
	// typ is the flag's type word in the help, e.g. "text|json".
	typ string
}

// limitFlags applies rules to flags already registered on fs. A rule for a
// flag that does not exist is a programming error and panics, so that a
// renamed flag cannot silently lose its rule.
func limitFlags(fs *pflag.FlagSet, rules ...flagRule) {
	for _, r := range rules {
		f := fs.Lookup(r.name)
		if f == nil {
			panic("limitFlags: no flag --" + r.name)
		}
		f.Value = &checkedValue{Value: f.Value, rule: r}
		if r.accepts != "" {
			// "length in words: from 10 to 5000 (default ...)"
			at := strings.Index(f.Usage, " (default")
			if at < 0 {
				at = len(f.Usage)
			}
			f.Usage = f.Usage[:at] + ": " + r.accepts + f.Usage[at:]
		}
	}
}

// checkedValue is a flag value that checks its rule before it sets.
type checkedValue struct {
	pflag.Value
	rule flagRule
}

// Set checks s and sets its canonical form.
func (v *checkedValue) Set(s string) error {
	canon, err := v.rule.check(s)
	if err != nil {
		return err
	}
	return v.Value.Set(canon)
}

// Type is the word the help shows after the flag.
func (v *checkedValue) Type() string {
	if v.rule.typ != "" {
		return v.rule.typ
	}
	return v.Value.Type()
}

// oneOf accepts one of values, in any case.
func oneOf(name string, values ...string) flagRule {
	list := strings.Join(values, ", ")
	return flagRule{name: name, typ: strings.Join(values, "|"),
		check: func(s string) (string, error) {
			if v, ok := matchFold(s, values); ok {
				return v, nil
			}
			return "", fmt.Errorf("must be one of %s", list)
		}}
}

// matchFold returns the value of values that s names, in any case.
func matchFold(s string, values []string) (string, bool) {
	for _, v := range values {
		if strings.EqualFold(strings.TrimSpace(s), v) {
			return v, true
		}
	}
	return "", false
}

// intIn accepts whole numbers from lo to hi; zero, when given, says what
// 0 means, and then 0 is accepted too.
func intIn(name string, lo, hi int64, zero string) flagRule {
	accepts := rangeText(strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10), hi == noMax)
	if zero != "" {
		accepts += "; 0: " + zero
	}
	return flagRule{name: name, accepts: accepts,
		check: func(s string) (string, error) {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
			switch {
			case err != nil && errors.Is(err, strconv.ErrRange):
				return "", fmt.Errorf("out of range; must be %s", accepts)
			case err != nil:
				return "", fmt.Errorf("not a whole number; must be %s", accepts)
			case n == 0 && zero != "":
			case n < lo || n > hi:
				return "", fmt.Errorf("must be %s", accepts)
			}
			return strconv.FormatInt(n, 10), nil
		}}
}

// floatIn accepts numbers strictly between lo and hi.
func floatIn(name string, lo, hi float64) flagRule {
	accepts := fmt.Sprintf("more than %g and less than %g", lo, hi)
	return flagRule{name: name, accepts: accepts,
		check: func(s string) (string, error) {
			x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(x) || x <= lo || x >= hi {
				return "", fmt.Errorf("must be a number %s", accepts)
			}
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}}
}

// durationIn accepts durations ("90s", "2m") from lo to hi; zero, when
// given, says what 0 means, and then 0 is accepted too.
func durationIn(name string, lo, hi time.Duration, zero string) flagRule {
	accepts := rangeText(shortDuration(lo), shortDuration(hi), hi == noMax)
	if zero != "" {
		accepts += "; 0: " + zero
	}
	return flagRule{name: name, accepts: accepts,
		check: func(s string) (string, error) {
			d, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil {
				return "", fmt.Errorf("not a duration (write e.g. 90s, 2m or 1h); must be %s", accepts)
			}
			if !(d == 0 && zero != "") && (d < lo || d > hi) {
				return "", fmt.Errorf("must be %s", accepts)
			}
			return d.String(), nil
		}}
}

func rangeText(lo, hi string, open bool) string {
	if open {
		return "at least " + lo
	}
	return "from " + lo + " to " + hi
}

// flagError turns a flag parsing error into wrong usage (exit 2) with one
// line that names the flag and what it accepts.
func flagError(c *cobra.Command, err error) error {
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		val := inv.GetValue()
		if val == "" || strings.ContainsAny(val, " \t\n\"") {
			val = strconv.Quote(val)
		}
		msg := fmt.Sprintf("--%s %s: %v", inv.GetFlag().Name, val, inv.Unwrap())
		return argsError(c, msg)
	}
	return argsError(c, err.Error())
}

// Bounds shared by several commands.
const (
	// noMax is the upper bound of a number or duration that has none.
	noMax = math.MaxInt64
	// maxInputBytes caps --max-bytes: papers are read into memory whole.
	maxInputBytes = 1 << 30
	// maxConcurrency caps papers run at once by one process.
	maxConcurrency = 256
)

// formatFlag is the rule of an output --format flag.
func formatFlag(formats ...string) flagRule { return oneOf("format", formats...) }

// wordsFlag is the rule of --words: the range of target_words.
func wordsFlag() flagRule {
	return intIn("words", config.MinTargetWords, config.MaxTargetWords, "")
}

// maxBytesFlag is the rule of --max-bytes.
func maxBytesFlag() flagRule { return intIn("max-bytes", 1, maxInputBytes, "") }

// shortDuration writes d without zero tails: "1m", not "1m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// styleFlag is the rule of --style: one of the summary styles.
func styleFlag() flagRule {
	names := make([]string, len(papersum.Styles))
	for i, s := range papersum.Styles {
		names[i] = string(s)
	}
	return oneOf("style", names...)
}
