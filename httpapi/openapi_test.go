package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// spec is the parsed OpenAPI document with a small JSON Schema validator
// for the keywords the document uses. No validator library is in go.mod,
// and this one refuses keywords it does not know, so an example or answer
// is never passed by a check that silently did nothing.
type spec struct {
	doc map[string]any
}

var (
	specOnce sync.Once
	theSpec  *spec
	specErr  error
)

func loadSpec(t *testing.T) *spec {
	t.Helper()
	specOnce.Do(func() {
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(openAPI))
		if specErr = dec.Decode(&doc); specErr == nil {
			theSpec = &spec{doc: doc}
		}
	})
	if specErr != nil {
		t.Fatalf("openapi.json: %v", specErr)
	}
	return theSpec
}

// resolve follows a local reference ("#/components/schemas/Run").
func (s *spec) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("reference %q is not local", ref)
	}
	var cur any = s.doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q: %q is not in an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("reference %q does not resolve at %q", ref, tok)
		}
	}
	return cur, nil
}

// deref resolves v while it is a {"$ref": ...} object.
func (s *spec) deref(v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not an object: %v", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if v, err = s.resolve(ref); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference loop")
}

// annotations are schema keywords that do not constrain values.
var annotations = map[string]bool{"description": true, "title": true, "default": true, "examples": true,
	"contentMediaType": true, "readOnly": true, "writeOnly": true, "deprecated": true}

// validate checks v against schema and returns what is wrong, each with
// its JSON path.
func (s *spec) validate(schema any, v any, path string) []string {
	sch, err := s.deref(schema)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	for kw, arg := range sch {
		switch kw {
		case "type":
			var types []string
			switch a := arg.(type) {
			case string:
				types = []string{a}
			case []any:
				for _, x := range a {
					types = append(types, x.(string))
				}
			}
			if !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
				bad("%s is not of type %v", short(v), types)
			}
		case "properties":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for name, ps := range arg.(map[string]any) {
				if pv, ok := obj[name]; ok {
					errs = append(errs, s.validate(ps, pv, path+"."+name)...)
				}
			}
		case "required":
			if obj, ok := v.(map[string]any); ok {
				for _, name := range arg.([]any) {
					if _, ok := obj[name.(string)]; !ok {
						bad("required property %q is missing", name)
					}
				}
			}
		case "additionalProperties":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			props, _ := sch["properties"].(map[string]any)
			for name, pv := range obj {
				if _, ok := props[name]; ok {
					continue
				}
				if b, isBool := arg.(bool); isBool {
					if !b {
						bad("property %q is not allowed", name)
					}
					continue
				}
				errs = append(errs, s.validate(arg, pv, path+"."+name)...)
			}
		case "items":
			if arr, ok := v.([]any); ok {
				for i, it := range arr {
					errs = append(errs, s.validate(arg, it, fmt.Sprintf("%s[%d]", path, i))...)
				}
			}
		case "enum":
			if !slices.ContainsFunc(arg.([]any), func(e any) bool { return equalJSON(e, v) }) {
				bad("%s is not one of %v", short(v), arg)
			}
		case "const":
			if !equalJSON(arg, v) {
				bad("%s is not %v", short(v), arg)
			}
		case "minimum", "maximum":
			if n, ok := v.(float64); ok {
				lim := arg.(float64)
				if kw == "minimum" && n < lim || kw == "maximum" && n > lim {
					bad("%v is out of range (%s %v)", n, kw, lim)
				}
			}
		case "minItems", "maxItems":
			if arr, ok := v.([]any); ok {
				lim := int(arg.(float64))
				if kw == "minItems" && len(arr) < lim || kw == "maxItems" && len(arr) > lim {
					bad("%d items (%s %d)", len(arr), kw, lim)
				}
			}
		case "minLength", "maxLength":
			if str, ok := v.(string); ok {
				lim, n := int(arg.(float64)), len([]rune(str))
				if kw == "minLength" && n < lim || kw == "maxLength" && n > lim {
					bad("length %d (%s %d)", n, kw, lim)
				}
			}
		case "pattern":
			if str, ok := v.(string); ok && !regexp.MustCompile(arg.(string)).MatchString(str) {
				bad("%q does not match %s", str, arg)
			}
		case "format":
			str, ok := v.(string)
			if !ok {
				continue
			}
			switch arg {
			case "date-time":
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					bad("%q is not a date-time", str)
				}
			case "uri":
				if u, err := url.Parse(str); err != nil || !u.IsAbs() {
					bad("%q is not an absolute URI", str)
				}
			default:
				bad("unsupported format %q", arg)
			}
		case "oneOf", "anyOf":
			n := 0
			for _, sub := range arg.([]any) {
				if len(s.validate(sub, v, path)) == 0 {
					n++
				}
			}
			if kw == "oneOf" && n != 1 || kw == "anyOf" && n == 0 {
				bad("%s matches %d of the %s schemas", short(v), n, kw)
			}
		default:
			if !annotations[kw] {
				bad("the test's validator does not know keyword %q", kw)
			}
		}
	}
	return errs
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// operations returns the document's operations by ServeMux pattern.
func (s *spec) operations() map[string]map[string]any {
	ops := map[string]map[string]any{}
	for path, item := range s.doc["paths"].(map[string]any) {
		for _, m := range methods {
			if op, ok := item.(map[string]any)[m].(map[string]any); ok {
				ops[strings.ToUpper(m)+" "+path] = op
			}
		}
	}
	return ops
}

