package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// AddUser creates or replaces a user. The caller hashes the password.
func (s *Store) AddUser(ctx context.Context, u store.User) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	if err := checkName("user name", u.Name); err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	if u.Role != store.RoleSupervisor && u.Role != store.RoleAdmin {
		return fmt.Errorf("add user %s: unknown role %q", u.Name, u.Role)
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO users (name, role, password_hash) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
			u.Name, u.Role, u.PasswordHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	return nil
}

// User returns one user, or ErrNotFound.
func (s *Store) User(ctx context.Context, name string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	if !storable(name) {
		return store.User{}, fmt.Errorf("user %s: %w", name, store.ErrNotFound)
	}
	var u store.User
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT name, role, password_hash FROM users WHERE name = $1", name).
			Scan(&u.Name, &u.Role, &u.PasswordHash)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}
