package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
)

// defaultConfigPath is the config file serve, check-config and route read
// when given none, if it exists; without it they use the embedded default
// config (check-config wants a file).
const defaultConfigPath = "/etc/parley/parley.yaml"

// configPath returns the config file to read: given if not empty, else
// def when it is there (or cannot be looked at: reading it then says why),
// else "" for the embedded default config.
func configPath(given, def string) string {
	if given != "" {
		return given
	}
	if _, err := os.Stat(def); !errors.Is(err, fs.ErrNotExist) {
		return def
	}
	return ""
}

// serveCmd is `parley serve [FILE | --config FILE]`: it runs the bridge
// until a signal stops it. It exits 1 when the config is bad or serving
// fails, 2 on bad usage.
func serveCmd(fs *flag.FlagSet) action {
	flagPath := fs.String("config", "", "config `FILE`, as the FILE argument")
	return func(pos []string, _, stderr io.Writer) int {
		given := *flagPath
		switch {
		case len(pos) > 1:
			fmt.Fprintf(stderr, "parley: serve takes one config FILE, not %d arguments %q\n", len(pos), pos)
			return exitUsage
		case len(pos) == 1 && given != "" && given != pos[0]:
			fmt.Fprintf(stderr, "parley: two config files, %s and --config %s: give one\n", pos[0], given)
			return exitUsage
		case len(pos) == 1:
			given = pos[0]
		}
		path := configPath(given, defaultConfigPath)
		cfg := config.Default()
		source := "embedded default (no " + defaultConfigPath + ")"
		if path != "" {
			var err error
			if cfg, err = config.Load(path); err != nil {
				printConfigError(stderr, err)
				return 1
			}
			source = path
		}
		build := readBuildInfo()
		newLogger(cfg.Log, stderr).Info("parley starting", "version", build.Version, "commit", build.Commit, "config", source)
		stop := make(chan os.Signal, 1)
		// SIGHUP reloads the config file (and must not kill the process,
		// its default action).
		signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
		defer signal.Stop(stop)
		if err := serve(cfg, stderr, stop); err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		return 0
	}
}

// checkConfigCmd is `parley check-config [FILE]`: it loads FILE (default:
// defaultConfigPath) and prints every problem as FILE:LINE: message. It
// exits 1 when there is one, 2 on bad usage.
func checkConfigCmd(*flag.FlagSet) action {
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) > 1 {
			return exitUsage
		}
		path := ""
		if len(pos) == 1 {
			path = pos[0]
		}
		if path = configPath(path, defaultConfigPath); path == "" {
			fmt.Fprintf(stderr, "parley: no FILE given and no %s\n", defaultConfigPath)
			return exitUsage
		}
		cfg, err := config.Load(path)
		if err == nil {
			err = cfg.CheckCodecs(media.Supported)
		}
		if err != nil {
			printConfigError(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
		return 0
	}
}

// printConfigError prints one FILE:LINE: message line per problem.
func printConfigError(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err)
}