func TestOpenAPI(t *testing.T) {
	s := loadSpec(t)
	if v, _ := s.doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	for _, k := range []string{"info", "paths", "components"} {
		if s.doc[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	if _, err := s.resolve("#/components/securitySchemes/bearer"); err != nil {
		t.Error(err)
	}

	t.Run("routes", func(t *testing.T) {
		ops := s.operations()
		routes := map[string]route{}
		for _, r := range (&server{}).routes() {
			routes[r.pattern()] = r
			op, ok := ops[r.pattern()]
			if !ok {
				t.Errorf("route %s is not in openapi.json", r.pattern())
				continue
			}
			scope, hasScope := op["x-papersum-scope"].(string)
			sec, hasSec := op["security"].([]any)
			switch {
			case r.scope == noKey && (hasScope || !hasSec || len(sec) != 0):
				t.Errorf("%s takes no API key; the document must say security: [] and no x-papersum-scope", r.pattern())
			case r.scope != noKey && (scope != string(r.scope) || hasSec):
				t.Errorf("%s: x-papersum-scope %q (security override %v), want %q", r.pattern(), scope, hasSec, r.scope)
			}
		}
		for p := range ops {
			if _, ok := routes[p]; !ok {
				t.Errorf("openapi.json has %s, which routes.go does not serve", p)
			}
		}
		if got, want := len(Routes()), len(routes); got != want {
			t.Errorf("Routes() has %d patterns, want %d", got, want)
		}
	})

	t.Run("refs", func(t *testing.T) {
		walk(s.doc, "#", func(v map[string]any, at string) {
			if ref, ok := v["$ref"].(string); ok {
				if _, err := s.resolve(ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
		})
	})

	t.Run("operations", func(t *testing.T) {
		ids := map[string]string{}
		for pattern, op := range s.operations() {
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", pattern)
			} else if other, dup := ids[id]; dup {
				t.Errorf("operationId %s is used by %s and %s", id, other, pattern)
			}
			ids[id] = pattern
			resp, _ := op["responses"].(map[string]any)
			if len(resp) == 0 {
				t.Errorf("%s has no responses", pattern)
			}
			for code, r := range resp {
				if _, err := strconv.Atoi(code); err != nil && code != "default" {
					t.Errorf("%s: response key %q", pattern, code)
				}
				if rm, err := s.deref(r); err != nil || rm["description"] == nil {
					t.Errorf("%s %s: response without description (%v)", pattern, code, err)
				}
			}
			// Every {wildcard} of the path is a declared path parameter.
			path := strings.SplitN(pattern, " ", 2)[1]
			declared := map[string]bool{}
			item := s.doc["paths"].(map[string]any)[path].(map[string]any)
			for _, list := range []any{item["parameters"], op["parameters"]} {
				ps, _ := list.([]any)
				for _, p := range ps {
					pm, err := s.deref(p)
					if err != nil {
						t.Errorf("%s: %v", pattern, err)
						continue
					}
					if pm["in"] == "path" {
						if pm["required"] != true {
							t.Errorf("%s: path parameter %v is not required", pattern, pm["name"])
						}
						declared[pm["name"].(string)] = true
					}
				}
			}
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared", pattern, m[1])
				}
			}
		}
	})

	t.Run("examples", func(t *testing.T) {
		n := 0
		walk(s.doc, "#", func(v map[string]any, at string) {
			schema, ok := v["schema"]
			if !ok {
				// A schema's own examples (JSON Schema's array form).
				if ex, ok := v["examples"].([]any); ok && v["type"] != nil {
					for i, e := range ex {
						n++
						for _, msg := range s.validate(v, e, fmt.Sprintf("%s.examples[%d]", at, i)) {
							t.Error(msg)
						}
					}
				}
				return
			}
			if ex, ok := v["example"]; ok {
				n++
				for _, msg := range s.validate(schema, ex, at+".example") {
					t.Error(msg)
				}
			}
			if exs, ok := v["examples"].(map[string]any); ok {
				for name, e := range exs {
					em, err := s.deref(e)
					if err != nil {
						t.Errorf("%s.examples.%s: %v", at, name, err)
						continue
					}
					n++
					for _, msg := range s.validate(schema, em["value"], at+".examples."+name) {
						t.Error(msg)
					}
				}
			}
		})
		if n < 20 {
			t.Errorf("only %d examples checked; the walk is broken", n)
		}
	})
}

// walk calls f on every object in v.
func walk(v any, at string, f func(map[string]any, string)) {
	switch x := v.(type) {
	case map[string]any:
		f(x, at)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(x[k], at+"/"+k, f)
		}
	case []any:
		for i, e := range x {
			walk(e, fmt.Sprintf("%s/%d", at, i), f)
		}
	}
}

