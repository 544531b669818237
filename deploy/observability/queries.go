package observability

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Files are the dashboards, rules and SLO spec.
//
//go:embed dashboards/*.json rules/*.yaml slos.yaml
var Files embed.FS

// Query is one PromQL expression and where it is.
type Query struct {
	// Source names the file and the panel, variable or rule.
	Source string
	// Expr is the expression, with Grafana's variables replaced by
	// sample values so that it parses as PromQL.
	Expr string
	// Record is the series name a recording rule writes, "" otherwise.
	Record string
	// Labels are a rule's static labels.
	Labels map[string]string
}

// RuleFile is the part of a Prometheus rule file read here.
type RuleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []Rule `yaml:"rules"`
	} `yaml:"groups"`
}

// Rule is a recording or alerting rule.
type Rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Dashboard is the part of a Grafana dashboard read here.
type Dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

// Panel is a dashboard panel; a row holds panels of its own when
// collapsed.
type Panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *Datasource `json:"datasource"`
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *Datasource `json:"datasource"`
	} `json:"targets"`
	Panels []Panel `json:"panels"`
}

// Datasource is a panel's or target's data source reference.
type Datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Variable is a dashboard template variable.
type Variable struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	AllValue   string          `json:"allValue"`
	Datasource *Datasource     `json:"datasource"`
}

// AllPanels flattens rows.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

// Dashboards reads every dashboard, by file name.
func Dashboards() (map[string]*Dashboard, error) {
	names, _ := fs.Glob(Files, "dashboards/*.json")
	out := map[string]*Dashboard{}
	for _, n := range names {
		data, err := Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var d Dashboard
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[n] = &d
	}
	return out, nil
}

// RuleFiles reads every rule file, by file name.
func RuleFiles() (map[string]*RuleFile, error) {
	names, _ := fs.Glob(Files, "rules/*.yaml")
	out := map[string]*RuleFile{}
	for _, n := range names {
		data, err := Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var f RuleFile
		if err := yaml.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[n] = &f
	}
	return out, nil
}

// grafanaVars are Grafana's built-in range variables, replaced by a
// typical value.
var grafanaVars = map[string]string{"__rate_interval": "5m", "__interval": "1m", "__range": "1d"}

var (
	varRE        = regexp.MustCompile(`\$\{?(\w+)\}?`)
	labelValueRE = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(\w+)\s*\)$`)
)

// Queries lists every expression of the dashboards (panel targets and
// query variables) and the rule files, in a stable order.
//
// Dashboard variables are replaced: Grafana's range variables by a
// typical range, a query variable by its all-value, a textbox by its
// default; an unknown variable is an error.
func Queries() ([]Query, error) {
	var out []Query
	dashboards, err := Dashboards()
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(dashboards) {
		d := dashboards[name]
		vars := maps(grafanaVars)
		for _, v := range d.Templating.List {
			switch v.Type {
			case "query":
				vars[v.Name] = v.AllValue
				if m := labelValueRE.FindStringSubmatch(v.Definition); m != nil {
					out = append(out, Query{Source: fmt.Sprintf("%s variable %s", name, v.Name), Expr: m[1]})
				} else {
					return nil, fmt.Errorf("%s: variable %s: definition %q is not label_values(metric, label)", name, v.Name, v.Definition)
				}
			case "textbox", "constant", "custom":
				var s string
				if err := json.Unmarshal(v.Query, &s); err != nil {
					return nil, fmt.Errorf("%s: variable %s: query: %w", name, v.Name, err)
				}
				vars[v.Name] = s
			}
		}
		for _, p := range d.AllPanels() {
			for _, t := range p.Targets {
				src := fmt.Sprintf("%s panel %d %q target %s", name, p.ID, p.Title, t.RefID)
				var unknown []string
				expr := varRE.ReplaceAllStringFunc(t.Expr, func(s string) string {
					n := varRE.FindStringSubmatch(s)[1]
					if v, ok := vars[n]; ok {
						return v
					}
					unknown = append(unknown, n)
					return s
				})
				if len(unknown) > 0 {
					return nil, fmt.Errorf("%s: unknown variables %v", src, unknown)
				}
				out = append(out, Query{Source: src, Expr: expr})
			}
		}
	}
	files, err := RuleFiles()
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(files) {
		for _, g := range files[name].Groups {
			for _, r := range g.Rules {
				what := "alert " + r.Alert
				if r.Record != "" {
					what = "record " + r.Record
				}
				out = append(out, Query{Source: fmt.Sprintf("%s group %s %s", name, g.Name, what), Expr: r.Expr, Record: r.Record, Labels: r.Labels})
			}
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Anchor is the GitHub anchor of a Markdown heading: lower case, spaces
// to '-', and everything but letters, digits, '-' and '_' dropped.
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Anchors returns the anchors of a Markdown document's headings.
func Anchors(markdown string) map[string]bool {
	out := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(markdown, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		out[Anchor(strings.TrimLeft(line, "#"))] = true
	}
	return out
}

// RunbookAnchor returns the anchor of a runbook_url ("docs/runbook.md#x"
// gives "x") and whether it points at docs/runbook.md.
func RunbookAnchor(url string) (string, bool) {
	file, anchor, ok := strings.Cut(url, "#")
	return anchor, ok && path.Base(file) == "runbook.md"
}
