package pgstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pool is a small connection pool: at most max connections, idle ones
// reused, broken ones dropped. (pgxpool would do; it needs a module this
// build does not carry.)
type pool struct {
	cfg   *pgx.ConnConfig
	slots chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []idleConn
	closed bool
}

type idleConn struct {
	conn  *pgx.Conn
	since time.Time
}

// pingAfter: a connection idle longer than this is pinged before reuse,
// so one the server dropped meanwhile is replaced, not handed out.
const pingAfter = time.Second

// closeTimeout bounds the goodbye to a connection being dropped.
const closeTimeout = 5 * time.Second

var errClosed = errors.New("store is closed")

func newPool(cfg *pgx.ConnConfig, max int) *pool {
	return &pool{cfg: cfg, slots: make(chan struct{}, max)}
}

// acquire returns a connection, waiting for a free slot until ctx ends.
func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		ic, ok, err := p.popIdle()
		if err != nil {
			<-p.slots
			return nil, err
		}
		if !ok {
			break
		}
		if time.Since(ic.since) < pingAfter || ic.conn.Ping(ctx) == nil {
			return ic.conn, nil
		}
		closeConn(ic.conn)
	}
	c, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// popIdle takes the most recently used idle connection.
func (p *pool) popIdle() (idleConn, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return idleConn{}, false, errClosed
	}
	n := len(p.idle)
	if n == 0 {
		return idleConn{}, false, nil
	}
	ic := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return ic, true, nil
}

// release returns a connection. One that is closed, or was left inside a
// transaction, is dropped.
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slots }()
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		closeConn(c)
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		closeConn(c)
		return
	}
	p.idle = append(p.idle, idleConn{conn: c, since: time.Now()})
	p.mu.Unlock()
}

// close closes the idle connections; those in use close on release.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ic := range idle {
		closeConn(ic.conn)
	}
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = c.Close(ctx)
}
