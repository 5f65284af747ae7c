package config

import (
	"net/url"
	"strings"
)

// The store drivers.
const (
	// StoreSQLite is the embedded SQLite file at store.path.
	StoreSQLite = "sqlite"
	// StorePostgres is the PostgreSQL database store.dsn names.
	StorePostgres = "postgres"
)

// store checks the store section: a known driver, the path SQLite needs,
// and the DSN PostgreSQL needs (and only it). Messages never show the
// DSN, which may hold a password.
func (v *validator) store(s *Store) {
	switch s.Driver {
	case "", StoreSQLite:
		if s.Path == "" {
			v.add("store.path", "required")
		}
		if s.DSN != "" {
			v.add("store.dsn", "only with store.driver: postgres")
		}
	case StorePostgres:
		if s.DSN == "" {
			v.add("store.driver", "postgres needs store.dsn")
		} else if msg := checkDSN(s.DSN.Reveal()); msg != "" {
			v.add("store.dsn", "%s", msg)
		}
	default:
		v.add("store.driver", "%q: must be sqlite or postgres", s.Driver)
	}
}

// checkDSN says what is wrong with a PostgreSQL DSN, or "": it must be a
// postgres:// or postgresql:// URL with a host, or key=value words (libpq's
// form). The server checks the rest when Parley connects.
func checkDSN(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "not a valid URL" // err would quote the DSN, password included
		}
		if u.Host == "" {
			return "the URL names no host"
		}
		return ""
	case strings.Contains(dsn, "="):
		return ""
	}
	return "must be a postgres:// URL or key=value words (host=... dbname=...)"
}
