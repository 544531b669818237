// Command papersum is the command-line interface and the only place where
// papersum's packages are wired together: it reads flags, the environment
// and the configuration file, builds the store, the pricer and the models,
// and hands them to the pipeline.
//
// main only calls run(ctx, args, getenv, stdin, stdout, stderr), so tests
// drive the whole program in-process.
package main
