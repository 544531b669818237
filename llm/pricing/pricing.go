package pricing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

//go:embed pricing.json
var builtin []byte

// dateLayout is the layout of effective_from.
const dateLayout = "2006-01-02"

// Row is one model's prices from EffectiveFrom on, with its capabilities.
// Prices are US dollars per million tokens.
type Row struct {
	Provider string
	// Model is the canonical model name; Aliases are other names for the
	// same model, such as dated snapshot IDs.
	Model   string
	Aliases []string
	// EffectiveFrom is midnight UTC of the first day the row applies.
	EffectiveFrom time.Time

	InputPerMTok        float64
	OutputPerMTok       float64
	CacheWrite5mPerMTok float64
	CacheWrite1hPerMTok float64
	CacheReadPerMTok    float64
	// BatchDiscount is the fraction taken off every token kind for batch
	// requests: 0.5 for Anthropic's Message Batches, 0 for none.
	BatchDiscount float64

	// AcceptsTemperature is false for models that reject a non-default
	// temperature (and top_p/top_k); the model adapter then omits it.
	AcceptsTemperature bool
	// ContextWindow and MaxOutput are token limits; 0 means unknown.
	ContextWindow int
	MaxOutput     int

	// Note says where the row comes from or what is special about it.
	Note string
}

// Cost returns the cost in US dollars of u at this row's prices. It does
// not check u; Table.Price does.
func (r Row) Cost(u papersum.Usage, batch bool) float64 {
	// Sum the products first and divide once: fewer roundings than
	// dividing each price by a million.
	micro := float64(u.InputTokens)*r.InputPerMTok +
		float64(u.OutputTokens)*r.OutputPerMTok +
		float64(u.CacheCreation5mTokens)*r.CacheWrite5mPerMTok +
		float64(u.CacheCreation1hTokens)*r.CacheWrite1hPerMTok +
		float64(u.CacheReadTokens)*r.CacheReadPerMTok
	cost := micro / 1e6
	if batch {
		cost *= 1 - r.BatchDiscount
	}
	return cost
}

// file is the JSON form of a pricing file.
type file struct {
	Version int               `json:"version"`
	Notes   []string          `json:"notes,omitempty"`
	Sources []json.RawMessage `json:"sources,omitempty"`
	Rows    []fileRow         `json:"rows"`
}

type fileRow struct {
	Provider            string   `json:"provider"`
	Model               string   `json:"model"`
	Aliases             []string `json:"aliases,omitempty"`
	EffectiveFrom       string   `json:"effective_from"`
	InputPerMTok        *float64 `json:"input_per_mtok"`
	OutputPerMTok       *float64 `json:"output_per_mtok"`
	CacheWrite5mPerMTok *float64 `json:"cache_write_5m_per_mtok"`
	CacheWrite1hPerMTok *float64 `json:"cache_write_1h_per_mtok"`
	CacheReadPerMTok    *float64 `json:"cache_read_per_mtok"`
	BatchDiscount       float64  `json:"batch_discount"`
	AcceptsTemperature  *bool    `json:"accepts_temperature,omitempty"`
	ContextWindow       int      `json:"context_window,omitempty"`
	MaxOutput           int      `json:"max_output,omitempty"`
	Note                string   `json:"note,omitempty"`
}

// key names a model of a provider.
type key struct{ provider, model string }

// Table is a validated set of price rows. It implements papersum.Pricer
// and is safe for concurrent use: it is never changed after it is built.
type Table struct {
	// rows holds each canonical model's rows, oldest first.
	rows map[key][]Row
	// names maps every model name and alias to its canonical model.
	names map[key]string
}

var _ papersum.Pricer = (*Table)(nil)

// Default returns the built-in table from the embedded pricing.json.
//
// Errors: EINTERNAL if the embedded file is invalid, which its tests rule
// out.
func Default() (*Table, error) {
	t, err := Parse(bytes.NewReader(builtin))
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINTERNAL, Op: "pricing.Default", Message: "pricing: embedded pricing.json is invalid", Err: err}
	}
	return t, nil
}

// Load reads a user's pricing file and returns the built-in table
// overridden by it (see Table.Override): the models the file names take
// their rows from the file, every other model keeps its built-in rows.
//
// Errors: EINVALID as for Parse and Override.
func Load(r io.Reader) (*Table, error) {
	user, err := Parse(r)
	if err != nil {
		return nil, err
	}
	base, err := Default()
	if err != nil {
		return nil, err
	}
	return base.Override(user)
}