// TestValidator makes sure the schema checks catch what they claim to, so
// that TestOpenAPI passing means something.
func TestValidator(t *testing.T) {
	s := loadSpec(t)
	run, err := s.resolve("#/components/examples/Run/value")
	if err != nil {
		t.Fatal(err)
	}
	ref := map[string]any{"$ref": "#/components/schemas/Run"}
	if errs := s.validate(ref, run, "run"); len(errs) != 0 {
		t.Fatalf("valid example refused: %v", errs)
	}
	mutate := func(f func(m map[string]any)) map[string]any {
		var m map[string]any
		b, _ := json.Marshal(run)
		_ = json.Unmarshal(b, &m)
		f(m)
		return m
	}
	// A run with the scores of its revised summary and abandoned calls.
	withAccounting := func(m map[string]any) {
		m["revised_scores"] = m["scores"]
		m["abandoned_calls"] = []any{map[string]any{"stage": "critique", "provider": "anthropic", "model": "claude-haiku-4-5", "calls": 2.0}}
	}
	if errs := s.validate(ref, mutate(withAccounting), "run"); len(errs) != 0 {
		t.Fatalf("run with revised scores and abandoned calls refused: %v", errs)
	}
	// A run waiting for its provider, with its accounting of faults.
	waiting := func(m map[string]any) {
		m["status"] = "queued"
		m["started_at"] = "2026-12-07T10:00:00Z"
		m["waits"] = 2.0
		m["repeated_calls"] = 1.0
		m["waiting"] = map[string]any{"class": "connection", "reason": "summarize: connection from anthropic: connection failed",
			"next_attempt_at": "2026-12-07T10:00:10Z", "deadline": "2026-12-07T11:00:00Z"}
	}
	if errs := s.validate(ref, mutate(waiting), "run"); len(errs) != 0 {
		t.Fatalf("waiting run refused: %v", errs)
	}
	for name, bad := range map[string]map[string]any{
		"wait of a class that does not wait": mutate(func(m map[string]any) {
			waiting(m)
			m["waiting"].(map[string]any)["class"] = "auth"
		}),
		"wait without deadline": mutate(func(m map[string]any) {
			waiting(m)
			delete(m["waiting"].(map[string]any), "deadline")
		}),
		"no abandoned calls": mutate(func(m map[string]any) {
			withAccounting(m)
			m["abandoned_calls"].([]any)[0].(map[string]any)["calls"] = 0.0
		}),
		"missing required": mutate(func(m map[string]any) { delete(m, "id") }),
		"extra property":   mutate(func(m map[string]any) { m["surprise"] = 1 }),
		"wrong type":       mutate(func(m map[string]any) { m["target_words"] = "150" }),
		"not integer":      mutate(func(m map[string]any) { m["target_words"] = 1.5 }),
		"bad const":        mutate(func(m map[string]any) { m["schema"] = "papersum.run/v2" }),
		"bad date":         mutate(func(m map[string]any) { m["created_at"] = "yesterday" }),
		"nested":           mutate(func(m map[string]any) { m["totals"].(map[string]any)["usage"].(map[string]any)["estimated"] = "no" }),
		"out of range":     mutate(func(m map[string]any) { m["scores"].(map[string]any)["overall"] = 11.0 }),
		"bad enum in item": mutate(func(m map[string]any) { m["stages"].([]any)[0].(map[string]any)["stage"] = "polish" }),
	} {
		if errs := s.validate(ref, bad, "run"); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	one := map[string]any{"$ref": "#/components/schemas/SubmitRequest"}
	if errs := s.validate(one, map[string]any{"text": "x", "url": "https://a.b"}, "submit"); len(errs) == 0 {
		t.Error("oneOf: text and url together accepted")
	}
	if errs := s.validate(map[string]any{"type": "string", "maxLenght": 3.0}, "x", "typo"); len(errs) == 0 {
		t.Error("unknown keyword accepted")
	}
}

// checkResponse fails t unless w is an answer the document allows for r:
// a documented status with a body of the documented schema. Answers
// outside any operation (404 for unknown paths, 405) must have the error
// shape.
func checkResponse(t *testing.T, r *http.Request, w *httptest.ResponseRecorder) {
	t.Helper()
	s := loadSpec(t)
	errSchema := map[string]any{"$ref": "#/components/schemas/Error"}
	op := findOperation(s, r.Method, r.URL.Path)
	if op == nil || w.Code == http.StatusMethodNotAllowed {
		if r.Method == http.MethodHead {
			return
		}
		checkJSON(t, s, errSchema, w, fmt.Sprintf("%s %s -> %d", r.Method, r.URL.Path, w.Code))
		return
	}
	resps := op["responses"].(map[string]any)
	resp, ok := resps[strconv.Itoa(w.Code)]
	if !ok {
		resp, ok = resps["default"]
	}
	if !ok {
		t.Errorf("%s %s answered %d, which the document does not list", r.Method, r.URL.Path, w.Code)
		return
	}
	rm, err := s.deref(resp)
	if err != nil {
		t.Error(err)
		return
	}
	content, _ := rm["content"].(map[string]any)
	if len(content) == 0 {
		if w.Body.Len() != 0 {
			t.Errorf("%s %s -> %d: body %q where the document has none", r.Method, r.URL.Path, w.Code, w.Body)
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
	media, ok := content[mt].(map[string]any)
	if !ok {
		t.Errorf("%s %s -> %d: Content-Type %q is not documented", r.Method, r.URL.Path, w.Code, mt)
		return
	}
	if mt == "application/json" {
		checkJSON(t, s, media["schema"], w, fmt.Sprintf("%s %s -> %d", r.Method, r.URL.Path, w.Code))
	}
}

func checkJSON(t *testing.T, s *spec, schema any, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Errorf("%s: body is not JSON: %v: %q", what, err, w.Body)
		return
	}
	for _, msg := range s.validate(schema, v, "body") {
		t.Errorf("%s: %s", what, msg)
	}
}

// findOperation matches a request path against the document's templates.
func findOperation(s *spec, method, path string) map[string]any {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(path, "/")
	for tmpl, item := range s.doc["paths"].(map[string]any) {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				match = match && segs[i] != ""
			} else {
				match = match && ts[i] == segs[i]
			}
		}
		if match {
			op, _ := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
			return op
		}
	}
	return nil
}

// The document is public: served the same with a key, without one and
// with one that is not valid.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	for name, key := range map[string]string{"read key": e.read, "no key": "", "bad key": "psk_nonsense"} {
		w := e.do(req("GET", "/api/v1/openapi.json", key, "", nil))
		wantStatus(t, w, http.StatusOK)
		if !bytes.Equal(w.Body.Bytes(), openAPI) {
			t.Errorf("%s: served document differs from the embedded one", name)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
	}
}
