// Package rungen generates a store's worth of synthetic finished runs,
// deterministically from a seed, for the report benchmarks (papersum dev
// seed-runs) and tests: teams, users, keys, three stages on a mix of
// models with realistic token counts, some through the batch API, some
// failed, some answered from the result cache.
package rungen
