// Package helm holds the tests of papersum's Helm chart (papersum/, beside
// this file): they render the chart with the helm binary over every
// values file of papersum/ci and assert what a deployment depends on
// (probes, security context, autoscaling numbers, the NetworkPolicy, the
// drain budget, the config checksum), decode every manifest strictly, and
// keep deploy/k8s (the plain manifests) and the chart's view of
// deploy/observability in step. The package has no code of its own.
package helm
