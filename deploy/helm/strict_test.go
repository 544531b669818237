package helm

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// documents splits helm's output at its "---" lines, keeping each
// manifest's text as rendered (so that duplicate keys still show).
func documents(out []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	flush := func() {
		if len(bytes.TrimSpace(stripComments(cur))) > 0 {
			docs = append(docs, cur)
		}
		cur = nil
	}
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		if string(bytes.TrimRight(line, "\r\n")) == "---" {
			flush()
			continue
		}
		cur = append(cur, line...)
	}
	flush()
	return docs
}

// stripComments drops the lines that are only a comment.
func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
		}
	}
	return out
}

// strictDecoder decodes the built-in kinds of Kubernetes (client-go's
// scheme, the API of the release the module pins), failing on unknown
// and duplicate fields as a strict server-side apply does.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// Every manifest of every values file decodes strictly into its built-in
// type; the custom resources (Prometheus operator, KEDA, Istio) are
// checked against their CRDs' schemas by TestChartCustomResources.
func TestChartStrictDecoding(t *testing.T) {
	// The decoder is strict: a misspelt field of a Deployment fails.
	bad := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 3\n")
	if _, _, err := strictDecoder.Decode(bad, nil, nil); err == nil || !strings.Contains(err.Error(), "replica") {
		t.Fatalf("strict decoding of an unknown field: %v", err)
	}
	for _, values := range valuesFiles(t) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			builtin := 0
			for _, doc := range documents(render(t, values)) {
				gvk, err := kindOf(doc)
				if err != nil {
					t.Fatalf("manifest without a kind: %v\n%s", err, doc)
				}
				if !scheme.Scheme.Recognizes(gvk) {
					if gvk.Group == "" || !customGroups[gvk.Group] {
						t.Errorf("%s is neither a built-in kind of this API release nor a known custom resource", gvk)
					}
					continue
				}
				builtin++
				if _, _, err := strictDecoder.Decode(doc, nil, nil); err != nil {
					t.Errorf("%s: %v", gvk, err)
				}
			}
			if builtin < 10 {
				t.Errorf("only %d built-in manifests decoded", builtin)
			}
		})
	}
}

// customGroups are the API groups of the custom resources the chart may
// render.
var customGroups = map[string]bool{
	"monitoring.coreos.com":     true,
	"keda.sh":                   true,
	"networking.istio.io":       true,
	"gateway.networking.k8s.io": true,
}

// kindOf reads a manifest's apiVersion and kind.
func kindOf(doc []byte) (schema.GroupVersionKind, error) {
	var tm struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return schema.GroupVersionKind{}, err
	}
	if tm.APIVersion == "" || tm.Kind == "" {
		return schema.GroupVersionKind{}, fmt.Errorf("apiVersion %q, kind %q", tm.APIVersion, tm.Kind)
	}
	return schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind), nil
}
