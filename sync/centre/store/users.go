package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// AddUser creates or replaces a user. The caller hashes the password.
func (b *Bolt) AddUser(ctx context.Context, u User) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	if err := checkName("user name", u.Name); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if u.Role != RoleSupervisor && u.Role != RoleAdmin {
		return fmt.Errorf("add user %s: unknown role %q", u.Name, u.Role)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketUsers), []byte(u.Name), u)
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	return nil
}

// User returns one user, or ErrNotFound.
func (b *Bolt) User(ctx context.Context, name string) (User, error) {
	var u User
	if err := ctx.Err(); err != nil {
		return u, fmt.Errorf("user %s: %w", name, err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketUsers), []byte(name), &u)
	})
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}
