package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmtCache holds the store's hot statements, keyed by their SQL text,
// each prepared once on the store's handle.
//
// modernc.org/sqlite has no statement cache of its own: every ExecContext
// or QueryContext with a query string has SQLite parse and plan it anew,
// which profiling showed as about 16% of the server's CPU under load. A
// *sql.Stmt keeps the driver's prepared statement on the store's one
// connection, and a call only binds its arguments and steps it.
//
// Every statement is prepared at Open rather than on first use: preparing
// on the handle needs a free connection, and the store has only one, so a
// first use inside a transaction (which holds it) would wait for itself
// forever. As the map is never written after Open, it needs no lock.
type stmtCache map[string]*sql.Stmt

// hotQueries are the statements stmtCache prepares: those of every HTTP
// request (the API key lookup), of submissions and cache hits, and of the
// worker's path through a run (start, stages, finish).
var hotQueries = []string{
	selectKeyByHashSQL,
	insertPaperSQL, selectPaperSQL,
	insertRunSQL, upsertHitSQL, insertKeySQL, selectKeySQL, insertBatchSQL, insertBatchRunSQL,
	selectRunSQL, selectRunStagesSQL, selectRunStatusSQL,
	startRunSQL, nextStageSeqSQL, insertStageSQL, finishRunSQL,
}

// prepareStmts prepares hotQueries on db.
func prepareStmts(ctx context.Context, db *sql.DB) (stmtCache, error) {
	c := make(stmtCache, len(hotQueries))
	for _, q := range hotQueries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			_ = c.close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		c[q] = st
	}
	return c, nil
}

// close closes every statement. A store method called afterwards fails
// with database/sql's "statement is closed" (EINTERNAL, as any call on a
// closed handle).
func (c stmtCache) close() error {
	var errs []error
	for _, st := range c {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// stmt returns the prepared statement of query, for a call outside a
// transaction. query must be one of hotQueries: any other is a bug in
// this package, which every test of the path would catch.
func (s *DB) stmt(query string) *sql.Stmt {
	st, ok := s.stmts[query]
	if !ok {
		panic("sqlite: statement not prepared at Open (add it to hotQueries): " + query)
	}
	return st
}

// txStmt returns the prepared statement of query for use in tx.
// database/sql finds it prepared on the transaction's connection and
// prepares nothing; the copy is closed with tx.
func (s *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	return tx.StmtContext(ctx, s.stmt(query))
}
