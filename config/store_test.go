package config

import (
	"strings"
	"testing"
)

// TestStoreSection: sqlite by default, postgres with a DSN, and each bad
// combination refused with its FILE:LINE and without the DSN's password.
func TestStoreSection(t *testing.T) {
	const pw = "s3cret-pw"
	for _, tt := range []struct {
		name, yaml string
		driver     string
		err        string
	}{
		{"default", "rooms: []\n", StoreSQLite, ""},
		{"sqlite", "store:\n  driver: sqlite\n", StoreSQLite, ""},
		{"postgres url", "store:\n  driver: postgres\n  dsn: postgres://parley:" + pw + "@db:5432/parley\n", StorePostgres, ""},
		{"postgres words", "store:\n  driver: postgres\n  dsn: host=db dbname=parley password=" + pw + "\n", StorePostgres, ""},
		{"unknown driver", "store:\n  driver: mysql\n", "", `p.yaml:2: store.driver: "mysql": must be sqlite or postgres`},
		{"postgres without dsn", "store:\n  driver: postgres\n", "", "p.yaml:2: store.driver: postgres needs store.dsn"},
		{"dsn with sqlite", "store:\n  dsn: postgres://parley:" + pw + "@db/parley\n", "", "p.yaml:2: store.dsn: only with store.driver: postgres"},
		{"no host", "store:\n  driver: postgres\n  dsn: postgres://parley:" + pw + "@/parley\n", "", "p.yaml:3: store.dsn: the URL names no host"},
		{"bad url", "store:\n  driver: postgres\n  dsn: \"postgres://parley:" + pw + "@db:x%zz/p\"\n", "", "p.yaml:3: store.dsn: not a valid URL"},
		{"neither", "store:\n  driver: postgres\n  dsn: " + pw + "\n", "", "p.yaml:3: store.dsn: must be a postgres:// URL or key=value words"},
		{"empty path", "store:\n  path: \"\"\n", "", "p.yaml:2: store.path: required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("p.yaml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Store.Driver != tt.driver {
				t.Errorf("driver %q, want %q", c.Store.Driver, tt.driver)
			}
		})
	}
}
