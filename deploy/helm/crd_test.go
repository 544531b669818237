package helm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/papersum/papersum/internal/devdata"
)

// crdSchemas reads the CustomResourceDefinitions of ../shared/data/crds
// (Prometheus operator, KEDA, Istio; never copied into the repository)
// and returns each served version's schema, in the API server's internal
// form, by kind. It skips t when the directory is absent.
func crdSchemas(t *testing.T) map[schema.GroupVersionKind]*apiextensions.JSONSchemaProps {
	t.Helper()
	dir := filepath.Join(devdata.Dir(t), "crds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no CRDs to validate custom resources against: %v (they are in ../shared/data/crds)", err)
	}
	schemas := map[schema.GroupVersionKind]*apiextensions.JSONSchemaProps{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
		for {
			var crd apiextensionsv1.CustomResourceDefinition
			if err := dec.Decode(&crd); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			if crd.Kind != "CustomResourceDefinition" {
				continue
			}
			for _, v := range crd.Spec.Versions {
				if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
					continue
				}
				var internal apiextensions.JSONSchemaProps
				if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
					return err
				}
				schemas[schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}] = &internal
			}
		}
	})
	if err != nil {
		t.Fatalf("reading the CRDs: %v", err)
	}
	return schemas
}

// checkCustomResource validates a custom resource as the API server
// would on a strict create: fields the schema does not know (which the
// server would prune, or refuse under strict field validation), then the
// schema's types, enums, patterns and required fields.
func checkCustomResource(s *apiextensions.JSONSchemaProps, doc []byte) ([]string, error) {
	structural, err := structuralschema.NewStructural(s)
	if err != nil {
		return nil, err
	}
	js, err := utilyaml.ToJSON(doc)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(js, &obj); err != nil {
		return nil, err
	}
	var problems []string
	for _, p := range pruning.PruneWithOptions(obj, structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		problems = append(problems, "unknown field "+p)
	}
	validator, _, err := validation.NewSchemaValidator(s)
	if err != nil {
		return nil, err
	}
	for _, e := range validation.ValidateCustomResource(nil, obj, validator) {
		problems = append(problems, e.Error())
	}
	return problems, nil
}

// Every custom resource the chart renders (ServiceMonitor,
// PrometheusRule, ScaledObject, VirtualService, DestinationRule,
// ServiceEntry) is valid under its CRD's schema, with no unknown field.
// The Gateway API's HTTPRoute has no CRD in ../shared and is only logged.
func TestChartCustomResources(t *testing.T) {
	schemas := crdSchemas(t)
	// The check itself fails on a misspelt field and on a wrong type.
	sm := schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "ServiceMonitor"}
	if schemas[sm] == nil {
		t.Fatalf("no ServiceMonitor schema among %d CRD versions", len(schemas))
	}
	for _, bad := range []string{
		"apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  selector: {}\n  endpoint: []\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec:\n  selector: {}\n  endpoints: [{port: metrics, interval: 30}]\n",
	} {
		if problems, err := checkCustomResource(schemas[sm], []byte(bad)); err != nil || len(problems) == 0 {
			t.Errorf("an invalid ServiceMonitor passed (%v):\n%s", err, bad)
		}
	}

	seen := map[string]bool{}
	for _, values := range valuesFiles(t) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			for _, doc := range documents(render(t, values)) {
				gvk, err := kindOf(doc)
				if err != nil || !customGroups[gvk.Group] {
					continue
				}
				s := schemas[gvk]
				if s == nil {
					t.Logf("%s: no CRD in ../shared/data/crds, not validated", gvk)
					continue
				}
				seen[gvk.Kind] = true
				problems, err := checkCustomResource(s, doc)
				if err != nil {
					t.Fatalf("%s: %v", gvk, err)
				}
				for _, p := range problems {
					t.Errorf("%s: %s", gvk, p)
				}
			}
		})
	}
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "ScaledObject", "VirtualService", "DestinationRule", "ServiceEntry"} {
		if !seen[kind] {
			t.Errorf("no %s rendered by any values file", kind)
		}
	}
}
