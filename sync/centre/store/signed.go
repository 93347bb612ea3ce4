package store

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Signed documents live in one nested bucket per kind, keyed by version
// (8 bytes big-endian), so the last key is the latest version.

// PutSigned stores a signed document whose version is exactly one more than
// the latest of its kind (1 for the first).
func (b *Bolt) PutSigned(ctx context.Context, s wire.Signed) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s %d: %w", s.Kind, s.Version, err)
	}
	if err := checkName("document kind", s.Kind); err != nil {
		return fmt.Errorf("put signed: %w", err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.Bucket(bucketSigned).CreateBucketIfNotExists([]byte(s.Kind))
		if err != nil {
			return err
		}
		var latest int64
		if k, _ := bk.Cursor().Last(); k != nil {
			latest = int64(decodeUint64(k))
		}
		if s.Version != latest+1 {
			return fmt.Errorf("version %d does not follow the latest, %d", s.Version, latest)
		}
		return putJSON(bk, encodeUint64(uint64(s.Version)), s)
	})
	if err != nil {
		return fmt.Errorf("put %s %d: %w", s.Kind, s.Version, err)
	}
	return nil
}

// LatestSigned returns the newest document of a kind, or ErrNotFound.
func (b *Bolt) LatestSigned(ctx context.Context, kind string) (wire.Signed, error) {
	var s wire.Signed
	if err := ctx.Err(); err != nil {
		return s, fmt.Errorf("latest %s: %w", kind, err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSigned).Bucket([]byte(kind))
		if bk == nil {
			return ErrNotFound
		}
		k, v := bk.Cursor().Last()
		if k == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &s)
	})
	if err != nil {
		return wire.Signed{}, fmt.Errorf("latest %s: %w", kind, err)
	}
	return s, nil
}

// SignedSince returns the documents of a kind with version > after, oldest
// first; none (and no error) when there are none.
func (b *Bolt) SignedSince(ctx context.Context, kind string, after int64) ([]wire.Signed, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s since %d: %w", kind, after, err)
	}
	if after < 0 {
		after = 0
	}
	var out []wire.Signed
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketSigned).Bucket([]byte(kind))
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Seek(encodeUint64(uint64(after) + 1)); k != nil; k, v = c.Next() {
			var s wire.Signed
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("decode version %d: %w", decodeUint64(k), err)
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s since %d: %w", kind, after, err)
	}
	return out, nil
}
