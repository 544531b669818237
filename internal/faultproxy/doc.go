// Package faultproxy is a TCP proxy that tests put between papersum and a
// real backing service (PostgreSQL, Redis) to take the service away and
// give it back without stopping the server, which other tests share. Cut
// closes the listening port (new connections are refused, as when the
// server is down) and resets every open connection; Restore listens on the
// same port again.
//
// It is written by hand because it is some sixty lines, and the libraries
// that do this (toxiproxy) are servers of their own to run beside the test.
package faultproxy
