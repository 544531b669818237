package observability

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Exported is what a scrape shows: for each series name (histograms
// expanded into _bucket, _sum and _count), each label name and the values
// it took.
type Exported map[string]map[string]map[string]bool

// TargetLabels are added by Prometheus to every scraped series; queries
// may use them although papersum does not export them.
var TargetLabels = []string{"instance", "job"}

// ParseExposition reads a Prometheus text exposition.
func ParseExposition(r io.Reader) (Exported, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse exposition: %w", err)
	}
	out := Exported{}
	add := func(name string, lps []*dto.LabelPair, extra ...string) {
		if out[name] == nil {
			out[name] = map[string]map[string]bool{}
		}
		set := func(k, v string) {
			if out[name][k] == nil {
				out[name][k] = map[string]bool{}
			}
			out[name][k][v] = true
		}
		for _, lp := range lps {
			set(lp.GetName(), lp.GetValue())
		}
		for i := 0; i+1 < len(extra); i += 2 {
			set(extra[i], extra[i+1])
		}
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM:
				for _, b := range m.GetHistogram().GetBucket() {
					add(name+"_bucket", m.GetLabel(), "le", formatFloat(b.GetUpperBound()))
				}
				add(name+"_bucket", m.GetLabel(), "le", "+Inf")
				add(name+"_sum", m.GetLabel())
				add(name+"_count", m.GetLabel())
			case dto.MetricType_SUMMARY:
				for _, q := range m.GetSummary().GetQuantile() {
					add(name, m.GetLabel(), "quantile", formatFloat(q.GetQuantile()))
				}
				add(name+"_sum", m.GetLabel())
				add(name+"_count", m.GetLabel())
			default:
				add(name, m.GetLabel())
			}
		}
	}
	return out, nil
}

// formatFloat writes a bucket bound as the text exposition does (and as
// PromQL matches it): the shortest decimal, and +Inf.
func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Exemption allows a label value that a test's scrape cannot show (a 5xx
// status class on a healthy server), with the reason.
type Exemption struct {
	Metric, Label, Value, Why string
}

// Check parses every query and reports, one line each, what it uses that
// have does not export: a metric name that is neither exported nor
// recorded by a rule among qs, a label name in a matcher, a by/without
// clause or an on/ignoring clause that the series it applies to do not
// carry, and a label value matched with = that the scrape did not show
// or matched by a =~ regular expression (unless exempted). Prometheus's target labels (TargetLabels) are always
// allowed. A query that does not parse is reported too.
//
// Recorded series carry the labels their expression keeps plus the
// rule's static labels.
func Check(qs []Query, have Exported, exempt []Exemption) []string {
	var problems []string
	recorded := map[string]map[string]bool{}
	// Records are typed in order, so that a record built on an earlier
	// one (slo:sli_error:ratio_rate30d on ..._rate5m) sees its labels.
	c := &checker{have: have, recorded: recorded}
	for _, q := range qs {
		if q.Record == "" {
			continue
		}
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(q.Expr)
		if err != nil {
			continue // reported below
		}
		ls := c.labelsOf(expr)
		for k := range q.Labels {
			ls[k] = true
		}
		if recorded[q.Record] == nil {
			recorded[q.Record] = map[string]bool{}
		}
		for k := range ls {
			recorded[q.Record][k] = true
		}
	}
	for _, q := range qs {
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(q.Expr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: does not parse: %v", q.Source, err))
			continue
		}
		c.problems = nil
		c.check(expr, exempt)
		for _, p := range c.problems {
			problems = append(problems, q.Source+": "+p)
		}
	}
	return problems
}

type checker struct {
	have     Exported
	recorded map[string]map[string]bool
	problems []string
}

func (c *checker) report(format string, args ...any) {
	p := fmt.Sprintf(format, args...)
	if !slices.Contains(c.problems, p) {
		c.problems = append(c.problems, p)
	}
}

// seriesLabels are the label names of a series name, nil when unknown.
func (c *checker) seriesLabels(name string) map[string]bool {
	if ls, ok := c.have[name]; ok {
		out := map[string]bool{}
		for k := range ls {
			out[k] = true
		}
		return out
	}
	if ls, ok := c.recorded[name]; ok {
		out := map[string]bool{}
		for k := range ls {
			out[k] = true
		}
		return out
	}
	return nil
}

