// Package pricing is papersum's papersum.Pricer: a table of per-model token
// prices, with the capabilities the config layer checks at start-up
// (whether a model accepts a temperature, its context window and maximum
// output).
//
// The table ships as the embedded file pricing.json (Default), whose notes
// and sources fields cite where each price comes from. A user file in the
// same format overrides it (Load, or Parse and Table.Override): every
// provider/model that the user file names takes its rows from the user
// file only; every other model keeps its built-in rows.
//
// # File format
//
//	{
//	  "version": 1,
//	  "rows": [
//	    {"provider": "openai", "model": "llama-3.1-8b-instruct",
//	     "aliases": ["meta-llama/Llama-3.1-8B-Instruct"],
//	     "effective_from": "2026-01-01",
//	     "input_per_mtok": 0, "output_per_mtok": 0,
//	     "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0,
//	     "batch_discount": 0, "accepts_temperature": true,
//	     "context_window": 131072, "max_output": 8192,
//	     "note": "our vLLM server: no per-token cost"}
//	  ]
//	}
//
// Prices are US dollars per million tokens. effective_from is a UTC date
// (YYYY-MM-DD); a model may have several rows, and the one in effect at a
// time is the one with the latest effective_from not after it, so a price
// change is a new row and past runs keep their old price. batch_discount is
// the fraction taken off every token kind for batch requests (0.5 for
// Anthropic's Message Batches; 0 when the provider has no batch price).
// accepts_temperature defaults to true when omitted; context_window and
// max_output are 0 when unknown. Unknown fields are errors, so a typo
// cannot silently leave a price at 0.
//
// OpenAI-compatible self-hosted servers (vLLM, llama.cpp, Ollama) have no
// built-in rows: a model papersum has no row for is an error, never $0. Add
// a row with the provider name that papersum's OpenAI-compatible adapter
// reports (Response.Provider; the example uses "openai") and the model name
// the server reports, with zero prices if the server costs nothing per token
// or your own cost per million tokens if it does.
package pricing
