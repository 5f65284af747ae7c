package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/sip"
	"github.com/parleyhq/parley/store"
)

// migrateCmd is `parley migrate [--dry-run] [--config FILE]`: it prints
// the schema migrations that opening the config's store.path would apply,
// and where the file would be copied first, and unless --dry-run applies
// them (the copy included) as `parley serve` would at start. The server
// should be stopped: a running Parley does not expect its schema to change.
func migrateCmd(fs *flag.FlagSet) action {
	path := fs.String("config", "", "config `FILE` whose store.path is migrated (default: "+defaultConfigPath+" if it exists, else the embedded default)")
	dryRun := fs.Bool("dry-run", false, "print what would be done and change nothing")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 0 {
			fmt.Fprintf(stderr, "parley: migrate takes no arguments, not %q\n", pos)
			return exitUsage
		}
		st, ok := storeConfig(*path, stderr)
		if !ok {
			return 1
		}
		if st.Driver == config.StorePostgres {
			fmt.Fprintln(stderr, "parley: migrate: store.driver is postgres: parley serve migrates the database at start, one node at a time (an advisory lock); back it up with pg_dump first")
			return 1
		}
		dbPath := st.Path
		plan, err := store.PlanMigrations(context.Background(), dbPath)
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		printPlan(stdout, plan, *dryRun)
		if *dryRun || len(plan.Pending) == 0 {
			return 0
		}
		db, err := store.Open(dbPath)
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		if err := db.Close(); err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: now at schema version %d\n", dbPath, plan.Latest)
		return 0
	}
}

// printPlan says what migrating plan's file does (would do, if dryRun).
func printPlan(w io.Writer, plan store.Plan, dryRun bool) {
	would := func(doing, would string) string {
		if dryRun {
			return would
		}
		return doing
	}
	switch {
	case !plan.Exists:
		fmt.Fprintf(w, "%s: does not exist; %s at schema version %d\n", plan.Path, would("creating it", "it would be created"), plan.Latest)
	case len(plan.Pending) == 0:
		fmt.Fprintf(w, "%s: schema version %d, up to date\n", plan.Path, plan.Current)
		return
	default:
		fmt.Fprintf(w, "%s: schema version %d; this Parley's is %d\n", plan.Path, plan.Current, plan.Latest)
	}
	if plan.CopyAside != "" {
		fmt.Fprintf(w, "%s the file to %s first\n", would("copying", "would copy"), plan.CopyAside)
	}
	fmt.Fprintf(w, "%s %d migration(s):\n", would("applying", "would apply"), len(plan.Pending))
	for _, m := range plan.Pending {
		fmt.Fprintf(w, "  %s  %s\n", m.Name, m.Summary)
	}
}

// backupCmd is `parley backup FILE [--config FILE]`: an online copy of
// the config's store.path to the new FILE with SQLite's backup API,
// consistent while the server runs; it never migrates.
func backupCmd(fs *flag.FlagSet) action {
	path := fs.String("config", "", "config `FILE` whose store.path is copied (default: "+defaultConfigPath+" if it exists, else the embedded default)")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "parley: backup takes one FILE to write, not %d arguments\n", len(pos))
			return exitUsage
		}
		st, ok := storeConfig(*path, stderr)
		if !ok {
			return 1
		}
		if st.Driver == config.StorePostgres {
			fmt.Fprintln(stderr, "parley: backup: store.driver is postgres: use pg_dump (parley backup copies SQLite files only)")
			return 1
		}
		dbPath := st.Path
		version, err := store.Backup(context.Background(), dbPath, pos[0])
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: copied to %s (schema version %d)\n", dbPath, pos[0], version)
		return 0
	}
}

// storeConfig returns the store section of the config file given (or, as
// for serve, defaultConfigPath if it exists, else the embedded default),
// or prints why it cannot. A SQLite store needs no secrets, so a ${VAR}
// not set here is left as written.
func storeConfig(given string, stderr io.Writer) (config.Store, bool) {
	path := configPath(given, defaultConfigPath)
	if path == "" {
		return config.Default().Store, true
	}
	cfg, err := config.Load(path, config.WithLookupEnv(keepUnsetVars))
	if err != nil {
		printConfigError(stderr, err)
		return config.Store{}, false
	}
	return cfg.Store, true
}

// pgOpenTimeout bounds connecting to PostgreSQL and migrating it at start.
const pgOpenTimeout = time.Minute

// sharedBindings is what the SIP registrar shares its bindings through:
// the PostgreSQL store, which other nodes may use too; nil (memory only)
// for SQLite, a single node's.
func sharedBindings(s config.Store, db *store.DB) sip.SharedBindings {
	if s.Driver != config.StorePostgres {
		return nil
	}
	return db
}

// nodeName names this process among the nodes sharing a store: its
// cluster.node when it is one of a cluster (unique among live nodes), else
// the host name and the process ID, unique while it runs (the bindings a
// node leaves behind when it dies expire with the phones' registrations).
func nodeName(c *config.Cluster) string {
	if c != nil && c.Node != "" {
		return c.Node
	}
	host, err := os.Hostname()
	if err != nil {
		host = "parley"
	}
	return host + "/" + strconv.Itoa(os.Getpid())
}

// storeLabel names the store s configures in the log: the SQLite file,
// or "postgres" (never the DSN, which may hold a password).
func storeLabel(s config.Store) string {
	if s.Driver == config.StorePostgres {
		return config.StorePostgres
	}
	return s.Path
}

// openStore opens the store s configures for serve: the PostgreSQL
// database (migrated at open, see store.OpenPostgres), or the SQLite file,
// first logging the migrations it is about to apply and where the file is
// copied before.
func openStore(s config.Store, log *slog.Logger) (*store.DB, error) {
	if s.Driver == config.StorePostgres {
		// A server that does not answer fails the start rather than
		// hanging it.
		ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
		defer cancel()
		return store.OpenPostgres(ctx, s.DSN.Reveal())
	}
	path := s.Path
	if plan, err := store.PlanMigrations(context.Background(), path); err == nil && plan.Exists && len(plan.Pending) > 0 {
		log.Info("migrating the database schema", "path", path, "from", plan.Current, "to", plan.Latest,
			"copy", plan.CopyAside)
	}
	return store.Open(path)
}

// keepUnsetVars looks ${VAR} up in the environment for config.Load, and
// leaves one that is not set as written rather than refused: for commands
// that read no secrets (route, migrate, backup), so that the admin's shell
// need not hold the passwords.
func keepUnsetVars(name string) (string, bool) {
	if v, ok := os.LookupEnv(name); ok {
		return v, true
	}
	return "${" + name + "}", true
}
