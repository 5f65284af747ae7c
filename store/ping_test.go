package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestPing: an open database answers; a closed one does not.
func TestPing(t *testing.T) {
	db, _, _ := newDB(t)
	dbs := []*DB{db}
	if testPG == nil {
		for _, path := range []string{MemoryPath, filepath.Join(t.TempDir(), "parley.db")} {
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			dbs = append(dbs, db)
		}
	}
	for i, db := range dbs {
		if err := db.Ping(context.Background()); err != nil {
			t.Errorf("database %d: Ping = %v on an open database", i, err)
		}
		db.Close()
		if err := db.Ping(context.Background()); err == nil {
			t.Errorf("database %d: Ping = nil on a closed database", i)
		}
	}
}
