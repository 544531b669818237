// Package cache owns the result cache: a finished run's output, keyed by
// what determines it (the paper's content hash, the pipeline config hash
// and the prompt versions), so that the same paper summarized with the same
// configuration is answered from memory instead of paying for model calls
// again.
//
// Two backends implement Cache:
//
//   - NewLRU, an in-process LRU bounded by entry count and bytes. It is the
//     default: no dependency, sub-microsecond hits, but each replica has its
//     own copy.
//   - NewRedis, over a *redis.Client that cmd/papersum builds from
//     --redis-url, so every replica shares one cache.
//
// A cache is an optimisation, never a source of truth, so the Redis backend
// treats a Redis failure as a miss (and a failed Set as a no-op) and counts
// it in Stats.Errors instead of failing the request: a cache outage makes
// papersum slower and dearer, not unavailable. Stats exposes plain counters
// so that the metrics layer can read them without this package importing
// Prometheus.
//
// The shared conformance suite that both backends pass is in cachetest.
package cache
