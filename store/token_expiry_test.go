package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateTokenExpiry: a token stored without an expiry by a Parley
// before 0004 expires 12 hours after its creation; one with an expiry keeps
// it.
func TestMigrateTokenExpiry(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	raw := openRaw(t, path)
	if err := migrate(ctx, raw, sqliteDialect, migrationsUpTo(t, 3), t0); err != nil {
		t.Fatal(err)
	}
	later := ms(t0.Add(48 * time.Hour))
	for _, q := range []string{
		`INSERT INTO rooms (number, name, created_at, updated_at) VALUES ('1000', 'Old room', 1, 1)`,
		`INSERT INTO tokens (hash, room, role, label, created_at, expires_at) VALUES (x'01', '1000', 'moderator', 'old', ?, NULL)`,
		`INSERT INTO tokens (hash, room, role, label, created_at, expires_at) VALUES (x'02', '1000', 'moderator', 'dated', ?, ?)`,
	} {
		if _, err := raw.Exec(q, ms(t0), later); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.Tokens(ctx, "1000")
	if err != nil || len(list) != 2 {
		t.Fatalf("tokens: %v, %v", list, err)
	}
	if got := list[0].ExpiresAt; got == nil || ms(*got) != ms(t0.Add(12*time.Hour)) {
		t.Errorf("token without expiry: expires %v, want %v", got, t0.Add(12*time.Hour))
	}
	if got := list[1].ExpiresAt; got == nil || ms(*got) != later {
		t.Errorf("token with expiry: expires %v, want it kept", got)
	}
}
