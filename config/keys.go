package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkKeys walks the parsed file against the Config type and reports the
// first key that Config does not have, or value that its field cannot
// hold, by its path in the file ("stages.summarize.modle: unknown key;
// known keys: provider, model, ..."). yaml's own errors name Go types
// ("field modle not found in type config.StageConfig"), which mean
// nothing to someone editing the file; no YAML library reports key paths,
// hence this walk.
func checkKeys(doc *yaml.Node) error {
	if doc.Kind == 0 {
		return nil // no document: only comments
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		doc = doc.Content[0]
	}
	return checkNode(doc, reflect.TypeFor[Config](), "")
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func checkNode(n *yaml.Node, t reflect.Type, path string) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil // an empty value keeps the default
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return checkScalar(n, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%s: line %d: want keys (%s), not %s", orTop(path), n.Line, strings.Join(fieldNames(t), ", "), nodeWord(n))
		}
		fields := fieldTypes(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("%s: line %d: unknown key; known keys: %s", p, k.Line, strings.Join(fieldNames(t), ", "))
			}
			if err := checkNode(v, ft, p); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("%s: line %d: want a mapping of names to settings, not %s", orTop(path), n.Line, nodeWord(n))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkNode(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("%s: line %d: want a list, not %s", orTop(path), n.Line, nodeWord(n))
		}
		for i, item := range n.Content {
			if err := checkNode(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return checkScalar(n, t, path)
	}
	return nil
}

// checkScalar decodes n into a value of type t and says what t wants when
// it cannot.
func checkScalar(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s: line %d: want %s, not %s", path, n.Line, typeWord(t), nodeWord(n))
	}
	// A type with its own UnmarshalYAML (Duration) decides for itself.
	tagOK := reflect.PointerTo(t).Implements(unmarshalerType) || scalarFits(n, t)
	if !tagOK || n.Decode(reflect.New(t).Interface()) != nil {
		return fmt.Errorf("%s: line %d: %q is not %s", path, n.Line, n.Value, typeWord(t))
	}
	return nil
}

// scalarFits reports whether n's resolved tag suits a value of kind t:
// yaml would truncate 0.5 into an int, so only integers are whole numbers.
func scalarFits(n *yaml.Node, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return n.ShortTag() == "!!int"
	case reflect.Float32, reflect.Float64:
		return n.ShortTag() == "!!int" || n.ShortTag() == "!!float"
	}
	return true
}

// fieldTypes maps the yaml keys of struct t to their field types.
func fieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if name := yamlName(f); name != "" {
			out[name] = f.Type
		}
	}
	return out
}

// fieldNames lists the yaml keys of struct t in the order of its fields.
func fieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if name := yamlName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func typeWord(t reflect.Type) string {
	if t == reflect.TypeFor[Duration]() {
		return `a duration (write e.g. "90s" or "2m")`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return t.Kind().String()
}

func nodeWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