func (c *checker) check(expr parser.Expr, exempt []Exemption) {
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			c.checkSelector(n, exempt)
		case *parser.AggregateExpr:
			inner := c.labelsOf(n.Expr)
			for _, l := range n.Grouping {
				if !inner[l] && !slices.Contains(TargetLabels, l) {
					c.report("%s by/without label %q is on none of the series it aggregates", n.Op, l)
				}
			}
		case *parser.BinaryExpr:
			if n.VectorMatching != nil && len(n.VectorMatching.MatchingLabels) > 0 {
				both := c.labelsOf(n.LHS)
				for k := range c.labelsOf(n.RHS) {
					both[k] = true
				}
				for _, l := range n.VectorMatching.MatchingLabels {
					if !both[l] && !slices.Contains(TargetLabels, l) {
						c.report("on/ignoring label %q is on neither side", l)
					}
				}
			}
		}
		return nil
	})
}

func (c *checker) checkSelector(vs *parser.VectorSelector, exempt []Exemption) {
	name := vs.Name
	ls := c.seriesLabels(name)
	if ls == nil {
		c.report("metric %q is neither exported by papersum nor recorded by a rule", name)
		return
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel {
			continue
		}
		if slices.Contains(TargetLabels, m.Name) {
			continue
		}
		if !ls[m.Name] {
			c.report("%s has no label %q", name, m.Name)
			continue
		}
		if m.Type != labels.MatchEqual && m.Type != labels.MatchRegexp {
			continue // a negative matcher may match nothing
		}
		values := c.have[name][m.Name]
		if values == nil || slices.ContainsFunc(sortedKeys(values), m.Matches) {
			continue // a recorded series' values are not known; or seen
		}
		if slices.ContainsFunc(exempt, func(e Exemption) bool {
			return e.Metric == name && e.Label == m.Name && e.Value == m.Value
		}) {
			continue
		}
		c.report("%s{%s}: the scrape shows no such value (it has %s)", name, m, strings.Join(sortedKeys(values), ", "))
	}
}

// labelsOf is the set of label names the series of expr carry, as far as
// the checks need: selectors carry their metric's labels, aggregations
// what their clause keeps, histogram_quantile drops le, a binary
// operation the labels of its vector side (the left one when both are).
func (c *checker) labelsOf(expr parser.Expr) map[string]bool {
	switch e := expr.(type) {
	case *parser.VectorSelector:
		ls := c.seriesLabels(e.Name)
		if ls == nil {
			ls = map[string]bool{}
		}
		return ls
	case *parser.MatrixSelector:
		return c.labelsOf(e.VectorSelector)
	case *parser.SubqueryExpr:
		return c.labelsOf(e.Expr)
	case *parser.ParenExpr:
		return c.labelsOf(e.Expr)
	case *parser.UnaryExpr:
		return c.labelsOf(e.Expr)
	case *parser.StepInvariantExpr:
		return c.labelsOf(e.Expr)
	case *parser.AggregateExpr:
		out := map[string]bool{}
		if e.Without {
			out = c.labelsOf(e.Expr)
			for _, l := range e.Grouping {
				delete(out, l)
			}
			return out
		}
		for _, l := range e.Grouping {
			out[l] = true
		}
		return out
	case *parser.Call:
		out := map[string]bool{}
		for _, a := range e.Args {
			if a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix {
				for k := range c.labelsOf(a) {
					out[k] = true
				}
			}
		}
		if e.Func.Name == "histogram_quantile" {
			delete(out, "le")
		}
		return out
	case *parser.BinaryExpr:
		if e.LHS.Type() == parser.ValueTypeVector {
			out := c.labelsOf(e.LHS)
			if e.VectorMatching != nil && e.VectorMatching.Card == parser.CardOneToMany {
				for k := range c.labelsOf(e.RHS) {
					out[k] = true
				}
			}
			return out
		}
		return c.labelsOf(e.RHS)
	}
	return map[string]bool{}
}
