package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// PutSigned stores a signed document whose version is exactly one more than
// the latest of its kind (1 for the first). Of two centres storing the same
// version at once, one succeeds and the other gets the version error.
func (s *Store) PutSigned(ctx context.Context, d wire.Signed) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s %d: %w", d.Kind, d.Version, err)
	}
	if err := checkName("document kind", d.Kind); err != nil {
		return fmt.Errorf("put signed: %w", err)
	}
	issued, ns := splitTime(d.IssuedAt)
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `INSERT INTO signed (kind, version, issued_at, issued_ns, payload, signature)
			SELECT $1::text, $2::bigint, $3::timestamptz, $4::smallint, $5::bytea, $6::bytea
			WHERE $2::bigint = (SELECT coalesce(max(version), 0) + 1 FROM signed WHERE kind = $1::text)`,
			d.Kind, d.Version, issued, ns, d.Payload, d.Signature)
		if err == nil && tag.RowsAffected() == 1 {
			return nil
		}
		if err != nil && !hasCode(err, codeUnique) {
			return err
		}
		var latest int64
		if err := c.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM signed WHERE kind = $1", d.Kind).Scan(&latest); err != nil {
			return err
		}
		return fmt.Errorf("version %d does not follow the latest, %d", d.Version, latest)
	})
	if err != nil {
		return fmt.Errorf("put %s %d: %w", d.Kind, d.Version, err)
	}
	return nil
}

// signedQuery selects every column of signed, in scanSigned's order.
const signedQuery = "SELECT kind, version, issued_at, issued_ns, payload, signature FROM signed"

func scanSigned(row pgx.CollectableRow) (wire.Signed, error) {
	var (
		d      wire.Signed
		issued time.Time
		ns     int16
	)
	err := row.Scan(&d.Kind, &d.Version, &issued, &ns, &d.Payload, &d.Signature)
	d.IssuedAt = joinTime(issued, ns).UTC()
	return d, err
}

// LatestSigned returns the newest document of a kind, or ErrNotFound.
func (s *Store) LatestSigned(ctx context.Context, kind string) (wire.Signed, error) {
	if err := ctx.Err(); err != nil {
		return wire.Signed{}, fmt.Errorf("latest %s: %w", kind, err)
	}
	if !storable(kind) {
		return wire.Signed{}, fmt.Errorf("latest %s: %w", kind, store.ErrNotFound)
	}
	var d wire.Signed
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, signedQuery+" WHERE kind = $1 ORDER BY version DESC LIMIT 1", kind)
		var err error
		d, err = pgx.CollectExactlyOneRow(rows, scanSigned)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return wire.Signed{}, fmt.Errorf("latest %s: %w", kind, err)
	}
	return d, nil
}

// SignedSince returns the documents of a kind with version > after, oldest
// first; none (and no error) when there are none.
func (s *Store) SignedSince(ctx context.Context, kind string, after int64) ([]wire.Signed, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s since %d: %w", kind, after, err)
	}
	if !storable(kind) {
		return nil, nil
	}
	var ds []wire.Signed
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, signedQuery+" WHERE kind = $1 AND version > $2 ORDER BY version", kind, after)
		var err error
		ds, err = pgx.CollectRows(rows, scanSigned)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s since %d: %w", kind, after, err)
	}
	if len(ds) == 0 {
		return nil, nil
	}
	return ds, nil
}