// Parse reads and validates a pricing file (see the package comment for
// the format) and returns a table of its rows alone.
//
// Errors: EINVALID when the file is not valid JSON, has an unknown field,
// a version other than 1, no rows, a row without provider or model, a date
// that does not parse, a price that is missing or negative, a batch
// discount outside [0, 1], negative limits, two rows of one model with the
// same effective_from, or one name used for two models.
func Parse(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Op: "pricing.Parse", Message: "pricing: read file", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, invalid("%s", jsonError(data, err))
	}
	if dec.More() {
		return nil, invalid("data after the JSON object")
	}
	if f.Version != 1 {
		return nil, invalid("version %d is not supported (want 1)", f.Version)
	}
	if len(f.Rows) == 0 {
		return nil, invalid("no rows")
	}
	rows := make([]Row, 0, len(f.Rows))
	for i, fr := range f.Rows {
		row, err := fr.row()
		if err != nil {
			name := fr.Provider + "/" + fr.Model
			return nil, invalid("row %d (%s): %v", i+1, name, err)
		}
		rows = append(rows, row)
	}
	return build(rows)
}

// jsonError describes a decoding error with its line, which
// encoding/json reports only as a byte offset.
func jsonError(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

func invalid(format string, args ...any) error {
	return &papersum.Error{Code: papersum.EINVALID, Op: "pricing.Parse", Message: "pricing: " + fmt.Sprintf(format, args...)}
}

// row validates fr and converts it.
func (fr fileRow) row() (Row, error) {
	if fr.Provider == "" || fr.Model == "" {
		return Row{}, errors.New("provider and model are required")
	}
	for _, name := range append([]string{fr.Provider, fr.Model}, fr.Aliases...) {
		if name == "" || strings.TrimSpace(name) != name {
			return Row{}, fmt.Errorf("name %q is empty or has surrounding spaces", name)
		}
	}
	if fr.EffectiveFrom == "" {
		return Row{}, errors.New("effective_from is required (YYYY-MM-DD)")
	}
	from, err := time.Parse(dateLayout, fr.EffectiveFrom)
	if err != nil {
		return Row{}, fmt.Errorf("effective_from %q is not a date (YYYY-MM-DD)", fr.EffectiveFrom)
	}
	prices := []struct {
		name string
		v    *float64
	}{
		{"input_per_mtok", fr.InputPerMTok},
		{"output_per_mtok", fr.OutputPerMTok},
		{"cache_write_5m_per_mtok", fr.CacheWrite5mPerMTok},
		{"cache_write_1h_per_mtok", fr.CacheWrite1hPerMTok},
		{"cache_read_per_mtok", fr.CacheReadPerMTok},
	}
	for _, p := range prices {
		// Every price is required: a forgotten field must not read as $0.
		if p.v == nil {
			return Row{}, fmt.Errorf("%s is required (0 for free)", p.name)
		}
		if *p.v < 0 || math.IsNaN(*p.v) || math.IsInf(*p.v, 0) {
			return Row{}, fmt.Errorf("%s %v is negative", p.name, *p.v)
		}
	}
	if fr.BatchDiscount < 0 || fr.BatchDiscount > 1 {
		return Row{}, fmt.Errorf("batch_discount %v is outside [0, 1]", fr.BatchDiscount)
	}
	if fr.ContextWindow < 0 || fr.MaxOutput < 0 {
		return Row{}, errors.New("context_window and max_output must not be negative")
	}
	accepts := true
	if fr.AcceptsTemperature != nil {
		accepts = *fr.AcceptsTemperature
	}
	return Row{
		Provider:            fr.Provider,
		Model:               fr.Model,
		Aliases:             append([]string(nil), fr.Aliases...),
		EffectiveFrom:       from,
		InputPerMTok:        *fr.InputPerMTok,
		OutputPerMTok:       *fr.OutputPerMTok,
		CacheWrite5mPerMTok: *fr.CacheWrite5mPerMTok,
		CacheWrite1hPerMTok: *fr.CacheWrite1hPerMTok,
		CacheReadPerMTok:    *fr.CacheReadPerMTok,
		BatchDiscount:       fr.BatchDiscount,
		AcceptsTemperature:  accepts,
		ContextWindow:       fr.ContextWindow,
		MaxOutput:           fr.MaxOutput,
		Note:                fr.Note,
	}, nil
}

// build indexes validated rows, checking what needs all rows at once:
// duplicate dates and names claimed by two models.
func build(rows []Row) (*Table, error) {
	t := &Table{rows: map[key][]Row{}, names: map[key]string{}}
	for _, r := range rows {
		k := key{r.Provider, r.Model}
		for _, have := range t.rows[k] {
			if have.EffectiveFrom.Equal(r.EffectiveFrom) {
				return nil, invalid("two rows for %s/%s effective from %s", r.Provider, r.Model, r.EffectiveFrom.Format(dateLayout))
			}
		}
		t.rows[k] = append(t.rows[k], r)
	}
	for k, rs := range t.rows {
		sort.Slice(rs, func(i, j int) bool { return rs[i].EffectiveFrom.Before(rs[j].EffectiveFrom) })
		for _, r := range rs {
			for _, name := range append([]string{r.Model}, r.Aliases...) {
				nk := key{k.provider, name}
				if other, ok := t.names[nk]; ok && other != k.model {
					return nil, invalid("%s/%s names both model %s and model %s", k.provider, name, other, k.model)
				}
				t.names[nk] = k.model
			}
		}
	}
	return t, nil
}

// Override returns a table with o's rows for every provider/model that o
// names and t's rows for every other. Neither t nor o changes.
//
// Errors: EINVALID when a name in o is also a name of a different model of
// t that o does not replace.
func (t *Table) Override(o *Table) (*Table, error) {
	var rows []Row
	for k, rs := range t.rows {
		if _, replaced := o.rows[k]; !replaced {
			rows = append(rows, rs...)
		}
	}
	for _, rs := range o.rows {
		rows = append(rows, rs...)
	}
	return build(rows)
}

// Lookup returns the row of provider/model (its canonical name or an
// alias) in effect at time at: the one with the latest EffectiveFrom not
// after at. ok is false when there is none.
func (t *Table) Lookup(provider, model string, at time.Time) (row Row, ok bool) {
	canon, ok := t.names[key{provider, model}]
	if !ok {
		return Row{}, false
	}
	rs := t.rows[key{provider, canon}]
	for i := len(rs) - 1; i >= 0; i-- {
		if !rs[i].EffectiveFrom.After(at) {
			row = rs[i]
			row.Aliases = append([]string(nil), row.Aliases...) // the table stays immutable
			return row, true
		}
	}
	return Row{}, false
}

// Known reports whether provider/model has a price in effect at time at.
func (t *Table) Known(provider, model string, at time.Time) bool {
	_, ok := t.Lookup(provider, model, at)
	return ok
}

// Price returns the cost in US dollars of u on provider/model at time at;
// batch applies the row's batch discount.
//
// Errors: EINVALID when the model has no price in effect at that time (the
// message names the model and says how to add a price) or when u has a
// negative token count.
func (t *Table) Price(provider, model string, u papersum.Usage, batch bool, at time.Time) (float64, error) {
	const op = "pricing.Price"
	if u.InputTokens < 0 || u.OutputTokens < 0 || u.CacheCreation5mTokens < 0 ||
		u.CacheCreation1hTokens < 0 || u.CacheReadTokens < 0 {
		return 0, &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("pricing: negative token count for %s/%s: %+v", provider, model, u)}
	}
	row, ok := t.Lookup(provider, model, at)
	if !ok {
		return 0, &papersum.Error{Code: papersum.EINVALID, Op: op, Message: t.unknownMessage(provider, model, at)}
	}
	return row.Cost(u, batch), nil
}

// unknownMessage explains why provider/model has no price at time at and
// how to add one.
func (t *Table) unknownMessage(provider, model string, at time.Time) string {
	const howTo = "add a row for it (provider, model, effective_from and prices per million tokens; " +
		"zero prices for a free self-hosted server) to a pricing override file"
	if canon, ok := t.names[key{provider, model}]; ok {
		first := t.rows[key{provider, canon}][0].EffectiveFrom
		return fmt.Sprintf("pricing: no price for %s/%s in effect at %s (its first price is effective from %s); %s",
			provider, model, at.UTC().Format(time.RFC3339), first.Format(dateLayout), howTo)
	}
	return fmt.Sprintf("pricing: no price for model %q of provider %q; %s", model, provider, howTo)
}

// Rows returns every row, sorted by provider, model and date.
func (t *Table) Rows() []Row {
	var out []Row
	for _, rs := range t.rows {
		for _, r := range rs {
			r.Aliases = append([]string(nil), r.Aliases...)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		return a.EffectiveFrom.Before(b.EffectiveFrom)
	})
	return out
}
