// Package cachetest is the conformance suite that every cache.Cache
// passes: the in-process LRU and Redis. A backend's own tests call Exercise
// with a constructor of empty caches; the suite is the executable form of
// the Cache contract (round trips, key derivation, copy semantics, TTLs,
// validation, counters, concurrency).
//
// It imports only the standard library, the root package and cache, so a
// backend's test adds no dependency by using it.
package cachetest
