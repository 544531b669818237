package helm

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite deploy/k8s from the chart")

// chartDir is the chart, relative to this package.
const chartDir = "papersum"

// helmBinary finds helm: $PAPERSUM_HELM, the repository's
// .tools/helm-<version> (.ci/run installs it there), then $PATH; it skips
// t when there is none.
func helmBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PAPERSUM_HELM"); p != "" {
		return p
	}
	if found, _ := filepath.Glob("../../.tools/helm-v*"); len(found) > 0 {
		if p, err := filepath.Abs(found[len(found)-1]); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	t.Skip("no helm binary (set PAPERSUM_HELM, or run .ci/run, which installs it as .tools/helm-<version>)")
	return ""
}

// valuesFiles are the chart's CI values files; "" is the defaults.
func valuesFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("ci values files: %v %v", files, err)
	}
	return append([]string{""}, files...)
}

// render runs helm template with the values file (none for "") and the
// --set pairs, and returns its output.
func render(t *testing.T, values string, set ...string) []byte {
	t.Helper()
	args := []string{"template", "papersum", chartDir, "--namespace", "default"}
	if values != "" {
		args = append(args, "-f", values)
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helmBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// object is one rendered manifest.
type object map[string]any

func (o object) kind() string { s, _ := o["kind"].(string); return s }

func (o object) name() string { s, _ := dig(o, "metadata", "name").(string); return s }

// dig follows keys (string) and indexes (int) into a decoded document.
func dig(v any, path ...any) any {
	if o, ok := v.(object); ok {
		v = map[string]any(o) // a named map type fails the assertion below
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// objects splits helm's output into its manifests.
func objects(t *testing.T, out []byte) []object {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var objs []object
	for {
		// Decode into a plain map: into a named map type, yaml.v3 makes
		// every nested mapping that type too, which dig does not follow.
		var o map[string]any
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("decode rendered manifests: %v", err)
		}
		if o != nil {
			objs = append(objs, object(o))
		}
	}
}

func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

// container is the papersum container of a Deployment.
func container(d object) map[string]any {
	c, _ := dig(d, "spec", "template", "spec", "containers", 0).(map[string]any)
	return c
}

// Every values file renders, and each Deployment has the three probes on
// their paths, a non-root, read-only, capability-less container with the
// runtime's seccomp profile, resources, a preStop sleep, and the role's
// arguments.
func TestChartDeployments(t *testing.T) {
	for _, values := range valuesFiles(t) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			objs := objects(t, render(t, values))
			for _, role := range []string{"api", "worker"} {
				d := find(t, objs, "Deployment", "papersum-"+role)
				c := container(d)
				for probe, path := range map[string]string{"startupProbe": "/startupz", "readinessProbe": "/readyz", "livenessProbe": "/api/v1/health"} {
					if got := dig(c, probe, "httpGet", "path"); got != path {
						t.Errorf("%s %s path %v, want %s", role, probe, got, path)
					}
				}
				sc := dig(c, "securityContext").(map[string]any)
				if sc["runAsNonRoot"] != true || sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false ||
					dig(sc, "capabilities", "drop", 0) != "ALL" || dig(sc, "seccompProfile", "type") != "RuntimeDefault" {
					t.Errorf("%s securityContext %v", role, sc)
				}
				if dig(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
					t.Errorf("%s pod securityContext not non-root", role)
				}
				if dig(c, "resources", "requests", "cpu") == nil || dig(c, "resources", "limits", "memory") == nil {
					t.Errorf("%s resources %v", role, c["resources"])
				}
				if dig(c, "lifecycle", "preStop", "sleep", "seconds") == nil {
					t.Errorf("%s has no preStop sleep", role)
				}
				if dig(d, "spec", "strategy", "rollingUpdate", "maxUnavailable") != 0 {
					t.Errorf("%s rolling update maxUnavailable %v, want 0", role, dig(d, "spec", "strategy", "rollingUpdate", "maxUnavailable"))
				}
				if dig(d, "spec", "template", "spec", "topologySpreadConstraints", 0, "topologyKey") != "topology.kubernetes.io/zone" {
					t.Errorf("%s has no zone spread", role)
				}
				args := strings.Join(toStrings(c["args"]), " ")
				for _, want := range []string{"serve", "--role=" + role, "--migrate=false", "--metrics-addr=:9090"} {
					if !strings.Contains(args, want) {
						t.Errorf("%s args %q lack %q", role, args, want)
					}
				}
				if lbl := dig(d, "metadata", "labels", "app.kubernetes.io/name"); lbl != "papersum" {
					t.Errorf("%s label app.kubernetes.io/name %v", role, lbl)
				}
			}
			job := find(t, objs, "Job", "papersum-migrate")
			if hook := dig(job, "metadata", "annotations", "helm.sh/hook"); hook != "pre-install,pre-upgrade" {
				t.Errorf("migration job hook %v", hook)
			}
			if args := toStrings(dig(job, "spec", "template", "spec", "containers", 0, "args")); len(args) == 0 || args[0] != "migrate" {
				t.Errorf("migration job args %v", args)
			}
		})
	}
}

