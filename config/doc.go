// Package config reads papersum's configuration file (YAML), fills in
// defaults and validates it, so that a mistake is reported at start-up and
// not in the middle of a batch. Secrets never live in the file: it names
// the environment variable or file that holds them.
package config
