package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Checkpoints run beside the store's connection, not on it.
//
// In WAL mode SQLite copies the log back into the database file (a
// checkpoint) once a commit takes the log past 1000 pages, inside that
// commit, on the committing connection. The store has one connection, so
// every statement queued behind such a commit also waited for the
// checkpoint's page writes and its fsync. A cache hit writes a run row, and
// at 1,000 hits/s that made several checkpoints a second, and most of the
// p99 latency of cache hits on SQLite (scripts/loadtest). So the store
// turns the automatic checkpoint off (wal_autocheckpoint(0) in dsnParams),
// and a goroutine checkpoints on a connection of its own, which SQLite lets
// run beside the writer: a PASSIVE checkpoint neither waits for nor blocks
// it.
//
// A checkpoint beside the writer cannot restart the log while commits keep
// coming, so under sustained writes the log would grow without end. When it
// still holds more than walMaxFrames frames after a pass, the goroutine
// checkpoints once on the store's connection, where no commit can come in
// between: the frames left are few (the pass beside copied the others), and
// the next commit writes the log from its beginning again.
const (
	// checkpointEvery is how often the log is checkpointed.
	checkpointEvery = 100 * time.Millisecond
	// walMaxFrames is how many frames the log may hold before a checkpoint
	// on the store's connection: 16 MiB of 4 KiB pages. The log can grow
	// past it by what the commits of one checkpointEvery add (about 25 MiB
	// more at 3,500 cache hits/s in the load test).
	walMaxFrames = 4000
	// checkpointTimeout bounds one checkpoint.
	checkpointTimeout = 10 * time.Second
)

// checkpointer runs the checkpoints of one database file.
type checkpointer struct {
	own   *sql.DB // its own connection to the file
	store *sql.DB // the store's connection
	stop  chan struct{}
	wg    sync.WaitGroup
}

// startCheckpointer starts checkpointing the database at dsn, whose
// store's handle is store. Errors of a checkpoint are left for the next
// one: SQLITE_BUSY (another checkpoint is running, in this process or
// another) is normal, and a checkpoint that did not happen costs nothing
// but a longer log.
func startCheckpointer(dsn string, store *sql.DB) (*checkpointer, error) {
	own, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	own.SetMaxOpenConns(1)
	c := &checkpointer{own: own, store: store, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if frames, err := checkpoint(c.own); err == nil && frames > walMaxFrames {
			_, _ = checkpoint(c.store)
		}
	}
}

// checkpoint runs a PASSIVE checkpoint on db and returns how many frames
// the log holds.
func checkpoint(db *sql.DB) (frames int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
	defer cancel()
	var busy, done int
	err = db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done)
	return frames, err
}

// close stops the checkpoints and closes the checkpointer's connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.wg.Wait()
	return c.own.Close()
}
