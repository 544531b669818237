package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/papersum/papersum"
)

// Version is the only spec version read: Sloth's Prometheus spec.
const Version = "prometheus/v1"

// Spec is one service's SLOs, in Sloth's prometheus/v1 format.
type Spec struct {
	// Version must be Version.
	Version string `yaml:"version"`
	// Service names the service; it becomes the sloth_service label.
	Service string `yaml:"service"`
	// Labels are added to every rule generated for the service.
	Labels map[string]string `yaml:"labels,omitempty"`
	// SLOs are the service's objectives, at least one.
	SLOs []SLO `yaml:"slos"`
}

// SLO is one objective.
type SLO struct {
	// Name names the SLO within the service (the sloth_slo label):
	// letters, digits, '-' and '_'.
	Name string `yaml:"name"`
	// Description says what the SLO promises, for readers of the spec.
	Description string `yaml:"description,omitempty"`
	// Objective is the target share of good events in percent, in
	// (0, 100): 99.9 leaves an error budget of 0.1%.
	Objective float64 `yaml:"objective"`
	// Labels are added to every rule of this SLO, over the service's.
	Labels map[string]string `yaml:"labels,omitempty"`
	// SLI says how bad events are counted.
	SLI SLI `yaml:"sli"`
	// Alerting configures the burn-rate alerts.
	Alerting Alerting `yaml:"alerting"`
}

// SLI is exactly one of Events and Raw.
type SLI struct {
	// Events is a ratio of two queries, bad events over all events.
	Events *Events `yaml:"events,omitempty"`
	// Raw is a query that gives the error ratio (0-1) itself.
	Raw *Raw `yaml:"raw,omitempty"`
}

// Events are two PromQL queries over a window written {{.window}}, as in
// sum(rate(x_total{code=~"5.."}[{{.window}}])).
type Events struct {
	// ErrorQuery counts bad events per second over the window.
	ErrorQuery string `yaml:"error_query"`
	// TotalQuery counts all events per second over the window.
	TotalQuery string `yaml:"total_query"`
}

// Raw is a PromQL query giving the error ratio over {{.window}}.
type Raw struct {
	// ErrorRatioQuery is the ratio of bad events, 0 to 1.
	ErrorRatioQuery string `yaml:"error_ratio_query"`
}

// Alerting configures an SLO's two alerts. Both are named Name and told
// apart by their sloth_severity label (page or ticket).
type Alerting struct {
	// Name is the alert name, required.
	Name string `yaml:"name"`
	// Labels are added to both alerts.
	Labels map[string]string `yaml:"labels,omitempty"`
	// Annotations are added to both alerts.
	Annotations map[string]string `yaml:"annotations,omitempty"`
	// PageAlert is the fast-burn alert (a person now).
	PageAlert Alert `yaml:"page_alert,omitempty"`
	// TicketAlert is the slow-burn alert (a ticket for working hours).
	TicketAlert Alert `yaml:"ticket_alert,omitempty"`
}

// Alert tunes one of the two alerts.
type Alert struct {
	// Disable leaves the alert out.
	Disable bool `yaml:"disable,omitempty"`
	// Labels are added to this alert, over Alerting.Labels.
	Labels map[string]string `yaml:"labels,omitempty"`
	// Annotations are added to this alert, over Alerting.Annotations.
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	labelRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	alertRE = regexp.MustCompile(`^[A-Za-z_:][A-Za-z0-9_:]*$`)
)

// windowVar is how a query names its window, as Sloth writes it.
const windowVar = "{{.window}}"

// unsupported are Sloth fields that change what is generated (plugins);
// reading past them would produce rules that differ from Sloth's.
var unsupported = []string{"slo_plugins", "plugins", "plugin"}

// Parse reads and validates a spec. Unknown fields are errors, so that a
// typo (error_querry) is not silently an SLO without an SLI.
//
// Errors: EINVALID, naming the field, for a spec that cannot be read or
// does not validate.
func Parse(r io.Reader) (*Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "slo spec: %v", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, papersum.Errorf(papersum.EINVALID, "slo spec: empty")
		}
		msg := err.Error()
		for _, f := range unsupported {
			if strings.Contains(msg, "field "+f+" not found") {
				return nil, papersum.Errorf(papersum.EINVALID, "slo spec: %q (Sloth plugins) is not supported", f)
			}
		}
		return nil, papersum.Errorf(papersum.EINVALID, "slo spec: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks what generation relies on.
//
// Errors: EINVALID, naming the SLO and field.
func (s *Spec) Validate() error {
	bad := func(format string, args ...any) error {
		return papersum.Errorf(papersum.EINVALID, "slo spec: "+format, args...)
	}
	if s.Version != Version {
		return bad("version %q, want %q", s.Version, Version)
	}
	if !nameRE.MatchString(s.Service) {
		return bad("service %q must be letters, digits, '-' or '_'", s.Service)
	}
	if err := checkLabels("labels", s.Labels); err != nil {
		return err
	}
	if len(s.SLOs) == 0 {
		return bad("no slos")
	}
	var seen []string
	for i, o := range s.SLOs {
		at := fmt.Sprintf("slos[%d]", i)
		if !nameRE.MatchString(o.Name) {
			return bad("%s.name %q must be letters, digits, '-' or '_'", at, o.Name)
		}
		if slices.Contains(seen, o.Name) {
			return bad("%s.name %q is used twice", at, o.Name)
		}
		seen = append(seen, o.Name)
		at = fmt.Sprintf("slo %q", o.Name)
		if !(o.Objective > 0 && o.Objective < 100) {
			return bad("%s: objective %v must be a percentage strictly between 0 and 100", at, o.Objective)
		}
		if err := checkLabels(at+" labels", o.Labels); err != nil {
			return err
		}
		switch sli := o.SLI; {
		case (sli.Events == nil) == (sli.Raw == nil):
			return bad("%s: sli needs exactly one of events and raw", at)
		case sli.Events != nil:
			for field, q := range map[string]string{"error_query": sli.Events.ErrorQuery, "total_query": sli.Events.TotalQuery} {
				if !strings.Contains(q, windowVar) {
					return bad("%s: sli.events.%s must use %s for its range", at, field, windowVar)
				}
			}
		default:
			if !strings.Contains(sli.Raw.ErrorRatioQuery, windowVar) {
				return bad("%s: sli.raw.error_ratio_query must use %s for its range", at, windowVar)
			}
		}
		a := o.Alerting
		if !alertRE.MatchString(a.Name) {
			return bad("%s: alerting.name %q is not a valid alert name", at, a.Name)
		}
		for field, m := range map[string]map[string]string{
			"alerting.labels": a.Labels, "alerting.annotations": a.Annotations,
			"page_alert.labels": a.PageAlert.Labels, "page_alert.annotations": a.PageAlert.Annotations,
			"ticket_alert.labels": a.TicketAlert.Labels, "ticket_alert.annotations": a.TicketAlert.Annotations,
		} {
			if err := checkLabels(at+" "+field, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkLabels(where string, m map[string]string) error {
	for k := range m {
		if !labelRE.MatchString(k) || strings.HasPrefix(k, "__") {
			return papersum.Errorf(papersum.EINVALID, "slo spec: %s: %q is not a valid label name", where, k)
		}
		if strings.HasPrefix(k, "sloth_") {
			return papersum.Errorf(papersum.EINVALID, "slo spec: %s: %q: sloth_ labels are set by the generator", where, k)
		}
	}
	return nil
}
