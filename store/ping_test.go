package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestPing: an open database answers; a closed one does not.
func TestPing(t *testing.T) {
	for _, path := range []string{MemoryPath, filepath.Join(t.TempDir(), "parley.db")} {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(context.Background()); err != nil {
			t.Errorf("%s: Ping = %v on an open database", path, err)
		}
		db.Close()
		if err := db.Ping(context.Background()); err == nil {
			t.Errorf("%s: Ping = nil on a closed database", path)
		}
	}
}