// The drain budget: a stopping worker's --shutdown-timeout exceeds the
// longest stage timeout of the configuration, and the grace period
// exceeds the preStop sleep plus that drain, for the API too.
func TestChartDrainBudget(t *testing.T) {
	for _, values := range valuesFiles(t) {
		t.Run(filepath.Base(values), func(t *testing.T) {
			objs := objects(t, render(t, values))
			cm := find(t, objs, "ConfigMap", "papersum-config")
			var cfg struct {
				Stages map[string]struct {
					Timeout string `yaml:"timeout"`
				} `yaml:"stages"`
			}
			if err := yaml.Unmarshal([]byte(dig(cm, "data", "config.yaml").(string)), &cfg); err != nil {
				t.Fatal(err)
			}
			longest := 120 * time.Second // the stage default (examples/config.yaml)
			for _, s := range cfg.Stages {
				if s.Timeout != "" {
					d, err := time.ParseDuration(s.Timeout)
					if err != nil {
						t.Fatal(err)
					}
					longest = max(longest, d)
				}
			}
			for _, role := range []string{"api", "worker"} {
				d := find(t, objs, "Deployment", "papersum-"+role)
				c := container(d)
				var drain time.Duration
				for _, a := range toStrings(c["args"]) {
					if v, ok := strings.CutPrefix(a, "--shutdown-timeout="); ok {
						drain, _ = time.ParseDuration(v)
					}
				}
				grace := time.Duration(dig(d, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)) * time.Second
				sleep := time.Duration(dig(c, "lifecycle", "preStop", "sleep", "seconds").(int)) * time.Second
				if grace <= sleep+drain {
					t.Errorf("%s: grace %s <= preStop %s + drain %s", role, grace, sleep, drain)
				}
				if role == "worker" && drain <= longest {
					t.Errorf("worker drain %s does not exceed the longest stage timeout %s", drain, longest)
				}
			}
		})
	}
}

// The autoscalers: the API's HPA on CPU 70% from 2 to 10; the workers'
// HPA, or with KEDA a ScaledObject on River's available jobs, both
// scaling down one pod at a time after a long window; the PDBs.
func TestChartAutoscaling(t *testing.T) {
	objs := objects(t, render(t, ""))
	hpa := find(t, objs, "HorizontalPodAutoscaler", "papersum-api")
	if dig(hpa, "spec", "minReplicas") != 2 || dig(hpa, "spec", "maxReplicas") != 10 ||
		dig(hpa, "spec", "metrics", 0, "resource", "target", "averageUtilization") != 70 {
		t.Errorf("API HPA spec %v", hpa["spec"])
	}
	if _, ok := dig(find(t, objs, "Deployment", "papersum-api"), "spec", "replicas").(int); ok {
		t.Errorf("the API Deployment sets replicas under an HPA")
	}
	w := find(t, objs, "HorizontalPodAutoscaler", "papersum-worker")
	if dig(w, "spec", "behavior", "scaleDown", "policies", 0, "value") != 1 || dig(w, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds").(int) < 300 {
		t.Errorf("worker scale-down %v", dig(w, "spec", "behavior", "scaleDown"))
	}
	find(t, objs, "PodDisruptionBudget", "papersum-api")
	find(t, objs, "PodDisruptionBudget", "papersum-worker")

	// Without autoscaling the API runs 3 replicas.
	objs = objects(t, render(t, "", "api.autoscaling.enabled=false"))
	if r := dig(find(t, objs, "Deployment", "papersum-api"), "spec", "replicas"); r != 3 {
		t.Errorf("API replicas without HPA: %v, want 3", r)
	}

	objs = objects(t, render(t, filepath.Join(chartDir, "ci", "keda-values.yaml")))
	for _, o := range objs {
		if o.kind() == "HorizontalPodAutoscaler" && o.name() == "papersum-worker" {
			t.Errorf("KEDA on and a worker HPA rendered")
		}
	}
	so := find(t, objs, "ScaledObject", "papersum-worker")
	trig := dig(so, "spec", "triggers", 0).(map[string]any)
	if trig["type"] != "postgresql" || !strings.Contains(dig(trig, "metadata", "query").(string), "papersum.river_job WHERE state = 'available'") ||
		dig(trig, "metadata", "targetQueryValue") != "10" {
		t.Errorf("ScaledObject trigger %v", trig)
	}
	if dig(so, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown", "policies", 0, "value") != 1 {
		t.Errorf("ScaledObject scale-down %v", dig(so, "spec", "advanced"))
	}
}

// The NetworkPolicy admits DNS, the database, Redis and HTTPS to public
// addresses (the providers) out, and nothing else.
func TestChartNetworkPolicy(t *testing.T) {
	np := find(t, objects(t, render(t, "")), "NetworkPolicy", "papersum")
	egress, _ := dig(np, "spec", "egress").([]any)
	var ports []int
	for _, e := range egress {
		for _, p := range dig(e, "ports").([]any) {
			ports = append(ports, dig(p, "port").(int))
		}
		if dig(e, "to") == nil {
			t.Errorf("an egress rule to anywhere: %v", e)
		}
	}
	want := []int{53, 53, 5432, 6379, 443}
	if len(ports) != len(want) {
		t.Fatalf("egress ports %v, want %v", ports, want)
	}
	for i := range want {
		if ports[i] != want[i] {
			t.Errorf("egress ports %v, want %v", ports, want)
		}
	}
	providers := egress[len(egress)-1]
	if except := toStrings(dig(providers, "to", 0, "ipBlock", "except")); !contains(except, "10.0.0.0/8") || !contains(except, "169.254.0.0/16") {
		t.Errorf("provider egress reaches private addresses: %v", except)
	}
	if types := toStrings(dig(np, "spec", "policyTypes")); len(types) != 2 {
		t.Errorf("policyTypes %v", types)
	}
}

// A configuration change changes the pods' checksum annotation (so a
// helm upgrade rolls them); another value does not.
func TestChartConfigChecksum(t *testing.T) {
	sum := func(set ...string) string {
		d := find(t, objects(t, render(t, "", set...)), "Deployment", "papersum-worker")
		return dig(d, "spec", "template", "metadata", "annotations", "checksum/config").(string)
	}
	base := sum()
	if changed := sum("config.target_words=99"); changed == base {
		t.Errorf("config change kept checksum %s", base)
	}
	if same := sum("worker.concurrency=3"); same != base {
		t.Errorf("a non-config value changed the checksum")
	}
}

// The observability objects come from deploy/observability's files, not
// copies: files/ holds symlinks to them, and the PrometheusRule has every
// group of every rules file, the dashboards ConfigMap every dashboard,
// byte for byte.
func TestChartObservabilityFromSameFiles(t *testing.T) {
	for _, dir := range []string{"rules", "dashboards"} {
		link := filepath.Join(chartDir, "files", dir)
		target, err := os.Readlink(link)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", link, err)
		}
		if got, want := filepath.Clean(filepath.Join(filepath.Dir(link), target)), filepath.Join("..", "observability", dir); got != want {
			t.Errorf("%s points to %s, want %s", link, got, want)
		}
	}
	objs := objects(t, render(t, filepath.Join(chartDir, "ci", "production-values.yaml")))
	rule := find(t, objs, "PrometheusRule", "papersum")
	var names []string
	for _, g := range dig(rule, "spec", "groups").([]any) {
		names = append(names, dig(g, "name").(string))
	}
	files, _ := filepath.Glob("../observability/rules/*.yaml")
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Name string `yaml:"name"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, g := range doc.Groups {
			total++
			if !contains(names, g.Name) {
				t.Errorf("group %s of %s missing from the PrometheusRule", g.Name, f)
			}
		}
	}
	if total == 0 || total != len(names) {
		t.Errorf("PrometheusRule has %d groups, the rules files %d", len(names), total)
	}
	cm := find(t, objs, "ConfigMap", "papersum-dashboards")
	if dig(cm, "metadata", "labels", "grafana_dashboard") != "1" {
		t.Errorf("dashboards ConfigMap lacks the sidecar label: %v", dig(cm, "metadata", "labels"))
	}
	dashboards, _ := filepath.Glob("../observability/dashboards/*.json")
	for _, f := range dashboards {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := dig(cm, "data", filepath.Base(f)).(string); strings.TrimSpace(got) != strings.TrimSpace(string(b)) {
			t.Errorf("dashboard %s differs in the ConfigMap", filepath.Base(f))
		}
	}
	if len(dashboards) == 0 {
		t.Fatal("no dashboards in deploy/observability/dashboards")
	}
}

// Istio: the API route and the provider route retry nothing, the
// DestinationRule ejects outliers and limits the pool, the providers have
// a ServiceEntry, and the canary gets canary.weight percent.
func TestChartIstio(t *testing.T) {
	objs := objects(t, render(t, filepath.Join(chartDir, "ci", "istio-values.yaml")))
	vs := find(t, objs, "VirtualService", "papersum")
	if dig(vs, "spec", "http", 0, "retries", "attempts") != 0 {
		t.Errorf("API route retries %v", dig(vs, "spec", "http", 0, "retries"))
	}
	if dig(vs, "spec", "http", 0, "route", 0, "weight") != 90 || dig(vs, "spec", "http", 0, "route", 1, "weight") != 10 ||
		dig(vs, "spec", "http", 0, "route", 1, "destination", "subset") != "canary" {
		t.Errorf("canary split %v", dig(vs, "spec", "http", 0, "route"))
	}
	pv := find(t, objs, "VirtualService", "papersum-providers")
	if dig(pv, "spec", "http") != nil || dig(pv, "spec", "tls") == nil {
		t.Errorf("provider route is not a TLS route (Envoy would retry HTTP): %v", pv["spec"])
	}
	dr := find(t, objs, "DestinationRule", "papersum")
	if dig(dr, "spec", "trafficPolicy", "outlierDetection", "consecutive5xxErrors") == nil || dig(dr, "spec", "trafficPolicy", "connectionPool", "http", "http2MaxRequests") == nil {
		t.Errorf("DestinationRule traffic policy %v", dig(dr, "spec", "trafficPolicy"))
	}
	find(t, objs, "ServiceEntry", "papersum-providers")
	canary := find(t, objs, "Deployment", "papersum-api-canary")
	if img := dig(container(canary), "image"); img != "ghcr.io/papersum/papersum:0.1.1" {
		t.Errorf("canary image %v", img)
	}
}

// deploy/k8s holds the chart's default rendering for users without
// Helm; go test ./deploy/helm -update rewrites it.
func TestPlainManifestsInSync(t *testing.T) {
	out := render(t, filepath.Join(chartDir, "ci", "production-values.yaml"))
	path := filepath.Join("..", "k8s", "papersum.yaml")
	header := []byte("# Generated by `go test ./deploy/helm -update` (helm template papersum deploy/helm/papersum\n# -f deploy/helm/papersum/ci/production-values.yaml --namespace default). DO NOT EDIT.\n")
	want := append(header, out...)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./deploy/helm -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not the chart's rendering: run go test ./deploy/helm -update", path)
	}
}

func toStrings(v any) []string {
	s, _ := v.([]any)
	out := make([]string, 0, len(s))
	for _, x := range s {
		str, _ := x.(string)
		out = append(out, str)
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The chart reads deploy/observability through the symlinks files/rules
// and files/dashboards; helm package follows them (copying the targets'
// contents into the archive), so a packaged chart, installed away from
// this repository, renders exactly as the chart directory does.
func TestChartPackageResolvesSymlinks(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(helmBinary(t), "package", chartDir, "--destination", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helm package: %v\n%s", err, out)
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "papersum-*.tgz"))
	if len(archives) != 1 {
		t.Fatalf("helm package made %v", archives)
	}
	values := filepath.Join(chartDir, "ci", "production-values.yaml")
	args := []string{"template", "papersum", archives[0], "--namespace", "default", "-f", values}
	var stderr bytes.Buffer
	cmd = exec.Command(helmBinary(t), args...)
	cmd.Stderr = &stderr
	packaged, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if !bytes.Equal(packaged, render(t, values)) {
		t.Errorf("the packaged chart renders differently from the chart directory")
	}
	if !bytes.Contains(packaged, []byte("kind: PrometheusRule")) || !bytes.Contains(packaged, []byte("papersum-overview.json")) {
		t.Errorf("the packaged chart lacks the rules or the dashboards")
	}
}
